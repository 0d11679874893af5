import { describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../src/budget/burnRate.js';
import { parseSloText, timesliceTiers } from '../../src/budget/slos.js';
import { BudgetStage, BURN_ALERTNAME } from '../../src/budget/stage.js';
import type { Alert } from '../../src/domain/alert.js';
import type { ModelSignal } from '../../src/domain/signal.js';
import { VirtualClock } from '../../src/state/clock.js';

const T0 = Date.parse('2026-11-01T00:00:00Z');

const FILE = `
slos:
  - name: scorer-availability
    track: infra
    target: 0.999
    period: 30d
    component: scorer-api
    customer_facing: true
    labels: {team: fraud}
    sli: {events: {}}
  - name: scorer-drift
    track: model
    target: 0.95
    period: 28d
    component: fraud-scorer
    sli:
      timeslices:
        matchers: ['alertname="ModelDrift"', 'model="fraud-scorer"']
        slice: 1h
`;

function slos() {
  const r = parseSloText(FILE, 'slos.yml');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.slos;
}

describe('SLO files', () => {
  it('load both SLI kinds with their tiers', () => {
    const [avail, drift] = slos();
    expect(avail!.spec).toMatchObject({ name: 'scorer-availability', track: 'infra', sli: 'ratio', target: 0.999 });
    expect(avail!.tiers.map((t) => [t.name, t.severity, t.burnRate])).toEqual([
      ['fast', 'page', expect.closeTo(14.4, 9)],
      ['medium', 'page', expect.closeTo(6, 9)],
      ['slow', 'ticket', expect.closeTo(3, 9)],
      ['long', 'ticket', expect.closeTo(1, 9)],
    ]);
    expect(drift!.spec.sli).toBe('timeslice');
    expect(drift!.selectsSlices!({ alertname: 'ModelDrift', model: 'fraud-scorer' })).toBe(true);
    expect(drift!.selectsSlices!({ alertname: 'ModelDrift', model: 'other' })).toBe(false);
  });

  it('timeslice tiers start at 5 %/6 h page and 10 %/3 d ticket, short windows of two slices at least', () => {
    const tiers = timesliceTiers(28 * 24 * HOUR_MS, HOUR_MS);
    expect(tiers.map((t) => [t.name, t.severity, t.longWindowMs / HOUR_MS, t.shortWindowMs / HOUR_MS])).toEqual([
      ['medium', 'page', 6, 2],
      ['long', 'ticket', 72, 6],
    ]);
    // Thresholds keep the budget fractions: 0.05 × 28 d / 6 h = 5.6, 0.10 × 28 d / 3 d = 0.933.
    expect(tiers[0]!.burnRate).toBeCloseTo(5.6, 9);
    expect(tiers[1]!.burnRate).toBeCloseTo(0.9333, 3);
  });

  it('report every problem with file, line and path', () => {
    const r = parseSloText(
      `slos:
  - name: a
    track: infra
    target: 1
    sli: {events: {}}
  - name: b
    track: model
    target: 0.9
    colour: red
    sli:
      timeslices: {matchers: ['alertname=~"(bad"']}
`,
      'bad.yml',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.errors.map((e) => `${e.line}: ${e.path}: ${e.message}`);
    expect(text).toEqual([
      '4: slos[0].target: must be below 1 (a target of 1 leaves no budget)',
      expect.stringMatching(/^9: slos\[1\]\.colour: Unrecognized key/),
      expect.stringMatching(/^11: slos\[1\]\.sli/),
    ]);
  });
});

function stage(emitted: Alert[][]) {
  const clock = new VirtualClock(T0);
  const s = new BudgetStage({ clock, slos: slos(), emit: (a) => emitted.push(a) });
  return { clock, s };
}

const perMinute = (s: BudgetStage, minute: number, good: number, total: number) =>
  s.recordEvents({ slo: 'scorer-availability', source: 't', good, total, window: { start: T0 + minute * MINUTE_MS, end: T0 + minute * MINUTE_MS + MINUTE_MS - 1 }, observedAt: 0 });

describe('budget stage', () => {
  it('a full outage fires the fast page tier as a critical burn alert, then resolves it', async () => {
    const emitted: Alert[][] = [];
    const { clock, s } = stage(emitted);
    for (let m = 0; m < 60; m++) {
      expect(perMinute(s, m, 1000, 1000)).toEqual({ ok: true });
      await clock.advanceTo(T0 + (m + 1) * MINUTE_MS);
    }
    expect(emitted).toEqual([]);
    // A total outage: the 1 h window passes 14.4 after 52 s of errors at 99.9 % (Workbook) — here after the
    // first bad minute is booked and evaluated.
    for (let m = 60; m < 70; m++) {
      perMinute(s, m, 0, 1000);
      await clock.advanceTo(T0 + (m + 1) * MINUTE_MS);
    }
    const fired = emitted.flat().find((a) => a.labels.alertname === BURN_ALERTNAME)!;
    expect(fired.labels).toEqual({
      alertname: BURN_ALERTNAME,
      slo: 'scorer-availability',
      track: 'infra',
      tier: 'fast',
      budget_severity: 'page',
      severity: 'critical',
      component: 'scorer-api',
      customer_facing: 'true',
      team: 'fraud',
    });
    // Fired at the 61st minute's evaluation, but stamped with the burn's onset: the first bad minute's
    // bucket (T0 + 60 min), so correlation sees it beside the signals that caused it.
    expect(fired.updatedAt).toBe(T0 + 61 * MINUTE_MS);
    expect(fired.startsAt).toBe(T0 + 60 * MINUTE_MS);
    const view = s.view('scorer-availability')!;
    expect(view.severity).toBe('page');
    expect(view.budget.remaining).toBeLessThan(0.8);
    // Recovery: once the 5 min window is clean the fast tier resolves and the medium page tier (30 min /
    // 6 h) takes over; then the ticket tiers; after 6 h clean, nothing fires and the last word is a resolve.
    const tiersSeen: string[] = [];
    for (let m = 70; m < 70 + 7 * 60; m++) {
      perMinute(s, m, 1000, 1000);
      await clock.advanceTo(T0 + (m + 1) * MINUTE_MS);
      const v = s.view('scorer-availability')!;
      const firing = v.tiers.find((t) => t.status === 'firing')?.name ?? 'none';
      if (tiersSeen.at(-1) !== firing) tiersSeen.push(firing);
    }
    expect(tiersSeen).toEqual(['fast', 'medium', 'slow', 'long', 'none']);
    const last = emitted.at(-1)![0]!;
    expect(last.endsAt).toBeLessThanOrEqual(clock.now());
    expect(s.view('scorer-availability')!.severity).toBeNull();
  });

  it('refuses SLI counts for unknown or timeslice SLOs, with a reason', () => {
    const { s } = stage([]);
    expect(s.recordEvents({ slo: 'nope', source: 't', good: 1, total: 1, window: { start: T0, end: T0 }, observedAt: T0 })).toEqual({
      ok: false,
      reason: 'unknown SLO "nope"',
    });
    expect(s.recordEvents({ slo: 'scorer-drift', source: 't', good: 1, total: 1, window: { start: T0, end: T0 }, observedAt: T0 }).ok).toBe(false);
  });

  it('books drift windows as slices; insufficient samples and no data book nothing (freeze)', async () => {
    const emitted: Alert[][] = [];
    const { clock, s } = stage(emitted);
    const drift = (hour: number, status: ModelSignal['status']): ModelSignal => ({
      source: 'evidently',
      kind: 'drift',
      modelId: 'fraud-scorer',
      observedAt: T0 + hour * HOUR_MS,
      window: { start: T0 + (hour - 1) * HOUR_MS, end: T0 + hour * HOUR_MS },
      status,
      severity: 'warning',
      labels: {},
    });
    // A day of good hours, then small samples for a day: nothing is booked, the budget stays where it was.
    for (let h = 1; h <= 24; h++) {
      s.recordSignal(drift(h, 'ok'));
      await clock.advanceTo(T0 + h * HOUR_MS + 1);
    }
    const before = s.view('scorer-drift')!;
    expect(before.events.accepted).toBe(24);
    for (let h = 25; h <= 48; h++) {
      s.recordSignal(drift(h, 'insufficient_sample'));
      await clock.advanceTo(T0 + h * HOUR_MS + 1);
    }
    const frozen = s.view('scorer-drift')!;
    expect(frozen.events.accepted).toBe(24);
    expect(frozen.state).toBe('no data');
    expect(frozen.budget.frozen).toBe(true);
    expect(frozen.budget.remaining).toBe(before.budget.remaining);
    expect(emitted).toEqual([]);
    // Drift breaches for 4 hours: the 6 h / 2 h page tier fires (2 bad hours of budget, 5.6× the rate).
    for (let h = 49; h <= 52; h++) {
      s.recordSignal(drift(h, 'breach'));
      await clock.advanceTo(T0 + h * HOUR_MS + 1);
    }
    const burn = emitted.flat().find((a) => a.labels.slo === 'scorer-drift');
    expect(burn?.labels).toMatchObject({ track: 'model', tier: 'medium', budget_severity: 'page', component: 'fraud-scorer' });
  });
});
