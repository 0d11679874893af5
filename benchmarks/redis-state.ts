/**
 * State repository costs against a real Redis: what production mode adds per Kafka batch and per
 * notification.
 *
 * Method.
 *  - Redis: REDIS_URL, or a throwaway one started with scripts/services/redis.sh on a free port (no
 *    persistence) and stopped at the end. Client and Redis on the same machine (127.0.0.1), so figures are
 *    a floor for a networked Redis: add one network round trip per commit and per claim.
 *  - Documents: alerts shaped like kube-prometheus alerts (10 labels, 3 annotations), encoded with the
 *    tracking codec (≈ 700 B of JSON each).
 *  1. Commit latency: a partition first holds 10,000 alerts; then batches of B alerts (B = 100, 1000)
 *     are committed one after another (as the runner does per partition), each re-upserting existing
 *     fingerprints with new `endsAt`/`updatedAt` (re-sends, the common case). Latency = `commit()` call to
 *     resolution, including validation and JSON encoding; the encoding alone is measured separately.
 *     Warm-up batches discarded; p50/p90/p99 over the rest; 3 rounds, medians of the round figures.
 *  2. Load: `load()` of a partition holding N alerts (N = 10,000 and 100,000), 5 times, median.
 *  3. Claims: (a) one at a time on one connection — latency; (b) 64 in flight on one connection —
 *     claims/s; (c) 4 instances (4 connections) racing for the same 20,000 (key, state) pairs, 64 in
 *     flight each — claims/s and a check that every pair has exactly one winner.
 *  The in-memory repository is measured the same way for reference.
 *
 *   npm run build && node dist/benchmarks/redis-state.js [--quick]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert } from '../src/domain/alert.js';
import { fingerprint } from '../src/domain/labels.js';
import { MemoryStateRepository, MemoryStateStore } from '../src/state/memoryRepository.js';
import { connectStateRedis } from '../src/state/redis/client.js';
import { RedisStateRepository } from '../src/state/redis/redisRepository.js';
import { type DocumentUpsert, encodeChanges, type StateRepository } from '../src/state/repository.js';
import { encodeAlert } from '../src/state/trackingCodecs.js';
import { machineLine } from './lib/machine.js';
import { isMain, repoRoot } from './lib/paths.js';
import { fmtInt, median, table } from './lib/stats.js';
import { freePort } from './lib/net.js';

const quick = process.argv.includes('--quick');

function makeAlert(i: number, now: number): Alert {
  const labels = {
    alertname: ['KubePodCrashLooping', 'ModelAccuracyLow', 'FeatureFreshnessLate', 'HighRequestLatency'][i % 4]!,
    severity: ['critical', 'warning'][i % 2]!,
    namespace: `ns-${i % 40}`,
    pod: `inference-${i % 500}-7f9c${(i % 97).toString(16)}`,
    container: 'server',
    job: 'kube-state-metrics',
    instance: `10.0.${(i >> 8) & 255}.${i & 255}:8080`,
    cluster: `prod-eu-${i % 3}`,
    team: ['ml-platform', 'sre', 'data'][i % 3]!,
    model: `ranker-v${i % 7}`,
  };
  return {
    labels,
    annotations: {
      summary: `Pod ${labels.pod} is crash looping`,
      description: `Pod ${labels.namespace}/${labels.pod} (${labels.container}) is restarting 2.5 times / 10 minutes.`,
      runbook_url: 'https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping',
    },
    startsAt: now - 3600_000,
    endsAt: now + 300_000,
    generatorURL: `http://prometheus:9090/graph?g0.expr=rate%28x%5B5m%5D%29&i=${i}`,
    updatedAt: now,
    timeout: true,
    fingerprint: fingerprint(labels),
    source: 'kafka',
  };
}

function docs(from: number, n: number, now: number): DocumentUpsert[] {
  const out: DocumentUpsert[] = [];
  for (let i = from; i < from + n; i++) {
    const a = makeAlert(i, now);
    out.push({ id: a.fingerprint, doc: encodeAlert(a), expiresAt: a.endsAt + 1800_000 });
  }
  return out;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

interface Backend {
  name: string;
  repo(instanceId: string): Promise<StateRepository>;
}

async function commitLatency(b: Backend, batch: number, rounds: number, reps: number): Promise<{ p50: number; p90: number; p99: number; docsPerSec: number }> {
  const r50: number[] = [];
  const r90: number[] = [];
  const r99: number[] = [];
  const rate: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const repo = await b.repo(`bench-commit-${batch}-${round}`);
    const p = `bench:${batch}-${round}-${Date.now()}`;
    await repo.load([p]);
    const total = 10_000;
    for (let i = 0; i < total; i += 1000) await repo.commit(p, { alerts: { upserts: docs(i, 1000, Date.now()) } });
    const warm = Math.max(3, Math.floor(reps / 10));
    const lat: number[] = [];
    let sum = 0;
    for (let i = 0; i < warm + reps; i++) {
      const batchDocs = docs((i * batch) % total, batch, Date.now());
      const t0 = performance.now();
      await repo.commit(p, { alerts: { upserts: batchDocs } });
      const dt = performance.now() - t0;
      if (i >= warm) {
        lat.push(dt);
        sum += dt;
      }
    }
    r50.push(pct(lat, 50));
    r90.push(pct(lat, 90));
    r99.push(pct(lat, 99));
    rate.push((reps * batch) / (sum / 1000));
    await repo.close();
  }
  return { p50: median(r50), p90: median(r90), p99: median(r99), docsPerSec: median(rate) };
}

function encodeCost(batch: number, reps: number): number {
  const lat: number[] = [];
  for (let i = 0; i < reps; i++) {
    const d = docs(i * batch, batch, Date.now());
    const t0 = performance.now();
    encodeChanges({ alerts: { upserts: d } }, Date.now());
    lat.push(performance.now() - t0);
  }
  return median(lat);
}

async function loadTime(b: Backend, n: number, reps: number): Promise<{ ms: number; bytes: number }> {
  const writer = await b.repo('bench-load-writer');
  const p = `bench:load-${n}-${Date.now()}`;
  await writer.load([p]);
  let bytes = 0;
  for (let i = 0; i < n; i += 1000) {
    const d = docs(i, Math.min(1000, n - i), Date.now());
    for (const x of d) bytes += JSON.stringify(x.doc).length;
    await writer.commit(p, { alerts: { upserts: d } });
  }
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const r = await b.repo(`bench-load-${i}`);
    const t0 = performance.now();
    const s = await r.load([p]);
    times.push(performance.now() - t0);
    if (s.get(p)!.docs.alerts.length !== n) throw new Error(`load returned ${s.get(p)!.docs.alerts.length}, want ${n}`);
    await r.close();
  }
  await writer.close();
  return { ms: median(times), bytes: bytes / n };
}

async function claims(b: Backend, n: number): Promise<{ seqUs: number; pipelinedPerSec: number; racePerSec: number }> {
  const repo = await b.repo('bench-claim');
  const tag = Date.now().toString(36);
  // (a) one at a time
  const lat: number[] = [];
  for (let i = 0; i < Math.min(n, 5000); i++) {
    const t0 = performance.now();
    await repo.claimNotification(`seq-${tag}-${i}`, 'abcdef0123456789', 60_000);
    lat.push(performance.now() - t0);
  }
  // (b) 64 in flight
  const inFlight = async (r: StateRepository, keys: string[], onResult?: (k: string, won: boolean) => void) => {
    let next = 0;
    const worker = async () => {
      while (next < keys.length) {
        const k = keys[next++]!;
        const won = await r.claimNotification(k, 'abcdef0123456789', 60_000);
        onResult?.(k, won);
      }
    };
    await Promise.all(Array.from({ length: 64 }, worker));
  };
  const keysB = Array.from({ length: n }, (_, i) => `pipe-${tag}-${i}`);
  let t0 = performance.now();
  await inFlight(repo, keysB);
  const pipelinedPerSec = n / ((performance.now() - t0) / 1000);
  // (c) 4 instances racing for the same keys
  const racers = await Promise.all([0, 1, 2, 3].map((i) => b.repo(`bench-racer-${i}`)));
  const keysC = Array.from({ length: n }, (_, i) => `race-${tag}-${i}`);
  const winners = new Map<string, number>();
  t0 = performance.now();
  await Promise.all(racers.map((r) => inFlight(r, keysC, (k, won) => won && winners.set(k, (winners.get(k) ?? 0) + 1))));
  const racePerSec = (4 * n) / ((performance.now() - t0) / 1000);
  if (winners.size !== n || [...winners.values()].some((c) => c !== 1)) throw new Error('claim race: not exactly one winner per key');
  for (const r of [repo, ...racers]) await r.close();
  return { seqUs: median(lat) * 1000, pipelinedPerSec, racePerSec };
}


export async function main(): Promise<void> {
  let url = process.env.REDIS_URL;
  let stop: (() => void) | undefined;
  if (!url) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'alertsift-bench-redis-'));
    const env = { ...process.env, REDIS_PORT: String(port), SERVICES_DIR: dir };
    const script = join(repoRoot(), 'scripts/services/redis.sh');
    execFileSync('bash', [script, 'start'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    url = `redis://127.0.0.1:${port}`;
    stop = () => {
      execFileSync('bash', [script, 'stop'], { env, stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    };
  }
  const admin = await connectStateRedis(url);
  const info = await admin.info('server');
  const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
  const prefix = `alertsift-bench-${process.pid}`;
  const memoryStore = new MemoryStateStore();
  const backends: Backend[] = [
    { name: `Redis ${version} (ioredis 5, 127.0.0.1)`, repo: (id) => RedisStateRepository.connect(url!, { prefix, instanceId: id, client: { commandTimeout: 60_000 } }) },
    { name: 'memory (reference)', repo: async (id) => new MemoryStateRepository({ store: memoryStore, instanceId: id }) },
  ];

  console.log(`redis-state benchmark — ${new Date().toISOString().slice(0, 10)} — ${machineLine()}`);
  const rounds = quick ? 1 : 3;
  try {
    for (const b of backends) {
      console.log(`\n## ${b.name}\n`);
      const rows: string[][] = [];
      for (const [batch, reps] of [
        [100, quick ? 30 : 300],
        [1000, quick ? 10 : 60],
      ] as const) {
        const r = await commitLatency(b, batch, rounds, reps);
        rows.push([`${batch} alerts`, r.p50.toFixed(2), r.p90.toFixed(2), r.p99.toFixed(2), fmtInt(r.docsPerSec)]);
      }
      console.log(table(['commit batch', 'p50 ms', 'p90 ms', 'p99 ms', 'alerts/s (sequential commits)'], rows));
      const loads: string[][] = [];
      for (const n of quick ? [10_000] : [10_000, 100_000]) {
        const l = await loadTime(b, n, quick ? 2 : 5);
        loads.push([fmtInt(n), l.ms.toFixed(0), fmtInt(l.bytes)]);
      }
      console.log('\n' + table(['load: alerts in partition', 'median ms', 'JSON bytes/alert'], loads));
      const c = await claims(b, quick ? 5000 : 20_000);
      console.log(
        '\n' +
          table(
            ['claims', 'figure'],
            [
              ['one at a time, median latency', `${c.seqUs.toFixed(0)} µs`],
              ['64 in flight, one connection', `${fmtInt(c.pipelinedPerSec)} claims/s`],
              ['4 instances racing for the same keys (exactly one winner each: checked)', `${fmtInt(c.racePerSec)} claims/s`],
            ],
          ),
      );
    }
    console.log(`\nencoding only (validate + JSON.stringify): 100 alerts ${encodeCost(100, 200).toFixed(2)} ms, 1000 alerts ${encodeCost(1000, 50).toFixed(2)} ms`);
  } finally {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, ks] = await admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...ks);
    } while (cursor !== '0');
    for (let i = 0; i < keys.length; i += 500) await admin.del(...keys.slice(i, i + 500));
    await admin.quit();
    stop?.();
  }
}

if (isMain(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
