/**
 * Burn-rate arithmetic for multi-window, multi-burn-rate (MWMB) SLO alerting.
 *
 * Everything here is a pure function of numbers: no clock, no state. Durations are milliseconds.
 * Formulas are the Google SRE Workbook's ("Alerting on SLOs"), restated in
 * the shared notes `slo-budgets-and-drift.md` §1.1:
 *
 *   error_ratio        = bad / total
 *   burn_rate          = error_ratio / (1 − SLO)
 *   time to fire       = (1 − SLO) / error_ratio × window × burn_rate_threshold
 *   budget when firing = burn_rate × window / period
 *   threshold for "fraction f of the budget within window w" = f × period / w
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** The period the Workbook's table (and therefore our default thresholds) was written for. */
export const REFERENCE_PERIOD_MS = 30 * DAY_MS;

export type Severity = 'page' | 'ticket';

/** Higher is more urgent; used to decide which firing tier may silence which. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { page: 2, ticket: 1 };

/** One MWMB pair: fires when both windows burn faster than `burnRate`. */
export interface BurnTier {
  /** Stable label (Pyrra-style fast/medium/slow/long), emitted with alerts later. */
  readonly name: string;
  readonly severity: Severity;
  readonly longWindowMs: number;
  readonly shortWindowMs: number;
  /** Burn-rate threshold for the period this tier was built for. */
  readonly burnRate: number;
  /** Fraction of the period's budget spent by the time the long window alone would trip. */
  readonly budgetFraction: number;
}

/**
 * The Workbook's four pairs (Table 5-8 plus the 24h/2h ticket pair from its example expression), as written
 * for a 30-day period. Short windows are 1/12 of the long one, the Workbook's guideline.
 */
export const WORKBOOK_TIERS_30D: readonly BurnTier[] = Object.freeze([
  tier('fast', 'page', HOUR_MS, 5 * MINUTE_MS, 14.4, REFERENCE_PERIOD_MS),
  tier('medium', 'page', 6 * HOUR_MS, 30 * MINUTE_MS, 6, REFERENCE_PERIOD_MS),
  tier('slow', 'ticket', 24 * HOUR_MS, 2 * HOUR_MS, 3, REFERENCE_PERIOD_MS),
  tier('long', 'ticket', 3 * DAY_MS, 6 * HOUR_MS, 1, REFERENCE_PERIOD_MS),
]);

function tier(
  name: string,
  severity: Severity,
  longWindowMs: number,
  shortWindowMs: number,
  burnRate: number,
  periodMs: number,
): BurnTier {
  return Object.freeze({
    name,
    severity,
    longWindowMs,
    shortWindowMs,
    burnRate,
    budgetFraction: budgetConsumedWhenFiring(burnRate, longWindowMs, periodMs),
  });
}

/**
 * The default tiers for an SLO period. What the Workbook fixes is the *budget fraction* per window
 * (2 %/1 h, 5 %/6 h, 10 %/24 h, 10 %/3 d), so for another period the windows stay and the threshold becomes
 * f × period / w: 28 d gives 13.44, 5.6, 2.8, 0.933. Keeping the fraction (not the number 14.4) is what makes
 * a page still mean "2 % of this SLO's budget in an hour".
 */
export function tiersForPeriod(periodMs: number, base: readonly BurnTier[] = WORKBOOK_TIERS_30D): BurnTier[] {
  assertPositive(periodMs, 'period');
  return base.map((t) =>
    Object.freeze({ ...t, burnRate: burnRateThreshold(t.budgetFraction, t.longWindowMs, periodMs) }),
  );
}

/** bad / total; null when there were no events, because 0/0 is "unknown", not "perfect". */
export function errorRatio(good: number, total: number): number | null {
  assertCounts(good, total);
  return total === 0 ? null : (total - good) / total;
}

/** error_ratio / (1 − SLO). */
export function burnRateFromErrorRatio(ratio: number, target: number): number {
  assertTarget(target);
  return ratio / (1 - target);
}

/** Burn rate of a window from its counts; null when the window holds no events. */
export function burnRate(good: number, total: number, target: number): number | null {
  const ratio = errorRatio(good, total);
  return ratio === null ? null : burnRateFromErrorRatio(ratio, target);
}

/** Workbook: "error budget consumed by the time the alert fires is burn_rate × window / period". */
export function budgetConsumedWhenFiring(rate: number, windowMs: number, periodMs: number): number {
  assertPositive(windowMs, 'window');
  assertPositive(periodMs, 'period');
  return (rate * windowMs) / periodMs;
}

/** Inverse of the above: the burn rate at which `fraction` of the budget goes in `windowMs`. */
export function burnRateThreshold(fraction: number, windowMs: number, periodMs: number): number {
  assertPositive(windowMs, 'window');
  assertPositive(periodMs, 'period');
  return (fraction * periodMs) / windowMs;
}

/** Table 5-4: a constant burn rate b empties the budget in period / b (b = 1 000 at 30 d → 43.2 min). */
export function timeToExhaustion(rate: number, periodMs: number): number {
  return rate <= 0 ? Infinity : periodMs / rate;
}

/**
 * Workbook: "the time taken for an alert to fire is (1 − SLO) / error_ratio × window × burn_rate", for a
 * window that was clean before the errors began and uniform traffic. If the result is not shorter than the
 * window the error ratio can never lift the window's average over the threshold, so the alert never fires
 * (e.g. a 100 % outage at a 90 % SLO against the 14.4 page: 1.44 h > 1 h) and we return Infinity.
 */
export function detectionTime(
  errorRatioDuringIncident: number,
  target: number,
  windowMs: number,
  threshold: number,
): number {
  assertTarget(target);
  assertPositive(windowMs, 'window');
  if (!(errorRatioDuringIncident > 0)) return Infinity;
  const t = ((1 - target) / errorRatioDuringIncident) * windowMs * threshold;
  return t < windowMs ? t : Infinity;
}

export interface ResetInput {
  /** Error ratio while the incident lasted. */
  readonly errorRatio: number;
  /** How long the incident lasted before errors stopped (Infinity: long enough to fill any window). */
  readonly incidentMs: number;
  readonly windowMs: number;
  /** Burn-rate threshold of the tier. */
  readonly threshold: number;
  readonly target: number;
}

/**
 * Time from the end of an incident until `windowMs` no longer exceeds the threshold (uniform traffic, clean
 * before and after). The window holds min(incident, window − t) of bad time after t clean, so its ratio is
 * e·min(d, w − t)/w; it stops exceeding the threshold ratio r once that overlap is ≤ r·w/e, i.e. at
 * t = w − r·w/e. This is why the Workbook adds the short window: for 15 % errors at 99.9 %/14.4 the 5 m window
 * resets after 4.52 min where the 1 h window alone would stay up 54.2 min. Returns 0 if the window never fired.
 */
export function resetTime(input: ResetInput): number {
  const { errorRatio: e, incidentMs, windowMs: w, threshold, target } = input;
  assertTarget(target);
  assertPositive(w, 'window');
  if (!(e > 0)) return 0;
  const thresholdRatio = threshold * (1 - target);
  const maxBadOverlap = (thresholdRatio * w) / e;
  // Firing needs the bad overlap strictly above maxBadOverlap (the Prometheus rule uses ">").
  if (Math.min(incidentMs, w) <= maxBadOverlap) return 0;
  return w - maxBadOverlap;
}

function assertCounts(good: number, total: number): void {
  if (!Number.isFinite(good) || !Number.isFinite(total) || good < 0 || total < 0 || good > total) {
    throw new RangeError(`invalid counts good=${good} total=${total}: need 0 ≤ good ≤ total, finite`);
  }
}

function assertTarget(target: number): void {
  if (!(target > 0 && target < 1)) throw new RangeError(`SLO target must be in (0, 1), got ${target}`);
}

function assertPositive(ms: number, what: string): void {
  if (!(ms > 0) || !Number.isFinite(ms)) throw new RangeError(`${what} must be a positive duration, got ${ms}`);
}
