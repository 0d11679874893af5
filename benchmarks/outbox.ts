/**
 * Outbox throughput and boundedness, against a local HTTP receiver in a child process (127.0.0.1).
 *
 * Models the delivery end of alertsift on a busy day: many receivers' integrations sending at once
 * (fast receiver), and one slow or overloaded vendor (slow receiver) that must not make the process
 * grow or block the pipeline.
 *
 * Method.
 *  1. Fast receiver (answers 202 at once). Per repetition, N notifications are pushed through
 *     `Outbox.send` to D destinations, keeping the outbox full (the producer waits for an answer when
 *     `pending()` reaches `maxQueued`); notifications/s = N / wall time from the first send to the last
 *     answer; latency = send → answer. Variants: generic webhook (no rate limit), PagerDuty (default
 *     120/60 s limit per routing key, keys chosen so it never binds), and the floor: plain `fetch` with
 *     the same concurrency and no outbox. Variants interleaved; medians over the repetitions (one
 *     warm-up run of each is discarded). Latency includes the time spent waiting in the full outbox.
 *  2. Slow receiver (200 ms per request). Requests are offered at a fixed rate well above what the
 *     receiver can take (concurrency / 0.2 s), for a fixed time, then the outbox drains. Every 250 ms:
 *     pending(), RSS, heap used. Reported per repetition, medians across repetitions: the largest
 *     pending() (must be ≤ maxQueued), how many sends were refused with "outbox full" (answered at once),
 *     heap and RSS in the first vs the last third of the saturated phase (no growth expected), and heap
 *     after the drain and two GCs.
 *     While the queue is full, two GCs and a heap reading give the settled cost of one queued request.
 *  3. Rate limit, wall clock: 250 PagerDuty events for one routing key with a scaled-down limit of 50
 *     per 1 s window, all at once: the most sends in any 1 s window (must be ≤ 50), the time taken
 *     (50 at once, then 50 per second: ≈ 4 s), and nothing dropped.
 *
 *   npm run build && node --expose-gc dist/benchmarks/outbox.js [--quick]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Deliver, httpDeliver } from '../src/notify/delivery/http.js';
import { Outbox } from '../src/notify/delivery/outbox.js';
import type { DeliveredResult } from '../src/notify/delivery/result.js';
import type { OutboundRequest } from '../src/notify/transport.js';
import { WallClock } from '../src/state/clock.js';
import { machineLine } from './lib/machine.js';
import { isMain } from './lib/paths.js';
import { fmtInt, median, spread, table } from './lib/stats.js';

const MiB = 1 << 20;

// ---------- receiver (child process) ----------

function runReceiver(delayMs: number): void {
  let count = 0;
  const body = '{"status":"success","message":"Event processed"}';
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      count++;
      const answer = () => {
        res.writeHead(202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      };
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ type: 'port', port: (server.address() as AddressInfo).port });
  });
  process.on('message', (m: { type: string }) => {
    if (m.type === 'count') process.send?.({ type: 'count', count });
    if (m.type === 'exit') server.close(() => process.exit(0));
  });
}

interface Receiver {
  readonly url: string;
  count(): Promise<number>;
  stop(): Promise<void>;
}

async function startReceiver(delayMs: number): Promise<Receiver> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--receiver', String(delayMs)], { stdio: 'inherit' });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { type: string; port: number }) => (m.type === 'port' ? resolve(m.port) : reject(new Error('bad message'))));
    child.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    count: () =>
      new Promise((resolve) => {
        const on = (m: { type: string; count: number }) => {
          if (m.type === 'count') {
            child.off('message', on);
            resolve(m.count);
          }
        };
        child.on('message', on);
        child.send({ type: 'count' });
      }),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.send({ type: 'exit' });
      }),
  };
}

// ---------- requests ----------

function webhookReq(base: string, dest: number, i: number): OutboundRequest {
  return {
    receiver: `team-${dest % 20}`,
    integration: 'webhook',
    index: 0,
    url: `${base}/hook/${dest}`,
    headers: {},
    body: { version: '4', groupKey: `{}:{alertname="A${i}"}`, status: 'firing', receiver: `team-${dest % 20}`, alerts: [{ labels: { alertname: `A${i}` } }] },
    timeoutMs: 10_000,
  };
}

function pagerdutyReq(base: string, dest: number, i: number): OutboundRequest {
  return {
    receiver: `team-${dest % 20}`,
    integration: 'pagerduty',
    index: 0,
    url: `${base}/v2/enqueue`,
    headers: {},
    body: {
      routing_key: `routingkey${String(dest).padStart(22, '0')}`,
      event_action: i % 2 === 0 ? 'trigger' : 'resolve',
      dedup_key: `inc-${dest}-${i >> 1}`,
      payload: { summary: `incident ${i}`, source: 'bench', severity: 'critical' },
      client: 'alertsift',
    },
    timeoutMs: 10_000,
  };
}

// ---------- 1. fast receiver ----------

interface FastRun {
  readonly ms: number;
  readonly perSec: number;
  readonly p50: number;
  readonly p99: number;
  readonly failed: number;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
}

async function fastOutboxRun(
  make: (base: string, dest: number, i: number) => OutboundRequest,
  base: string,
  n: number,
  destinations: number,
  concurrency: number,
  maxQueued: number,
): Promise<FastRun> {
  const clock = new WallClock();
  const outbox = new Outbox({ clock, concurrency, maxQueued });
  const lat: number[] = new Array(n);
  let failed = 0;
  let wake: (() => void) | undefined;
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    while (outbox.pending() >= maxQueued) await new Promise<void>((r) => (wake = r));
    const t = performance.now();
    void outbox.send(make(base, i % destinations, i), Date.now() + 60_000).then((r: DeliveredResult) => {
      lat[i] = performance.now() - t;
      if (!r.ok) failed++;
      const w = wake;
      wake = undefined;
      w?.();
    });
  }
  await outbox.idle();
  const ms = performance.now() - started;
  clock.stopAll();
  return { ms, perSec: (n / ms) * 1000, p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), failed };
}

/** The floor: the same POSTs with plain fetch, `concurrency` at a time, no outbox. */
async function fastFetchRun(base: string, n: number, destinations: number, concurrency: number): Promise<FastRun> {
  const lat: number[] = new Array(n);
  let failed = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      const req = webhookReq(base, i % destinations, i);
      const t = performance.now();
      try {
        const res = await fetch(req.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'alertsift/0.1' },
          body: JSON.stringify(req.body) + '\n',
          signal: AbortSignal.timeout(10_000),
        });
        await res.text();
        if (!res.ok) failed++;
      } catch {
        failed++;
      }
      lat[i] = performance.now() - t;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ms = performance.now() - started;
  return { ms, perSec: (n / ms) * 1000, p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), failed };
}

// ---------- 2. slow receiver ----------

interface Sample {
  readonly t: number;
  readonly pending: number;
  readonly rss: number;
  readonly heap: number;
}

interface SlowRun {
  readonly offered: number;
  readonly accepted: number;
  readonly refused: number;
  readonly refusedMaxMs: number;
  readonly delivered: number;
  readonly failed: number;
  readonly maxPending: number;
  readonly deliveredPerSec: number;
  readonly heapFirstThird: number;
  readonly heapLastThird: number;
  readonly rssFirstThird: number;
  readonly rssLastThird: number;
  readonly rssMax: number;
  readonly heapBefore: number;
  readonly heapAfterDrain: number;
  readonly heapAtFull: number;
  readonly pendingAtFull: number;
  readonly drainMs: number;
  readonly p50: number;
  readonly samples: readonly Sample[];
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

async function slowRun(base: string, opts: { offerPerSec: number; seconds: number; concurrency: number; maxQueued: number; destinations: number }): Promise<SlowRun> {
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const clock = new WallClock();
  const outbox = new Outbox({ clock, concurrency: opts.concurrency, maxQueued: opts.maxQueued });
  const samples: Sample[] = [];
  const t0 = performance.now();
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    samples.push({ t: performance.now() - t0, pending: outbox.pending(), rss: m.rss, heap: m.heapUsed });
  }, 250);
  let offered = 0;
  let refused = 0;
  let refusedMaxMs = 0;
  let accepted = 0;
  const lat: number[] = [];
  const tick = 20; // ms between offer batches
  const perTick = (opts.offerPerSec * tick) / 1000;
  const end = t0 + opts.seconds * 1000;
  let owed = 0;
  while (performance.now() < end) {
    owed += perTick;
    while (owed >= 1) {
      owed--;
      const i = offered++;
      const t = performance.now();
      // Promises are not kept: the benchmark must not hold memory of its own that grows with time.
      void outbox.send(webhookReq(base, i % opts.destinations, i), Date.now() + 120_000).then((r) => {
        const took = performance.now() - t;
        if (!r.ok && r.attempts === 0 && r.reason === 'outbox full') {
          refused++;
          refusedMaxMs = Math.max(refusedMaxMs, took);
        } else {
          accepted++;
          lat.push(took);
        }
      });
    }
    await new Promise((r) => setTimeout(r, tick));
  }
  // The queue is full now: the settled heap, minus the heap before, over what is pending, is what one
  // queued request costs (the request object, its promise, its deadline timer, its queue node).
  const pendingAtFull = outbox.pending();
  gc();
  const heapAtFull = process.memoryUsage().heapUsed;
  const drainStart = performance.now();
  await outbox.idle();
  await new Promise((r) => setImmediate(r));
  const drainMs = performance.now() - drainStart;
  clearInterval(sampler);
  const st = outbox.stats().total;
  clock.stopAll();
  gc();
  const heapAfterDrain = process.memoryUsage().heapUsed;
  // Saturated phase: from the first sample with the outbox full to the end of offering.
  const sat = samples.filter((s) => s.t <= opts.seconds * 1000);
  const firstFull = sat.findIndex((s) => s.pending >= opts.maxQueued * 0.95);
  const phase = firstFull >= 0 ? sat.slice(firstFull) : sat;
  const third = Math.max(1, Math.floor(phase.length / 3));
  const first = phase.slice(0, third);
  const last = phase.slice(-third);
  return {
    offered,
    accepted,
    refused,
    refusedMaxMs,
    delivered: st.delivered,
    failed: st.failed,
    maxPending: Math.max(...samples.map((s) => s.pending)),
    deliveredPerSec: (st.delivered / (opts.seconds * 1000 + drainMs)) * 1000,
    heapFirstThird: median(first.map((s) => s.heap)),
    heapLastThird: median(last.map((s) => s.heap)),
    rssFirstThird: median(first.map((s) => s.rss)),
    rssLastThird: median(last.map((s) => s.rss)),
    rssMax: Math.max(...samples.map((s) => s.rss)),
    heapBefore,
    heapAfterDrain,
    heapAtFull,
    pendingAtFull,
    drainMs,
    p50: median(lat),
    samples,
  };
}

// ---------- 3. rate limit ----------

async function rateRun(base: string, events: number, limit: number): Promise<{ ms: number; delivered: number; dropped: number; maxInWindow: number }> {
  const clock = new WallClock();
  const http = httpDeliver();
  const starts: number[] = [];
  const t0 = performance.now();
  // Send times are taken where the request leaves the outbox, on the clock the limiter reads (mixing in
  // performance.now() would turn a 1000 ms gap into 999.7).
  const deliver: Deliver = (req, payload, timeoutMs) => {
    starts.push(clock.now());
    return http(req, payload, timeoutMs);
  };
  const outbox = new Outbox({ clock, deliver, rateLimits: { pagerduty: { type: 'window', limit, windowMs: 1000 } } });
  const rs = await Promise.all(Array.from({ length: events }, (_, i) => outbox.send(pagerdutyReq(base, 0, i), Date.now() + 60_000)));
  const ms = performance.now() - t0;
  clock.stopAll();
  // the most sends inside any 1 s window
  let maxInWindow = 0;
  for (let i = 0, j = 0; i < starts.length; i++) {
    while (starts[i]! - starts[j]! >= 1000) j++;
    maxInWindow = Math.max(maxInWindow, i - j + 1);
  }
  return { ms, delivered: rs.filter((r) => r.ok).length, dropped: rs.filter((r) => !r.ok).length, maxInWindow };
}

// ---------- main ----------

const f1 = (x: number) => x.toFixed(1);
const mib = (b: number) => (b / MiB).toFixed(1);

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const reps = quick ? 2 : 5;
  const n = quick ? 5000 : 20_000;
  const destinations = 50;
  const concurrency = 16;
  const maxQueued = 1000;
  console.log(`outbox benchmark — ${machineLine()}${(globalThis as { gc?: unknown }).gc ? '' : ' (run with --expose-gc for settled heap figures)'}`);

  // 1. fast receiver
  const fast = await startReceiver(0);
  const variants: [string, () => Promise<FastRun>][] = [
    ['plain fetch (floor, no outbox)', () => fastFetchRun(fast.url, n, destinations, concurrency)],
    ['outbox, webhook', () => fastOutboxRun(webhookReq, fast.url, n, destinations, concurrency, maxQueued)],
    ['outbox, pagerduty (rate limit on)', () => fastOutboxRun(pagerdutyReq, fast.url, n, 400, concurrency, maxQueued)],
  ];
  const fastRows: string[][] = [];
  const fastData = new Map<string, FastRun[]>(variants.map(([name]) => [name, []]));
  for (const [, run] of variants) await run(); // warm-up, discarded
  // Interleaved, so drift (JIT, GC, the other process) spreads over every variant alike.
  for (let r = 0; r < reps; r++) for (const [name, run] of variants) fastData.get(name)!.push(await run());
  for (const [name] of variants) {
    const runs = fastData.get(name)!;
    const per = runs.map((x) => x.perSec);
    fastRows.push([
      name,
      fmtInt(n),
      `${fmtInt(median(per))} ±${(spread(per) * 50).toFixed(0)}%`,
      f1(median(runs.map((x) => x.p50))),
      f1(median(runs.map((x) => x.p99))),
      String(runs.reduce((a, x) => a + x.failed, 0)),
    ]);
  }
  await fast.stop();
  console.log(
    `\n1. Fast receiver: ${fmtInt(n)} notifications per run to ${destinations} destinations (pagerduty: 400 routing keys), concurrency ${concurrency}, maxQueued ${maxQueued}; medians of ${reps} runs after a warm-up\n`,
  );
  console.log(table(['variant', 'notifications', 'per second', 'p50 ms', 'p99 ms', 'failed'], fastRows));

  // 2. slow receiver
  const slowDelay = 200;
  const slowOpts = { offerPerSec: 400, seconds: quick ? 8 : 15, concurrency, maxQueued: 2000, destinations: 200 };
  const slow = await startReceiver(slowDelay);
  const slowRuns: SlowRun[] = [];
  for (let r = 0; r < (quick ? 1 : 3); r++) slowRuns.push(await slowRun(slow.url, slowOpts));
  const receiverCount = await slow.count();
  await slow.stop();
  const m = (f: (s: SlowRun) => number) => median(slowRuns.map(f));
  console.log(
    `\n2. Slow receiver (${slowDelay} ms per request): ${slowOpts.offerPerSec}/s offered for ${slowOpts.seconds} s to ${slowOpts.destinations} destinations, concurrency ${concurrency} (capacity ≈ ${(concurrency * 1000) / slowDelay}/s), maxQueued ${slowOpts.maxQueued}; medians of ${slowRuns.length} runs\n`,
  );
  console.log(
    table(
      ['offered', 'accepted', 'refused "outbox full"', 'slowest refusal ms', 'delivered/s', 'max pending', 'p50 accepted ms', 'drain s', 'failed'],
      [
        [
          fmtInt(m((s) => s.offered)),
          fmtInt(m((s) => s.accepted)),
          fmtInt(m((s) => s.refused)),
          f1(m((s) => s.refusedMaxMs)),
          f1(m((s) => s.deliveredPerSec)),
          `${fmtInt(m((s) => s.maxPending))} (bound ${slowOpts.maxQueued})`,
          fmtInt(m((s) => s.p50)),
          f1(m((s) => s.drainMs) / 1000),
          String(slowRuns.reduce((a, s) => a + s.failed, 0)),
        ],
      ],
    ),
  );
  console.log('');
  console.log(
    table(
      ['memory (MiB)', 'before (GC)', 'saturated, first third', 'saturated, last third', 'max', 'queue full (GC)', 'after drain (GC)'],
      [
        [
          'heap used',
          mib(m((s) => s.heapBefore)),
          mib(m((s) => s.heapFirstThird)),
          mib(m((s) => s.heapLastThird)),
          '',
          mib(m((s) => s.heapAtFull)),
          mib(m((s) => s.heapAfterDrain)),
        ],
        ['RSS', '', mib(m((s) => s.rssFirstThird)), mib(m((s) => s.rssLastThird)), mib(m((s) => s.rssMax)), '', ''],
      ],
    ),
  );
  console.log(
    `\nsettled heap per queued request: ${fmtInt(m((s) => (s.heapAtFull - s.heapBefore) / Math.max(1, s.pendingAtFull)))} B ` +
      `(${fmtInt(m((s) => s.pendingAtFull))} pending at the end of the offer phase)`,
  );
  const one = slowRuns[slowRuns.length - 1]!;
  const every = Math.max(1, Math.floor(one.samples.length / 12));
  console.log(
    `\nlast run, every ${every * 250} ms — pending: ${one.samples.filter((_, i) => i % every === 0).map((s) => s.pending).join(' ')}` +
      `\n                      heap MiB: ${one.samples.filter((_, i) => i % every === 0).map((s) => mib(s.heap)).join(' ')}` +
      `\n                       RSS MiB: ${one.samples.filter((_, i) => i % every === 0).map((s) => mib(s.rss)).join(' ')}`,
  );
  console.log(`receiver saw ${fmtInt(receiverCount)} requests; outbox delivered ${fmtInt(slowRuns.reduce((a, s) => a + s.delivered, 0))}`);

  // 3. rate limit
  const rl = await startReceiver(0);
  const rate = await rateRun(rl.url, 250, 50);
  await rl.stop();
  console.log(
    `\n3. Rate limit (wall clock): 250 PagerDuty events, one routing key, limit 50 per 1 s window, all sent at once: ` +
      `${rate.delivered} delivered, ${rate.dropped} dropped, in ${f1(rate.ms / 1000)} s (50 at once, then 50 per second); ` +
      `at most ${rate.maxInWindow} sends in any 1 s window`,
  );
}

if (process.argv.includes('--receiver')) {
  runReceiver(Number(process.argv[process.argv.indexOf('--receiver') + 1] ?? 0));
} else if (isMain(import.meta.url)) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
