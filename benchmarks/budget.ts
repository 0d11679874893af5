/**
 * Budget stage cost at production scale (`npm run bench:budget`; `-- --reps 7`, `-- --quick`).
 *
 * Production shape modelled: 10,000 SLOs = 2,500 models × 4 SLIs, the dual-track set docs/budgets.md
 * describes for one model — infra availability of its serving service (ratio SLI, `sli_events` every
 * minute), feature freshness (ratio SLI, every minute), drift (timeslice SLI: 8 features, one PSI signal
 * per feature per hour) and estimated accuracy (timeslice SLI: one CBPE signal per hour). Targets 99.9 %,
 * 99 %, 95 %, 95 %; 30-day periods; SLO specs parsed from YAML as `<rules>/slos/*.yml` would be.
 *
 * Method (all on a virtual clock, single process, no I/O; medians over --reps repetitions, first
 * repetition of each figure discarded as warm-up):
 *  1. Ledger cost per SLI event: `BudgetLedger.record` on one ratio ledger, 1,000,000 bookings 1 s apart
 *     (so buckets roll over as in production), ns per booking; then through the stage,
 *     `BudgetStage.recordEvents` for one minute of events of each of the 5,000 ratio SLOs, minute after
 *     minute (name lookup + ledger), ns per event; and `BudgetStage.recordSignal` for hourly drift and CBPE
 *     signals of the 2,500 models once every monitor has been seen (labels, fingerprint, cached SLO list,
 *     ledger), ns per signal. First sightings of a monitor (which SLOs select it: the SLOs indexed under
 *     its `model` label are tried, once per monitor identity) are timed separately, µs per identity.
 *  2. Memory per SLO: heap used + array buffers (ledger rings are typed arrays, partly off the V8 heap)
 *     after two GCs, before and after building the stage for 10,000 SLOs, divided by 10,000; again after a
 *     day of traffic (1,440 minutes of sli_events for the ratio SLOs, 24 hours of signals for the
 *     timeslice SLOs): rings are allocated up front, so the day should add only the monitor-identity cache.
 *     The parsed SLO definitions (compiled matchers, tiers) are measured on their own.
 *  3. Evaluation cost per SLO: `BudgetStage.evaluateAll(now)` over the 10,000 SLOs with a day of data,
 *     nothing burning (the steady state: every minute, every SLO), µs per SLO; and with 10 % of the ratio
 *     SLOs burning at their fast tier (burn alerts built and emitted to a no-op sink).
 */
import { HOUR_MS, MINUTE_MS } from '../src/budget/burnRate.js';
import { BudgetLedger } from '../src/budget/ledger.js';
import { parseSloText, type SloDefinition } from '../src/budget/slos.js';
import { parseSloSpec } from '../src/budget/spec.js';
import { BudgetStage } from '../src/budget/stage.js';
import type { ModelSignal } from '../src/domain/signal.js';
import { VirtualClock } from '../src/state/clock.js';
import { machineLine } from './lib/machine.js';
import { isMain } from './lib/paths.js';
import { fmtInt, median, spread, table } from './lib/stats.js';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const FEATURES = 8;

interface Options {
  readonly models: number;
  readonly reps: number;
  readonly ledgerEvents: number;
}

const gc = (): void => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
};

const mem = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

const now = (): number => Number(process.hrtime.bigint()) / 1e6;

/** The 4 SLOs of each model, as `<rules>/slos/*.yml` text. */
export function sloYaml(models: number): string {
  const lines = ['slos:'];
  for (let i = 0; i < models; i++) {
    const m = `m-${String(i).padStart(4, '0')}`;
    lines.push(
      `  - {name: ${m}-availability, track: infra, target: 0.999, component: ${m}-api, sli: {events: {}}}`,
      `  - {name: ${m}-freshness, track: model, target: 0.99, component: ${m}-features, sli: {events: {}}}`,
      `  - name: ${m}-drift`,
      `    track: model`,
      `    target: 0.95`,
      `    component: ${m}`,
      `    sli: {timeslices: {matchers: ['alertname="ModelDrift"', 'model="${m}"'], slice: 1h}}`,
      `  - name: ${m}-accuracy`,
      `    track: model`,
      `    target: 0.95`,
      `    component: ${m}`,
      `    sli: {timeslices: {matchers: ['alertname="ModelPerformanceEstimated"', 'model="${m}"'], slice: 1h}}`,
    );
  }
  return lines.join('\n') + '\n';
}

function definitions(models: number): SloDefinition[] {
  const r = parseSloText(sloYaml(models), 'bench-slos.yml');
  if (!r.ok) throw new Error(JSON.stringify(r.errors.slice(0, 3)));
  return r.slos;
}

function signalsFor(model: number, hour: number): ModelSignal[] {
  const m = `m-${String(model).padStart(4, '0')}`;
  const window = { start: T0 + (hour - 1) * HOUR_MS, end: T0 + hour * HOUR_MS };
  const out: ModelSignal[] = [];
  for (let f = 0; f < FEATURES; f++) {
    out.push({ source: 'evidently', kind: 'drift', modelId: m, feature: `f${f}`, method: 'psi', value: 0.03, observedAt: window.end, window, status: 'ok', severity: 'warning', labels: {} });
  }
  out.push({ source: 'nannyml', kind: 'perf_estimated', modelId: m, method: 'cbpe', value: 0.91, observedAt: window.end, window, status: 'ok', severity: 'warning', labels: {} });
  return out;
}

/** Books minute `minute` for every ratio SLO (`burning`: the first share of them at 30 % errors). */
function bookMinute(stage: BudgetStage, ratioNames: readonly string[], minute: number, burning = 0): number {
  const window = { start: T0 + minute * MINUTE_MS, end: T0 + (minute + 1) * MINUTE_MS };
  const n = ratioNames.length;
  const bad = Math.floor(n * burning);
  for (let i = 0; i < n; i++) {
    stage.recordEvents({ slo: ratioNames[i]!, source: 'bench', good: i < bad ? 700 : 1000, total: 1000, window, observedAt: window.end });
  }
  return n;
}

function newStage(defs: readonly SloDefinition[], emitted: { n: number }): BudgetStage {
  // A virtual clock that is never advanced: the stage's own timer never runs; evaluations are called here.
  return new BudgetStage({ clock: new VirtualClock(T0), slos: defs, emit: (a) => (emitted.n += a.length) });
}

export interface BudgetBenchResult {
  ledgerRecordNs: number[];
  stageEventNs: number[];
  stageSignalNs: number[];
  firstSightingUs: number[];
  definitionsBytesPerSlo: number;
  stageBytesPerSlo: number;
  stageBytesPerSloAfterDay: number;
  ledgerFootprintBytes: { ratio: number; timeslice: number };
  /** Wall time of one `evaluateAll` over every SLO (the event-loop pause once a minute), ms. */
  evaluateAllMs: number[];
  evaluateUsPerSlo: number[];
  evaluateBurningUsPerSlo: number[];
  slos: number;
}

export function runBudgetBench(opts: Options): BudgetBenchResult {
  const log = (s: string) => process.stderr.write(`[bench:budget] ${s}\n`);
  const slos = opts.models * 4;
  const res: BudgetBenchResult = {
    ledgerRecordNs: [],
    stageEventNs: [],
    stageSignalNs: [],
    firstSightingUs: [],
    definitionsBytesPerSlo: 0,
    stageBytesPerSlo: 0,
    stageBytesPerSloAfterDay: 0,
    ledgerFootprintBytes: { ratio: 0, timeslice: 0 },
    evaluateUsPerSlo: [],
    evaluateBurningUsPerSlo: [],
    evaluateAllMs: [],
    slos,
  };

  // 1a. One ledger, bookings 1 s apart.
  log(`ledger.record × ${fmtInt(opts.ledgerEvents)}, ${opts.reps} reps`);
  for (let rep = 0; rep <= opts.reps; rep++) {
    const ledger = new BudgetLedger(parseSloSpec({ name: 'a', track: 'infra', target: 0.999, period: '30d', sli: 'ratio' }));
    const t = now();
    for (let i = 0; i < opts.ledgerEvents; i++) ledger.record(T0 + i * 1000, i % 1000 === 0 ? 0 : 1, 1);
    const ns = ((now() - t) * 1e6) / opts.ledgerEvents;
    if (rep > 0) res.ledgerRecordNs.push(ns);
  }

  // 2. Memory: definitions, then the stage, then the stage after a day.
  log(`memory: ${fmtInt(slos)} SLOs (${opts.models} models × 4)`);
  gc();
  const m0 = mem();
  let defs: SloDefinition[] | undefined = definitions(opts.models);
  gc();
  const m1 = mem();
  res.definitionsBytesPerSlo = (m1 - m0) / slos;
  const emitted = { n: 0 };
  let stage: BudgetStage | undefined = newStage(defs, emitted);
  gc();
  const m2 = mem();
  res.stageBytesPerSlo = (m2 - m1) / slos;
  const ratioNames = defs.filter((d) => d.spec.sli === 'ratio').map((d) => d.spec.name);
  const ratioDef = defs.find((d) => d.spec.sli === 'ratio')!;
  const sliceDef = defs.find((d) => d.spec.sli === 'timeslice')!;
  res.ledgerFootprintBytes = {
    ratio: new BudgetLedger(ratioDef.spec, { tiers: ratioDef.tiers }).footprint().bytes,
    timeslice: new BudgetLedger(sliceDef.spec, { tiers: sliceDef.tiers }).footprint().bytes,
  };

  // 1c. First sightings: hour 1's signals meet every monitor identity for the first time.
  log(`first sightings: ${fmtInt(opts.models * (FEATURES + 1))} monitor identities`);
  {
    const t = now();
    let n = 0;
    for (let m = 0; m < opts.models; m++) for (const s of signalsFor(m, 1)) (stage.recordSignal(s), n++);
    res.firstSightingUs.push(((now() - t) * 1e3) / n);
  }

  // A day of traffic (minute 0 … 1439), hourly signals in between; times the stage's booking paths.
  log('a day of traffic into every SLO');
  let eventsNs = 0;
  let events = 0;
  let signalNs = 0;
  let signals = 0;
  for (let minute = 0; minute < 1440; minute++) {
    let t = now();
    events += bookMinute(stage, ratioNames, minute);
    eventsNs += (now() - t) * 1e6;
    if (minute % 60 === 59 && minute > 60) {
      const hour = (minute + 1) / 60;
      t = now();
      for (let m = 0; m < opts.models; m++) for (const s of signalsFor(m, hour)) (stage.recordSignal(s), signals++);
      signalNs += (now() - t) * 1e6;
    }
  }
  gc();
  const m3 = mem();
  res.stageBytesPerSloAfterDay = (m3 - m1) / slos;

  // 1b. Stage booking figures: per-rep medians over further hours of traffic.
  log(`stage.recordEvents / recordSignal, ${opts.reps} reps of one hour`);
  res.stageEventNs.push(eventsNs / events);
  res.stageSignalNs.push(signalNs / signals);
  for (let rep = 0; rep < opts.reps; rep++) {
    const base = 1440 + rep * 60;
    let en = 0;
    let ec = 0;
    for (let minute = base; minute < base + 60; minute++) {
      const t = now();
      ec += bookMinute(stage, ratioNames, minute);
      en += (now() - t) * 1e6;
    }
    const t = now();
    let sc = 0;
    for (let m = 0; m < opts.models; m++) for (const s of signalsFor(m, (base + 60) / 60)) (stage.recordSignal(s), sc++);
    const sn = (now() - t) * 1e6;
    res.stageEventNs.push(en / ec);
    res.stageSignalNs.push(sn / sc);
  }
  res.stageEventNs.shift();
  res.stageSignalNs.shift();

  // 3. Evaluation of every SLO, steady state, then with 10 % of the ratio SLOs burning.
  const end = T0 + (1440 + opts.reps * 60) * MINUTE_MS;
  log(`evaluateAll over ${fmtInt(slos)} SLOs, ${opts.reps} reps`);
  for (let rep = 0; rep <= opts.reps; rep++) {
    const at = end + rep * MINUTE_MS;
    bookMinute(stage, ratioNames, (at - T0) / MINUTE_MS - 1);
    const t = now();
    stage.evaluateAll(at);
    const ms = now() - t;
    if (rep > 0) res.evaluateUsPerSlo.push((ms * 1e3) / slos);
    if (rep > 0) res.evaluateAllMs.push(ms);
  }
  const burnStart = end + (opts.reps + 1) * MINUTE_MS;
  for (let rep = 0; rep <= opts.reps; rep++) {
    const at = burnStart + rep * MINUTE_MS;
    bookMinute(stage, ratioNames, (at - T0) / MINUTE_MS - 1, 0.1);
    const t = now();
    stage.evaluateAll(at);
    const us = ((now() - t) * 1e3) / slos;
    if (rep > 0) res.evaluateBurningUsPerSlo.push(us);
  }
  if (emitted.n === 0) throw new Error('no burn alert was emitted: the burning variant measured nothing');
  stage.stop();
  stage = undefined;
  defs = undefined;
  return res;
}

export function formatBudgetBench(r: BudgetBenchResult): string {
  const row = (what: string, xs: readonly number[], unit: string, digits = 0) => [
    what,
    `${median(xs).toFixed(digits)} ${unit}`,
    `${(spread(xs) * 100).toFixed(0)} %`,
  ];
  const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  return [
    table(
      ['figure', 'median', 'spread'],
      [
        row('ledger.record, per SLI event', r.ledgerRecordNs, 'ns'),
        row('stage.recordEvents (sli_events), per event', r.stageEventNs, 'ns'),
        row('stage.recordSignal (timeslice), per signal, monitor known', r.stageSignalNs, 'ns'),
        row(`stage.recordSignal, first sighting of a monitor (${fmtInt(r.slos / 2)} timeslice SLOs, indexed)`, r.firstSightingUs, 'µs', 1),
        row(`evaluateAll, per SLO (${fmtInt(r.slos)} SLOs, none burning)`, r.evaluateUsPerSlo, 'µs', 2),
        row(`evaluateAll, per SLO (10 % of ratio SLOs burning)`, r.evaluateBurningUsPerSlo, 'µs', 2),
        row(`evaluateAll, whole pass over ${fmtInt(r.slos)} SLOs (once a minute)`, r.evaluateAllMs, 'ms'),
      ],
    ),
    '',
    table(
      ['memory', 'per SLO', `× ${fmtInt(r.slos)}`],
      [
        ['parsed SLO definitions (tiers, compiled matchers)', kib(r.definitionsBytesPerSlo), `${(r.definitionsBytesPerSlo * r.slos / 2 ** 20).toFixed(1)} MiB`],
        ['budget stage (ledgers + state), empty', kib(r.stageBytesPerSlo), `${(r.stageBytesPerSlo * r.slos / 2 ** 20).toFixed(1)} MiB`],
        ['budget stage after a day of traffic', kib(r.stageBytesPerSloAfterDay), `${(r.stageBytesPerSloAfterDay * r.slos / 2 ** 20).toFixed(1)} MiB`],
        ['ledger rings (typed arrays), ratio / timeslice SLI', `${kib(r.ledgerFootprintBytes.ratio)} / ${kib(r.ledgerFootprintBytes.timeslice)}`, ''],
      ],
    ),
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  const get = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const quick = args.includes('--quick');
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    process.stderr.write('note: run with --expose-gc (npm run bench:budget does); memory figures need settled heaps\n');
  }
  const r = runBudgetBench({
    models: Number(get('--models') ?? (quick ? 250 : 2500)),
    reps: Number(get('--reps') ?? (quick ? 3 : 7)),
    ledgerEvents: quick ? 200_000 : 1_000_000,
  });
  console.log(`machine: ${machineLine()}`);
  console.log(`date: ${new Date().toISOString().slice(0, 10)}`);
  console.log(formatBudgetBench(r));
}
