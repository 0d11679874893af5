import { describe, expect, it } from 'vitest';
import { createDetector, detectDrift, summarizeDetection, type DetectorConfig, type WindowResult } from '../../src/drift/detector.js';
import { KS_DRIFT_DISTANCE } from '../../src/drift/statistics.js';
import { mulberry32, normalGenerator, normalSample } from './prng.js';

/**
 * Known-onset data set (seeded): reference = 5,000 draws of N(0, 1); stream = 20,000 stable draws of
 * N(0, 1) followed by 10,000 draws of N(1, 1) — a one-σ mean shift whose first sample is at ONSET.
 * Window 1,000 (≥ the 500 floor) with step 250, so windows overlap and straddle the onset.
 */
const ONSET = 20_000;
const WINDOW = 1000;
const STEP = 250;

function knownOnsetDataSet(seed = 7): { reference: number[]; stream: number[] } {
  const normal = normalGenerator(mulberry32(seed));
  const reference = normalSample(normal, 5000);
  const stream = [...normalSample(normal, ONSET), ...normalSample(normal, 10_000, 1)];
  return { reference, stream };
}

const { reference, stream } = knownOnsetDataSet();

function run(method: DetectorConfig['method']): WindowResult[] {
  return detectDrift(reference, stream, { method, windowSize: WINDOW, step: STEP });
}

describe('windowed detector: shape of the output', () => {
  it('emits every full window with offsets, sample sizes and a verdict', () => {
    const windows = run('psi');
    // Full windows: starts 0, 250, …, 29,000 → (30,000 − 1,000)/250 + 1 = 117.
    expect(windows).toHaveLength(117);
    expect(windows[0]).toMatchObject({ index: 0, start: 0, end: 1000, sampleSize: { reference: 5000, current: 1000 } });
    expect(windows[116]).toMatchObject({ start: 29_000, end: 30_000 });
    expect(windows.every((w) => Number.isFinite(w.statistic) && w.pValue === undefined)).toBe(true);
    expect(run('ks').every((w) => w.pValue !== undefined && w.pValue >= 0 && w.pValue <= 1)).toBe(true);
  });

  it('reports every window below the floor as insufficient_sample, even after a gross shift', () => {
    // Window 200 < 500: the drifted half would show large PSI, but small-N PSI is noise-dominated
    // (p95 0.34 at N = 100), so none of it may be called drift.
    const windows = detectDrift(reference, stream, { method: 'psi', windowSize: 200, step: 200 });
    expect(windows.length).toBe(150);
    expect(windows.every((w) => w.verdict === 'insufficient_sample')).toBe(true);
    const summary = summarizeDetection(windows, ONSET);
    expect(summary.detection).toBeNull();
    expect(summary.detectionDelay).toBeNull();
    expect(summary.insufficientWindows).toBe(150);
  });

  it('a small reference makes every window insufficient too', () => {
    const detector = createDetector(reference.slice(0, 300), { method: 'js', windowSize: 1000, step: 1000 });
    expect(detector.evaluate(stream.slice(ONSET, ONSET + 1000)).verdict).toBe('insufficient_sample');
  });

  it('uses the floor for the bin count actually fitted (20 bins → 724)', () => {
    const d = createDetector(reference, { method: 'psi', windowSize: 700, step: 700, bins: 20 });
    expect(d.bins.edges).toHaveLength(19);
    expect(d.minSampleSize).toBe(724);
    expect(d.evaluate(stream.slice(ONSET, ONSET + 700)).verdict).toBe('insufficient_sample');
  });

  it('treats an empty window as insufficient, not as drift', () => {
    const d = createDetector(reference, { method: 'ks', windowSize: 1000, step: 1000 });
    expect(d.evaluate([]).verdict).toBe('insufficient_sample');
  });

  it('rejects non-positive window sizes and steps', () => {
    expect(() => detectDrift(reference, stream, { method: 'psi', windowSize: 0, step: 1 })).toThrow(RangeError);
    expect(() => detectDrift(reference, stream, { method: 'psi', windowSize: 10, step: 0.5 })).toThrow(RangeError);
  });
});

describe('known-onset data set (1σ mean shift at sample 20,000)', () => {
  // Pre-onset windows: end ≤ 20,000 → starts 0..19,000 → 77 windows.
  // Delay bound: once a window is entirely post-onset (delay = WINDOW) the shift is fully visible, and a 1σ
  // shift gives PSI ≈ 1 (≫ 0.25) there, so every method must have fired by then.
  it.each(['psi', 'js'] as const)('%s: no false alarm (nor warning) in the stable period, detects within one window', (method) => {
    const windows = run(method);
    const strict = summarizeDetection(windows, ONSET);
    const withWarnings = summarizeDetection(windows, ONSET, ['warning', 'drift']);
    expect(strict.windowsBeforeOnset).toBe(77);
    expect(strict.falseAlarmsBeforeOnset).toBe(0);
    expect(withWarnings.falseAlarmsBeforeOnset).toBe(0);
    expect(strict.insufficientWindows).toBe(0);
    expect(strict.detectionDelay).not.toBeNull();
    expect(strict.detectionDelay as number).toBeGreaterThan(0);
    expect(strict.detectionDelay as number).toBeLessThanOrEqual(WINDOW);
    // Observed with seed 7 (documented, asserted exactly so a behaviour change is noticed):
    // PSI fires at 750 post-onset samples (window 75 % shifted), JS at 500 (50 % shifted).
    expect(strict.detectionDelay).toBe(method === 'psi' ? 750 : 500);
    // After the first fully shifted window every window is drift.
    expect(windows.filter((w) => w.start >= ONSET).every((w) => w.verdict === 'drift')).toBe(true);
  });

  it('psi: pre-onset values stay far below the 0.1 warning threshold', () => {
    // Expected p99 under no shift ≈ (1/5000 + 1/1000)·χ²_{9,0.99} = 0.0012·21.67 = 0.026; max of 77
    // correlated windows observed 0.037.
    const pre = run('psi').filter((w) => w.end <= ONSET);
    expect(Math.max(...pre.map((w) => w.statistic))).toBeLessThan(0.05);
  });

  it('ks: no false alarm in the stable period once a distance floor stands beside the p-value', () => {
    // p ≤ 0.05 alone false-alarms in ≈ 5 % of stable windows by construction (seed 7: 3 drift windows of 77,
    // 9 counting the whylogs warning band). The verdict now also needs D ≥ KS_DRIFT_DISTANCE (0.103, the 1 %
    // critical distance at the 500-row floor; statistics.ts explains the choice). Pre-onset D peaks at 0.065.
    const windows = run('ks');
    const s = summarizeDetection(windows, ONSET, ['warning', 'drift']);
    expect(s.windowsBeforeOnset).toBe(77);
    expect(s.falseAlarmsBeforeOnset).toBe(0);
    const pre = windows.filter((w) => w.end <= ONSET);
    expect(pre.filter((w) => (w.pValue as number) <= 0.05)).toHaveLength(3); // what the p-value alone said
    expect(Math.max(...pre.map((w) => w.statistic))).toBeLessThan(KS_DRIFT_DISTANCE * 0.7);
    // Still the quickest with PSI and JS: half-shifted windows (D ≈ 0.19) are past the floor.
    expect(s.detectionDelay).toBe(500);
    expect(windows.filter((w) => w.start >= ONSET).every((w) => w.verdict === 'drift')).toBe(true);
  });

  it('is deterministic for a fixed seed and differs for another seed', () => {
    const again = knownOnsetDataSet();
    expect(again.stream).toEqual(stream);
    expect(knownOnsetDataSet(8).stream[0]).not.toBe(stream[0]);
  });

  /**
   * Ten seeds, every method, warnings counted as alarms. Observed (false alarms before onset / detection
   * delay in post-onset samples; window 1,000, step 250, 77 stable windows per seed):
   *
   *   seed          1    2    3    4    5    6    7    8    9   10
   *   psi         0/750 0/750 0/750 0/750 0/750 0/750 0/750 0/750 0/500 0/750
   *   js          0/250 0/250 0/500 0/500 0/500 0/500 0/500 0/500 0/250 0/500
   *   ks          0/250 0/250 0/250 0/250 0/500 0/250 0/500 0/500 0/250 0/500
   *   ks p-only     2    0    1    2    8    4    3    3    7    1   (false alarms, p ≤ 0.05 alone)
   */
  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])('seed %i: no method alarms (nor warns) before the onset; all detect within one window', (seed) => {
    const ds = knownOnsetDataSet(seed);
    for (const method of ['psi', 'js', 'ks'] as const) {
      const s = summarizeDetection(detectDrift(ds.reference, ds.stream, { method, windowSize: WINDOW, step: STEP }), ONSET, ['warning', 'drift']);
      expect(s.windowsBeforeOnset).toBe(77);
      expect({ method, falseAlarms: s.falseAlarmsBeforeOnset }).toEqual({ method, falseAlarms: 0 });
      expect(s.detectionDelay).not.toBeNull();
      expect(s.detectionDelay as number).toBeLessThanOrEqual(WINDOW);
    }
  });

  it('a half-σ shift: KS and JS still detect within one window, PSI (drift band > 0.25) within three', () => {
    // PSI of a 0.5σ normal location shift is ≈ δ² = 0.25, right at the drift band's edge, so strict PSI
    // drift needs the noise to push it over (seeds 1–10: 1,000–3,000 post-onset samples).
    // Observed delays, seeds 1–10: KS 500–750, JS 500–750, PSI 1,000–3,000.
    for (let seed = 1; seed <= 10; seed++) {
      const normal = normalGenerator(mulberry32(seed));
      const ref = normalSample(normal, 5000);
      const str = [...normalSample(normal, ONSET), ...normalSample(normal, 10_000, 0.5)];
      const delay = (method: DetectorConfig['method']) => {
        const s = summarizeDetection(detectDrift(ref, str, { method, windowSize: WINDOW, step: STEP }), ONSET, ['warning', 'drift']);
        expect(s.falseAlarmsBeforeOnset).toBe(0);
        return summarizeDetection(detectDrift(ref, str, { method, windowSize: WINDOW, step: STEP }), ONSET).detectionDelay;
      };
      expect(delay('ks')).toBeLessThanOrEqual(WINDOW);
      expect(delay('js')).toBeLessThanOrEqual(WINDOW);
      expect(delay('psi')).toBeLessThanOrEqual(3 * WINDOW);
    }
  });
});
