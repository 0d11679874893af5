/**
 * Windowed drift detector: slides a fixed-size window over a stream of samples and compares each window
 * with a fixed reference. The reference is binned and sorted once (its histogram never changes because
 * bin edges come from the reference alone — see binning.ts).
 */
import { DEFAULT_BIN_COUNT, binCount, histogram, quantileBins, sortedCopy, type ContinuousBins } from './binning.js';
import {
  PSI_WARNING_THRESHOLD,
  classify,
  jensenShannonDistance,
  ksTestSorted,
  psi,
  sampleSizeFloor,
  type DriftMethod,
  type Measurement,
  type SampleSize,
  type Verdict,
} from './statistics.js';

export interface DetectorConfig {
  readonly method: DriftMethod;
  /** Samples per window. Windows below the sample-size floor are all reported `insufficient_sample`. */
  readonly windowSize: number;
  /** Samples between window starts (step < windowSize → overlapping windows). */
  readonly step: number;
  /** Reference-quantile bins for PSI/JS (default 10). */
  readonly bins?: number;
  /** Log base of the JS distance (default e, matching the 0.1 threshold). */
  readonly jsBase?: number;
  /** Override of the floor; default `sampleSizeFloor(actual bin count, PSI 0.1)`. */
  readonly minSampleSize?: number;
}

export interface WindowEvaluation {
  /** PSI, JS distance or KS D, per `method`. */
  readonly statistic: number;
  /** KS only. */
  readonly pValue?: number;
  readonly verdict: Verdict;
  readonly sampleSize: SampleSize;
}

export interface WindowResult extends WindowEvaluation {
  readonly index: number;
  /** Stream offset of the first sample in the window. */
  readonly start: number;
  /** Stream offset one past the last sample (exclusive). */
  readonly end: number;
}

export interface Detector {
  readonly bins: ContinuousBins;
  readonly minSampleSize: number;
  evaluate(current: readonly number[]): WindowEvaluation;
}

function positiveInt(x: number, what: string): void {
  if (!Number.isInteger(x) || x < 1) throw new RangeError(`${what} must be a positive integer, got ${x}`);
}

/** Fits the reference once; `evaluate` then scores any current sample against it. */
export function createDetector(reference: readonly number[], config: DetectorConfig): Detector {
  positiveInt(config.windowSize, 'windowSize');
  positiveInt(config.step, 'step');
  const bins = quantileBins(reference, config.bins ?? DEFAULT_BIN_COUNT);
  const refCounts = histogram(bins, reference);
  const refSorted = sortedCopy(reference);
  // The floor uses the bin count actually obtained (tied references can merge bins), so it matches the
  // χ² degrees of freedom of the PSI that is computed.
  const minSampleSize = config.minSampleSize ?? sampleSizeFloor(Math.max(2, binCount(bins)), PSI_WARNING_THRESHOLD);
  const jsBase = config.jsBase ?? Math.E;

  return {
    bins,
    minSampleSize,
    evaluate(current) {
      const sampleSize: SampleSize = { reference: reference.length, current: current.length };
      if (current.length === 0) {
        // Nothing to compare: an empty window is a no-data window, never drift.
        return { statistic: Number.NaN, verdict: 'insufficient_sample', sampleSize };
      }
      let measurement: Measurement;
      if (config.method === 'ks') {
        const r = ksTestSorted(refSorted, sortedCopy(current));
        measurement = { method: 'ks', value: r.statistic, pValue: r.pValue };
      } else {
        const curCounts = histogram(bins, current);
        measurement =
          config.method === 'psi'
            ? { method: 'psi', value: psi(refCounts, curCounts) }
            : { method: 'js', value: jensenShannonDistance(refCounts, curCounts, jsBase), base: jsBase };
      }
      const verdict = classify(measurement, sampleSize, { minSampleSize });
      return measurement.method === 'ks'
        ? { statistic: measurement.value, pValue: measurement.pValue, verdict, sampleSize }
        : { statistic: measurement.value, verdict, sampleSize };
    },
  };
}

/**
 * Scores every full window [k·step, k·step + windowSize) of the stream. A trailing partial window is not
 * emitted: it would always be smaller than its peers and is picked up by the next call once data arrives.
 */
export function detectDrift(reference: readonly number[], stream: readonly number[], config: DetectorConfig): WindowResult[] {
  const detector = createDetector(reference, config);
  const out: WindowResult[] = [];
  for (let start = 0, index = 0; start + config.windowSize <= stream.length; start += config.step, index++) {
    const end = start + config.windowSize;
    out.push({ index, start, end, ...detector.evaluate(stream.slice(start, end)) });
  }
  return out;
}

export interface DetectionSummary {
  /** Windows lying entirely before the onset (end ≤ onset). */
  readonly windowsBeforeOnset: number;
  /** Of those, how many alarmed — every one is a false alarm. */
  readonly falseAlarmsBeforeOnset: number;
  /** First alarming window that contains post-onset data, if any. */
  readonly detection: WindowResult | null;
  /** Post-onset samples seen when the alarm fired (`detection.end − onset`), or null if never detected. */
  readonly detectionDelay: number | null;
  readonly insufficientWindows: number;
}

/**
 * Summarises a run against a known drift onset (stream offset of the first shifted sample). By default only
 * `drift` counts as an alarm; pass `['warning', 'drift']` to count warnings too.
 */
export function summarizeDetection(
  windows: readonly WindowResult[],
  onset: number,
  alarmVerdicts: readonly Verdict[] = ['drift'],
): DetectionSummary {
  const alarms = new Set<Verdict>(alarmVerdicts);
  let windowsBeforeOnset = 0;
  let falseAlarmsBeforeOnset = 0;
  let detection: WindowResult | null = null;
  let insufficientWindows = 0;
  for (const w of windows) {
    if (w.verdict === 'insufficient_sample') insufficientWindows++;
    if (w.end <= onset) {
      windowsBeforeOnset++;
      if (alarms.has(w.verdict)) falseAlarmsBeforeOnset++;
    } else if (detection === null && alarms.has(w.verdict)) {
      detection = w;
    }
  }
  return {
    windowsBeforeOnset,
    falseAlarmsBeforeOnset,
    detection,
    detectionDelay: detection === null ? null : detection.end - onset,
    insufficientWindows,
  };
}
