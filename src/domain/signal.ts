/**
 * Signals beyond Prometheus alerts: model signals (drift, data quality, freshness, performance, no data)
 * and change events (deploys, model rollouts, config pushes). Shapes follow
 * `../shared/notes/slo-budgets-and-drift.md` §3.4 ("suggested canonical ModelSignal").
 *
 * A model signal with status `breach` or `warn` becomes an alert (see `normalize/signal.ts`), so the
 * store's identity, merge and liveness rules apply to it unchanged; `ok` resolves that alert;
 * `no_data` and `insufficient_sample` never raise one (they are counted and, with budgets, freeze a
 * window instead of burning it). A change event is not an alert: it is kept in a bounded change log and
 * attached to incidents as a suspect.
 */
import type { Labels } from './labels.js';

/** Every alert and signal is classified into one of these. */
export type Track = 'infra' | 'data' | 'model' | 'change';
export const TRACKS: readonly Track[] = ['infra', 'data', 'model', 'change'];

export type ModelSignalKind =
  | 'drift'
  | 'skew'
  | 'data_quality'
  | 'freshness'
  | 'perf_estimated'
  | 'perf_realized'
  | 'integration_health';

export const MODEL_SIGNAL_KINDS: readonly ModelSignalKind[] = [
  'drift',
  'skew',
  'data_quality',
  'freshness',
  'perf_estimated',
  'perf_realized',
  'integration_health',
];

export type ModelSignalStatus = 'ok' | 'warn' | 'breach' | 'no_data' | 'insufficient_sample';

export interface ModelSignal {
  /** The monitor that produced it: `evidently`, `nannyml`, `whylabs`, `arize`, `alertsift-drift`… */
  readonly source: string;
  readonly kind: ModelSignalKind;
  readonly modelId?: string;
  readonly modelVersion?: string;
  readonly segment?: string;
  readonly feature?: string;
  /** Feature pipeline or data source the signal is about (freshness and data quality). */
  readonly pipeline?: string;
  /** `psi`, `js`, `ks`, `cbpe`, `null_rate`, `age_seconds`… */
  readonly method?: string;
  readonly value?: number;
  readonly threshold?: { readonly lower?: number; readonly upper?: number };
  readonly pValue?: number;
  readonly sampleSize?: { readonly reference?: number; readonly current: number };
  /** Event-time window the value describes (epoch ms). */
  readonly window?: { readonly start: number; readonly end: number };
  /** Processing time: when the engine received it (epoch ms). */
  readonly observedAt: number;
  readonly status: ModelSignalStatus;
  readonly severity: 'info' | 'warning' | 'critical';
  /** Extra labels the sender wants on the derived alert (team, cluster, …). */
  readonly labels: Labels;
}

export type ChangeKind = 'deploy' | 'model_rollout' | 'config_push' | 'schema_change' | 'feature_change' | 'infra_change';

export const CHANGE_KINDS: readonly ChangeKind[] = [
  'deploy',
  'model_rollout',
  'config_push',
  'schema_change',
  'feature_change',
  'infra_change',
];

export interface ChangeEvent {
  /** Sender's id, or a deterministic one derived from the event when absent. */
  readonly id: string;
  readonly kind: ChangeKind;
  /** When the change took effect (epoch ms); defaults to the receive time. */
  readonly at: number;
  /** Labels that identify what changed (`service`, `model`, `pipeline`, `namespace`, …). */
  readonly labels: Labels;
  readonly summary: string;
  readonly url?: string;
  readonly author?: string;
}

/**
 * Good and total events of one SLO over one interval of event time (`sli_events` signals): the input of
 * ratio SLIs. Booked at `window.end`, whenever it arrives (late data lands where it belongs).
 */
export interface SliEvents {
  readonly slo: string;
  readonly source: string;
  readonly good: number;
  readonly total: number;
  readonly window: { readonly start: number; readonly end: number };
  readonly observedAt: number;
}
