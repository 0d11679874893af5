/**
 * Seeded PRNG and generators for drift tests. Deterministic so that simulated quantiles and the
 * known-onset data set are identical on every run and every machine (no flaky statistical tests).
 */

/** mulberry32: tiny 32-bit generator, plenty for test data; returns uniforms in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Standard-normal generator via Box–Muller. Uses 1 − u so the log argument is in (0, 1] (u can be 0),
 * and caches the second variate of each pair instead of discarding it.
 */
export function normalGenerator(rand: () => number): (mean?: number, sd?: number) => number {
  let spare: number | null = null;
  return (mean = 0, sd = 1) => {
    if (spare !== null) {
      const z = spare;
      spare = null;
      return mean + sd * z;
    }
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const theta = 2 * Math.PI * rand();
    spare = r * Math.sin(theta);
    return mean + sd * r * Math.cos(theta);
  };
}

export function normalSample(normal: (mean?: number, sd?: number) => number, n: number, mean = 0, sd = 1): number[] {
  return Array.from({ length: n }, () => normal(mean, sd));
}

/** Empirical quantile (type 7) of an unsorted array. */
export function empiricalQuantile(values: readonly number[], prob: number): number {
  const s = [...values].sort((a, b) => a - b);
  const h = (s.length - 1) * prob;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return (s[lo] as number) + (h - lo) * ((s[hi] as number) - (s[lo] as number));
}
