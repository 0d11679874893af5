import { type Labels } from './labels.js';

/**
 * The canonical alert, after normalization. Every door (API v2, Alertmanager webhook, Kafka, replay)
 * produces this shape; later stages trust it and never re-validate.
 *
 * Times are epoch milliseconds. `endsAt` is always set: when the sender gave none, the server derived it
 * from `resolve_timeout` and `timeout` is true (a timeout-derived end never overrides an explicit one
 * when re-sends merge).
 */
export interface Alert {
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly generatorURL: string;
  /** When this version of the alert was received (the clock of the engine). */
  readonly updatedAt: number;
  readonly timeout: boolean;
  /** `%016x` FNV-1a 64 of `labels`, computed once at the door. */
  readonly fingerprint: string;
  /**
   * Which door produced the alert. Later signal kinds (model signals, change events) arrive with their own
   * `source` and join the same pipeline.
   */
  readonly source: AlertSource;
}

export type AlertSource = 'api' | 'webhook' | 'kafka' | 'replay' | 'signal' | 'incident';

/** Resolved at `now` means an end time at or before `now` (Alertmanager `Alert.ResolvedAt`). */
export function isResolvedAt(alert: Pick<Alert, 'endsAt'>, now: number): boolean {
  return alert.endsAt <= now;
}
