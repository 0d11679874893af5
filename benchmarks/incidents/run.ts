/**
 * The incident benchmark: for every size × seed, generate a scenario with ground truth, replay it through
 * alertsift (with the generated rules folder when the CLI supports `--rules`, and without it: the plain
 * Alertmanager-compatible pipeline), score both, optionally play it through a real Alertmanager 0.25
 * (time-scaled), then print a table; a throughput comparison replays the large stream with and without
 * the rules folder.
 *
 *   npm run bench:incidents -- [options]      (or: npm run build && node dist/benchmarks/incidents/run.js)
 *     [--sizes small,medium,large] [--seeds 1,2,3]
 *     [--alertmanager] [--am-seeds 1] [--time-scale 120]     real Alertmanager side by side
 *     [--no-throughput] [--reps 5]                           rules vs no rules on the large stream
 *     [--details]                                            failing cases per run
 *     [--write]                                              update benchmarks/RESULTS-incidents.md
 */
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alertmanagerInstalled } from '../alertmanager/process.js';
import { loadConfigFile } from '../../src/config/load.js';
import { loadCorrelation } from '../../src/cli/correlation.js';
import { readLines } from '../../src/intake/replay/readLines.js';
import { replay } from '../../src/intake/replay/replay.js';
import { cpuProbe } from '../lib/cpu.js';
import { machineInfo, machineLine } from '../lib/machine.js';
import { isMain, repoRoot } from '../lib/paths.js';
import { gitRevision } from '../lib/results.js';
import { currentDistRoot, runInSnapshot, snapshotBuild } from '../lib/snapshot.js';
import { median, table } from '../lib/stats.js';
import { runAlertmanager, type AlertmanagerRun } from './alertmanager.js';
import { describeScenario, scenarioDir } from './cli.js';
import { writeScenario, type WrittenScenario } from './files.js';
import { generateScenario, type Scenario } from './generate.js';
import { formatFailures, formatScore, mins, pct, readOutput, score, TARGETS, targetFailures, type ScoreResult } from './score.js';
import { SIZES, type SizeName } from './topology.js';

export interface ReplayRun {
  readonly ok: boolean;
  readonly wallMs: number;
  readonly stderr: string;
  readonly outputFile: string;
}

/** Does the built CLI know `replay --rules`? */
export async function cliSupportsRules(): Promise<boolean> {
  const r = await runCli(['help']);
  return r.stdout.includes('--rules');
}

/**
 * The launcher of the build this module belongs to: inside a snapshot (see main), the snapshot's copy,
 * so a rebuild of dist/ by other work cannot change the engine under a running benchmark.
 */
function launcher(): string {
  const snap = join(currentDistRoot(), '..', 'bin', 'alertsift.js');
  return existsSync(snap) ? snap : join(repoRoot(), 'bin', 'alertsift.js');
}

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string; wallMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [launcher(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr, wallMs: performance.now() - t0 }));
  });
}

export async function replayCli(w: WrittenScenario, rules: boolean, outputFile: string): Promise<ReplayRun> {
  const args = ['replay', '--config', w.configFile, ...(rules ? ['--rules', w.rulesDir] : []), '--input', w.inputFile, '--output', outputFile];
  const r = await runCli(args);
  return { ok: r.code === 0, wallMs: r.wallMs, stderr: r.stderr, outputFile };
}

interface Variant {
  readonly name: string;
  readonly result?: ScoreResult;
  readonly error?: string;
  readonly wallMs?: number;
  readonly rejected?: string;
}

interface RunRow {
  readonly size: SizeName;
  readonly seed: number;
  readonly scenario: Scenario;
  readonly variants: Variant[];
  readonly am?: AlertmanagerRun;
}

function rejectedOf(stderr: string): string | undefined {
  const m = /(\d+) rejected/.exec(stderr);
  return m && m[1] !== '0' ? m[1] : undefined;
}

function row(r: RunRow, v: Variant): string[] {
  const t = r.scenario.truth;
  const s = v.result;
  const base = [`${r.size} #${r.seed}`, v.name, `${t.faults.length} (${t.faults.filter((f) => f.expectPage).length})`];
  if (!s) return [...base, v.error ?? 'failed', '', '', '', '', '', '', '', '', ''];
  return [
    ...base,
    `${s.funnel.rawRecords} → ${s.funnel.distinctAlerts} → ${s.funnel.incidents} → ${s.funnel.pages}`,
    `${s.missedPages} (${pct(s.missedPageRate, 0)})`,
    Number.isFinite(s.pagesPerIncident) ? s.pagesPerIncident.toFixed(2) : 'n/a',
    `${pct(s.falseMergeRate)} (${s.falseMergePages}) / ${pct(s.falseMergeIncidentRate, 0)} (${s.falseMergeIncidents}/${s.incidentsWithMembers})`,
    `${s.noisePages}`,
    `${pct(s.compression, 2)} / ${pct(s.compressionVsDistinct, 0)}`,
    `${pct(s.rootCauseTop1, 0)} / ${pct(s.rootCauseTop3, 0)}`,
    `${mins(s.timeToPageMedianMs)} / ${mins(s.timeToPageP90Ms)}; ${mins(s.timeFromCriticalMedianMs)} / ${mins(s.timeFromCriticalP90Ms)}`,
    `${s.funnel.notifications}`,
  ];
}

const HEAD = [
  'scenario',
  'engine',
  'faults (must page)',
  'raw → distinct → incidents → pages',
  'missed pages',
  'pages / true incident',
  'false merges: pages / incidents',
  'noise pages',
  'compression raw / distinct',
  'root cause top-1 / top-3',
  'time to page median / p90: from first signal; from first critical',
  'notifications',
];

export function resultsTable(rows: readonly RunRow[]): string {
  const out: string[][] = [];
  for (const r of rows) for (const v of r.variants) out.push(row(r, v));
  return table(HEAD, out);
}

function aggregate(rows: readonly RunRow[], name: string): string | undefined {
  const rs = rows.flatMap((r) => r.variants.filter((v) => v.name === name && v.result).map((v) => v.result!));
  if (rs.length === 0) return undefined;
  const sum = (f: (s: ScoreResult) => number) => rs.reduce((n, s) => n + f(s), 0);
  const expecting = sum((s) => s.faultsExpectingPage);
  const missed = sum((s) => s.missedPages);
  const pagedFaults = rs.flatMap((s) => s.byFault.filter((f) => f.pages > 0));
  const pages = sum((s) => s.funnel.pages);
  const merged = sum((s) => s.falseMergePages);
  const rc = rs.flatMap((s) => s.byFault.filter((f) => f.top1 !== undefined));
  const ttp = pagedFaults.map((f) => f.timeToPageMs!).filter((x) => x !== undefined);
  const ttc = pagedFaults.map((f) => f.timeFromCriticalMs!).filter((x) => x !== undefined);
  const incMerged = sum((s) => s.falseMergeIncidents);
  const incVisible = sum((s) => s.incidentsWithMembers);
  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(p * xs.length) - 1)] ?? NaN;
  return (
    `${name}, all runs: missed pages ${missed}/${expecting}; pages per true incident ${(pagedFaults.reduce((n, f) => n + f.pages, 0) / Math.max(1, pagedFaults.length)).toFixed(2)}; ` +
    `false merges ${merged}/${pages} pages (${pct(merged / Math.max(1, pages))}), ${incMerged}/${incVisible} incidents (${pct(incMerged / Math.max(1, incVisible))}); compression raw→pages ${pct(1 - pages / sum((s) => s.funnel.rawRecords), 2)}, ` +
    `distinct→pages ${pct(1 - pages / sum((s) => s.funnel.distinctAlerts))}; root cause top-1 ${pct(rc.filter((f) => f.top1).length / Math.max(1, rc.length))}, ` +
    `top-3 ${pct(rc.filter((f) => f.top3).length / Math.max(1, rc.length))} (${rc.length} paged faults); time to page median ${mins(median(ttp))}, p90 ${mins(q(ttp, 0.9))} from the first signal, median ${mins(median(ttc))}, p90 ${mins(q(ttc, 0.9))} from the first critical one`
  );
}

/** Per fault type, over all runs of one engine: where it fails. */
function byTypeTable(rows: readonly RunRow[], name: string): string | undefined {
  const acc = new Map<string, { faults: number; must: number; missed: number; paged: number; pages: number; top1: number; top3: number; rc: number; ttc: number[] }>();
  let any = false;
  for (const r of rows) {
    const v = r.variants.find((x) => x.name === name && x.result);
    if (!v) continue;
    any = true;
    for (const f of v.result!.byFault) {
      const a = acc.get(f.type) ?? { faults: 0, must: 0, missed: 0, paged: 0, pages: 0, top1: 0, top3: 0, rc: 0, ttc: [] };
      acc.set(f.type, a);
      a.faults++;
      if (f.expectPage) a.must++;
      if (f.expectPage && f.pages === 0) a.missed++;
      if (f.pages > 0) {
        a.paged++;
        a.pages += f.pages;
      }
      if (f.top1 !== undefined) {
        a.rc++;
        if (f.top1) a.top1++;
        if (f.top3) a.top3++;
      }
      if (f.timeFromCriticalMs !== undefined) a.ttc.push(f.timeFromCriticalMs);
    }
  }
  if (!any) return undefined;
  const rowsOut = [...acc.entries()]
    .sort((x, y) => x[0].localeCompare(y[0]))
    .map(([t, a]) => [
      t,
      String(a.faults),
      String(a.must),
      `${a.missed}`,
      a.paged > 0 ? (a.pages / a.paged).toFixed(2) : 'n/a',
      a.rc > 0 ? `${a.top1}/${a.rc}` : 'n/a',
      a.rc > 0 ? `${a.top3}/${a.rc}` : 'n/a',
      mins(median(a.ttc)),
    ]);
  return table(['fault type', 'faults', 'must page', 'missed', 'pages / paged fault', 'root cause top-1', 'top-3', 'time to page from first critical (median)'], rowsOut);
}

export interface ThroughputResult {
  readonly scenario: string;
  readonly rawRecords: number;
  readonly lines: number;
  readonly reps: number;
  readonly plainMs: number[];
  readonly rulesMs: number[];
  readonly ratio: number;
  readonly plainNotifications: number;
  readonly rulesNotifications: number;
  /** Cores used by other processes during the repetitions (worst); above ~0.2 the figures are pessimistic. */
  readonly otherCpuCores: number;
}

/**
 * The replay engine in this process (what `alertsift replay` runs, without process start-up), on the same
 * input, with and without the rules folder; repetitions interleaved so that load changes hit both alike.
 */
async function throughput(w: WrittenScenario, sc: Scenario, reps: number, log: (s: string) => void): Promise<ThroughputResult> {
  const loaded = loadConfigFile(w.configFile);
  if (!loaded.ok) throw new Error(`config: ${JSON.stringify(loaded.errors).slice(0, 300)}`);
  const corr = await loadCorrelation(w.rulesDir);
  if (!corr.ok) throw new Error(`rules: ${corr.errors.join('; ')}`);
  const once = async (rules: boolean) => {
    let n = 0;
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) gc();
    const t0 = performance.now();
    await replay({
      config: loaded.config,
      lines: readLines(w.inputFile),
      output: () => void n++,
      ...(rules && corr.factory ? { correlation: corr.factory, slos: corr.slos } : {}),
    });
    return { ms: performance.now() - t0, notifications: n };
  };
  await once(false); // warm-up (JIT, file cache)
  await once(true);
  const plainMs: number[] = [];
  const rulesMs: number[] = [];
  let plainN = 0;
  let rulesN = 0;
  let other = 0;
  for (let i = 0; i < reps; i++) {
    const probe = cpuProbe();
    const p = await once(false);
    const r = await once(true);
    other = Math.max(other, probe.otherCores());
    plainMs.push(p.ms);
    rulesMs.push(r.ms);
    plainN = p.notifications;
    rulesN = r.notifications;
    log(`    rep ${i + 1}: plain ${(p.ms / 1000).toFixed(2)} s, rules ${(r.ms / 1000).toFixed(2)} s`);
  }
  return {
    scenario: `${sc.truth.scenario.size} #${sc.truth.scenario.seed}`,
    rawRecords: sc.truth.stats.rawRecords,
    lines: sc.truth.stats.lines,
    reps,
    plainMs,
    rulesMs,
    ratio: median(rulesMs) / median(plainMs),
    plainNotifications: plainN,
    rulesNotifications: rulesN,
    otherCpuCores: other,
  };
}

function formatThroughput(t: ThroughputResult): string {
  const mp = median(t.plainMs);
  const mr = median(t.rulesMs);
  const range = (xs: number[]) => `${(Math.min(...xs) / 1000).toFixed(2)}–${(Math.max(...xs) / 1000).toFixed(2)} s`;
  return (
    `throughput (${t.scenario}: ${t.lines} lines, ${t.rawRecords} raw records; replay() in one process, drain included, median of ${t.reps} interleaved): ` +
    `without rules ${(mp / 1000).toFixed(2)} s (${range(t.plainMs)}; ${Math.round(t.rawRecords / (mp / 1000))} records/s, ${t.plainNotifications} notifications), ` +
    `with rules ${(mr / 1000).toFixed(2)} s (${range(t.rulesMs)}; ${Math.round(t.rawRecords / (mr / 1000))} records/s, ${t.rulesNotifications} notifications); ` +
    `ratio ${t.ratio.toFixed(2)}x (target ≤ 2x); other processes used up to ${t.otherCpuCores.toFixed(2)} cores meanwhile`
  );
}

function amLine(r: RunRow): string | undefined {
  if (!r.am) return undefined;
  const am = r.am;
  const amScore = r.variants.find((v) => v.name.startsWith('Alertmanager'))?.result;
  const as = r.variants.find((v) => v.name === 'alertsift + rules')?.result ?? r.variants.find((v) => v.name === 'alertsift, no rules')?.result;
  const asName = r.variants.find((v) => v.name === 'alertsift + rules')?.result ? 'alertsift + rules' : 'alertsift, no rules';
  if (!amScore || !as) return undefined;
  const f = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}x` : 'n/a');
  return (
    `${r.size} #${r.seed}: Alertmanager ${am.version.replace(/^alertmanager, /, '')} sent ${amScore.funnel.notifications} notifications (${amScore.funnel.pages} pages), ` +
    `${asName} ${as.funnel.notifications} (${as.funnel.pages} pages): ${f(amScore.funnel.notifications, as.funnel.notifications)} notifications, ` +
    `${f(amScore.funnel.pages, as.funnel.pages)} pages; Alertmanager accepted ${am.accepted} alerts (${am.failed} failed), max send lag ${am.maxLagMs} ms, ` +
    `errors in its log ${am.logErrors.count}`
  );
}

const RESULTS_HEADER = `# Incident benchmark results

Produced by \`npm run bench:incidents -- --alertmanager --write\` (\`benchmarks/incidents/run.ts\`); the figures
are copied from its output, never edited by hand. Scenarios are generated, seeded and deterministic
(\`benchmarks/incidents/\`), into \`.bench-tmp/incidents/\` (not committed).

## How to run

| what | command |
|---|---|
| the table (all sizes, seeds 1–3) | \`npm run bench:incidents\` |
| with the real Alertmanager, failing cases, and update this file | \`sh benchmarks/alertmanager/install.sh && npm run bench:incidents -- --alertmanager --write\` |
| a subset | \`npm run bench:incidents -- --sizes medium --seeds 4,5 --details\` |
| one scenario's files | \`node dist/benchmarks/incidents/cli.js --size medium --seed 2\` |
| score any replay output | \`node dist/benchmarks/incidents/score.js --truth <dir>/truth.json --output <out.jsonl>\` |
| the demo | \`npm run demo\` |

## Targets

no missed pages; ≤ ${TARGETS.pagesPerIncident} pages per true incident; false merges ≤ ${pct(TARGETS.falseMergeRate, 0)}; compression raw → pages
≥ ${pct(TARGETS.compression, 0)}; root cause top-1 ≥ ${pct(TARGETS.rootCauseTop1, 0)} and top-3 ≥ ${pct(TARGETS.rootCauseTop3, 0)}; correlation on within 2x of the plain
pipeline's replay time.

## Method

**Estate.** Sizes: small 30 components (1 product domain), medium 150 (7 domains), large 600 (28 domains, two
clusters). Each domain has 2 data sources (an event stream, a CDC feed), 3 feature pipelines (Flink streaming,
hourly batch, an hourly run of a daily profile), an online feature server, 3 models (two on GPU pools) and 4
services over a Postgres database; shared infrastructure is Kubernetes nodes, GPU pools, Kafka clusters and
Redis. 4 hours of virtual time per scenario.

**Faults** (5 / 14 / 40 attempted per size) are injected at a root component and travel to dependents
(\`faults.ts\`): node down / memory / disk, GPU XID-ECC and thermal saturation, Kafka outage, database outage
and saturation, stream consumer lag, failed batch feature job, upstream schema change, ingestion volume drop,
bad service deploy, feature-code deploy (training–serving skew), model rollout, model-server OOM, feature-store
outage, population shift — along the causal chains of \`../shared/notes/slo-budgets-and-drift.md\` §4.2 with
its lags (seconds–minutes for infrastructure, the feature window for streaming staleness, TTL − cadence for
batch staleness, one evaluation window for drift, hours for skew). Change events (deploy, schema change,
model rollout, feature change, config push, driver rollout) precede the faults they cause; unrelated changes
(8 per 30 components over the 4 hours, several times the causal ones) are distractors. Faults that overlap in
time are in unrelated parts of the topology (no affected component of one upstream or downstream of one of
the other).

**Signals as production sends them.** Alerts use real rule names, severities and \`for:\` durations from
\`../shared/data/alert-rules\` with the labels their expressions leave (kube-state-metrics, node-exporter,
aggregated rules). An HA pair of Prometheus servers evaluates each rule group at its own phase and sends
exactly as Prometheus does: startsAt = FiredAt, endsAt = eval + 4 × max(interval, 1m), re-sends when
LastSentAt + 1m < eval (every 90 s for 30 s groups, 2 min for 1 m groups), resolved alerts re-sent for
15 min. Model monitors report every window (freshness 5 min, data quality 15 min / per batch run,
integration health 15 min, drift and estimated performance 30 min, skew and realized performance 1 h),
\`ok\` included. Noise: long-lived info/warning chatter, transient blips (\`for: 0\` rules, < 1 min),
flapping warnings, single-window drift false alarms, and 12% of fault symptoms flap.

**Scoring** (\`score.ts\`). A page is a PagerDuty trigger with a new dedup_key (or one resolved since). Member
alerts are attributed to faults by fingerprint, labels and time. Missed page: a fault with a critical member
that is in no page. Pages per true incident: pages containing a fault, over the faults that paged. False
merge: a page containing members of two faults. Root cause: the first page's \`custom_details.root_cause\`
hints mapped to components (\`component\`, else labels through the topology's selectors). Time to page: first
sent member → first trigger containing the fault. Compression: 1 − pages / raw records (and / distinct alerts).

**Alertmanager.** Debian's prometheus-alertmanager 0.25 on the wall clock, the same alertmanager.yml with
receivers pointed at a local sink, stream and timers divided by the time scale; model signals bridged to
alerts with the labels alertsift derives; change events dropped; its notifications scored the same way.

**Limits.** No public rule set in \`../shared/data/alert-rules\` has GPU (DCGM) or inference-server alerts, so
GPU faults show node-exporter hardware alerts on the GPU hosts (HostPhysicalComponentTooHot,
HostNodeOvertemperatureAlarm, HostEDACUncorrectableErrorsDetected) and LiftWing/Istio serving alerts. False
merges are measured on what notifications show: an alert that joins an incident without a new notification
is invisible there and shows up as a missed page instead. Incidents are counted from notification bodies
(PagerDuty \`incident_id\`, Slack "*Incident …*", webhook \`incident_id\`); for the plain pipeline and
Alertmanager they are notification groups (PagerDuty dedup keys and webhook group keys; Slack groups are not
counted). Alertmanager runs on the wall clock: its counts move by a few percent between runs. Time to page
from the first signal includes ML chains whose first members are warnings hours before anything critical;
from the first critical member is what an engine controls.

**Throughput.** The large stream replayed by \`replay()\` (the engine \`alertsift replay\` runs) in one
process, with and without the rules folder, after a warm-up, repetitions interleaved, drain included
(medians); the CPU other processes used meanwhile is printed (this machine is shared).
`;

export function writeResults(body: string, file = join(repoRoot(), 'benchmarks', 'RESULTS-incidents.md')): string {
  const sections: string[] = [];
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8');
    const i = text.indexOf('\n## Run ');
    if (i >= 0) for (const sec of text.slice(i + 1).split(/\n(?=## Run )/)) sections.push(sec.trim());
  }
  // Newest run first; a run of the same day on the same machine replaces the earlier one.
  const head = body.trim().split('\n')[0]!;
  const kept = sections.filter((x) => x.split('\n')[0] !== head);
  writeFileSync(file, `${RESULTS_HEADER}\n${[body.trim(), ...kept].join('\n\n')}\n`);
  return file;
}

/** Re-runs this script from a private copy of dist/ (benchmarks/lib/snapshot.ts), with its own launcher. */
async function runFromSnapshot(args: string[]): Promise<number> {
  const snap = snapshotBuild();
  mkdirSync(join(snap.dir, 'bin'), { recursive: true });
  copyFileSync(join(repoRoot(), 'bin', 'alertsift.js'), join(snap.dir, 'bin', 'alertsift.js'));
  // The engine finds its default rules (rules/defaults, beside package.json) above its own modules.
  if (existsSync(join(repoRoot(), 'rules'))) cpSync(join(repoRoot(), 'rules'), join(snap.dir, 'rules'), { recursive: true });
  copyFileSync(join(repoRoot(), 'package.json'), join(snap.dir, 'package.json'));
  process.stderr.write(`[bench:incidents] running from a snapshot of dist/ (build ${snap.buildHash})\n`);
  return runInSnapshot(snap, join(snap.dir, 'dist', 'benchmarks', 'incidents', 'run.js'), [...args, '--snapshot-child', '--build', snap.buildHash]);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (!args.includes('--snapshot-child') && !args.includes('--no-snapshot')) {
    process.exitCode = await runFromSnapshot(args);
    return;
  }
  const get = (n: string) => {
    const i = args.indexOf(n);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const log = (s: string) => process.stderr.write(s + '\n');
  const sizes = (get('--sizes') ?? 'small,medium,large').split(',') as SizeName[];
  for (const s of sizes) if (!SIZES[s]) throw new Error(`unknown size ${s}`);
  const seeds = (get('--seeds') ?? '1,2,3').split(',').map(Number);
  const withAm = args.includes('--alertmanager');
  const amSeeds = (get('--am-seeds') ?? String(seeds[0])).split(',').map(Number);
  const timeScale = Number(get('--time-scale') ?? '120');
  const reps = Number(get('--reps') ?? '5');
  const details = args.includes('--details') || args.includes('--write');
  if (withAm && !alertmanagerInstalled()) throw new Error('--alertmanager: prometheus-alertmanager is not installed (sh benchmarks/alertmanager/install.sh)');

  const machine = machineInfo();
  const revision = gitRevision() ?? 'unknown';
  const rules = await cliSupportsRules();
  const build = get('--build') ?? 'dist/ in place';
  console.log(`machine: ${machineLine(machine)}; commit ${revision}; build ${build}`);
  if (!rules) console.log('note: this build of `alertsift replay` has no --rules option: only the plain pipeline (and Alertmanager) are scored');

  const rows: RunRow[] = [];
  const detailText: string[] = [];
  for (const size of sizes) {
    for (const seed of seeds) {
      const sc = generateScenario({ size, seed });
      const dir = scenarioDir(size, seed);
      const w = writeScenario(sc, dir);
      log(describeScenario(sc.truth));
      const variants: Variant[] = [];
      const runVariant = async (name: string, withRules: boolean, out: string) => {
        const r = await replayCli(w, withRules, join(dir, out));
        if (!r.ok) {
          const error = r.stderr.trim().split('\n').find((l) => /error/i.test(l)) ?? r.stderr.trim().split('\n').slice(-1)[0] ?? 'replay failed';
          log(`  ${name}: replay FAILED: ${error}`);
          variants.push({ name, error });
          return;
        }
        const result = score(sc.truth, readOutput(r.outputFile));
        variants.push({ name, result, wallMs: r.wallMs, ...(rejectedOf(r.stderr) ? { rejected: rejectedOf(r.stderr) } : {}) });
        log(`  ${name}: ${formatScore(result).split('\n').join('\n    ')}`);
        // Failing cases of the engine under test (the plain pipeline has no root cause by design).
        if (details && (withRules || !rules)) {
          const fails = targetFailures(result);
          const text = formatFailures(sc.truth, result);
          detailText.push(`### ${size} #${seed}, ${name}\n\n${fails.length === 0 ? 'all targets met' : `targets missed: ${fails.join('; ')}`}\n${text ? `\n\`\`\`\n${text}\n\`\`\`` : ''}`);
        }
      };
      if (rules) await runVariant('alertsift + rules', true, 'out-rules.jsonl');
      await runVariant('alertsift, no rules', false, 'out-plain.jsonl');
      let am: AlertmanagerRun | undefined;
      if (withAm && amSeeds.includes(seed)) {
        am = await runAlertmanager(sc, { timeScale, workDir: join(dir, 'am'), log });
        const result = score(sc.truth, am.output);
        variants.push({ name: 'Alertmanager 0.25', result });
        log(`  Alertmanager: ${formatScore(result).split('\n').join('\n    ')}`);
      }
      rows.push({ size, seed, scenario: sc, variants, ...(am ? { am } : {}) });
    }
  }

  const out: string[] = [];
  out.push(`## Run ${new Date().toISOString().slice(0, 10)} — ${machineLine(machine)}`, '');
  out.push(`commit ${revision}, build ${build}; sizes ${sizes.join(', ')}, seeds ${seeds.join(', ')}; \`alertsift replay --rules\` ${rules ? 'available' : 'NOT available in this build (no correlation figures)'}`, '');
  out.push(resultsTable(rows), '');
  for (const name of ['alertsift + rules', 'alertsift, no rules', 'Alertmanager 0.25']) {
    const a = aggregate(rows, name);
    if (a) out.push(`- ${a}`);
  }
  const bt = byTypeTable(rows, rules ? 'alertsift + rules' : 'alertsift, no rules');
  if (bt) out.push('', `By fault type (${rules ? 'alertsift + rules' : 'alertsift, no rules'}, all runs):`, '', bt);
  const amLines = rows.map(amLine).filter((x): x is string => x !== undefined);
  if (amLines.length > 0) out.push('', `Alertmanager side by side (stream and timers ÷ ${timeScale}):`, '', ...amLines.map((l) => `- ${l}`));
  if (!args.includes('--no-throughput') && rules) {
    const big = rows.find((r) => r.size === 'large') ?? rows[rows.length - 1]!;
    const w = writeScenario(big.scenario, scenarioDir(big.size, big.seed));
    log(`throughput: ${big.size} #${big.seed}, ${reps} interleaved repetitions`);
    try {
      out.push('', formatThroughput(await throughput(w, big.scenario, reps, log)));
    } catch (e) {
      out.push('', `throughput: failed: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  if (detailText.length > 0) out.push('', '### Failing cases', '', ...detailText.map((d) => d.replace(/^### /, '#### ')));
  const text = out.join('\n');
  console.log(text);
  if (args.includes('--write')) log(`wrote ${writeResults(text)}`);
}

if (isMain(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
