/**
 * The engine's Prometheus metrics, on a registry of their own.
 *
 * Each `EngineMetrics` owns a fresh `Registry` instead of prom-client's global one, so tests (and replays
 * running beside a live server) can create as many engines as they like without "metric already
 * registered" errors or counters leaking between them.
 *
 * Cardinality is bounded by construction: label values come from small closed sets (doors, reasons,
 * states), from configuration (receiver and integration names), or from route patterns (handlers). No
 * alert label ever becomes a metric label: one noisy alert source must not be able to grow the
 * exposition without limit.
 *
 * Gauges that describe engine state (alerts by state, aggregation groups, silences by state) are read at
 * scrape time through providers the engine registers, the way Alertmanager uses `GaugeFunc`s: nothing has
 * to be kept in sync on the hot path, and a scrape always sees the current state.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DispatchObserver } from '../dispatch/dispatcher.js';
import type { SloView } from '../budget/stage.js';
import type { AlertSource } from '../domain/alert.js';
import type { DeliveryResult } from '../notify/transport.js';
import type { AlertQuery, AlertView } from './port.js';

/** Alert states as `GET /api/v2/alerts` reports them (Alertmanager `alertmanager_alerts{state}`). */
export type AlertCountState = 'active' | 'suppressed' | 'unprocessed';
export const ALERT_COUNT_STATES: readonly AlertCountState[] = ['active', 'suppressed', 'unprocessed'];

export type SilenceCountState = 'active' | 'pending' | 'expired';
export const SILENCE_COUNT_STATES: readonly SilenceCountState[] = ['active', 'pending', 'expired'];

/** Why an HTTP request was answered with a client error. A closed set, so it is safe as a label. */
export type BadRequestReason =
  | 'malformed_json'
  | 'invalid_body'
  | 'too_large'
  | 'unsupported_media_type'
  | 'invalid_query'
  | 'not_found'
  | 'other';

/**
 * Why a notification failed, with Alertmanager's values for `alertmanager_notifications_failed_total`
 * (`notify/notify.go`), so dashboards written for Alertmanager keep working after renaming the prefix.
 */
export type NotificationFailureReason =
  | 'clientError'
  | 'serverError'
  | 'contextCanceled'
  | 'contextDeadlineExceeded'
  | 'other';

const DOORS: readonly AlertSource[] = ['api', 'webhook', 'kafka', 'replay'];

/** What `attachEngine` reads at scrape time; the engine satisfies it structurally. */
export interface MetricsSource {
  now(): number;
  listAlerts(query: AlertQuery): AlertView[];
  /** Alerts held (not resolved) by state, counted without building API views. */
  countAlertsByState?(): Record<AlertCountState, number>;
  readonly dispatcher: { groupCount(): number };
  readonly silences: { countByState(now: number): Record<SilenceCountState, number> };
  readonly correlator?: { readonly directory: { counts(): { open: number; resolved: number } } } | undefined;
  listSlos?(): SloView[] | undefined;
}

// Every alert that has not resolved, whatever its state (Alertmanager `alertmanager_alerts` counts the same).
const ALL_ALERTS: AlertQuery = { filter: [], active: true, silenced: true, inhibited: true, unprocessed: true };

export interface EngineMetricsOptions {
  /**
   * Register Node process metrics (`process_*`, `nodejs_*`) on this registry. Default true. Tests that
   * create many instances can turn it off: each call starts its own event-loop and GC observers.
   */
  defaultMetrics?: boolean;
}

export class EngineMetrics {
  readonly registry: Registry;

  readonly alertsReceived: Counter<'door'>;
  readonly alertsInvalid: Counter<'door'>;
  readonly httpRequests: Counter<'handler' | 'code'>;
  readonly httpRequestsBad: Counter<'handler' | 'reason'>;
  readonly notifications: Counter<'receiver' | 'integration'>;
  readonly notificationsFailed: Counter<'receiver' | 'integration' | 'reason'>;
  readonly notificationLatency: Histogram<'integration'>;
  readonly alerts: Gauge<'state'>;
  readonly aggregationGroups: Gauge;
  readonly silences: Gauge<'state'>;
  readonly configLastReloadSuccessful: Gauge;
  /** Every load of the configuration file, by result: an invalid configuration is counted, not just flagged. */
  readonly configReloads: Counter<'result'>;
  readonly configLastReloadSuccessTimestamp: Gauge;
  /** Model signals accepted, by kind and status (`no_data`/`insufficient_sample` are withheld, not fired). */
  readonly signalsReceived: Counter<'kind' | 'status'>;
  readonly signalsInvalid: Counter;
  readonly changesReceived: Counter<'kind'>;
  readonly changesInvalid: Counter;
  readonly incidents: Gauge<'status'>;
  readonly sliEvents: Counter<'result'>;
  readonly sloBudgetRemaining: Gauge<'slo' | 'track'>;
  readonly sloBurnRate: Gauge<'slo' | 'track' | 'window'>;
  readonly sloTierFiring: Gauge<'slo' | 'track' | 'tier' | 'severity'>;
  private sloViews: (() => SloView[]) | undefined;
  private incidentCounts: (() => { open: number; resolved: number }) | undefined;

  private alertCounts: (() => Partial<Record<AlertCountState, number>>) | undefined;
  private groupCount: (() => number) | undefined;
  private silenceCounts: (() => Partial<Record<SilenceCountState, number>>) | undefined;

  constructor(opts: EngineMetricsOptions = {}) {
    const registry = new Registry();
    this.registry = registry;
    const registers = [registry];
    // Providers are read through `self` because prom-client binds `collect` to the metric, not to us.
    const self = this;

    this.alertsReceived = new Counter({
      name: 'alertsift_alerts_received_total',
      help: 'Alerts received, valid or not, by door.',
      labelNames: ['door'],
      registers,
    });
    this.alertsInvalid = new Counter({
      name: 'alertsift_alerts_invalid_total',
      help: 'Alerts rejected by validation, by door.',
      labelNames: ['door'],
      registers,
    });
    // Zero-valued series from the start, so rate() and alerts on these counters work before the first event.
    for (const door of DOORS) {
      this.alertsReceived.inc({ door }, 0);
      this.alertsInvalid.inc({ door }, 0);
    }

    this.httpRequests = new Counter({
      name: 'alertsift_http_requests_total',
      help: 'HTTP requests answered, by route pattern and status code.',
      labelNames: ['handler', 'code'],
      registers,
    });
    this.httpRequestsBad = new Counter({
      name: 'alertsift_http_request_bad_total',
      help: 'HTTP requests answered with a client error, by route pattern and reason.',
      labelNames: ['handler', 'reason'],
      registers,
    });

    this.notifications = new Counter({
      name: 'alertsift_notifications_total',
      help: 'Notification attempts, by receiver and integration.',
      labelNames: ['receiver', 'integration'],
      registers,
    });
    this.notificationsFailed = new Counter({
      name: 'alertsift_notifications_failed_total',
      help: 'Failed notification attempts, by receiver, integration and reason.',
      labelNames: ['receiver', 'integration', 'reason'],
      registers,
    });
    this.notificationLatency = new Histogram({
      name: 'alertsift_notification_latency_seconds',
      help: 'Latency of notification attempts, by integration.',
      labelNames: ['integration'],
      // Alertmanager uses {1, 5, 10, 15, 20}; finer low buckets separate healthy from degraded receivers.
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 20, 30],
      registers,
    });

    this.alerts = new Gauge({
      name: 'alertsift_alerts',
      help: 'Alerts currently held, by state.',
      labelNames: ['state'],
      registers,
      collect() {
        const counts = self.alertCounts?.() ?? {};
        for (const state of ALERT_COUNT_STATES) this.set({ state }, counts[state] ?? 0);
      },
    });
    this.aggregationGroups = new Gauge({
      name: 'alertsift_aggregation_groups',
      help: 'Aggregation groups currently held by the dispatcher.',
      registers,
      collect() {
        this.set(self.groupCount?.() ?? 0);
      },
    });
    this.silences = new Gauge({
      name: 'alertsift_silences',
      help: 'Silences, by state.',
      labelNames: ['state'],
      registers,
      collect() {
        const counts = self.silenceCounts?.() ?? {};
        for (const state of SILENCE_COUNT_STATES) this.set({ state }, counts[state] ?? 0);
      },
    });

    this.configReloads = new Counter({
      name: 'alertsift_config_reloads_total',
      help: 'Configuration loads (start and reloads) by result: success or failure.',
      labelNames: ['result'],
      registers,
    });
    this.configLastReloadSuccessful = new Gauge({
      name: 'alertsift_config_last_reload_successful',
      help: 'Whether the last configuration reload attempt was successful (1) or not (0).',
      registers,
    });
    this.configLastReloadSuccessTimestamp = new Gauge({
      name: 'alertsift_config_last_reload_success_timestamp_seconds',
      help: 'Timestamp of the last successful configuration reload.',
      registers,
    });

    this.signalsReceived = new Counter({
      name: 'alertsift_signals_received_total',
      help: 'Valid model signals received, by kind and status.',
      labelNames: ['kind', 'status'],
      registers,
    });
    this.signalsInvalid = new Counter({
      name: 'alertsift_signals_invalid_total',
      help: 'Model signals rejected by validation.',
      registers,
    });
    this.changesReceived = new Counter({
      name: 'alertsift_changes_received_total',
      help: 'Valid change events received, by kind.',
      labelNames: ['kind'],
      registers,
    });
    this.changesInvalid = new Counter({
      name: 'alertsift_changes_invalid_total',
      help: 'Change events rejected by validation.',
      registers,
    });
    this.incidents = new Gauge({
      name: 'alertsift_incidents',
      help: 'Incidents currently held, by status (0 without correlation rules).',
      labelNames: ['status'],
      registers,
      collect() {
        const c = self.incidentCounts?.() ?? { open: 0, resolved: 0 };
        this.set({ status: 'open' }, c.open);
        this.set({ status: 'resolved' }, c.resolved);
      },
    });

    this.sliEvents = new Counter({
      name: 'alertsift_sli_events_total',
      help: 'sli_events signals, by result: accepted into a ledger, or refused (unknown SLO, too late).',
      labelNames: ['result'],
      registers,
    });
    this.sloBudgetRemaining = new Gauge({
      name: 'alertsift_slo_budget_remaining_ratio',
      help: 'Error budget left over the SLO period (1 = untouched, negative = overspent).',
      labelNames: ['slo', 'track'],
      registers,
      collect() {
        this.reset();
        for (const v of self.sloViews?.() ?? []) this.set({ slo: v.name, track: v.track }, v.budget.remaining);
      },
    });
    this.sloBurnRate = new Gauge({
      name: 'alertsift_slo_burn_rate',
      help: 'Burn rate per alerting window at the last evaluation (windows without events are absent).',
      labelNames: ['slo', 'track', 'window'],
      registers,
      collect() {
        this.reset();
        for (const v of self.sloViews?.() ?? []) {
          for (const t of v.tiers) {
            for (const w of [t.long, t.short]) if (w.burnRate !== null) this.set({ slo: v.name, track: v.track, window: w.window }, w.burnRate);
          }
        }
      },
    });
    this.sloTierFiring = new Gauge({
      name: 'alertsift_slo_tier_firing',
      help: 'Whether each burn tier fires (1) or not (0) at the last evaluation.',
      labelNames: ['slo', 'track', 'tier', 'severity'],
      registers,
      collect() {
        this.reset();
        for (const v of self.sloViews?.() ?? []) {
          for (const t of v.tiers) this.set({ slo: v.name, track: v.track, tier: t.name, severity: t.severity }, t.status === 'firing' ? 1 : 0);
        }
      },
    });

    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  }

  /** The engine tells how to count alerts by state; read at every scrape. */
  setAlertCountsProvider(fn: () => Partial<Record<AlertCountState, number>>): void {
    this.alertCounts = fn;
  }

  setAggregationGroupsProvider(fn: () => number): void {
    this.groupCount = fn;
  }

  setSilenceCountsProvider(fn: () => Partial<Record<SilenceCountState, number>>): void {
    this.silenceCounts = fn;
  }

  /** Counts one batch seen at a door: `received` alert entries, of which `invalid` were rejected. */
  recordAlertsReceived(door: AlertSource, received: number, invalid: number): void {
    if (received > 0) this.alertsReceived.inc({ door }, received);
    if (invalid > 0) this.alertsInvalid.inc({ door }, invalid);
  }

  recordHttpRequest(handler: string, code: number): void {
    this.httpRequests.inc({ handler, code: String(code) });
  }

  recordBadRequest(handler: string, reason: BadRequestReason): void {
    this.httpRequestsBad.inc({ handler, reason });
  }

  /** One notification attempt; pass `failure` when it did not succeed. */
  recordNotification(
    receiver: string,
    integration: string,
    latencySeconds: number,
    failure?: NotificationFailureReason,
  ): void {
    this.notifications.inc({ receiver, integration });
    this.notificationLatency.observe({ integration }, latencySeconds);
    if (failure) this.notificationsFailed.inc({ receiver, integration, reason: failure });
  }

  /**
   * Reads alert, group and silence counts from the engine at every scrape. Counting alerts by state
   * evaluates silences and inhibition for each held alert, as Alertmanager's marker count does; that is
   * a scrape-time cost, never an intake-time one.
   */
  attachEngine(engine: MetricsSource): void {
    this.setAlertCountsProvider(() => {
      if (engine.countAlertsByState) return engine.countAlertsByState();
      const counts: Record<AlertCountState, number> = { active: 0, suppressed: 0, unprocessed: 0 };
      for (const a of engine.listAlerts(ALL_ALERTS)) counts[a.status.state]++;
      return counts;
    });
    this.setAggregationGroupsProvider(() => engine.dispatcher.groupCount());
    this.setSilenceCountsProvider(() => engine.silences.countByState(engine.now()));
    this.incidentCounts = () => engine.correlator?.directory.counts() ?? { open: 0, resolved: 0 };
    this.sloViews = () => engine.listSlos?.() ?? [];
  }

  /**
   * Counts deliveries as the dispatcher reports them. One delivery is one flush to one integration, all
   * retries included, so `alertsift_notifications_total` counts flushes, not HTTP attempts.
   */
  dispatchObserver(): DispatchObserver {
    return {
      onDelivery: (integration, result, seconds) => {
        this.recordNotification(integration.receiver, integration.kind, seconds, result.ok ? undefined : failureReason(result));
      },
    };
  }

  /** Called by whoever loads configuration (start-up and every reload). `at` is epoch milliseconds. */
  recordReload(ok: boolean, at: number): void {
    this.configLastReloadSuccessful.set(ok ? 1 : 0);
    this.configReloads.inc({ result: ok ? 'success' : 'failure' });
    if (ok) this.configLastReloadSuccessTimestamp.set(Math.floor(at / 1000));
  }

  /** The text exposition of the registry. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/**
 * Alertmanager's failure reason from a delivery result. The transport reports a sentence, not a code, so
 * the HTTP status is read back from it; anything unrecognised is `other`, never the free text (which
 * would be an unbounded label value).
 */
export function failureReason(result: Extract<DeliveryResult, { ok: false }>): NotificationFailureReason {
  const status = /\bHTTP (\d{3})\b/.exec(result.reason);
  if (status) {
    const code = Number(status[1]);
    if (code >= 500) return 'serverError';
    if (code >= 400) return 'clientError';
  }
  if (/timeout|deadline/i.test(result.reason)) return 'contextDeadlineExceeded';
  return 'other';
}
