import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  budgetConsumedWhenFiring,
  burnRate,
  burnRateFromErrorRatio,
  burnRateThreshold,
  DAY_MS,
  detectionTime,
  errorRatio,
  HOUR_MS,
  MINUTE_MS,
  resetTime,
  tiersForPeriod,
  timeToExhaustion,
  WORKBOOK_TIERS_30D,
} from '../../src/budget/burnRate.js';

const PERIOD_30D = 30 * DAY_MS; // 720 h
const SECOND_MS = 1000;

describe('burn rate basics', () => {
  it('error ratio and burn rate from counts', () => {
    // 999 good of 1000 → error ratio 0.001; at 99.9 % the budget is 0.001, so burn rate 1.
    expect(errorRatio(999, 1000)).toBeCloseTo(0.001, 12);
    expect(burnRate(999, 1000, 0.999)).toBeCloseTo(1, 9);
    // 0/0 is unknown, not perfect: the ledger turns this into "no data".
    expect(errorRatio(0, 0)).toBeNull();
    expect(burnRate(0, 0, 0.999)).toBeNull();
    expect(() => errorRatio(5, 4)).toThrow(RangeError);
    expect(() => burnRate(1, 2, 1)).toThrow(RangeError);
  });

  it('property: burn rate = (errors / total) / (1 − target)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0.5, max: 0.99999, noNaN: true }),
        (total, goodShare, target) => {
          const good = Math.floor(total * goodShare);
          const expected = (total - good) / total / (1 - target);
          const got = burnRate(good, total, target);
          expect(got).not.toBeNull();
          expect(got as number).toBeCloseTo(expected, 6);
        },
      ),
    );
  });

  it('Table 5-4: time to exhaustion = period / burn rate at 99.9 %, 30 d', () => {
    // burn 1 (0.1 % errors) → 30 d; burn 2 → 15 d; burn 10 (1 %) → 3 d; burn 1000 (100 %) → 720 h/1000 = 43.2 min.
    expect(timeToExhaustion(burnRateFromErrorRatio(0.001, 0.999), PERIOD_30D)).toBeCloseTo(PERIOD_30D, 0);
    expect(timeToExhaustion(2, PERIOD_30D)).toBe(15 * DAY_MS);
    expect(timeToExhaustion(burnRateFromErrorRatio(0.01, 0.999), PERIOD_30D)).toBeCloseTo(3 * DAY_MS, 0);
    expect(timeToExhaustion(burnRateFromErrorRatio(1, 0.999), PERIOD_30D) / MINUTE_MS).toBeCloseTo(43.2, 6);
    expect(timeToExhaustion(0, PERIOD_30D)).toBe(Infinity);
  });
});

describe('tier table', () => {
  it('the Workbook four pairs at 30 d, with the budget each has spent when it fires', () => {
    const rows = WORKBOOK_TIERS_30D.map((t) => [
      t.severity,
      t.longWindowMs / HOUR_MS,
      t.shortWindowMs / MINUTE_MS,
      t.burnRate,
    ]);
    expect(rows).toEqual([
      ['page', 1, 5, 14.4],
      ['page', 6, 30, 6],
      ['ticket', 24, 120, 3],
      ['ticket', 72, 360, 1],
    ]);
    // budget consumed when firing = burn × window / period:
    //   14.4 × 1 h / 720 h = 2 %; 6 × 6 / 720 = 5 %; 3 × 24 / 720 = 10 %; 1 × 72 / 720 = 10 %.
    const fractions = WORKBOOK_TIERS_30D.map((t) => budgetConsumedWhenFiring(t.burnRate, t.longWindowMs, PERIOD_30D));
    [0.02, 0.05, 0.1, 0.1].forEach((f, i) => expect(fractions[i]).toBeCloseTo(f, 12));
    WORKBOOK_TIERS_30D.forEach((t, i) => expect(t.budgetFraction).toBeCloseTo(fractions[i] as number, 12));
  });

  it('scaling to 28 d keeps the budget fractions: threshold = f × period / w', () => {
    // 28 d = 672 h: 0.02 × 672 / 1 = 13.44; 0.05 × 672 / 6 = 5.6; 0.1 × 672 / 24 = 2.8; 0.1 × 672 / 72 = 0.933.
    const t28 = tiersForPeriod(28 * DAY_MS).map((t) => t.burnRate);
    [13.44, 5.6, 2.8, 0.9333].forEach((b, i) => expect(t28[i]).toBeCloseTo(b, 3));
    // 30 d is the identity; windows never change.
    expect(tiersForPeriod(PERIOD_30D).map((t) => t.burnRate)).toEqual([14.4, 6, 3, 1].map((b) => expect.closeTo(b, 9)));
    expect(tiersForPeriod(28 * DAY_MS).map((t) => t.longWindowMs)).toEqual(WORKBOOK_TIERS_30D.map((t) => t.longWindowMs));
    expect(burnRateThreshold(0.02, HOUR_MS, PERIOD_30D)).toBeCloseTo(14.4, 9);
  });
});

describe('Workbook figures', () => {
  it('detection time of a 100 % outage at 99.9 %', () => {
    // time to fire = (1 − SLO) / error_ratio × window × burn_rate
    //   1 h / 14.4: 0.001 / 1 × 3600 s × 14.4 = 51.84 s (= 0.864 min)
    //   6 h / 6:    0.001 / 1 × 21600 s × 6  = 129.6 s (= 2.16 min)
    expect(detectionTime(1, 0.999, HOUR_MS, 14.4) / SECOND_MS).toBeCloseTo(51.84, 6);
    expect(detectionTime(1, 0.999, HOUR_MS, 14.4) / MINUTE_MS).toBeCloseTo(0.864, 9);
    expect(detectionTime(1, 0.999, 6 * HOUR_MS, 6) / MINUTE_MS).toBeCloseTo(2.16, 9);
    // 2 % errors against the 1 h page: 0.001 / 0.02 × 60 min × 14.4 = 43.2 min.
    expect(detectionTime(0.02, 0.999, HOUR_MS, 14.4) / MINUTE_MS).toBeCloseTo(43.2, 9);
    // 1 % errors is burn 10 < 14.4: 0.001 / 0.01 × 60 min × 14.4 = 86.4 min > the 60 min window → never.
    expect(detectionTime(0.01, 0.999, HOUR_MS, 14.4)).toBe(Infinity);
  });

  it('a ratio that cannot lift the window over the threshold never fires', () => {
    // Error ratio 0.0144 × 0.999-budget = threshold exactly: time = window, and ">" never holds → Infinity.
    expect(detectionTime(0.0144, 0.999, HOUR_MS, 14.4)).toBe(Infinity);
    // Extreme SLO: at 90 % a total outage is burn 1/0.1 = 10 < 14.4; (0.1 / 1) × 1 h × 14.4 = 1.44 h > 1 h.
    expect(detectionTime(1, 0.9, HOUR_MS, 14.4)).toBe(Infinity);
    // …and it only spends 10 × 1 h / 720 h = 1.39 % of the budget per hour.
    expect(budgetConsumedWhenFiring(burnRateFromErrorRatio(1, 0.9), HOUR_MS, PERIOD_30D)).toBeCloseTo(0.0139, 4);
    // At 99.999 % a total outage (burn 100 000) empties 30 d of budget in 2 592 000 s / 100 000 = 25.9 s.
    expect(timeToExhaustion(burnRateFromErrorRatio(1, 0.99999), PERIOD_30D) / SECOND_MS).toBeCloseTo(25.92, 3);
  });

  it('low traffic erratum: one failure in 10 requests/h is burn 100, not 1000, and 13.9 % of budget', () => {
    // 1/10 = 10 % errors; 0.1 / 0.001 = 100×; 100 × 1 h / 720 h = 13.9 %.
    const b = burnRate(9, 10, 0.999) as number;
    expect(b).toBeCloseTo(100, 9);
    expect(budgetConsumedWhenFiring(b, HOUR_MS, PERIOD_30D)).toBeCloseTo(0.139, 3);
  });

  it('reset time: the short window clears the alert, the long one alone would linger', () => {
    // Fig. 5-6: 15 % errors for 10 min, 99.9 %, burn 14.4 → threshold error ratio r = 14.4 × 0.001 = 0.0144.
    // The window stops exceeding r once its bad overlap ≤ r × w / e:
    //   5 m:  0.0144 × 5 / 0.15  = 0.48 min → reset = 5 − 0.48  = 4.52 min  ("stops 5 min after")
    //   1 h:  0.0144 × 60 / 0.15 = 5.76 min → reset = 60 − 5.76 = 54.24 min ("would stay ~60 min")
    const base = { errorRatio: 0.15, incidentMs: 10 * MINUTE_MS, threshold: 14.4, target: 0.999 };
    expect(resetTime({ ...base, windowMs: 5 * MINUTE_MS }) / MINUTE_MS).toBeCloseTo(4.52, 9);
    expect(resetTime({ ...base, windowMs: HOUR_MS }) / MINUTE_MS).toBeCloseTo(54.24, 9);
    // 100 % outage, 5 m window: 0.0144 × 5 min = 4.32 s of bad left → reset = 300 − 4.32 = 295.68 s.
    expect(resetTime({ ...base, errorRatio: 1, incidentMs: Infinity, windowMs: 5 * MINUTE_MS }) / SECOND_MS).toBeCloseTo(
      295.68,
      6,
    );
    // An incident too short to have fired needs no reset: 15 % for 5 min in 1 h never exceeds 0.0144.
    expect(resetTime({ ...base, incidentMs: 5 * MINUTE_MS, windowMs: HOUR_MS })).toBe(0);
  });
});
