import { describe, expect, it } from 'vitest';
import {
  UNSEEN_CATEGORY,
  binIndex,
  categoricalBins,
  categoricalHistogram,
  fillZeroShares,
  histogram,
  quantileBins,
  quantileSorted,
  toShares,
} from '../../src/drift/binning.js';

describe('reference-quantile bins', () => {
  it('puts edges at the k/B quantiles of the reference (numpy type-7 interpolation)', () => {
    // Reference 1..10, B = 4: h = 9·k/4 → positions 2.25, 4.5, 6.75 → values 3.25, 5.5, 7.75.
    const ref = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    expect(quantileBins(ref, 4).edges).toEqual([3.25, 5.5, 7.75]);
  });

  it('gives equiprobable reference bins: 1000 distinct values → 100 per bin over 10 bins', () => {
    const ref = Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 1000 + i); // distinct, unsorted
    const bins = quantileBins(ref, 10);
    expect(bins.edges).toHaveLength(9);
    expect(histogram(bins, ref)).toEqual(new Array(10).fill(100));
  });

  it('merges duplicate edges from heavily tied references instead of creating empty-width bins', () => {
    const ref = [...new Array(90).fill(0), ...Array.from({ length: 10 }, (_, i) => i + 1)];
    const bins = quantileBins(ref, 10);
    // Quantiles 0.1..0.8 are all 0 and collapse into one edge; 0.9 sits at position 89.1 → 0 + 0.1·(1 − 0) = 0.1.
    expect(bins.edges).toHaveLength(2);
    expect(bins.edges[0]).toBe(0);
    expect(bins.edges[1]).toBeCloseTo(0.1, 12);
    expect(histogram(bins, ref)).toEqual([0, 90, 10]);
  });

  it('uses left-closed bins [e_{i-1}, e_i) and open outer bins for out-of-range current data', () => {
    const edges = [1, 2, 3];
    expect([-1e9, 0.999, 1, 1.5, 2, 3, 1e9].map((x) => binIndex(edges, x))).toEqual([0, 0, 1, 1, 2, 3, 3]);
    expect(histogram({ kind: 'continuous', edges }, [-5, 100, 2.5])).toEqual([1, 0, 1, 1]);
  });

  it('rejects empty references, bad bin counts and non-finite values', () => {
    expect(() => quantileBins([], 10)).toThrow(RangeError);
    expect(() => quantileBins([1, 2], 1)).toThrow(RangeError);
    expect(() => quantileBins([1, Number.NaN], 10)).toThrow(/non-finite/);
    expect(() => histogram({ kind: 'continuous', edges: [0] }, [Infinity])).toThrow(/non-finite/);
    expect(() => quantileSorted([], 0.5)).toThrow(RangeError);
  });

  it('does not mutate its input', () => {
    const ref = [3, 1, 2];
    quantileBins(ref, 2);
    expect(ref).toEqual([3, 1, 2]);
  });
});

describe('categorical bins', () => {
  it('has one bin per reference category (sorted) plus a trailing unseen bin', () => {
    const bins = categoricalBins(['b', 'a', 'b', 'c']);
    expect(bins.categories).toEqual(['a', 'b', 'c']);
    expect(categoricalHistogram(bins, ['a', 'a', 'c', 'zzz', 'new'])).toEqual([2, 0, 1, 2]);
  });

  it('reserves the unseen label', () => {
    expect(() => categoricalBins([UNSEEN_CATEGORY])).toThrow(/reserved/);
  });
});

describe('zero handling (Evidently feel_zeroes)', () => {
  it('replaces zero shares by 0.0001 and leaves the rest untouched (no renormalisation)', () => {
    expect(fillZeroShares([0.5, 0.5, 0])).toEqual([0.5, 0.5, 0.0001]);
  });

  it('uses minNonZero/1e6 when the smallest non-zero share is already ≤ 0.0001', () => {
    // counts [1, 19999, 0] → shares [5e-5, 0.99995, 0]; 5e-5 ≤ 1e-4 → fill = 5e-5 / 1e6 = 5e-11.
    const filled = fillZeroShares(toShares([1, 19999, 0]));
    expect(filled[0]).toBeCloseTo(5e-5, 15);
    expect(filled[2]).toBeCloseTo(5e-11, 20);
  });

  it('uses 0.0001 when the smallest non-zero share is just above it', () => {
    expect(fillZeroShares([0.00011, 0.99989, 0])[2]).toBe(0.0001);
  });

  it('refuses empty or all-zero histograms (a share of nothing is undefined, not zero)', () => {
    expect(() => toShares([0, 0])).toThrow(/empty/);
    expect(() => fillZeroShares([0, 0])).toThrow(/all shares/);
    expect(() => toShares([1, -1])).toThrow(RangeError);
  });
});
