/**
 * When a burn began (`BudgetLedger.burnOnset`) and what the stage does with it: burn alerts are stamped with
 * the burn's onset, keep it across tier changes, and attribution charges burn rate × time / period.
 */
import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, MINUTE_MS, tiersForPeriod } from '../../src/budget/burnRate.js';
import { BudgetLedger } from '../../src/budget/ledger.js';
import { parseSloText, timesliceTiers } from '../../src/budget/slos.js';
import { parseSloSpec } from '../../src/budget/spec.js';
import { BudgetStage, BURN_ALERTNAME } from '../../src/budget/stage.js';
import type { Alert } from '../../src/domain/alert.js';
import type { ModelSignal } from '../../src/domain/signal.js';
import { VirtualClock } from '../../src/state/clock.js';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const ratio = () => new BudgetLedger(parseSloSpec({ name: 'a', track: 'infra', target: 0.999, period: '30d', sli: 'ratio' }));
const minute = (l: BudgetLedger, m: number, bad: number, total = 1000) => l.record(T0 + m * MINUTE_MS, total - bad, total);

describe('BudgetLedger.burnOnset', () => {
  it('finds the first bucket of the stretch burning above the threshold, at 1 min resolution', () => {
    const l = ratio();
    for (let m = 0; m < 120; m++) minute(l, m, m >= 100 ? 200 : 0);
    // 14.4 × 0.001 = 1.44 % bad per bucket; 20 % from minute 100 on.
    expect(l.burnOnset(T0 + 119 * MINUTE_MS, 14.4, HOUR_MS)).toBe(T0 + 100 * MINUTE_MS);
  });

  it('skips trailing buckets that stopped burning, and a bucket below the threshold ends the stretch', () => {
    const l = ratio();
    for (let m = 0; m < 90; m++) minute(l, m, m >= 40 && m < 70 && m !== 50 ? 100 : 0);
    // Burning 40–49 and 51–69; minute 50 clean; clean again since 70 (the long window still fires).
    expect(l.burnOnset(T0 + 89 * MINUTE_MS, 14.4, HOUR_MS)).toBe(T0 + 51 * MINUTE_MS);
    // A bucket just at the threshold does not burn (strict ">", as the tiers).
    const k = ratio();
    minute(k, 0, 0);
    minute(k, 1, 1, 1000);
    expect(k.burnOnset(T0 + MINUTE_MS, 1, HOUR_MS)).toBeNull();
    minute(k, 2, 2, 1000);
    expect(k.burnOnset(T0 + 2 * MINUTE_MS, 1, HOUR_MS)).toBe(T0 + 2 * MINUTE_MS);
  });

  it('passes over empty buckets and continues into coarser rings beyond the finest one', () => {
    const l = ratio();
    // Clean traffic, then 5 h of 10 % errors with a quiet hour inside: the 1 min ring spans 1 h, the
    // walk continues at 2 min and 6 min.
    for (let m = 0; m < 600; m++) {
      if (m >= 360 && m < 420) continue;
      minute(l, m, m >= 300 ? 100 : 0);
    }
    expect(l.burnOnset(T0 + 599 * MINUTE_MS, 6, 6 * HOUR_MS)).toBe(T0 + 300 * MINUTE_MS);
    // The look-back bounds the answer: at most the tier's long window behind now.
    expect(l.burnOnset(T0 + 599 * MINUTE_MS, 6, HOUR_MS)).toBe(T0 + 539 * MINUTE_MS);
  });

  it('is null when nothing burns', () => {
    const l = ratio();
    for (let m = 0; m < 60; m++) minute(l, m, 0);
    expect(l.burnOnset(T0 + 59 * MINUTE_MS, 1, DAY_MS)).toBeNull();
    expect(new BudgetLedger(parseSloSpec({ name: 'b', track: 'infra', target: 0.99, period: '30d', sli: 'ratio' }), { tiers: tiersForPeriod(30 * DAY_MS) }).burnOnset(T0, 1, HOUR_MS)).toBeNull();
  });

  it('timeslices: hourly slices with empty buckets between them; onset is the bucket of the first bad slice', () => {
    const tiers = timesliceTiers(30 * DAY_MS, HOUR_MS);
    const l = new BudgetLedger(parseSloSpec({ name: 'd', track: 'model', target: 0.95, period: '30d', sli: 'timeslice' }), { tiers });
    // 8 monitors an hour; from hour 10, 4 of them bad.
    for (let h = 1; h <= 14; h++) l.record(T0 + h * HOUR_MS, h >= 10 ? 4 : 8, 8);
    const at = l.burnOnset(T0 + 14 * HOUR_MS + MINUTE_MS, tiers[0]!.burnRate, tiers[0]!.longWindowMs)!;
    // Buckets are 24 min: the one holding hour 10's slices starts at most 24 min before it.
    expect(at).toBeLessThanOrEqual(T0 + 10 * HOUR_MS);
    expect(at).toBeGreaterThan(T0 + 10 * HOUR_MS - 24 * MINUTE_MS);
  });
});

const FILE = `
slos:
  - name: avail
    track: infra
    target: 0.999
    component: api
    sli: {events: {}}
  - name: drift
    track: model
    target: 0.95
    component: scorer
    sli: {timeslices: {matchers: ['alertname="ModelDrift"'], slice: 1h}}
`;

function stage(incidentOf?: (fp: string) => { id: string } | undefined) {
  const r = parseSloText(FILE, 'slos.yml');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const clock = new VirtualClock(T0);
  const emitted: Alert[] = [];
  const s = new BudgetStage({ clock, slos: r.slos, emit: (a) => emitted.push(...a), ...(incidentOf && { incidentOf }) });
  return { clock, s, emitted };
}

const events = (s: BudgetStage, m: number, bad: number) =>
  s.recordEvents({ slo: 'avail', source: 't', good: 1000 - bad, total: 1000, window: { start: T0 + m * MINUTE_MS, end: T0 + (m + 1) * MINUTE_MS }, observedAt: 0 });

describe('burn alerts carry the onset of the burn', () => {
  it('every tier taking over keeps the start of the episode', async () => {
    const { clock, s, emitted } = stage();
    const run = async (from: number, to: number, bad: number) => {
      for (let m = from; m < to; m++) {
        events(s, m, bad);
        await clock.advanceTo(T0 + (m + 1) * MINUTE_MS + 5000);
      }
    };
    await run(0, 60, 0);
    await run(60, 90, 300); // 30 % errors for 30 min: fast page tier
    await run(90, 200, 0); // clean: fast resets, medium then the ticket tiers take over
    const burns = emitted.filter((a) => a.labels['alertname'] === BURN_ALERTNAME);
    const tiers: string[] = [];
    for (const a of burns) if (a.endsAt > a.updatedAt && tiers.at(-1) !== a.labels['tier']) tiers.push(a.labels['tier']!);
    // With an hour of history the 24 h ticket tier trips first (its window is mostly the bad minutes), then
    // the page tiers as their long windows fill; after the errors stop the slower tiers take over again.
    expect(tiers).toEqual(['slow', 'medium', 'fast', 'medium', 'slow']);
    // Window [60, 61) is booked at its end, minute 61: that bucket is where the burn begins.
    expect(new Set(burns.map((a) => a.startsAt))).toEqual(new Set([T0 + 61 * MINUTE_MS]));
  });

  it('a timeslice burn is stamped at its first bad slice, hours before its page tier trips', async () => {
    const { clock, s, emitted } = stage();
    const slice = (h: number, status: ModelSignal['status'], i: number): ModelSignal => ({
      source: 'evidently', kind: 'drift', modelId: 'scorer', feature: `f${i}`, observedAt: 0,
      window: { start: T0 + (h - 1) * HOUR_MS, end: T0 + h * HOUR_MS }, status, severity: 'warning', labels: {},
    });
    for (let h = 1; h <= 12; h++) {
      for (let i = 0; i < 4; i++) s.recordSignal(slice(h, h >= 8 && i < 2 ? 'breach' : 'ok', i));
      await clock.advanceTo(T0 + h * HOUR_MS + 30_000);
    }
    const page = emitted.find((a) => a.labels['tier'] === 'medium')!;
    expect(page.updatedAt).toBeGreaterThanOrEqual(T0 + 10 * HOUR_MS);
    expect(page.startsAt).toBeLessThanOrEqual(T0 + 8 * HOUR_MS);
    expect(page.startsAt).toBeGreaterThan(T0 + 8 * HOUR_MS - 24 * MINUTE_MS);
  });
});

describe('attribution', () => {
  it('charges burn rate × interval / period while the burn alert belongs to an incident', async () => {
    let member = false;
    const { clock, s } = stage((fp) => (member && fp ? { id: 'inc-1' } : undefined));
    for (let m = 0; m < 60; m++) {
      events(s, m, 0);
      await clock.advanceTo(T0 + (m + 1) * MINUTE_MS + 5000);
    }
    // 50 % errors at 99.9 %: burn rate 500. The alert fires, then joins an incident 10 min later.
    for (let m = 60; m < 100; m++) {
      if (m === 70) member = true;
      events(s, m, 500);
      await clock.advanceTo(T0 + (m + 1) * MINUTE_MS + 5000);
    }
    const impact = s.impactOf('inc-1')!;
    // 30 evaluations (minutes 71–100) at 500 × 1 min / 43,200 min = 1.157 % each → 34.7 % of the budget.
    expect(impact.model).toBe(0);
    expect(impact.slos['avail']!.track).toBe('infra');
    expect(impact.infra).toBeCloseTo((30 * 500) / 43_200, 2);
    // Independent of history: the period reading (Σbad/Σtotal over 100 min of data) says 20× the budget.
    expect(s.view('avail')!.budget.consumed).toBeCloseTo(200, 0);
    expect(s.impactOfAll(['inc-1', 'inc-0'])).toEqual(impact);
    expect(s.impactOfAll(['inc-0'])).toBeUndefined();
  });
});

describe('which timeslice SLOs a signal feeds', () => {
  it('finds them through the index by an equality matcher, and by scan for SLOs without one', async () => {
    const r = parseSloText(
      `
slos:
  - {name: by-model, track: model, target: 0.95, sli: {timeslices: {matchers: ['alertname="ModelDrift"', 'model="a"']}}}
  - {name: by-name, track: model, target: 0.95, sli: {timeslices: {matchers: ['alertname="ModelDrift"']}}}
  - {name: by-regex, track: model, target: 0.95, sli: {timeslices: {matchers: ['model=~"a|b"']}}}
  - {name: no-segment, track: model, target: 0.95, sli: {timeslices: {matchers: ['model="a"', 'segment=""']}}}
  - {name: other-model, track: model, target: 0.95, sli: {timeslices: {matchers: ['model="b"', 'alertname="ModelDrift"']}}}
`,
      'slos.yml',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const s = new BudgetStage({ clock: new VirtualClock(T0), slos: r.slos, emit: () => undefined });
    const sig = (labels: Partial<ModelSignal>): ModelSignal => ({
      source: 'evidently', kind: 'drift', modelId: 'a', observedAt: T0, window: { start: T0, end: T0 + HOUR_MS }, status: 'ok', severity: 'warning', labels: {}, ...labels,
    });
    s.recordSignal(sig({}));
    s.recordSignal(sig({ segment: 'eu', feature: 'x' }));
    s.recordSignal(sig({ kind: 'perf_estimated' }));
    const accepted = Object.fromEntries(s.views().map((v) => [v.name, v.events.accepted]));
    expect(accepted).toEqual({ 'by-model': 2, 'by-name': 2, 'by-regex': 3, 'no-segment': 2, 'other-model': 0 });
    s.stop();
  });
});
