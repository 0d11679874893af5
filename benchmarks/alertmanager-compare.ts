/**
 * Side by side: Debian's Alertmanager 0.25 and alertsift's replay on the same stream and the same
 * configuration, from one run. Two variants of the `am-30k` scenario (30k active alerts, ~3k groups,
 * 50 routes): without inhibition rules, and with the three inhibition rules of the generated config.
 *
 * Time scaling: the stream (5 rounds = 5 minutes of Prometheus traffic) and every timer of the config
 * (group_wait, group_interval, repeat_interval, resolve_timeout) are divided by the same factor
 * (default 30), so Alertmanager plays the stream in ~10 s of wall time and behaves as it would over
 * 5 minutes; alertsift replays the identical file in virtual time.
 *
 * Per variant:
 *   1. alertsift: `replay()` of the stream with the scaled config, until the end of the observation
 *      window (last line + settle); ingest rate = alerts received / wall time of the replay (the
 *      whole engine: intake, grouping, inhibition, flushes, payloads), and the notifications recorded.
 *   2. Alertmanager, burst: a fresh instance; every batch POSTed as fast as `concurrency` requests in
 *      flight allow; ingest rate = alerts accepted / wall time (what it can take at most).
 *   3. Alertmanager, paced: a fresh instance; each batch POSTed at its scheduled wall time (the stream's
 *      time shifted to now); the webhook sink in this process counts notification POSTs and their
 *      alerts over the same observation window as the replay (and in total, after it settles).
 *
 * Why the counts can differ (printed with the results): Alertmanager runs on the wall clock, so HTTP
 * latency, goroutine scheduling and timer jitter move alerts across group_interval ticks (a batch that
 * lands a few ms after a tick waits for the next one), and an Alertmanager that cannot keep up ingests
 * alerts late, changing what each flush sees; the replay is exact virtual time with zero latency.
 *
 *   npm run build && node dist/benchmarks/alertmanager-compare.js [--time-scale 30] [--concurrency 8]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFile } from '../src/config/load.js';
import { replay } from '../src/intake/replay/replay.js';
import { parseTime } from '../src/domain/time.js';
import { buildConfigYaml, ROOT_TIMERS } from './generator/config.js';
import { ensureScenarioFiles, type Manifest } from './generator/files.js';
import { scenarioById } from './generator/scenarios.js';
import { DEFAULT_START } from './generator/stream.js';
import { buildTopology } from './generator/topology.js';
import { alertmanagerInstalled, alertmanagerVersion, startAlertmanager } from './alertmanager/process.js';
import { loadBatches, sendBatches, type Batch, type SendResult } from './alertmanager/sender.js';
import { countWebhookBody, emptyCounts, WebhookSink, type NotificationCounts } from './alertmanager/webhook-sink.js';
import { readLines } from '../src/intake/replay/readLines.js';
import { benchTmp, isMain } from './lib/paths.js';
import { fmtInt, fmtMiB, fmtSi, table } from './lib/stats.js';
import { cpuProbe } from './lib/cpu.js';

export const COMPARE_SCENARIO = 'am-30k';

export interface CompareOptions {
  readonly timeScale: number;
  readonly concurrency: number;
  readonly log: (s: string) => void;
}

export interface AlertsiftSide {
  readonly replayMs: number;
  /** CPU time of this process during the replay (user + system), seconds. */
  readonly cpuSeconds: number;
  readonly alertsPerSec: number;
  readonly counts: NotificationCounts;
  readonly rejected: number;
  /** Cores used by unrelated processes during the replay (lib/cpu.ts). */
  readonly otherCpuCores: number;
}

export interface AlertmanagerSide {
  readonly burst: SendResult & { readonly alertsPerSec: number; readonly cpuSeconds: number; readonly otherCpuCores: number };
  readonly paced: SendResult & {
    readonly offeredPerSec: number;
    readonly achievedPerSec: number;
    readonly cpuSeconds: number;
    /** Cores used by processes other than Alertmanager and this benchmark during the paced run. */
    readonly otherCpuCores: number;
    readonly peakRssBytes: number;
    /** Notifications inside the same observation window as the replay. */
    readonly windowCounts: NotificationCounts;
    /** All notifications until the flow settled (may run past the window when Alertmanager lagged). */
    readonly totalCounts: NotificationCounts;
    /** When the last notification arrived, ms after the stream's start. */
    readonly lastNotificationMs: number;
    /** Notifications per 5 s of wall time from the stream's start, to show when Alertmanager fell behind. */
    readonly perFiveSeconds: readonly number[];
    /** Error lines in Alertmanager's log during the paced run (e.g. flushes that missed their deadline). */
    readonly logErrors: { count: number; top?: string };
  };
}

export interface CompareVariant {
  readonly variant: 'no inhibition' | 'inhibition (3 rules)';
  readonly inhibition: boolean;
  readonly alertsift: AlertsiftSide;
  readonly alertmanager: AlertmanagerSide;
}

export interface CompareResult {
  readonly scenario: string;
  readonly activeAlerts: number;
  readonly groups: number;
  readonly routes: number;
  readonly sends: number;
  readonly posts: number;
  readonly streamWallMs: number;
  readonly windowMs: number;
  readonly timeScale: number;
  readonly concurrency: number;
  readonly alertmanagerVersion: string;
  readonly variants: readonly CompareVariant[];
}

export const COUNT_NOTE =
  'Counts can differ: Alertmanager runs on the wall clock (HTTP latency, goroutine scheduling and timer jitter ' +
  'move alerts across group_interval ticks, and when it cannot keep up it ingests alerts late, so each flush sees ' +
  'a different set); the replay is exact virtual time with zero latency. Scaling also divides Alertmanager\'s flush ' +
  'deadline (a flush may take at most its group_interval), so an overloaded Alertmanager drops notifications with ' +
  '"context deadline exceeded" sooner than it would at production timers. Equal counts are not expected, similar ones are.';

async function alertsiftSide(m: Manifest, configFile: string, until: number): Promise<AlertsiftSide> {
  const loaded = await loadConfigFile(configFile);
  if (!loaded.ok) throw new Error(`config does not load in alertsift: ${JSON.stringify(loaded.errors)}`);
  const counts = emptyCounts();
  const outputs: string[] = [];
  const cpu0 = process.cpuUsage();
  const probe = cpuProbe();
  const t0 = performance.now();
  const stats = await replay({ config: loaded.config, lines: readLines(m.streamFile), output: (line) => outputs.push(line), until });
  const replayMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const otherCpuCores = probe.otherCores();
  // Counted after the clock stops: reading the bodies back is the sink's work, not the engine's.
  for (const line of outputs) countWebhookBody(counts, (JSON.parse(line) as { body: { alerts?: { status?: string }[] } }).body);
  return {
    replayMs,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    alertsPerSec: (stats.alertsReceived / replayMs) * 1000,
    counts,
    rejected: stats.rejected,
    otherCpuCores,
  };
}

async function alertmanagerSide(
  batches: readonly Batch[],
  configFile: string,
  sink: WebhookSink,
  windowMs: number,
  settleMs: number,
  opts: CompareOptions,
  workDir: string,
): Promise<AlertmanagerSide> {
  const sends = batches.reduce((n, b) => n + b.alerts.length, 0);
  const streamMs = batches[batches.length - 1]!.at - DEFAULT_START;

  // Burst: how fast it accepts the stream at most.
  let am = await startAlertmanager({ configFile, workDir });
  let cpu0 = am.cpuSeconds();
  let probe = cpuProbe();
  const burst = await sendBatches({ url: am.url, batches, shiftMs: Date.now() - DEFAULT_START, paced: false, concurrency: opts.concurrency });
  const burstCpu = am.cpuSeconds() - cpu0;
  const burstOther = probe.otherCores(burstCpu);
  await am.stop();
  opts.log(`    alertmanager burst: ${fmtSi((burst.accepted / burst.wallMs) * 1000)} alerts/s accepted (${burst.failed} failed)`);

  // Paced: the stream on its own schedule, notifications counted by the sink.
  sink.reset();
  am = await startAlertmanager({ configFile, workDir });
  cpu0 = am.cpuSeconds();
  probe = cpuProbe();
  const t0 = Date.now() + 500;
  const shift = t0 - DEFAULT_START;
  const paced = await sendBatches({ url: am.url, batches, shiftMs: shift, paced: true, concurrency: opts.concurrency });
  // Wait for the observation window to close, and for the flow to settle if Alertmanager fell behind.
  const windowEnd = t0 + windowMs;
  const settleEnd = Math.max(windowEnd, paced.endedAt + settleMs);
  while (Date.now() < settleEnd + 250) await new Promise((r) => setTimeout(r, 100));
  const pacedCpu = am.cpuSeconds() - cpu0;
  const pacedOther = probe.otherCores(pacedCpu);
  const peakRss = am.peakRssBytes();
  const errors = am.logErrors();
  await am.stop();
  const firstDue = batches[0]!.at + shift;
  return {
    burst: { ...burst, alertsPerSec: (burst.accepted / burst.wallMs) * 1000, cpuSeconds: burstCpu, otherCpuCores: burstOther },
    paced: {
      ...paced,
      offeredPerSec: (sends / Math.max(1, streamMs)) * 1000,
      achievedPerSec: (paced.accepted / Math.max(1, paced.endedAt - Math.max(firstDue, paced.startedAt))) * 1000,
      cpuSeconds: pacedCpu,
      otherCpuCores: pacedOther,
      peakRssBytes: peakRss,
      windowCounts: sink.counts(t0, windowEnd + 100),
      totalCounts: sink.counts(),
      lastNotificationMs: (sink.lastAt() ?? t0) - t0,
      perFiveSeconds: histogram(sink.received.map((x) => x.at - t0), 5000),
      logErrors: errors,
    },
  };
}

export async function runCompare(opts: CompareOptions): Promise<CompareResult> {
  if (!alertmanagerInstalled()) throw new Error('prometheus-alertmanager is not installed: run benchmarks/alertmanager/install.sh');
  const scenario = scenarioById(COMPARE_SCENARIO);
  const workDir = join(benchTmp(), 'compare');
  mkdirSync(workDir, { recursive: true });
  const m = ensureScenarioFiles(scenario, { stream: { timeScale: opts.timeScale }, config: { timeScale: opts.timeScale }, log: opts.log });
  const batches = loadBatches(m.streamFile);
  const last = batches[batches.length - 1]!.at;
  const settleMs = Math.round((2 * ROOT_TIMERS.groupIntervalMs) / opts.timeScale);
  const windowMs = last - DEFAULT_START + settleMs;
  const until = parseTime(m.stream.lastAt)! + settleMs;
  const sink = new WebhookSink();
  await sink.start();
  const topo = buildTopology(scenario);
  const variants: CompareVariant[] = [];
  try {
    for (const inhibition of [false, true]) {
      const name = inhibition ? 'inhibition (3 rules)' : 'no inhibition';
      opts.log(`[alertmanager-compare] ${scenario.id}, ${name}, timers and stream divided by ${opts.timeScale}`);
      const configFile = join(workDir, `${scenario.id}-${inhibition ? 'inhibit' : 'noinhibit'}.alertmanager.yml`);
      writeFileSync(configFile, buildConfigYaml(topo, { webhookUrl: sink.url, timeScale: opts.timeScale, inhibition }));
      const as = await alertsiftSide(m, configFile, until);
      opts.log(`    alertsift replay: ${fmtSi(as.alertsPerSec)} alerts/s, ${as.counts.notifications} notifications`);
      const amSide = await alertmanagerSide(batches, configFile, sink, windowMs, settleMs, opts, workDir);
      opts.log(
        `    alertmanager paced: ${fmtSi(amSide.paced.achievedPerSec)} alerts/s of ${fmtSi(amSide.paced.offeredPerSec)} offered, ` +
          `max lag ${amSide.paced.maxLagMs} ms, ${amSide.paced.windowCounts.notifications} notifications in window`,
      );
      variants.push({ variant: name, inhibition, alertsift: as, alertmanager: amSide });
    }
  } finally {
    await sink.stop();
  }
  return {
    scenario: scenario.id,
    activeAlerts: m.stream.activeAtEnd,
    groups: m.topology.groups,
    routes: m.topology.routes,
    sends: m.stream.sends,
    posts: batches.length,
    streamWallMs: last - DEFAULT_START,
    windowMs,
    timeScale: opts.timeScale,
    concurrency: opts.concurrency,
    alertmanagerVersion: await alertmanagerVersion(),
    variants,
  };
}

function histogram(offsets: readonly number[], width: number): number[] {
  const out: number[] = [];
  for (const o of offsets) {
    const i = Math.max(0, Math.floor(o / width));
    while (out.length <= i) out.push(0);
    out[i]!++;
  }
  return out;
}

function countsText(c: NotificationCounts): string {
  return `${fmtInt(c.notifications)} (${fmtInt(c.alerts)} alerts: ${fmtInt(c.firing)} firing, ${fmtInt(c.resolved)} resolved)`;
}

export function formatCompare(r: CompareResult): string {
  const out: string[] = [];
  out.push(
    `Alertmanager side-by-side: scenario ${r.scenario}, ${fmtInt(r.activeAlerts)} active alerts, ${fmtInt(r.groups)} groups, ` +
      `${r.routes} routes, ${fmtInt(r.sends)} alert sends in ${fmtInt(r.posts)} POSTs; stream and timers divided by ${r.timeScale} ` +
      `(stream ${(r.streamWallMs / 1000).toFixed(1)} s, observation window ${(r.windowMs / 1000).toFixed(1)} s); ` +
      `${r.concurrency} concurrent POSTs; ${r.alertmanagerVersion}`,
  );
  for (const v of r.variants) {
    const am = v.alertmanager;
    const rows = [
      [
        'ingest, alerts/s',
        `${fmtSi(v.alertsift.alertsPerSec)} (replay, whole engine)`,
        `burst ${fmtSi(am.burst.alertsPerSec)}; paced ${fmtSi(am.paced.achievedPerSec)} of ${fmtSi(am.paced.offeredPerSec)} offered`,
      ],
      ['kept up with the stream', 'n/a (virtual time)', `max send lag ${fmtInt(am.paced.maxLagMs)} ms, last response ${fmtInt(am.paced.endLagMs)} ms after its slot`],
      ['notifications in window', countsText(v.alertsift.counts), countsText(am.paced.windowCounts)],
      ['notifications until settled', '(same)', countsText(am.paced.totalCounts)],
      ['notifications per 5 s (paced)', '', am.paced.perFiveSeconds.join(' ')],
      ['CPU seconds', `${v.alertsift.cpuSeconds.toFixed(2)} (replay ${(v.alertsift.replayMs / 1000).toFixed(2)} s wall)`, `burst ${am.burst.cpuSeconds.toFixed(2)}, paced ${am.paced.cpuSeconds.toFixed(2)}`],
      ['peak RSS', '(see replay-throughput)', fmtMiB(am.paced.peakRssBytes)],
      [
        'CPU of unrelated processes',
        `${v.alertsift.otherCpuCores.toFixed(2)} cores`,
        `burst ${am.burst.otherCpuCores.toFixed(2)}, paced ${am.paced.otherCpuCores.toFixed(2)} cores`,
      ],
      ['errors in its log (paced)', '', am.paced.logErrors.count > 0 ? `${am.paced.logErrors.count}; most: ${am.paced.logErrors.top ?? ''}` : 'none'],
    ];
    if (am.burst.failed + am.paced.failed > 0) rows.push(['rejected POSTs', '', `${am.burst.failed + am.paced.failed} alerts: ${am.burst.firstError ?? am.paced.firstError ?? ''}`]);
    if (v.alertsift.rejected > 0) rows.push(['rejected lines', String(v.alertsift.rejected), '']);
    out.push('', `${v.variant}:`, table(['', 'alertsift replay', 'Alertmanager'], rows));
  }
  out.push('', COUNT_NOTE);
  return out.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const get = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const r = await runCompare({
    timeScale: Number(get('--time-scale') ?? '30'),
    concurrency: Number(get('--concurrency') ?? '8'),
    log: (s) => process.stderr.write(s + '\n'),
  });
  console.log(formatCompare(r));
}

if (isMain(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
