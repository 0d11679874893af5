/**
 * Distributed mode end to end: alerts/s through Kafka with Redis state, for one and for two instances
 * (separate `alertsift serve` processes in one consumer group), and produce → decision latency.
 *
 * Production shape modelled: Prometheus (or a bridge) writes API v2 alert arrays to the raw topic, one
 * record per correlation scope (`cluster,namespace`, the default), keyed by scope — what the HTTP doors
 * write after splitting a POST by scope. Most traffic is re-sends: a fixed population of firing alerts
 * re-sent over and over with a moving `endsAt` (as Prometheus does every evaluation), so each re-send is a
 * stored-version change that the partition's tracker commits to Redis with the batch. Routes group by
 * `[alertname, cluster, namespace]` (so a group never spans partitions), notifications go to a local
 * webhook sink (they are few: one per group).
 *
 * Method.
 *  1. Throughput (backlog drain). A fresh raw topic (P partitions), group and Redis prefix per run. N
 *     alerts are produced first (records of K alerts, D distinct alerts re-sent N/D times). Then n
 *     instances are started together (`ALERTSIFT_KAFKA_FROM_BEGINNING=true`); once the group is stable
 *     (every partition owned, each instance owning its share) the committed offsets are sampled, and again
 *     when the backlog is drained. Alerts/s = alerts committed between the two samples / time between them
 *     (steady state: the first join, the rebalance and the last partial second are outside the window).
 *  2. Latency. With the instances caught up, alerts are produced at a fixed rate R (records of K alerts,
 *     evenly paced) for T seconds. Latency = `alertsift_kafka_record_latency_seconds`: from the record's
 *     Kafka timestamp (producer create time) to the moment its alerts were applied to the partition's
 *     engine (routed, grouped: the decision); p50/p99 interpolated within the histogram's buckets, from the
 *     bucket counts' difference over the phase, summed over the instances.
 *  Each configuration is run REPEATS times; the medians are printed, and the 2-vs-1 ratio.
 *
 * Everything shares the machine: broker (JVM), Redis, the producer (this process) and the instances.
 *
 *   export $(scripts/services/up.sh)   # KAFKA_BROKERS, REDIS_URL
 *   npm run bench:distributed [-- --quick] [-- --profile]
 *
 * Environment knobs: BENCH_ALERTS (N, default 600000), BENCH_DISTINCT (D, 20000), BENCH_PER_RECORD (K, 50),
 * BENCH_PARTITIONS (P, 8), BENCH_REPEATS (3), BENCH_RATE (R alerts/s, 10000), BENCH_LATENCY_SECONDS (T,
 * 10), BENCH_CONCURRENCY (ALERTSIFT_KAFKA_CONCURRENCY of the instances, default P).
 * `--profile` runs one 1-instance drain with `--cpu-prof` and prints where its time goes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Admin, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { createTopicsAndWait } from '../src/intake/kafka/index.js';
import { connectStateRedis } from '../src/state/redis/client.js';
import { type FunctionCost, formatProfile, type ProfileSummary, summarizeCpuProfile } from './lib/cpuprofile.js';
import { machineLine } from './lib/machine.js';
import { isMain, repoRoot } from './lib/paths.js';
import { fmtInt, median, table } from './lib/stats.js';
import { freePort } from './lib/net.js';

const quick = process.argv.includes('--quick');
const profile = process.argv.includes('--profile');
const envNum = (name: string, dflt: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const N = envNum('BENCH_ALERTS', quick ? 150_000 : 600_000);
const D = envNum('BENCH_DISTINCT', 20_000);
const K = envNum('BENCH_PER_RECORD', 50);
const P = envNum('BENCH_PARTITIONS', 8);
const REPEATS = envNum('BENCH_REPEATS', quick ? 1 : 3);
const RATE = envNum('BENCH_RATE', 10_000);
const LATENCY_SECONDS = envNum('BENCH_LATENCY_SECONDS', quick ? 5 : 10);
const CONCURRENCY = envNum('BENCH_CONCURRENCY', P);
const SCOPES = 64; // cluster × namespace combinations
const ALERTNAMES = ['KubePodCrashLooping', 'ModelAccuracyLow', 'FeatureFreshnessLate', 'HighRequestLatency', 'KubeContainerWaiting', 'DriftDetected'];

const BROKERS = (process.env['KAFKA_BROKERS'] ?? '').split(',').filter((s) => s !== '');
const REDIS_URL = process.env['ALERTSIFT_REDIS_URL'] ?? process.env['REDIS_URL'];

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------
// Traffic

interface Scope {
  cluster: string;
  namespace: string;
}

const scopeOf = (i: number): Scope => ({ cluster: `prod-${['eu', 'us', 'ap', 'sa'][i % 4]}-${(i >> 2) % 4}`, namespace: `ns-${(i >> 4) % 4}-${i % 16}` });

/** Alert j of the population (j < D): its scope is j % SCOPES. */
function alertJson(j: number, endsAt: string, startsAt: string): Record<string, unknown> {
  const s = scopeOf(j % SCOPES);
  const pod = `inference-${j}-7f9c${(j % 97).toString(16)}`;
  return {
    labels: {
      alertname: ALERTNAMES[j % ALERTNAMES.length]!,
      severity: j % 3 === 0 ? 'critical' : 'warning',
      cluster: s.cluster,
      namespace: s.namespace,
      pod,
      container: 'server',
      job: 'kube-state-metrics',
      instance: `10.${(j >> 16) & 255}.${(j >> 8) & 255}.${j & 255}:8080`,
      team: ['ml-platform', 'sre', 'data'][j % 3]!,
    },
    annotations: {
      summary: `Pod ${pod} needs attention`,
      description: `Pod ${s.namespace}/${pod} has been in this state for more than 15 minutes.`,
    },
    startsAt,
    endsAt,
    generatorURL: `http://prometheus.${s.cluster}:9090/graph?g0.expr=up&g0.tab=1`,
  };
}

/**
 * Records for `count` alerts, starting at position `from` of the endless re-send sequence: position i is
 * alert (i mod D); a record holds K alerts of one scope.
 */
function* records(from: number, count: number): Generator<{ key: string; value: string }> {
  // Walk scope by scope so a record's alerts share a scope: alert j belongs to scope j % SCOPES, so the
  // alerts of scope s are s, s+SCOPES, s+2·SCOPES, …
  const perScope = Math.ceil(D / SCOPES);
  const startsAt = new Date(Date.now() - 3600_000).toISOString();
  let produced = 0;
  let position = from;
  while (produced < count) {
    const scope = Math.floor(position / K) % SCOPES;
    const round = Math.floor(position / (K * SCOPES));
    const s = scopeOf(scope);
    const endsAt = new Date(Date.now() + 4 * 60_000 + (position % 1000)).toISOString();
    const alerts: Record<string, unknown>[] = [];
    for (let k = 0; k < K && produced < count; k++) {
      const slot = (round * K + k) % perScope;
      const j = scope + slot * SCOPES;
      alerts.push(alertJson(j < D ? j : scope, endsAt, startsAt));
      produced++;
      position++;
    }
    yield { key: `${s.cluster}/${s.namespace}`, value: JSON.stringify(alerts) };
  }
}

/** The promise, marked handled (it is awaited later; a rejection meanwhile must not crash the process). */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

async function produceBacklog(producer: Producer, topic: string, count: number): Promise<number> {
  const t0 = performance.now();
  let batch: { key: string; value: string }[] = [];
  const inFlight: Promise<unknown>[] = [];
  for (const r of records(0, count)) {
    batch.push(r);
    if (batch.length === 40) {
      inFlight.push(quiet(producer.send({ topic, messages: batch, acks: 1 })));
      batch = [];
      if (inFlight.length >= 8) await inFlight.shift();
    }
  }
  if (batch.length > 0) inFlight.push(quiet(producer.send({ topic, messages: batch, acks: 1 })));
  await Promise.all(inFlight);
  return count / ((performance.now() - t0) / 1000);
}

/** R alerts/s for `seconds`, in records of K, paced every 10 ms. */
async function producePaced(producer: Producer, topic: string, rate: number, seconds: number, from: number): Promise<number> {
  const recordsPerSecond = rate / K;
  const start = performance.now();
  let sent = 0;
  const total = Math.round(recordsPerSecond * seconds);
  const gen = records(from, total * K);
  const pending: Promise<unknown>[] = [];
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * recordsPerSecond));
    const messages: { key: string; value: string }[] = [];
    while (sent < due) {
      const r = gen.next();
      if (r.done) break;
      messages.push(r.value);
      sent++;
    }
    if (messages.length > 0) pending.push(quiet(producer.send({ topic, messages, acks: 1 })));
    await sleep(10);
  }
  await Promise.all(pending);
  return total * K;
}

// ---------------------------------------------------------------------------------------------------
// Instances


interface Instance {
  url: string;
  child: ChildProcess;
  log: () => string;
  exit: Promise<unknown>;
}

interface Names {
  raw: string;
  dlq: string;
  inc: string;
  group: string;
  prefix: string;
}

async function startInstance(config: string, names: Names, extraNodeArgs: string[] = [], cwd?: string): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, [...extraNodeArgs, join(repoRoot(), 'bin/alertsift.js'), 'serve', '--config', config, '--listen', `127.0.0.1:${port}`, '--log-level', 'warn'], {
    cwd: cwd ?? repoRoot(),
    env: {
      PATH: process.env['PATH'],
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      ALERTSIFT_KAFKA_BROKERS: BROKERS.join(','),
      ALERTSIFT_REDIS_URL: REDIS_URL,
      ALERTSIFT_REDIS_PREFIX: names.prefix,
      ALERTSIFT_KAFKA_GROUP: names.group,
      ALERTSIFT_KAFKA_TOPIC_RAW: names.raw,
      ALERTSIFT_KAFKA_TOPIC_DLQ: names.dlq,
      ALERTSIFT_KAFKA_TOPIC_INCIDENTS: names.inc,
      ALERTSIFT_KAFKA_FROM_BEGINNING: 'true',
      ALERTSIFT_KAFKA_SESSION_TIMEOUT_MS: '10000',
      ALERTSIFT_KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
      ALERTSIFT_KAFKA_REBALANCE_TIMEOUT_MS: '10000',
      ALERTSIFT_KAFKA_MAX_WAIT_MS: '100',
      ALERTSIFT_KAFKA_CONCURRENCY: String(CONCURRENCY),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
  child.stderr!.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20_000)));
  const exit = new Promise((r) => child.once('exit', r));
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`instance exited:\n${out}`);
    try {
      if ((await fetch(`${url}/-/healthy`)).ok) break;
    } catch {
      // starting
    }
    if (Date.now() > end) throw new Error(`instance did not start:\n${out}`);
    await sleep(100);
  }
  return { url, child, log: () => out, exit };
}

async function owned(i: Instance): Promise<number> {
  try {
    const r = await fetch(`${i.url}/api/v1/distributed`);
    return ((await r.json()) as { partitions: unknown[] }).partitions.length;
  } catch {
    return -1;
  }
}

async function stopInstance(i: Instance): Promise<void> {
  if (i.child.exitCode === null) i.child.kill('SIGTERM');
  await Promise.race([i.exit, sleep(20_000).then(() => i.child.kill('SIGKILL'))]);
}

// CPU accounting from /proc (Linux): how much of the machine the instances got, and what they cost.
const CLK_TCK = 100;

function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime + stime
  } catch {
    return 0;
  }
}

/** Pids whose command line contains `needle` (the broker, Redis). */
function pidsOf(needle: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(needle)) out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}

/** Whole-machine busy CPU seconds (all cores) from /proc/stat, and the part spent in (soft)irq (network). */
function machineCpu(): { busy: number; irq: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (line[3] ?? 0) + (line[4] ?? 0);
  return { busy: (line.reduce((a, b) => a + b, 0) - idle) / CLK_TCK, irq: ((line[5] ?? 0) + (line[6] ?? 0)) / CLK_TCK };
}

function cpuSample(instances: readonly Instance[]): { instances: number; broker: number; redis: number; bench: number; irq: number; total: number } {
  const sum = (pids: number[]) => pids.reduce((n, p) => n + procCpuSeconds(p), 0);
  const m = machineCpu();
  return {
    instances: sum(instances.map((i) => i.child.pid!).filter((p) => p !== undefined)),
    broker: sum(pidsOf('kafka.Kafka')),
    redis: sum(pidsOf('redis-server')),
    bench: procCpuSeconds(process.pid),
    irq: m.irq,
    total: m.busy,
  };
}

/** Cumulative bucket counts of the record-latency histogram: [le, count][]. */
async function latencyBuckets(i: Instance): Promise<[number, number][]> {
  const text = await (await fetch(`${i.url}/metrics`)).text();
  const out: [number, number][] = [];
  for (const line of text.split('\n')) {
    const m = /^alertsift_kafka_record_latency_seconds_bucket\{le="([^"]+)"\} (\d+(?:\.\d+)?)/.exec(line);
    if (m) out.push([m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2])]);
  }
  return out;
}

/** p-quantile from cumulative buckets (linear within a bucket). */
function quantile(buckets: [number, number][], q: number): number {
  const total = buckets[buckets.length - 1]?.[1] ?? 0;
  if (total === 0) return NaN;
  const target = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of buckets) {
    if (count >= target) {
      if (!Number.isFinite(le)) return prevLe;
      const inBucket = count - prevCount;
      return prevLe + (inBucket === 0 ? 0 : ((target - prevCount) / inBucket) * (le - prevLe));
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}

// ---------------------------------------------------------------------------------------------------
// One run

interface RunResult {
  instances: number;
  alertsPerSecond: number;
  windowSeconds: number;
  /** CPU seconds the instances used in the window, per 1000 alerts; and alerts per instance-CPU-second. */
  cpuMsPer1kAlerts: number;
  alertsPerCpuSecond: number;
  /** Share of the window's busy CPU (all cores): instances, broker, Redis, this process (the poller), (soft)irq, everything else. */
  cpuShare: { instances: number; broker: number; redis: number; bench: number; irq: number; others: number };
  /** Busy CPU / (window × cores). */
  machineBusy: number;
  produceRate: number;
  p50ms: number;
  p99ms: number;
  latencyAlerts: number;
}

async function committedTotal(admin: Admin, group: string, topic: string): Promise<number> {
  const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return (t?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
}

async function run(kafka: Kafka, config: string, instances: number, tag: string, nodeArgs: string[] = [], cwd?: string): Promise<RunResult> {
  const id = `${tag}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const names: Names = { raw: `bench-${id}-raw`, dlq: `bench-${id}-dlq`, inc: `bench-${id}-inc`, group: `bench-${id}`, prefix: `bench-${id}` };
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopicsAndWait(admin, [
      { topic: names.raw, numPartitions: P, replicationFactor: 1 },
      { topic: names.dlq, numPartitions: 1, replicationFactor: 1 },
      { topic: names.inc, numPartitions: 1, replicationFactor: 1 },
    ]);
  } finally {
    await admin.disconnect();
  }
  // A producer per run: kafkajs keeps refreshing metadata for every topic a producer ever wrote to, and
  // the previous run's topics are deleted.
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  const produceRate = await produceBacklog(producer, names.raw, N);
  const recordsTotal = Math.ceil(N / K); // records per scope walk: K alerts each (the last may be short)
  const started = await Promise.all(Array.from({ length: instances }, () => startInstance(config, names, nodeArgs, cwd)));
  const poller = kafka.admin();
  await poller.connect();
  try {
    // Steady state: every partition owned, split evenly.
    const share = Math.floor(P / instances);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const counts = await Promise.all(started.map(owned));
      if (counts.reduce((a, b) => a + b, 0) === P && counts.every((c) => c >= share)) break;
      if (Date.now() > deadline) throw new Error(`group did not settle: ${counts.join(',')}`);
      await sleep(100);
    }
    const c0 = await committedTotal(poller, names.group, names.raw);
    const t0 = performance.now();
    const cpu0 = cpuSample(started);
    let c1 = c0;
    let t1 = t0;
    const drainDeadline = Date.now() + 600_000;
    while (c1 < recordsTotal) {
      await sleep(200);
      c1 = await committedTotal(poller, names.group, names.raw);
      t1 = performance.now();
      if (Date.now() > drainDeadline) throw new Error(`backlog not drained: ${c1}/${recordsTotal}`);
    }
    const windowSeconds = (t1 - t0) / 1000;
    const cpu1 = cpuSample(started);
    // Records → alerts: every record but possibly the last holds K alerts.
    const alertsPerSecond = ((c1 - c0) * K) / windowSeconds;
    const instanceCpu = cpu1.instances - cpu0.instances;
    const totalCpu = cpu1.total - cpu0.total;
    const ofMachine = (x: number) => (totalCpu > 0 ? x / totalCpu : NaN);
    const d = (k: 'broker' | 'redis' | 'bench' | 'irq') => cpu1[k] - cpu0[k];
    const cpuShare = {
      instances: ofMachine(instanceCpu),
      broker: ofMachine(d('broker')),
      redis: ofMachine(d('redis')),
      bench: ofMachine(d('bench')),
      irq: ofMachine(d('irq')),
      others: ofMachine(totalCpu - instanceCpu - d('broker') - d('redis') - d('bench') - d('irq')),
    };

    // Latency at a fixed rate.
    await sleep(1000);
    const before = await Promise.all(started.map(latencyBuckets));
    const latencyAlerts = await producePaced(producer, names.raw, RATE, LATENCY_SECONDS, N);
    const target = recordsTotal + Math.ceil(latencyAlerts / K);
    const end = Date.now() + 120_000;
    while ((await committedTotal(poller, names.group, names.raw)) < target && Date.now() < end) await sleep(200);
    const after = await Promise.all(started.map(latencyBuckets));
    const merged: [number, number][] = after[0]!.map(([le], bi) => [
      le,
      after.reduce((n, a, ii) => n + (a[bi]?.[1] ?? 0) - (before[ii]?.[bi]?.[1] ?? 0), 0),
    ]);
    return {
      instances,
      alertsPerSecond,
      windowSeconds,
      cpuMsPer1kAlerts: (instanceCpu * 1000) / (((c1 - c0) * K) / 1000),
      alertsPerCpuSecond: ((c1 - c0) * K) / instanceCpu,
      cpuShare,
      machineBusy: totalCpu / (windowSeconds * cpus().length),
      produceRate,
      p50ms: quantile(merged, 0.5) * 1000,
      p99ms: quantile(merged, 0.99) * 1000,
      latencyAlerts,
    };
  } finally {
    await poller.disconnect();
    await producer.disconnect();
    await Promise.all(started.map(stopInstance));
    const a = kafka.admin();
    await a.connect();
    await a.deleteTopics({ topics: [names.raw, names.dlq, names.inc], timeout: 10_000 }).catch(() => {});
    await a.disconnect();
    await dropKeys(names.prefix);
  }
}

/** Deletes the run's state from Redis. */
async function dropKeys(prefix: string): Promise<void> {
  const redis = await connectStateRedis(REDIS_URL!);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

// ---------------------------------------------------------------------------------------------------

/** Self time by stage, as a share of the busy (non-idle) time of the profiled instance. */
function categories(summary: ProfileSummary): string {
  const of = (f: FunctionCost): string | undefined => {
    const loc = f.location;
    if (f.name === '(idle)' || f.name === '(program)') return undefined;
    if (f.name === '(garbage collector)') return 'garbage collection';
    if (loc.includes('dist/src/intake/kafka/records')) return 'record recognition (JSON.parse)';
    if (loc.includes('dist/src/normalize')) return 'normalization / validation';
    if (loc.includes('dist/src/state')) return 'state tracking + document encoding (JSON.stringify)';
    if (loc.includes('node_modules/ioredis') || loc.includes('node_modules/redis-')) return 'Redis client (ioredis)';
    if (loc.includes('node_modules/kafkajs')) return 'Kafka client (kafkajs: fetch, decode, commit)';
    if (/dist\/src\/(store|dispatch|domain|route|engine|notify|correlate)/.test(loc)) return 'engine (store, routing, grouping, dispatch)';
    if (loc.includes('dist/src/intake')) return 'intake loop';
    if (!loc || loc.startsWith('node:') || loc.startsWith('wasm')) return 'Node/V8 natives (socket writes, buffers, wasm hash)';
    return 'other (modules loading, prom-client, pino, fastify)';
  };
  const totals = new Map<string, number>();
  let busy = 0;
  for (const f of summary.functions) {
    const c = of(f);
    if (c === undefined) continue;
    busy += f.selfMs;
    totals.set(c, (totals.get(c) ?? 0) + f.selfMs);
  }
  const rows = [...totals].sort((a, b) => b[1] - a[1]).map(([c, ms]) => [c, `${ms.toFixed(0)} ms`, `${((100 * ms) / busy).toFixed(1)}%`]);
  return `busy ${(busy / 1000).toFixed(1)} s of ${(summary.totalMs / 1000).toFixed(1)} s profiled, by stage (self time):\n` + table(['stage', 'self', 'share of busy'], rows);
}

async function main(): Promise<void> {
  if (BROKERS.length === 0 || !REDIS_URL) {
    console.error('needs KAFKA_BROKERS and REDIS_URL: export $(scripts/services/up.sh)');
    process.exitCode = 2;
    return;
  }
  const sink = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end());
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
  const sinkPort = (sink.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'alertsift-bench-dist-'));
  const config = join(dir, 'alertsift.yml');
  writeFileSync(
    config,
    `route: {receiver: sink, group_by: [alertname, cluster, namespace], group_wait: 5s, group_interval: 1m, repeat_interval: 4h}
receivers:
- name: sink
  webhook_configs:
  - url: http://127.0.0.1:${sinkPort}/hook
`,
  );
  const kafka = new Kafka({ clientId: 'alertsift-bench', brokers: BROKERS, logLevel: logLevel.NOTHING });
  console.log(machineLine());
  console.log(`N=${fmtInt(N)} alerts (D=${fmtInt(D)} distinct, K=${K} per record, ${SCOPES} scopes), P=${P} partitions, concurrency ${CONCURRENCY}, latency phase ${fmtInt(RATE)} alerts/s for ${LATENCY_SECONDS} s, ${REPEATS} repeats`);
  try {
    if (profile) {
      const profDir = join(dir, 'prof');
      const r = await run(kafka, config, 1, 'prof', ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
      console.log(`profiled run: ${fmtInt(r.alertsPerSecond)} alerts/s`);
      for (const f of readdirSync(profDir)) {
        const summary = summarizeCpuProfile(join(profDir, f));
        console.log(formatProfile(summary, 40));
        console.log(categories(summary));
      }
      return;
    }
    const results: RunResult[] = [];
    for (let rep = 0; rep < REPEATS; rep++) {
      for (const n of [1, 2]) {
        const r = await run(kafka, config, n, `n${n}`);
        results.push(r);
        const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
        console.log(
          `run ${rep + 1}, ${n} instance(s): ${fmtInt(r.alertsPerSecond)} alerts/s over ${r.windowSeconds.toFixed(1)} s ` +
            `(backlog produced at ${fmtInt(r.produceRate)} alerts/s); ${fmtInt(r.alertsPerCpuSecond)} alerts per instance-CPU-second ` +
            `(${r.cpuMsPer1kAlerts.toFixed(1)} ms/1k alerts); machine ${pct(r.machineBusy)} busy, of which instances ${pct(r.cpuShare.instances)}, broker ${pct(r.cpuShare.broker)}, ` +
            `redis ${pct(r.cpuShare.redis)}, bench ${pct(r.cpuShare.bench)}, irq ${pct(r.cpuShare.irq)}, other processes ${pct(r.cpuShare.others)}; latency at ${fmtInt(RATE)}/s: p50 ${r.p50ms.toFixed(1)} ms, p99 ${r.p99ms.toFixed(1)} ms`,
        );
      }
    }
    const rows = [1, 2].map((n) => {
      const rs = results.filter((r) => r.instances === n);
      return {
        n,
        rate: median(rs.map((r) => r.alertsPerSecond)),
        perInstance: median(rs.map((r) => r.alertsPerSecond)) / n,
        p50: median(rs.map((r) => r.p50ms)),
        p99: median(rs.map((r) => r.p99ms)),
        perCpu: median(rs.map((r) => r.alertsPerCpuSecond)),
        instShare: median(rs.map((r) => r.cpuShare.instances)),
        all: rs.map((r) => fmtInt(r.alertsPerSecond)).join(' / '),
      };
    });
    console.log();
    console.log(
      table(
        ['instances', 'alerts/s (median)', 'per instance', 'runs', 'alerts per instance-CPU-s', 'instances\' share of machine CPU', `p50 @ ${fmtInt(RATE)}/s`, `p99 @ ${fmtInt(RATE)}/s`],
        rows.map((r) => [
          String(r.n),
          fmtInt(r.rate),
          fmtInt(r.perInstance),
          r.all,
          fmtInt(r.perCpu),
          `${(100 * r.instShare).toFixed(0)}%`,
          `${r.p50.toFixed(1)} ms`,
          `${r.p99.toFixed(1)} ms`,
        ]),
      ),
    );
    console.log(`\n2 vs 1 instances: ×${(rows[1]!.rate / rows[0]!.rate).toFixed(2)}`);
  } finally {
    sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
