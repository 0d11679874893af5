/**
 * The model-signal door (`POST /api/v1/signals`, replay kind `signal`, Kafka): one signal object or an
 * array of them, validated with zod (unknown keys refused, every problem named with its path), then
 * turned into alerts so the store's identity, merge and liveness rules apply unchanged:
 *
 *   - `breach` / `warn` fire the signal's alert. It carries no `endsAt` from the sender, so it ends one
 *     evaluation window plus `resolve_timeout` after `now`: a monitor that evaluates hourly keeps its
 *     alert alive by sending every hour, like Prometheus re-sending.
 *   - `ok` resolves it (an explicit end at `now`).
 *   - `no_data` and `insufficient_sample` never fire: a window without data or below the sample-size floor
 *     is not evidence of drift (slo-budgets-and-drift.md §3.2, §3.5). They are counted as `withheld`.
 *
 * Identity: the alert's labels hold what names the monitor (kind, model, feature, segment, pipeline,
 * source) and never the value or the window, so successive windows update one alert.
 */
import { z } from 'zod';
import type { Alert } from '../domain/alert.js';
import { fingerprint, LABEL_NAME_RE } from '../domain/labels.js';
import { MODEL_SIGNAL_KINDS, type ModelSignal, type ModelSignalKind, type SliEvents } from '../domain/signal.js';
import { formatTime } from '../domain/time.js';
import { formatIssues, jsonType, timeSchema } from './apiV2Alerts.js';
import { computeDrift, statusOfVerdict } from '../drift/compute.js';

/** `alertname` of the alert a signal of each kind raises. */
export const SIGNAL_ALERTNAMES: Readonly<Record<ModelSignalKind, string>> = {
  drift: 'ModelDrift',
  skew: 'ModelSkew',
  data_quality: 'DataQuality',
  freshness: 'FeatureFreshness',
  perf_estimated: 'ModelPerformanceEstimated',
  perf_realized: 'ModelPerformanceRealized',
  integration_health: 'IntegrationHealth',
};

/** Most signals a single request or line may carry: a bound on per-request work. */
export const MAX_SIGNALS_PER_BODY = 10_000;

const labelValue = z.string().min(1, { error: 'must not be empty' }).max(1024, { error: 'longer than 1024 characters' });
const finite = z.number({ error: (i) => `expected number, got ${jsonType(i.input)}` }).finite();

const labelsSchema = z
  .record(z.string(), z.string({ error: (i) => `expected string, got ${jsonType(i.input)}` }))
  .superRefine((labels, ctx) => {
    for (const name of Object.keys(labels)) {
      if (!LABEL_NAME_RE.test(name)) ctx.addIssue({ code: 'custom', message: `invalid label name ${JSON.stringify(name)}`, path: [name] });
    }
  });

export const modelSignalSchema = z
  .strictObject({
    source: labelValue,
    kind: z.enum(MODEL_SIGNAL_KINDS as [ModelSignalKind, ...ModelSignalKind[]]),
    model_id: labelValue.optional(),
    model_version: labelValue.optional(),
    segment: labelValue.optional(),
    feature: labelValue.optional(),
    pipeline: labelValue.optional(),
    method: labelValue.optional(),
    value: finite.optional(),
    threshold: z.strictObject({ lower: finite.optional(), upper: finite.optional() }).optional(),
    direction: z.enum(['up', 'down', 'both']).optional(),
    p_value: finite.min(0).max(1).optional(),
    sample_size: z
      .strictObject({ reference: z.number().int().nonnegative().optional(), current: z.number().int().nonnegative() })
      .optional(),
    window: z.strictObject({ start: timeSchema, end: timeSchema }).optional(),
    status: z.enum(['ok', 'warn', 'breach', 'no_data', 'insufficient_sample']),
    severity: z.enum(['info', 'warning', 'critical']).optional(),
    labels: labelsSchema.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.model_id === undefined && s.pipeline === undefined) {
      ctx.addIssue({ code: 'custom', message: 'one of model_id or pipeline is required: it names what the signal is about', path: [] });
    }
    const t = s.threshold;
    if (t?.lower !== undefined && t.upper !== undefined && t.lower > t.upper) {
      ctx.addIssue({ code: 'custom', message: 'lower must not exceed upper', path: ['threshold'] });
    }
    const w = s.window;
    if (w && w.start !== undefined && w.end !== undefined && w.end < w.start) {
      ctx.addIssue({ code: 'custom', message: 'end must not be before start', path: ['window'] });
    }
  });

export type WireModelSignal = z.infer<typeof modelSignalSchema>;

/** Most values one side of a `distribution` signal may carry (samples or histogram bins). */
export const MAX_DISTRIBUTION_VALUES = 100_000;

const distributionSide = z.union([
  z.strictObject({ samples: z.array(finite).min(1).max(MAX_DISTRIBUTION_VALUES) }),
  z.strictObject({ counts: z.array(z.number().nonnegative().finite()).min(2).max(MAX_DISTRIBUTION_VALUES) }),
]);

/**
 * `{"kind": "distribution", "model_id", "feature", "method": "psi"|"js"|"ks", "reference": {samples|counts},
 * "current": {…}}`: drift computed here for teams without a monitor (src/drift), then treated exactly as a
 * `drift` signal with the computed value and status (`insufficient_sample` below the sample-size floor).
 */
export const distributionSchema = z.strictObject({
  kind: z.literal('distribution'),
  source: labelValue.optional(),
  model_id: labelValue,
  model_version: labelValue.optional(),
  feature: labelValue,
  segment: labelValue.optional(),
  method: z.enum(['psi', 'js', 'ks']).default('psi'),
  reference: distributionSide,
  current: distributionSide,
  window: z.strictObject({ start: timeSchema, end: timeSchema }).optional(),
  severity: z.enum(['info', 'warning', 'critical']).optional(),
  labels: labelsSchema.optional(),
});

/** `{"kind": "sli_events", "slo": …, "good": …, "total": …, "window": {…}}`: counts for a ratio SLI. */
export const sliEventsSchema = z
  .strictObject({
    kind: z.literal('sli_events'),
    slo: labelValue,
    source: labelValue.optional(),
    good: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
    window: z.strictObject({ start: timeSchema, end: timeSchema }),
  })
  .superRefine((s, ctx) => {
    if (s.good > s.total) ctx.addIssue({ code: 'custom', message: 'good must not exceed total', path: ['good'] });
    if (s.window.start === undefined || s.window.end === undefined) {
      ctx.addIssue({ code: 'custom', message: 'start and end are required', path: ['window'] });
    } else if (s.window.end < s.window.start) {
      ctx.addIssue({ code: 'custom', message: 'end must not be before start', path: ['window'] });
    }
  });

export interface SignalNormalizeResult {
  readonly signals: ModelSignal[];
  /** `sli_events` entries, for the budget stage. */
  readonly sliEvents: SliEvents[];
  /** Alerts raised or resolved by the valid signals (withheld statuses raise none). */
  readonly alerts: Alert[];
  readonly errors: string[];
  readonly invalid: number;
  /** Valid signals with status `no_data` or `insufficient_sample`. */
  readonly withheld: number;
}

export interface SignalContext {
  readonly now: number;
  readonly resolveTimeoutMs: number;
  readonly source: Alert['source'];
}

/** Normalizes a signal body: one object or an array of objects. Never throws. */
export function normalizeSignals(body: unknown, ctx: SignalContext): SignalNormalizeResult {
  const items = Array.isArray(body) ? body : [body];
  const base = Array.isArray(body) ? 'signals' : 'signal';
  const out = { signals: [] as ModelSignal[], sliEvents: [] as SliEvents[], alerts: [] as Alert[], errors: [] as string[], invalid: 0, withheld: 0 };
  if (items.length > MAX_SIGNALS_PER_BODY) {
    out.errors.push(`body: at most ${MAX_SIGNALS_PER_BODY} signals per request, got ${items.length}`);
    return out;
  }
  if (Array.isArray(body) && items.length === 0) {
    out.errors.push('body: expected at least one signal');
    return out;
  }
  items.forEach((item, i) => {
    const where = Array.isArray(body) ? `${base}[${i}]` : base;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      out.invalid++;
      out.errors.push(`${where}: expected object, got ${jsonType(item)}`);
      return;
    }
    if ((item as { kind?: unknown }).kind === 'distribution') {
      const d = distributionSchema.safeParse(item);
      if (!d.success) {
        out.invalid++;
        out.errors.push(...formatIssues(where, d.error.issues));
        return;
      }
      const w = d.data;
      let computed;
      try {
        computed = computeDrift(w.method, w.reference, w.current);
      } catch (e) {
        out.invalid++;
        out.errors.push(`${where}: ${(e as Error).message}`);
        return;
      }
      const status = statusOfVerdict(computed.verdict);
      const window = w.window && w.window.start !== undefined && w.window.end !== undefined ? { start: w.window.start, end: w.window.end } : undefined;
      const signal: ModelSignal = {
        source: w.source ?? 'alertsift-drift',
        kind: 'drift',
        modelId: w.model_id,
        ...(w.model_version !== undefined && { modelVersion: w.model_version }),
        feature: w.feature,
        ...(w.segment !== undefined && { segment: w.segment }),
        method: w.method,
        ...(Number.isFinite(computed.value) && { value: Math.round(computed.value * 1e6) / 1e6 }),
        ...(computed.pValue !== undefined && { pValue: computed.pValue }),
        sampleSize: { reference: Math.round(computed.sampleSize.reference), current: Math.round(computed.sampleSize.current) },
        ...(window !== undefined && { window }),
        observedAt: ctx.now,
        status,
        severity: w.severity ?? (status === 'breach' ? 'warning' : 'info'),
        labels: w.labels ?? {},
      };
      out.signals.push(signal);
      const alert = signalAlert(signal, ctx);
      if (alert) out.alerts.push(alert);
      else out.withheld++;
      return;
    }
    if ((item as { kind?: unknown }).kind === 'sli_events') {
      const sli = sliEventsSchema.safeParse(item);
      if (!sli.success) {
        out.invalid++;
        out.errors.push(...formatIssues(where, sli.error.issues));
        return;
      }
      const w = sli.data;
      out.sliEvents.push({
        slo: w.slo,
        source: w.source ?? 'unknown',
        good: w.good,
        total: w.total,
        window: { start: w.window.start!, end: w.window.end! },
        observedAt: ctx.now,
      });
      return;
    }
    const parsed = modelSignalSchema.safeParse(item);
    if (!parsed.success) {
      out.invalid++;
      out.errors.push(...formatIssues(where, parsed.error.issues));
      return;
    }
    const signal = toModelSignal(parsed.data, ctx.now);
    out.signals.push(signal);
    const alert = signalAlert(signal, ctx);
    if (alert) out.alerts.push(alert);
    else out.withheld++;
  });
  return out;
}

function toModelSignal(w: WireModelSignal, now: number): ModelSignal {
  const window = w.window && w.window.start !== undefined && w.window.end !== undefined ? { start: w.window.start, end: w.window.end } : undefined;
  return {
    source: w.source,
    kind: w.kind,
    ...(w.model_id !== undefined && { modelId: w.model_id }),
    ...(w.model_version !== undefined && { modelVersion: w.model_version }),
    ...(w.segment !== undefined && { segment: w.segment }),
    ...(w.feature !== undefined && { feature: w.feature }),
    ...(w.pipeline !== undefined && { pipeline: w.pipeline }),
    ...(w.method !== undefined && { method: w.method }),
    ...(w.value !== undefined && { value: w.value }),
    ...(w.threshold !== undefined && { threshold: w.threshold }),
    ...(w.p_value !== undefined && { pValue: w.p_value }),
    ...(w.sample_size !== undefined && { sampleSize: w.sample_size }),
    ...(window !== undefined && { window }),
    observedAt: now,
    status: w.status,
    severity: w.severity ?? (w.status === 'breach' ? 'warning' : 'info'),
    labels: w.labels ?? {},
  };
}

/** The labels that identify a signal's alert: what the monitor watches, never what it measured. */
export function signalLabels(s: ModelSignal): Record<string, string> {
  const labels: Record<string, string> = { ...s.labels };
  labels.alertname = SIGNAL_ALERTNAMES[s.kind];
  labels.signal_kind = s.kind;
  labels.source = s.source;
  labels.severity = s.severity;
  if (s.modelId !== undefined) labels.model = s.modelId;
  if (s.modelVersion !== undefined) labels.model_version = s.modelVersion;
  if (s.feature !== undefined) labels.feature = s.feature;
  if (s.segment !== undefined) labels.segment = s.segment;
  if (s.pipeline !== undefined) labels.pipeline = s.pipeline;
  if (s.method !== undefined) labels.method = s.method;
  return labels;
}

function signalAnnotations(s: ModelSignal): Record<string, string> {
  const a: Record<string, string> = {};
  const what = [s.modelId && `model ${s.modelId}`, s.feature && `feature ${s.feature}`, s.pipeline && `pipeline ${s.pipeline}`]
    .filter(Boolean)
    .join(', ');
  const measured = s.value !== undefined ? `${s.method ?? 'value'} ${s.value}` : s.status;
  const bound =
    s.threshold?.upper !== undefined ? ` (upper ${s.threshold.upper})` : s.threshold?.lower !== undefined ? ` (lower ${s.threshold.lower})` : '';
  a.summary = `${s.kind.replace('_', ' ')} ${s.status} on ${what}: ${measured}${bound}`;
  if (s.value !== undefined) a.value = String(s.value);
  if (s.threshold?.lower !== undefined) a.threshold_lower = String(s.threshold.lower);
  if (s.threshold?.upper !== undefined) a.threshold_upper = String(s.threshold.upper);
  if (s.pValue !== undefined) a.p_value = String(s.pValue);
  if (s.sampleSize !== undefined) {
    a.sample_size = s.sampleSize.reference !== undefined ? `${s.sampleSize.current}/${s.sampleSize.reference}` : String(s.sampleSize.current);
  }
  if (s.window) {
    a.window_start = formatTime(s.window.start);
    a.window_end = formatTime(s.window.end);
  }
  return a;
}

/** The alert a signal raises or resolves; undefined for withheld statuses. */
export function signalAlert(s: ModelSignal, ctx: SignalContext): Alert | undefined {
  if (s.status === 'no_data' || s.status === 'insufficient_sample') return undefined;
  const labels = signalLabels(s);
  const firing = s.status === 'breach' || s.status === 'warn';
  const windowMs = s.window ? s.window.end - s.window.start : 0;
  return {
    labels,
    annotations: signalAnnotations(s),
    startsAt: ctx.now,
    // One window plus resolve_timeout: a monitor reporting exactly once per window keeps its alert firing
    // across the report's own delay instead of resolving and re-firing at every report.
    endsAt: firing ? ctx.now + windowMs + ctx.resolveTimeoutMs : ctx.now,
    generatorURL: '',
    updatedAt: ctx.now,
    // A firing signal's end is derived, not stated by the sender: a later explicit end (an `ok`) wins.
    timeout: firing,
    fingerprint: fingerprint(labels),
    source: ctx.source,
  };
}
