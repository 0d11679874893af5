import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, MINUTE_MS, WORKBOOK_TIERS_30D, type BurnTier } from '../../src/budget/burnRate.js';
import { BudgetLedger, type Evaluation } from '../../src/budget/ledger.js';
import { parseSloSpec, type SloSpecInput } from '../../src/budget/spec.js';

const spec = (over: Partial<SloSpecInput> = {}) =>
  parseSloSpec({ name: 'api-availability', track: 'infra', target: 0.999, period: '30d', sli: 'ratio', minEvents: 0, ...over });

/** Books `perMin` events per minute for minutes [from, to), `badPerMin` of them bad, at the minute's start. */
function traffic(l: BudgetLedger, from: number, to: number, perMin: number, badPerMin = 0): void {
  for (let m = from; m < to; m++) expect(l.record(m * MINUTE_MS, perMin - badPerMin, perMin).accepted).toBe(true);
}
/** Evaluate at the very end of minute m, so minute buckets ending at m are complete. */
const endOf = (m: number) => m * MINUTE_MS + MINUTE_MS - 1;

/**
 * Traffic booked as time passes: `at(m)` books every scheduled minute up to m, then evaluates at the end of
 * m. The ledger answers for "now" (its rings keep each window's span, not the past), so a test walks forward.
 */
function walk(l: BudgetLedger, segments: [from: number, to: number, perMin: number, badPerMin?: number][]) {
  let booked = Number.NEGATIVE_INFINITY;
  return (m: number): Evaluation => {
    for (const [from, to, perMin, bad = 0] of segments) {
      for (let x = Math.max(from, booked + 1); x < to && x <= m; x++) expect(l.record(x * MINUTE_MS, perMin - bad, perMin).accepted).toBe(true);
    }
    booked = Math.max(booked, m);
    return l.evaluate(endOf(m));
  };
}
const status = (e: Evaluation) => Object.fromEntries(e.tiers.map((t) => [t.tier.name, t.status]));

describe('BudgetLedger layout', () => {
  it('derives 1 min buckets from the 5 min window and rings over the 3 d window / 30 d period', () => {
    const l = new BudgetLedger(spec());
    expect(l.bucketMs).toBe(MINUTE_MS);
    expect(l.longestWindowMs).toBe(3 * DAY_MS);
    // One ring per resolution, each spanning the longest window using it: 1 min × 60 (5 min, 30 min, 1 h),
    // 2 min × 60 (2 h), 6 min × 60 (6 h), 24 min × 60 (24 h), 72 min × 60 (3 d) = 300 slots; the period
    // in 6 h buckets: 120 + 1 spare. 24 bytes a slot.
    expect(l.footprint()).toEqual({ fineSlots: 300, coarseSlots: 121, occupiedFine: 0, occupiedCoarse: 0, rings: 5, bytes: 421 * 24 });
    expect(() => new BudgetLedger(spec({ period: '1d' }))).toThrow(/exceeds the SLO period/);
  });

  it('memory does not grow with runtime: 20 days of traffic keep the same slots, windows stay exact', () => {
    const l = new BudgetLedger(spec({ period: '7d' }));
    const before = l.footprint();
    for (let day = 0; day < 20; day++) {
      traffic(l, day * 1440, (day + 1) * 1440, 10, day % 2); // some errors on odd days
      const f = l.footprint();
      expect(f.fineSlots).toBe(before.fineSlots);
      expect(f.coarseSlots).toBe(before.coarseSlots);
      expect(f.occupiedFine).toBeLessThanOrEqual(f.fineSlots);
      expect(f.occupiedCoarse).toBeLessThanOrEqual(f.coarseSlots);
    }
    const last = 20 * 1440 - 1;
    const e = l.evaluate(endOf(last));
    // The 3 d window holds exactly 3 d of events, not everything ever booked.
    const longest = e.tiers.find((t) => t.tier.name === 'long');
    expect(longest?.long.total).toBe(3 * 1440 * 10);
    // The period (7 d in 120 buckets of 84 min) likewise: 7 d of events, give or take the part of the
    // current bucket not yet elapsed (the window ends at the current bucket's end).
    expect(e.budget.total).toBeLessThanOrEqual(7 * 1440 * 10);
    expect(e.budget.total).toBeGreaterThan(7 * 1440 * 10 - 84 * 10);
  });
});

describe('Workbook behaviour through the ledger', () => {
  it('detects a 100 % outage at 99.9 % after ~51.84 s with the 1 h / 14.4 pair (1 s buckets)', () => {
    // One event a second; the hour before the outage is clean. At "now" = second k the 1 h window holds
    // seconds k−3599..k, so after n bad seconds its error ratio is n / 3600 and its burn n / 3600 / 0.001.
    // Fires when n / 3.6 > 14.4 ⇔ n > 51.84: not at 51 bad seconds (burn 14.17), yes at 52 (burn 14.44).
    const fast = WORKBOOK_TIERS_30D[0] as BurnTier;
    const l = new BudgetLedger(spec(), { tiers: [fast], bucketMs: 1000 });
    for (let s = -3600; s < 0; s++) l.record(s * 1000, 1, 1);
    let firstFiring: number | null = null;
    for (let s = 0; s < 120 && firstFiring === null; s++) {
      l.record(s * 1000, 0, 1);
      if (l.evaluate(s * 1000).state === 'firing') firstFiring = s + 1; // bad seconds so far
    }
    expect(firstFiring).toBe(52);
  });

  it('Fig. 5-6: 15 % errors for 10 min fires after ~6 min and resets 5 min after errors stop', () => {
    const l = new BudgetLedger(spec());
    // 3 clean days so every window has data; minutes 0..9: 15 % errors; then clean.
    const at = walk(l, [[-4320, 0, 100], [0, 10, 100, 15], [10, 80, 100]]);
    const fastAt = (m: number) => at(m).tiers[0];
    // Short window crosses at once (15/500 → burn 30); the long 1 h one needs bad minutes × 15 / 6000 > 0.0144,
    // i.e. > 5.76 minutes of errors: not after 5 minutes (burn 12.5), yes after 6 (burn 15).
    expect(fastAt(0)?.short.burnRate).toBeCloseTo(30, 9);
    expect(fastAt(4)?.status).toBe('ok');
    expect(fastAt(5)?.status).toBe('firing');
    expect(fastAt(5)?.long.burnRate).toBeCloseTo(15, 9);
    // Errors stop at 10:00. The 5 min window still holds minute 9 through 13:59 and is clean at 14:59:
    // reset ≈ 5 min (4.52 min exactly, rounded up to the 1 min bucket).
    expect(fastAt(13)?.status).toBe('firing');
    expect(fastAt(14)?.status).toBe('ok');
    // The 1 h window alone would stay above 14.4 while ≥ 6 of the 10 bad minutes are inside it: until 63:59,
    // ≈ 54 min after the errors stopped (54.24 exactly).
    expect(fastAt(63)?.long.burnRate).toBeGreaterThan(14.4);
    expect(fastAt(64)?.long.burnRate).toBeLessThanOrEqual(14.4);
    // The budget it cost: 150 bad events over a period holding 3 d + 80 min of 100/min.
    const b = at(79).budget;
    expect(b.consumed).toBeCloseTo(150 / b.total / 0.001, 12);
  });
});

describe('tier selection and suppression', () => {
  // 100/min clean for 3 d, then a 40 min total outage (minutes 0..39), then clean again.
  const outage = () => walk(new BudgetLedger(spec()), [[-4320, 0, 100], [0, 40, 100, 100], [40, 400, 100]]);

  it('only the fastest firing tier fires; slower ones are suppressed, naming who silenced them', () => {
    const e = outage()(39);
    // Every pair is over its threshold here (e.g. 24 h: 40/1440 → burn 27.8 > 3), but only "fast" speaks.
    expect(status(e)).toEqual({ fast: 'firing', medium: 'suppressed', slow: 'suppressed', long: 'suppressed' });
    expect(e.tiers.map((t) => t.suppressedBy ?? null)).toEqual([null, 'fast', 'fast', 'fast']);
    expect(e.state).toBe('firing');
    expect(e.severity).toBe('page');
    expect(e.tiers[0]?.budgetConsumedWhenFiring).toBeCloseTo(0.02, 12);
  });

  it('as faster tiers reset, the next slower one takes over', () => {
    const at = outage();
    // 10 min after: the 5 min window is clean, the 30 min one still holds 20 bad minutes.
    expect(status(at(49))).toEqual({ fast: 'ok', medium: 'firing', slow: 'suppressed', long: 'suppressed' });
    // 110 min after: 30 min window clean; the 2 h window still holds 10 bad minutes (burn 83 > 3).
    const ticket = at(149);
    expect(status(ticket)).toEqual({ fast: 'ok', medium: 'ok', slow: 'firing', long: 'suppressed' });
    expect(ticket.severity).toBe('ticket');
    // 3 h after: 2 h window clean; the 6 h short window of the 3 d pair still holds the outage.
    expect(status(at(219))).toEqual({ fast: 'ok', medium: 'ok', slow: 'ok', long: 'firing' });
    // 6 h after: all quiet.
    expect(at(399).state).toBe('ok');
  });

  it('a faster ticket does not silence a slower page (severity must be at least as high)', () => {
    const tiers: BurnTier[] = [
      { name: 'quick-ticket', severity: 'ticket', longWindowMs: HOUR_MS, shortWindowMs: 5 * MINUTE_MS, burnRate: 2, budgetFraction: 0 },
      { name: 'slow-page', severity: 'page', longWindowMs: 6 * HOUR_MS, shortWindowMs: 30 * MINUTE_MS, burnRate: 2, budgetFraction: 0 },
    ];
    const l = new BudgetLedger(spec(), { tiers });
    traffic(l, -360, 0, 100);
    traffic(l, 0, 30, 100, 100);
    const e = l.evaluate(endOf(29));
    expect(status(e)).toEqual({ 'quick-ticket': 'firing', 'slow-page': 'firing' });
    expect(e.severity).toBe('page');
  });
});

describe('late data', () => {
  it('is booked at event time: it changes the windows that cover that time, not the current one', () => {
    const l = new BudgetLedger(spec());
    traffic(l, -4320, 60, 100);
    const before = l.evaluate(endOf(59));
    expect(before.state).toBe('ok');
    // 500 bad events that happened at minute 52 arrive now: outside the 5 min window, inside the 1 h one.
    expect(l.record(52 * MINUTE_MS + 30_000, 0, 500)).toEqual({ accepted: true });
    const after = l.evaluate(endOf(59));
    const fast = after.tiers[0];
    expect(fast?.short.total).toBe(500);
    expect(fast?.short.burnRate).toBe(0);
    expect(fast?.long.good).toBe(6000);
    expect(fast?.long.total).toBe(6500);
    expect(fast?.status).toBe('ok'); // long window burns, short one is clean: no page
    // Re-evaluating the past sees the late errors where they belong: at 52:59 both windows burn.
    expect(l.evaluate(endOf(52)).tiers[0]?.status).toBe('firing');
  });

  it('data older than the longest window behind the newest event is refused with a reason', () => {
    const l = new BudgetLedger(spec());
    traffic(l, 0, 10, 1);
    const newest = 9 * MINUTE_MS;
    const tooOld = l.record(newest - 3 * DAY_MS, 0, 5);
    expect(tooOld.accepted).toBe(false);
    if (!tooOld.accepted) {
      expect(tooOld.reason).toBe('older than longest window');
      expect(tooOld.message).toMatch(/longest window/);
    }
    // One bucket younger still fits the ring.
    expect(l.record(newest - 3 * DAY_MS + MINUTE_MS, 0, 5).accepted).toBe(true);
    expect(l.record(newest, 6, 5)).toMatchObject({ accepted: false, reason: 'invalid counts' });
    expect(l.record(Number.NaN, 1, 1)).toMatchObject({ accepted: false, reason: 'invalid counts' });
  });
});

describe('minimum-events guard', () => {
  it('a window with fewer than minEvents does not fire, however bad its ratio', () => {
    // Low traffic: 2 events/min, one of them failing → error ratio 50 %, burn 500 everywhere.
    const l = new BudgetLedger(spec({ minEvents: 20 }));
    traffic(l, -4320, 0, 2);
    traffic(l, 0, 6, 2, 1);
    const e = l.evaluate(endOf(5));
    // 5 min window: 10 events < 20 → the fast pair cannot judge; the 30 min window has 60 events and fires.
    expect(e.tiers[0]?.short.total).toBe(10);
    expect(e.tiers[0]?.short.burnRate).toBeCloseTo(500, 9);
    expect(e.tiers[0]?.status).toBe('insufficient events');
    expect(e.tiers[1]?.status).toBe('firing');
  });

  it('with every window short of events nothing fires', () => {
    const l = new BudgetLedger(spec({ minEvents: 100_000 }));
    traffic(l, -4320, 10, 10, 10);
    const e = l.evaluate(endOf(9));
    expect(new Set(Object.values(status(e)))).toEqual(new Set(['insufficient events']));
    expect(e.state).toBe('ok');
    expect(e.severity).toBeNull();
  });
});

describe('no-data freeze', () => {
  it('no events in the short window → no data, nothing fires, budget frozen at the last data', () => {
    const l = new BudgetLedger(spec());
    traffic(l, -4320, 0, 100);
    traffic(l, 0, 30, 100, 100); // outage…
    const atLastData = l.evaluate(endOf(29));
    expect(atLastData.state).toBe('firing');
    expect(atLastData.budget.frozen).toBe(false);
    // …then the source goes silent (scrape broken, labels late).
    for (const m of [35, 60, 24 * 60, 40 * 24 * 60]) {
      const e = l.evaluate(endOf(m));
      expect(e.state).toBe('no data');
      expect(new Set(Object.values(status(e)))).toEqual(new Set(['no data']));
      expect(e.severity).toBeNull();
      // Frozen: neither burning nor recovering, even 40 days later when the errors would have aged out.
      expect(e.budget.frozen).toBe(true);
      expect(e.budget.remaining).toBe(atLastData.budget.remaining);
      expect(e.budget.asOf).toBe(29 * MINUTE_MS);
    }
    // 3000 bad of 4350 × 100 events at 99.9 %: consumed = (3000 / 435000) / 0.001 ≈ 6.9, i.e. overspent.
    expect(atLastData.budget.consumed).toBeCloseTo(3000 / 435_000 / 0.001, 9);
    expect(atLastData.budget.remaining).toBeLessThan(0);
  });

  it('thaws when data returns', () => {
    const l = new BudgetLedger(spec());
    expect(l.evaluate(0)).toMatchObject({ state: 'no data', budget: { remaining: 1, frozen: true, asOf: null } });
    traffic(l, 0, 10, 100);
    const e = l.evaluate(endOf(9));
    expect(e.state).toBe('ok');
    expect(e.budget).toMatchObject({ frozen: false, remaining: 1, total: 1000 });
  });
});

describe('property: ledger windows burn Σbad/Σtotal/(1 − target)', () => {
  it('whatever the order and timing of batches inside a window', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            offset: fc.integer({ min: 0, max: 5 * MINUTE_MS - 1 }),
            good: fc.integer({ min: 0, max: 1000 }),
            bad: fc.integer({ min: 0, max: 1000 }),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        fc.double({ min: 0.5, max: 0.9999, noNaN: true }),
        (batches, target) => {
          const l = new BudgetLedger(spec({ target }));
          const start = 10 * MINUTE_MS; // bucket-aligned: the 5 min window at start + 5 min − 1 is exact
          for (const b of batches) expect(l.record(start + b.offset, b.good, b.good + b.bad).accepted).toBe(true);
          const w = l.window(start + 5 * MINUTE_MS - 1, 5 * MINUTE_MS);
          const bad = batches.reduce((s, b) => s + b.bad, 0);
          const total = batches.reduce((s, b) => s + b.good + b.bad, 0);
          expect(w.total).toBe(total);
          if (total === 0) expect(w.burnRate).toBeNull();
          else expect(w.burnRate as number).toBeCloseTo(bad / total / (1 - target), 6);
        },
      ),
    );
  });
});
