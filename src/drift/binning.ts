/**
 * Binning for drift statistics: turns a reference sample and a current sample into two aligned histograms.
 *
 * Design choices (see /work/shared/notes/slo-budgets-and-drift.md §3.1–3.2):
 *
 * - Continuous features: bin edges are fitted on the REFERENCE sample only, at its quantiles (default 10
 *   bins). Evidently instead takes Sturges edges from the combined sample, but edges that move with every
 *   current window make a streaming detector's reference histogram change per window, and the notes'
 *   PSI sample-size rule (`PSI ≈ (1/N_ref + 1/N_cur)·χ²_{B−1}`) is stated for B *equiprobable* bins, which
 *   reference quantiles give by construction. The outer bins are open (−∞, e₁) and [e_{B−1}, +∞), so current
 *   data outside the reference range still lands in a bin (the role of NannyML's "leftover" bin).
 * - Categorical features: one bin per reference category plus a trailing "unseen" bin with reference count
 *   0, as NannyML does, so that new categories show up as drift instead of being dropped.
 * - Zero handling (PSI only): Evidently's `feel_zeroes` rule, implemented once in `fillZeroShares`.
 *
 * Everything here is pure; inputs are never mutated.
 */

/** Default number of reference-quantile bins (the notes' PSI table is computed for B = 10). */
export const DEFAULT_BIN_COUNT = 10;

/** Evidently's replacement for a zero share (`feel_zeroes=True`). */
export const ZERO_SHARE_FILL = 0.0001;
/** When the smallest non-zero share is ≤ ZERO_SHARE_FILL, zeros become `minNonZero / ZERO_SHARE_DIVISOR`. */
export const ZERO_SHARE_DIVISOR = 1e6;

/** Label of the trailing bin that collects current categories never seen in the reference. */
export const UNSEEN_CATEGORY = '__unseen__';

/** Continuous bins: `edges` are the interior cut points, strictly increasing; there are edges.length + 1 bins. */
export interface ContinuousBins {
  readonly kind: 'continuous';
  readonly edges: readonly number[];
}

/** Categorical bins: one per reference category (sorted), then the unseen bin. */
export interface CategoricalBins {
  readonly kind: 'categorical';
  readonly categories: readonly string[];
}

export type Bins = ContinuousBins | CategoricalBins;

function assertFinite(sample: readonly number[], what: string): void {
  for (const x of sample) {
    // NaN/Inf are a data-quality signal (TFDV FLOAT_TYPE_HAS_NAN), not something to bin silently.
    if (!Number.isFinite(x)) throw new RangeError(`${what} contains a non-finite value (${x})`);
  }
}

/** Returns a sorted copy (ascending). */
export function sortedCopy(sample: readonly number[]): number[] {
  // Float64Array sorts numerically (Array#sort would compare as strings).
  return Array.from(Float64Array.from(sample).sort());
}

/**
 * Quantile of an ascending-sorted sample with linear interpolation between order statistics
 * (Hyndman–Fan type 7, numpy's default), so edges match `np.quantile(ref, k/B)`.
 */
export function quantileSorted(sorted: ArrayLike<number>, prob: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantile of an empty sample');
  if (!(prob >= 0 && prob <= 1)) throw new RangeError(`probability out of [0, 1]: ${prob}`);
  const h = (n - 1) * prob;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (h - lo) * (b - a);
}

/**
 * Reference-quantile bins: interior edges at the k/B quantiles of the reference, k = 1..B−1.
 * Duplicate edges (heavily tied reference values) are merged, so the result may have fewer than B bins;
 * an empty-width bin could never receive data and would only inject zero-handling artefacts.
 */
export function quantileBins(reference: readonly number[], binCount: number = DEFAULT_BIN_COUNT): ContinuousBins {
  if (!Number.isInteger(binCount) || binCount < 2) throw new RangeError(`binCount must be an integer ≥ 2, got ${binCount}`);
  if (reference.length === 0) throw new RangeError('reference sample is empty');
  assertFinite(reference, 'reference sample');
  const sorted = sortedCopy(reference);
  const edges: number[] = [];
  for (let k = 1; k < binCount; k++) {
    const e = quantileSorted(sorted, k / binCount);
    if (edges.length === 0 || e > (edges[edges.length - 1] as number)) edges.push(e);
  }
  return { kind: 'continuous', edges };
}

/** Categorical bins from the distinct reference values (sorted, for a deterministic bin order). */
export function categoricalBins(reference: readonly string[]): CategoricalBins {
  if (reference.length === 0) throw new RangeError('reference sample is empty');
  const categories = [...new Set(reference)].sort();
  if (categories.includes(UNSEEN_CATEGORY)) throw new RangeError(`reserved category name ${UNSEEN_CATEGORY}`);
  return { kind: 'categorical', categories };
}

export function binCount(bins: Bins): number {
  return bins.kind === 'continuous' ? bins.edges.length + 1 : bins.categories.length + 1;
}

/**
 * Index of the bin that holds x: the number of edges ≤ x. Bins are therefore [e_{i−1}, e_i), left-closed,
 * so a value equal to an edge goes to the bin above it — the same side for reference and current, which is
 * all that matters for alignment.
 */
export function binIndex(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((edges[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Counts a continuous sample into the given bins. */
export function histogram(bins: ContinuousBins, sample: readonly number[]): number[] {
  assertFinite(sample, 'sample');
  const counts = new Array<number>(bins.edges.length + 1).fill(0);
  for (const x of sample) {
    const i = binIndex(bins.edges, x);
    counts[i] = (counts[i] as number) + 1;
  }
  return counts;
}

/** Counts a categorical sample into the given bins; categories absent from the reference go to the last bin. */
export function categoricalHistogram(bins: CategoricalBins, sample: readonly string[]): number[] {
  const index = new Map<string, number>();
  bins.categories.forEach((c, i) => index.set(c, i));
  const unseen = bins.categories.length;
  const counts = new Array<number>(unseen + 1).fill(0);
  for (const v of sample) {
    const i = index.get(v) ?? unseen;
    counts[i] = (counts[i] as number) + 1;
  }
  return counts;
}

/** Counts → shares summing to 1. Throws on an empty histogram (a share is undefined, not zero). */
export function toShares(counts: readonly number[]): number[] {
  let total = 0;
  for (const c of counts) {
    if (!(c >= 0) || !Number.isFinite(c)) throw new RangeError(`histogram counts must be finite and ≥ 0, got ${c}`);
    total += c;
  }
  if (total === 0) throw new RangeError('histogram is empty');
  return counts.map((c) => c / total);
}

/**
 * Evidently's zero handling (`feel_zeroes=True`, used for PSI): every zero share becomes 0.0001, or
 * `minNonZero / 1e6` when the smallest non-zero share is already ≤ 0.0001 (so the fill stays below every
 * real share). Applied to p and q separately; the result is deliberately NOT renormalised, to reproduce
 * Evidently's values. Without this, one empty bin makes ln(q/p) infinite and PSI useless.
 */
export function fillZeroShares(shares: readonly number[]): number[] {
  let minNonZero = Infinity;
  for (const s of shares) if (s > 0 && s < minNonZero) minNonZero = s;
  if (minNonZero === Infinity) throw new RangeError('all shares are zero');
  const fill = minNonZero <= ZERO_SHARE_FILL ? minNonZero / ZERO_SHARE_DIVISOR : ZERO_SHARE_FILL;
  return shares.map((s) => (s === 0 ? fill : s));
}
