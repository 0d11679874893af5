/**
 * Drift for teams without a monitor: a reference and a current distribution in, one verdict out, with the
 * binning, zero handling and sample-size floor of slo-budgets-and-drift.md §3 (all in this folder).
 *
 * Inputs are either raw samples (numbers: PSI/JS on reference-quantile bins, or KS on the samples) or
 * histograms over the same bins (counts: PSI or JS only — KS needs the samples). The verdict maps onto a
 * model signal's status: drift → breach, warning → warn, stable → ok, insufficient_sample stays itself
 * (the budget freezes instead of burning).
 */
import { DEFAULT_BIN_COUNT, binCount, histogram, quantileBins } from './binning.js';
import { classify, jensenShannonDistance, ksTest, psi, sampleSizeFloor, PSI_WARNING_THRESHOLD, type DriftMethod, type Verdict } from './statistics.js';

export type Distribution = { readonly samples: readonly number[] } | { readonly counts: readonly number[] };

export interface DriftComputation {
  readonly method: DriftMethod;
  readonly value: number;
  readonly pValue?: number;
  readonly verdict: Verdict;
  readonly sampleSize: { readonly reference: number; readonly current: number };
  readonly minSampleSize: number;
}

const total = (counts: readonly number[]) => counts.reduce((s, c) => s + c, 0);

/** Throws RangeError with a message naming the problem (the door turns it into a 400). */
export function computeDrift(method: DriftMethod, reference: Distribution, current: Distribution, bins = DEFAULT_BIN_COUNT): DriftComputation {
  if ('samples' in reference !== 'samples' in current) {
    throw new RangeError('reference and current must both be samples or both be counts');
  }
  if ('counts' in reference && 'counts' in current) {
    if (method === 'ks') throw new RangeError('ks needs samples, not histogram counts');
    if (reference.counts.length !== current.counts.length) {
      throw new RangeError(`reference has ${reference.counts.length} bins and current ${current.counts.length}: histograms must share bins`);
    }
    if (reference.counts.length < 2) throw new RangeError('histograms need at least 2 bins');
    const sampleSize = { reference: total(reference.counts), current: total(current.counts) };
    const minSampleSize = sampleSizeFloor(reference.counts.length, PSI_WARNING_THRESHOLD);
    if (sampleSize.reference === 0 || sampleSize.current === 0) {
      return { method, value: Number.NaN, verdict: 'insufficient_sample', sampleSize, minSampleSize };
    }
    const value = method === 'psi' ? psi(reference.counts, current.counts) : jensenShannonDistance(reference.counts, current.counts);
    const verdict = classify(method === 'psi' ? { method, value } : { method: 'js', value }, sampleSize, { minSampleSize });
    return { method, value, verdict, sampleSize, minSampleSize };
  }
  const ref = (reference as { samples: readonly number[] }).samples;
  const cur = (current as { samples: readonly number[] }).samples;
  const sampleSize = { reference: ref.length, current: cur.length };
  if (ref.length === 0 || cur.length === 0) {
    return { method, value: Number.NaN, verdict: 'insufficient_sample', sampleSize, minSampleSize: sampleSizeFloor(bins) };
  }
  const fitted = quantileBins(ref, bins);
  const minSampleSize = sampleSizeFloor(Math.max(2, binCount(fitted)), PSI_WARNING_THRESHOLD);
  if (method === 'ks') {
    const r = ksTest(ref, cur);
    const verdict = classify({ method: 'ks', value: r.statistic, pValue: r.pValue }, sampleSize, { minSampleSize });
    return { method, value: r.statistic, pValue: r.pValue, verdict, sampleSize, minSampleSize };
  }
  const refCounts = histogram(fitted, ref);
  const curCounts = histogram(fitted, cur);
  const value = method === 'psi' ? psi(refCounts, curCounts) : jensenShannonDistance(refCounts, curCounts);
  const verdict = classify(method === 'psi' ? { method, value } : { method: 'js', value }, sampleSize, { minSampleSize });
  return { method, value, verdict, sampleSize, minSampleSize };
}

export function statusOfVerdict(v: Verdict): 'breach' | 'warn' | 'ok' | 'insufficient_sample' {
  return v === 'drift' ? 'breach' : v === 'warning' ? 'warn' : v === 'stable' ? 'ok' : 'insufficient_sample';
}
