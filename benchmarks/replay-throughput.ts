/**
 * Replay throughput and memory, per scenario (10k, 100k, 1M active alerts over ~10k groups, a routing
 * tree of 50 routes, inhibition rules on).
 *
 * Method. Each scenario runs in its own child process (`--expose-gc`, a large old space), so peak RSS
 * belongs to that scenario alone. In the child, repeated `reps` times and interleaved:
 *   1. the floor: read the JSONL file with the same line reader and `JSON.parse` every line;
 *   2. the replay: `replay()` from src/intake/replay over the same reader, output to a counting sink,
 *      `until` = the last line's time (so the run is the stream, not the drain after it).
 * During the replay RSS and heap are sampled every 64 lines; when the input is exhausted (the engine
 * still holding every alert and group) the child forces two full GCs and reads the settled heap, and
 * that pause is subtracted from the replay's time. Figures are medians over the repetitions. Beside
 * wall time, the CPU time of the process (all threads) is taken for both: their ratio moves much less
 * than the wall-time ratio when other work shares the machine's cores.
 *
 *   npm run build && node --expose-gc dist/benchmarks/replay-throughput.js [--scenarios 10k,100k,1m] [--reps 3]
 *   ... --profile 100k   # one replay under --cpu-prof, then the top self-time functions
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../src/config/load.js';
import { replay } from '../src/intake/replay/replay.js';
import { parseTime } from '../src/domain/time.js';
import { ensureScenarioFiles, type Manifest } from './generator/files.js';
import { scenarioById, THROUGHPUT_SCENARIOS } from './generator/scenarios.js';
import { summarizeCpuProfile, formatProfile } from './lib/cpuprofile.js';
import { cpuProbe } from './lib/cpu.js';
import { readLines } from '../src/intake/replay/readLines.js';
import { benchTmp, isMain } from './lib/paths.js';
import { fmtInt, fmtMiB, fmtSi, median, spread, table } from './lib/stats.js';

export interface ThroughputResult {
  readonly scenario: string;
  readonly models: string;
  readonly activeAlerts: number;
  readonly groups: number;
  readonly routes: number;
  readonly sends: number;
  readonly lines: number;
  readonly fileBytes: number;
  readonly meanAlertBytes: number;
  readonly reps: number;
  readonly parseMs: readonly number[];
  readonly replayMs: readonly number[];
  readonly parseMedianMs: number;
  readonly replayMedianMs: number;
  /** Alerts sent per second of replay (median). */
  readonly sendsPerSec: number;
  readonly parseSendsPerSec: number;
  /** Median replay time / median parse time. Target ≤ 3. */
  readonly ratioToParse: number;
  /**
   * The same ratio in CPU time of this process (all its threads: the collector's helpers too), medians.
   * Less sensitive than wall time to other processes on a shared machine; absent in older records.
   */
  readonly parseCpuMs?: readonly number[];
  readonly replayCpuMs?: readonly number[];
  readonly cpuRatioToParse?: number;
  readonly nsPerSend: number;
  readonly peakRssBytes: number;
  readonly maxRssBytes: number;
  readonly peakHeapBytes: number;
  /** Heap after two full GCs at the end of input, engine state live. */
  readonly settledHeapBytes: number;
  readonly baselineHeapBytes: number;
  readonly bytesPerActiveAlert: number;
  readonly notifications: number;
  /**
   * Characters the replay wrote (one JSON line per request; ASCII here, so bytes): what the recorder had
   * to serialize. Absent in older records.
   */
  readonly outputBytes?: number;
  readonly alertsReceived: number;
  readonly rejected: number;
  /**
   * CPU used by *other* processes while the repetitions ran, in cores (all cores' busy time from
   * /proc/stat minus this process's own CPU time, over wall time; worst repetition). Above ~0.2 on this
   * 2-core machine, other work competed with the benchmark and its figures are pessimistic.
   */
  readonly otherCpuCores: number;
  readonly otherCpuPerRep: readonly number[];
}

/** Default repetitions per scenario: small scenarios are cheap, so take more samples of them. */
export const DEFAULT_REPS: Readonly<Record<string, number>> = { '10k': 7, '100k': 5, '1m': 3 };

/** Old-space limit for the measuring child (the machine has 24 GiB). */
const CHILD_HEAP_MB = 16_384;

function forceGc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

/** CPU milliseconds used by this process so far (user + system, all threads). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function parseFloor(path: string): { ms: number; cpuMs: number; alerts: number } {
  const c0 = cpuMs();
  const t0 = performance.now();
  let alerts = 0;
  for (const line of readLines(path)) {
    const o = JSON.parse(line) as { alerts?: unknown[] };
    alerts += o.alerts?.length ?? 0;
  }
  return { ms: performance.now() - t0, cpuMs: cpuMs() - c0, alerts };
}

interface ReplayRun {
  ms: number;
  cpuMs: number;
  peakRss: number;
  peakHeap: number;
  settledHeap: number;
  baselineHeap: number;
  notifications: number;
  outputBytes: number;
  alertsReceived: number;
  rejected: number;
}

async function replayOnce(m: Manifest, config: Parameters<typeof replay>[0]['config']): Promise<ReplayRun> {
  forceGc();
  const baselineHeap = process.memoryUsage().heapUsed;
  let peakRss = 0;
  let peakHeap = 0;
  let settledHeap = 0;
  let pauseMs = 0;
  let pauseCpuMs = 0;
  function* instrumented(): Generator<string> {
    let n = 0;
    for (const line of readLines(m.streamFile)) {
      if ((n++ & 63) === 0) {
        const mu = process.memoryUsage();
        if (mu.rss > peakRss) peakRss = mu.rss;
        if (mu.heapUsed > peakHeap) peakHeap = mu.heapUsed;
      }
      yield line;
    }
    // End of input: every alert and group is still held by the engine. Measure the settled heap and
    // keep the pause out of the timing.
    const p0 = performance.now();
    const pc0 = cpuMs();
    const mu = process.memoryUsage();
    if (mu.rss > peakRss) peakRss = mu.rss;
    forceGc();
    settledHeap = process.memoryUsage().heapUsed;
    pauseMs = performance.now() - p0;
    pauseCpuMs = cpuMs() - pc0;
  }
  let outputs = 0;
  let outputBytes = 0;
  const until = parseTime(m.stream.lastAt)!;
  let firstError: string | undefined;
  const c0 = cpuMs();
  const t0 = performance.now();
  const stats = await replay({
    config,
    lines: instrumented(),
    output: (line) => {
      outputs++;
      outputBytes += line.length;
    },
    until,
    onError: (e) => {
      firstError ??= e;
    },
  });
  const ms = performance.now() - t0 - pauseMs;
  const replayCpuMs = cpuMs() - c0 - pauseCpuMs;
  const mu = process.memoryUsage();
  if (mu.rss > peakRss) peakRss = mu.rss;
  if (firstError) process.stderr.write(`  replay reported ${stats.rejected} rejections; first: ${firstError}\n`);
  return {
    ms,
    cpuMs: replayCpuMs,
    peakRss,
    peakHeap,
    settledHeap,
    baselineHeap,
    notifications: outputs,
    outputBytes,
    alertsReceived: stats.alertsReceived,
    rejected: stats.rejected,
  };
}

/** Runs one scenario in this process (the child side). */
export async function measureScenario(id: string, reps: number, log: (s: string) => void): Promise<ThroughputResult> {
  const m = ensureScenarioFiles(id, { log });
  const loaded = await loadConfigFile(m.configFile);
  if (!loaded.ok) throw new Error(`generated config does not load: ${JSON.stringify(loaded.errors)}`);
  const parseMs: number[] = [];
  const parseCpuMs: number[] = [];
  const runs: ReplayRun[] = [];
  let otherCpu = 0;
  const otherPerRep: number[] = [];
  for (let i = 0; i < reps; i++) {
    const probe = cpuProbe();
    forceGc();
    const p = parseFloor(m.streamFile);
    if (p.alerts !== m.stream.sends) throw new Error(`floor parsed ${p.alerts} alerts, manifest says ${m.stream.sends}`);
    parseMs.push(p.ms);
    parseCpuMs.push(p.cpuMs);
    const r = await replayOnce(m, loaded.config);
    runs.push(r);
    const other = probe.otherCores();
    otherCpu = Math.max(otherCpu, other);
    otherPerRep.push(Math.round(other * 100) / 100);
    log(
      `  ${id} rep ${i + 1}/${reps}: parse ${p.ms.toFixed(0)} ms, replay ${r.ms.toFixed(0)} ms ` +
        `(${fmtSi((m.stream.sends / r.ms) * 1000)} alerts/s, x${(r.ms / p.ms).toFixed(1)}; CPU x${(r.cpuMs / p.cpuMs).toFixed(1)}), ` +
        `peak RSS ${fmtMiB(r.peakRss)}, settled heap ${fmtMiB(r.settledHeap)}, other processes ${other.toFixed(2)} cores`,
    );
  }
  const replayMs = runs.map((r) => r.ms);
  const pm = median(parseMs);
  const rm = median(replayMs);
  const last = runs[runs.length - 1]!;
  const settled = median(runs.map((r) => r.settledHeap));
  const baseline = median(runs.map((r) => r.baselineHeap));
  return {
    scenario: id,
    models: m.scenario.models,
    activeAlerts: m.stream.activeAtEnd,
    groups: m.topology.groups,
    routes: m.topology.routes,
    sends: m.stream.sends,
    lines: m.stream.lines,
    fileBytes: m.bytes,
    meanAlertBytes: m.stream.alertBytes / m.stream.sends,
    reps,
    parseMs,
    replayMs,
    parseMedianMs: pm,
    replayMedianMs: rm,
    sendsPerSec: (m.stream.sends / rm) * 1000,
    parseSendsPerSec: (m.stream.sends / pm) * 1000,
    ratioToParse: rm / pm,
    parseCpuMs,
    replayCpuMs: runs.map((r) => r.cpuMs),
    cpuRatioToParse: median(runs.map((r) => r.cpuMs)) / median(parseCpuMs),
    nsPerSend: (rm * 1e6) / m.stream.sends,
    peakRssBytes: Math.max(...runs.map((r) => r.peakRss)),
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    peakHeapBytes: Math.max(...runs.map((r) => r.peakHeap)),
    settledHeapBytes: settled,
    baselineHeapBytes: baseline,
    bytesPerActiveAlert: (settled - baseline) / m.stream.activeAtEnd,
    notifications: last.notifications,
    outputBytes: last.outputBytes,
    alertsReceived: last.alertsReceived,
    rejected: last.rejected,
    otherCpuCores: otherCpu,
    otherCpuPerRep: otherPerRep,
  };
}

const SELF = fileURLToPath(import.meta.url);

function runChild(args: string[], nodeFlags: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, SELF, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`child ${args.join(' ')} exited with ${code ?? signal}`));
    });
  });
}

/** Generates (or reuses) the scenario files in a child of its own, so generation memory is not measured. */
export async function generateInChild(id: string): Promise<void> {
  await runChild(['--generate', id], [`--max-old-space-size=${CHILD_HEAP_MB}`]);
}

export async function runThroughput(ids: readonly string[], repsOverride?: number): Promise<ThroughputResult[]> {
  const results: ThroughputResult[] = [];
  for (const id of ids) {
    scenarioById(id);
    process.stderr.write(`[replay-throughput] ${id}: generating or reusing the stream\n`);
    await generateInChild(id);
    const reps = repsOverride ?? DEFAULT_REPS[id] ?? 3;
    process.stderr.write(`[replay-throughput] ${id}: ${reps} repetitions in a fresh process\n`);
    const out = await runChild(['--child', id, '--reps', String(reps)], ['--expose-gc', `--max-old-space-size=${CHILD_HEAP_MB}`]);
    const line = out.trim().split('\n').filter((l) => l.startsWith('RESULT ')).pop();
    if (!line) throw new Error(`no result from child for ${id}`);
    results.push(JSON.parse(line.slice('RESULT '.length)) as ThroughputResult);
  }
  return results;
}

/** One replay under `--cpu-prof`; returns the summary text. */
export async function profileScenario(id: string, top = 25): Promise<string> {
  await generateInChild(id);
  const dir = join(benchTmp(), 'prof');
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  await runChild(['--child', id, '--reps', '1'], ['--expose-gc', `--max-old-space-size=${CHILD_HEAP_MB}`, '--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const created = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile') && !before.has(f))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!created[0]) throw new Error('no .cpuprofile written');
  return `profile ${created[0]}\n` + formatProfile(summarizeCpuProfile(created[0]), top);
}

export function formatThroughput(results: readonly ThroughputResult[]): string {
  const rows = results.map((r) => [
    r.scenario,
    fmtInt(r.activeAlerts),
    fmtInt(r.groups),
    fmtInt(r.sends),
    r.meanAlertBytes.toFixed(0),
    `${r.parseMedianMs.toFixed(0)} (${fmtSi(r.parseSendsPerSec)}/s)`,
    `${r.replayMedianMs.toFixed(0)} ±${(spread(r.replayMs) * 50).toFixed(0)}%`,
    fmtSi(r.sendsPerSec),
    r.ratioToParse.toFixed(1) + 'x',
    r.cpuRatioToParse !== undefined ? r.cpuRatioToParse.toFixed(1) + 'x' : '',
    r.nsPerSend.toFixed(0),
    fmtMiB(r.peakRssBytes),
    fmtMiB(r.settledHeapBytes),
    r.bytesPerActiveAlert.toFixed(0),
    fmtInt(r.notifications),
    r.outputBytes !== undefined ? `${(r.outputBytes / 1e6).toFixed(0)} MB (${(r.outputBytes / r.fileBytes).toFixed(2)}x)` : '',
  ]);
  const head = [
    'scenario',
    'active',
    'groups',
    'sends',
    'B/alert',
    'parse ms (floor)',
    'replay ms',
    'alerts/s',
    'replay/parse',
    'CPU replay/parse',
    'ns/send',
    'peak RSS',
    'settled heap',
    'heap B/active',
    'notifications',
    'output (vs input)',
  ];
  let text = table(head, rows);
  const small = results.find((r) => r.scenario === '10k');
  const big = results.find((r) => r.scenario === '1m') ?? results[results.length - 1];
  if (small && big && big !== small) {
    const growth = big.nsPerSend / small.nsPerSend;
    text += `\n\ncost per alert ${big.scenario} vs ${small.scenario}: ${growth.toFixed(2)}x (target ≤ 2x)`;
    text += `; replay/parse worst: ${Math.max(...results.map((r) => r.ratioToParse)).toFixed(1)}x (target ≤ 3x)`;
  }
  const loaded = results.filter((r) => (r.otherCpuCores ?? 0) > 0.2);
  if (loaded.length > 0) {
    const list = loaded.map((r) => `${r.scenario} (${r.otherCpuCores.toFixed(2)} cores)`).join(', ');
    text += `\n\nNOTE: other processes used CPU during ${list}: those figures are pessimistic.`;
  } else if (results.length > 0) {
    text += `\n\nOther processes used at most ${Math.max(...results.map((r) => r.otherCpuCores ?? 0)).toFixed(2)} cores during the measurements.`;
  }
  const rejected = results.filter((r) => r.rejected > 0);
  if (rejected.length > 0) text += `\n\nWARNING: rejections in ${rejected.map((r) => `${r.scenario} (${r.rejected})`).join(', ')}`;
  return text;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const get = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const log = (s: string) => process.stderr.write(s + '\n');
  const gen = get('--generate');
  if (gen) {
    ensureScenarioFiles(gen, { log });
    return;
  }
  const child = get('--child');
  if (child) {
    const r = await measureScenario(child, Number(get('--reps') ?? '3'), log);
    process.stdout.write(`RESULT ${JSON.stringify(r)}\n`);
    return;
  }
  const prof = get('--profile');
  if (prof) {
    console.log(await profileScenario(prof, Number(get('--top') ?? '25')));
    return;
  }
  const ids = (get('--scenarios') ?? THROUGHPUT_SCENARIOS.join(',')).split(',');
  const reps = get('--reps');
  const results = await runThroughput(ids, reps ? Number(reps) : undefined);
  console.log(formatThroughput(results));
}

if (isMain(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
