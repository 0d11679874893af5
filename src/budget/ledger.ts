/**
 * In-memory error-budget ledger for one SLO: event counts in time buckets, evaluated against the
 * multi-window multi-burn-rate tiers.
 *
 * Clock-free by design: `record` takes the event's own time and `evaluate` takes `now`, so the engine decides
 * what "now" is (and tests can replay any timeline). Memory is two fixed rings allocated up front:
 *  - a fine ring (bucket = shortest window / 5, e.g. 1 min) spanning the longest alerting window, for burn
 *    rates;
 *  - a coarse ring (1 h buckets) spanning the SLO period, for "budget remaining".
 * Neither grows with runtime or traffic: a bucket is reused once its time has slid out of the ring.
 *
 * Windows are computed from summed counts (Σbad/Σtotal), never by averaging per-bucket ratios, as Sloth's
 * ratio_rate does: averaging would let a quiet bucket count as much as a busy one.
 */
import {
  burnRate,
  budgetConsumedWhenFiring,
  errorRatio,
  HOUR_MS,
  SEVERITY_RANK,
  tiersForPeriod,
  type BurnTier,
  type Severity,
} from './burnRate.js';
import type { SloSpec } from './spec.js';

export interface LedgerOptions {
  /** Tiers to evaluate; default: the Workbook's four, scaled to the spec's period. */
  readonly tiers?: readonly BurnTier[];
  /** Fine bucket size; default shortest window / 5 (1 min for the 5 min page window). */
  readonly bucketMs?: number;
  /** Coarse bucket size for the period ring; default 1 h. */
  readonly periodBucketMs?: number;
}

export type RecordResult =
  | { readonly accepted: true }
  | { readonly accepted: false; readonly reason: 'older than longest window' | 'invalid counts'; readonly message: string };

export interface WindowReading {
  readonly windowMs: number;
  readonly good: number;
  readonly total: number;
  /** null when the window holds no events. */
  readonly errorRatio: number | null;
  readonly burnRate: number | null;
  /** total ≥ minEvents (and > 0): the window's ratio is trusted enough to fire. */
  readonly enoughEvents: boolean;
}

export type TierStatus = 'firing' | 'suppressed' | 'ok' | 'insufficient events' | 'no data';

export interface TierResult {
  readonly tier: BurnTier;
  readonly status: TierStatus;
  readonly long: WindowReading;
  readonly short: WindowReading;
  /** The burn-rate threshold both windows must exceed. */
  readonly threshold: number;
  /** Workbook: fraction of the period's budget gone by the time this tier fires. */
  readonly budgetConsumedWhenFiring: number;
  /** Name of the faster tier that silenced this one, when status is 'suppressed'. */
  readonly suppressedBy?: string;
}

export interface BudgetReading {
  readonly good: number;
  readonly total: number;
  /** Fraction of the period's budget spent: period error ratio / (1 − target). May exceed 1. */
  readonly consumed: number;
  /** 1 − consumed; negative once the budget is overspent. */
  readonly remaining: number;
  /** True while there is no data: the period window is pinned at the last data instead of sliding. */
  readonly frozen: boolean;
  /** End of the period window used (ms), null before any data. */
  readonly asOf: number | null;
}

export interface Evaluation {
  readonly slo: string;
  readonly track: SloSpec['track'];
  readonly at: number;
  readonly state: 'ok' | 'firing' | 'no data';
  /** Most urgent severity among firing tiers. */
  readonly severity: Severity | null;
  readonly tiers: readonly TierResult[];
  readonly budget: BudgetReading;
}

/**
 * A ring of count buckets. Each slot remembers which absolute bucket index it holds, so a stale slot (time
 * slid past it) reads as empty without any sweeping, and a late event can tell whether its bucket still lives.
 * 24 bytes a slot: the bucket index and two counts, as Float64 (counts exact up to 2^53 events).
 */
class CountRing {
  readonly slots: number;
  /**
   * Per slot, side by side: the bucket index it holds, good, total. One array, so reading a bucket touches
   * one cache line, not three (ledgers of 10k SLOs do not fit in cache: evaluation and booking are bound
   * by memory traffic, measured in benchmarks/budget.ts).
   */
  private readonly data: Float64Array;

  constructor(
    readonly bucketMs: number,
    slots: number,
  ) {
    this.slots = slots;
    this.data = new Float64Array(slots * SLOT_FIELDS);
    for (let s = 0; s < slots; s++) this.data[s * SLOT_FIELDS] = EMPTY_SLOT;
  }

  bucketOf(time: number): number {
    return Math.floor(time / this.bucketMs);
  }

  private slotOf(bucket: number): number {
    return ((bucket % this.slots) + this.slots) % this.slots;
  }

  /** False when the slot already holds a newer bucket, i.e. this bucket has left the ring. */
  canBook(bucket: number): boolean {
    const held = this.data[this.slotOf(bucket) * SLOT_FIELDS]!;
    return held === EMPTY_SLOT || held <= bucket;
  }

  add(bucket: number, good: number, total: number): void {
    const i = this.slotOf(bucket) * SLOT_FIELDS;
    const d = this.data;
    if (d[i] !== bucket) {
      d[i] = bucket;
      d[i + 1] = good;
      d[i + 2] = total;
    } else {
      d[i + 1] = d[i + 1]! + good;
      d[i + 2] = d[i + 2]! + total;
    }
  }

  /** Sum of the `count` buckets ending at (and including) `lastBucket`. */
  sum(lastBucket: number, count: number): { good: number; total: number } {
    let good = 0;
    let total = 0;
    const n = Math.min(count, this.slots);
    const d = this.data;
    const end = this.slots * SLOT_FIELDS;
    // One modulo for the first slot, then walk and wrap: evaluation sums ~600 buckets per SLO per minute.
    let b = lastBucket - n + 1;
    let i = this.slotOf(b) * SLOT_FIELDS;
    for (let k = 0; k < n; k++, b++) {
      if (d[i] === b) {
        good += d[i + 1]!;
        total += d[i + 2]!;
      }
      i += SLOT_FIELDS;
      if (i === end) i = 0;
    }
    return { good, total };
  }

  /** Counts of one bucket; zeros when its slot holds another bucket (never booked, or slid out). */
  read(bucket: number): { good: number; total: number } {
    const i = this.slotOf(bucket) * SLOT_FIELDS;
    const d = this.data;
    return d[i] === bucket ? { good: d[i + 1]!, total: d[i + 2]! } : { good: 0, total: 0 };
  }

  occupied(): number {
    let n = 0;
    for (let s = 0; s < this.slots; s++) if (this.data[s * SLOT_FIELDS] !== EMPTY_SLOT) n++;
    return n;
  }
}

/** Numbers per slot: bucket index, good, total. */
const SLOT_FIELDS = 3;
/** Marker of a slot that never held a bucket (bucket indexes are finite). */
const EMPTY_SLOT = Number.NEGATIVE_INFINITY;

/**
 * Buckets per alerting window: a window is summed over at most about this many buckets, so its edge error
 * is at most 1/WINDOW_BUCKETS of its length (1.7 %) while memory stays independent of window length.
 */
export const WINDOW_BUCKETS = 60;
/** Buckets over the SLO period for "budget remaining" (30 d → 6 h buckets), never finer than 1 h. */
export const PERIOD_BUCKETS = 120;

export class BudgetLedger {
  readonly spec: SloSpec;
  readonly tiers: readonly BurnTier[];
  /** Finest bucket (the shortest windows are summed at this resolution). */
  readonly bucketMs: number;
  readonly longestWindowMs: number;
  readonly shortestWindowMs: number;
  /**
   * One ring per resolution. A window of length w is summed at bucketMs × max(1, ⌊w / (60·bucketMs)⌋):
   * 5 min, 30 min and 1 h at 1 min; 2 h at 2 min; 6 h at 6 min; 24 h at 24 min; 3 d at 72 min. Each ring
   * spans the longest window that uses it. A single 1 min ring over 3 d would take 4,320 slots (86 KB) per
   * SLO; these take about 300 (7 KB), which is what lets one process hold 10k SLOs.
   */
  private readonly rings: CountRing[];
  private readonly ringOfWindow = new Map<number, CountRing>();
  private readonly coarse: CountRing;
  private readonly periodBuckets: number;
  /** Newest event time booked; late-data acceptance is measured from it, not from a wall clock. */
  private watermark = Number.NEGATIVE_INFINITY;

  constructor(spec: SloSpec, options: LedgerOptions = {}) {
    this.spec = spec;
    if (!(spec.target > 0 && spec.target < 1)) throw new RangeError(`target must be in (0, 1), got ${spec.target}`);
    this.tiers = options.tiers ?? tiersForPeriod(spec.period);
    if (this.tiers.length === 0) throw new RangeError('a ledger needs at least one tier');
    const windows = [...new Set(this.tiers.flatMap((t) => [t.longWindowMs, t.shortWindowMs]))];
    const shortest = Math.min(...windows);
    this.shortestWindowMs = shortest;
    this.longestWindowMs = Math.max(...windows);
    // A tier whose long window outlasts the period would judge more than the whole budget's horizon.
    if (this.longestWindowMs > spec.period) {
      throw new RangeError(`longest window ${this.longestWindowMs} ms exceeds the SLO period ${spec.period} ms`);
    }
    // Five buckets in the shortest window keeps its edge error at most one fifth of it; 1 min for 5 min.
    this.bucketMs = options.bucketMs ?? shortest / 5;
    if (!(this.bucketMs > 0) || this.bucketMs > shortest) {
      throw new RangeError(`bucket ${this.bucketMs} ms must be positive and no longer than the shortest window`);
    }
    const spanByResolution = new Map<number, number>();
    const resolutionOf = (w: number) => this.bucketMs * Math.max(1, Math.floor(w / (WINDOW_BUCKETS * this.bucketMs)));
    for (const w of windows) {
      const r = resolutionOf(w);
      spanByResolution.set(r, Math.max(spanByResolution.get(r) ?? 0, w));
    }
    const ringByResolution = new Map<number, CountRing>();
    for (const [r, span] of [...spanByResolution].sort((a, b) => a[0] - b[0])) {
      ringByResolution.set(r, new CountRing(r, Math.ceil(span / r)));
    }
    this.rings = [...ringByResolution.values()];
    for (const w of windows) this.ringOfWindow.set(w, ringByResolution.get(resolutionOf(w))!);
    const periodBucketMs =
      options.periodBucketMs ?? Math.max(HOUR_MS, this.bucketMs * Math.ceil(spec.period / PERIOD_BUCKETS / this.bucketMs));
    this.periodBuckets = Math.ceil(spec.period / Math.max(periodBucketMs, this.bucketMs));
    // One spare slot: a late event accepted by the window rings may sit one coarse bucket behind the period edge.
    this.coarse = new CountRing(Math.max(periodBucketMs, this.bucketMs), this.periodBuckets + 1);
  }

  /**
   * Book `good` of `total` events at their event time (late data lands in its own bucket, so burn is
   * recomputed as if it had arrived on time). Data older than the longest window behind the newest event is
   * refused: no alerting window could see it any more.
   */
  record(eventTime: number, good: number, total: number): RecordResult {
    if (
      !Number.isFinite(eventTime) ||
      !Number.isFinite(good) ||
      !Number.isFinite(total) ||
      good < 0 ||
      total < 0 ||
      good > total
    ) {
      return {
        accepted: false,
        reason: 'invalid counts',
        message: `need finite eventTime and 0 ≤ good ≤ total, got t=${eventTime} good=${good} total=${total}`,
      };
    }
    const cBucket = this.coarse.bucketOf(eventTime);
    if ((Number.isFinite(this.watermark) && eventTime <= this.watermark - this.longestWindowMs) || !this.coarse.canBook(cBucket)) {
      return {
        accepted: false,
        reason: 'older than longest window',
        message:
          `event at ${eventTime} is more than the longest window (${this.longestWindowMs} ms) behind the newest ` +
          `event at ${this.watermark}; its bucket has been reused`,
      };
    }
    if (total > 0) {
      // A ring whose slot already holds a newer bucket has no window that still covers this time: skip it.
      for (const ring of this.rings) {
        const b = ring.bucketOf(eventTime);
        if (ring.canBook(b)) ring.add(b, good, total);
      }
      this.coarse.add(cBucket, good, total);
    }
    if (eventTime > this.watermark) this.watermark = eventTime;
    return { accepted: true };
  }

  /** Counts in the window of length `windowMs` ending at `now` (bucket-aligned, current bucket included). */
  window(now: number, windowMs: number): WindowReading {
    // Windows that are not a tier's use the finest ring that spans them (or the longest ring).
    const ring =
      this.ringOfWindow.get(windowMs) ??
      this.rings.find((r) => r.slots * r.bucketMs >= windowMs) ??
      this.rings[this.rings.length - 1]!;
    const { good, total } = ring.sum(ring.bucketOf(now), Math.ceil(windowMs / ring.bucketMs));
    return {
      windowMs,
      good,
      total,
      errorRatio: errorRatio(good, total),
      burnRate: burnRate(good, total, this.spec.target),
      enoughEvents: total > 0 && total >= this.spec.minEvents,
    };
  }

  evaluate(now: number): Evaluation {
    // Tiers share windows (the 6 h window is one tier's long and another's short; the shortest is also the
    // no-data probe): each is summed once per evaluation.
    const readings = new Map<number, WindowReading>();
    const read = (w: number): WindowReading => {
      let r = readings.get(w);
      if (!r) readings.set(w, (r = this.window(now, w)));
      return r;
    };
    // Every window ends at `now`, so if the shortest is empty no tier's short window can be trusted either:
    // the source has gone quiet (labels late, scrape broken). Freeze instead of burning or recovering.
    const noData = read(this.shortestWindowMs).total === 0;

    type Draft = { tier: BurnTier; long: WindowReading; short: WindowReading; status: TierStatus };
    const drafts: Draft[] = this.tiers.map((tier) => {
      const long = read(tier.longWindowMs);
      const short = read(tier.shortWindowMs);
      let status: TierStatus;
      if (noData) status = 'no data';
      else if (!long.enoughEvents || !short.enoughEvents) status = 'insufficient events';
      else status = exceeds(long, tier.burnRate) && exceeds(short, tier.burnRate) ? 'firing' : 'ok';
      return { tier, long, short, status };
    });

    // A slower tier saying the same thing as a faster, at-least-as-urgent one that already fires is noise
    // (Workbook approach-5 con; Pyrra #1883), so it steps aside until the faster one resets.
    const results: TierResult[] = drafts.map((d) => {
      const base = {
        tier: d.tier,
        long: d.long,
        short: d.short,
        threshold: d.tier.burnRate,
        budgetConsumedWhenFiring: budgetConsumedWhenFiring(d.tier.burnRate, d.tier.longWindowMs, this.spec.period),
      };
      if (d.status !== 'firing') return { ...base, status: d.status };
      const by = drafts.find(
        (f) =>
          f.status === 'firing' &&
          f.tier.longWindowMs < d.tier.longWindowMs &&
          SEVERITY_RANK[f.tier.severity] >= SEVERITY_RANK[d.tier.severity],
      );
      return by ? { ...base, status: 'suppressed' as const, suppressedBy: by.tier.name } : { ...base, status: 'firing' as const };
    });

    const firing = results.filter((r) => r.status === 'firing');
    const severity = firing.reduce<Severity | null>(
      (s, r) => (s === null || SEVERITY_RANK[r.tier.severity] > SEVERITY_RANK[s] ? r.tier.severity : s),
      null,
    );
    return {
      slo: this.spec.name,
      track: this.spec.track,
      at: now,
      state: noData ? 'no data' : firing.length > 0 ? 'firing' : 'ok',
      severity,
      tiers: results,
      budget: this.budget(now, noData),
    };
  }

  /**
   * When the burn a firing tier measures began: the start of the newest unbroken stretch of buckets that
   * burn faster than `threshold` (buckets without events neither break nor extend it), looking back at most
   * `lookbackMs` from `now`. Trailing buckets that no longer burn are skipped, so a tier still firing on
   * its long window after the errors stopped finds the stretch that tripped it. The walk starts in the
   * finest ring and continues in coarser ones past its span, so the answer has the finest resolution kept
   * (1 min for a ratio SLI's first hour, 6 min up to 6 h, …). Null when no bucket in range burns.
   *
   * Why the stage needs it: a tier fires only once its long window has filled with enough bad events, which
   * for hourly timeslices is hours after the first bad slice. Stamping the burn alert with the time the
   * burn began (not the time the window tripped) lets correlation see the burn next to the signals that
   * caused it, as a Prometheus alert's `startsAt` is the time its condition began to hold.
   */
  burnOnset(now: number, threshold: number, lookbackMs: number): number | null {
    const from = now - lookbackMs;
    const badShare = threshold * (1 - this.spec.target);
    let onset: number | null = null;
    let covered = Number.POSITIVE_INFINITY; // every bucket starting at or after this time has been read
    for (const ring of this.rings) {
      const newest = Number.isFinite(covered) ? ring.bucketOf(covered - 1) : ring.bucketOf(now);
      const oldest = ring.bucketOf(now) - ring.slots + 1;
      for (let b = newest; b >= oldest && (b + 1) * ring.bucketMs > from; b--) {
        const { good, total } = ring.read(b);
        if (total === 0) continue;
        // Strict ">", as `exceeds`: a bucket exactly at the threshold does not burn.
        if ((total - good) / total > badShare) onset = b * ring.bucketMs;
        else if (onset !== null) return Math.max(onset, from);
      }
      covered = Math.min(covered, oldest * ring.bucketMs);
      if (covered <= from) break;
    }
    return onset === null ? null : Math.max(onset, from);
  }

  private budget(now: number, frozen: boolean): BudgetReading {
    // Frozen: pin the period window at the last data so old errors neither age out (fake recovery) nor does
    // the silence count as anything. Never look past `now`, so evaluating the past stays consistent.
    const end = frozen ? Math.min(now, this.watermark) : now;
    if (!Number.isFinite(end)) return { good: 0, total: 0, consumed: 0, remaining: 1, frozen, asOf: null };
    const { good, total } = this.coarse.sum(this.coarse.bucketOf(end), this.periodBuckets);
    const rate = burnRate(good, total, this.spec.target) ?? 0;
    return { good, total, consumed: rate, remaining: 1 - rate, frozen, asOf: end };
  }

  /**
   * Allocated and occupied bucket counts (window rings together, and the period ring): fixed at
   * construction, whatever the runtime or traffic. `bytes` is the typed-array storage (24 B a slot).
   */
  footprint(): { fineSlots: number; coarseSlots: number; occupiedFine: number; occupiedCoarse: number; rings: number; bytes: number } {
    const fineSlots = this.rings.reduce((n, r) => n + r.slots, 0);
    return {
      fineSlots,
      coarseSlots: this.coarse.slots,
      occupiedFine: this.rings.reduce((n, r) => n + r.occupied(), 0),
      occupiedCoarse: this.coarse.occupied(),
      rings: this.rings.length,
      bytes: (fineSlots + this.coarse.slots) * 24,
    };
  }
}

function exceeds(w: WindowReading, threshold: number): boolean {
  // Strict ">", as the Workbook's Prometheus expressions.
  return w.burnRate !== null && w.burnRate > threshold;
}
