/**
 * The engine: the one place where the pipeline is wired. Stores, routes, dispatches and notifies,
 * on whatever clock and transport it is given. `serve` gives it the wall clock and HTTP; `replay` gives
 * it a virtual clock and a recorder. State that must survive a reload (alerts, silences, the
 * notification log) lives outside the per-configuration parts, which are rebuilt on reload.
 */
import { redactConfigText } from '../config/redact.js';
import type { Config } from '../config/types.js';
import {
  INCIDENT_ID_LABEL,
  type Correlator,
  type IncidentDirectory,
  type IncidentSnapshot,
  type SuppressionView,
} from '../correlate/types.js';
import type { Alert } from '../domain/alert.js';
import type { ChangeEvent, ModelSignal, SliEvents } from '../domain/signal.js';
import { BudgetStage, type SloView } from '../budget/stage.js';
import type { SloDefinition } from '../budget/slos.js';
import { compareLabelSets } from '../domain/labels.js';
import { formatTime } from '../domain/time.js';
import { Dispatcher, type DispatchObserver } from '../dispatch/dispatcher.js';
import { DeliveryLog, type DeliveryRecord } from '../dispatch/deliveryLog.js';
import { MemoryNotificationLog, type NotificationLogPort } from '../dispatch/notificationLog.js';
import { buildIntegrations, type Integration } from '../notify/integrations.js';
import { FieldTemplates } from '../notify/templating.js';
import type { Transport } from '../notify/transport.js';
import { Inhibitor } from '../route/inhibit.js';
import { compileMatchers } from '../route/matchers.js';
import { allRoutes, compileRouteTree, matchRoutes, type Route } from '../route/routeTree.js';
import { SilenceRegistry, silenceView } from '../route/silences.js';
import { isActiveAt } from '../route/timeIntervals.js';
import { type AlertStorePort, MemoryAlertStore } from '../store/alertStore.js';
import type { Clock, TimerHandle } from '../state/clock.js';
import type {
  AlertGroupView,
  AlertQuery,
  AlertView,
  EnginePort,
  PostableSilence,
  SilenceView,
  StatusView,
} from './port.js';

/** Resolved alerts stay queryable in the store for this long (Alertmanager `--alerts.gc-interval`). */
export const ALERT_GC_INTERVAL_MS = 30 * 60_000;
/** How long `/metrics` reuses its count of alerts by state. */
const STATE_COUNTS_TTL_MS = 5_000;
/** Expired silences are kept this long (Alertmanager `--data.retention`). */
export const SILENCE_RETENTION_MS = 120 * 3600_000;

export interface EngineOptions {
  readonly config: Config;
  /** The configuration file's text, shown by `/api/v2/status`. */
  readonly configText?: string;
  readonly clock: Clock;
  readonly transport: Transport;
  readonly externalURL: string;
  /** Re-reads the configuration for `reload()`; absent in replay. */
  readonly loadConfig?: () => Promise<{ ok: true; config: Config; text: string } | { ok: false; errors: string[] }>;
  readonly newSilenceId?: () => string;
  readonly observer?: DispatchObserver;
  readonly alertStore?: AlertStorePort;
  /** Shared with the live transport so retried attempts appear beside final outcomes. */
  readonly deliveryLog?: DeliveryLog;
  /** A templated field failed to render (its fallback was used). */
  readonly onTemplateError?: (field: string, message: string) => void;
  readonly notificationLog?: NotificationLogPort;
  /**
   * Correlation (rules loaded): builds the correlator. Absent, the engine is Alertmanager exactly. The
   * sink is where incident alerts enter routing and dispatch.
   */
  readonly correlation?: CorrelationFactory;
  /** SLO definitions (`<rules>/slos/`): the budget stage runs when there is at least one. */
  readonly slos?: readonly SloDefinition[];
  /** How often SLOs are evaluated (default 1 min). */
  readonly sloEvaluationIntervalMs?: number;
  /** Every incident state change, with the incident as it is after the change (the incidents topic). */
  readonly onIncidentChange?: (events: readonly string[], incident: IncidentSnapshot) => void;
}

export type CorrelationFactory = (deps: {
  readonly clock: Clock;
  readonly sink: (incidentAlert: Alert) => void;
  /**
   * The engine's budget stage, if SLOs are configured (a function: it is built after the correlator). For
   * factories that report or test what the stage charged to incidents (`impactOf`); a correlator needs
   * none of it.
   */
  readonly budget?: () => BudgetStage | undefined;
  /** Incident state changes (see EngineOptions.onIncidentChange). */
  readonly onChange?: (incidentId: string, events: readonly string[]) => void;
}) => Correlator;

/** The parts rebuilt from each configuration. */
interface Compiled {
  readonly config: Config;
  readonly route: Route;
  readonly integrations: ReadonlyMap<string, readonly Integration[]>;
  readonly inhibitor: Inhibitor;
  readonly dispatcher: Dispatcher;
}

export class Engine implements EnginePort {
  readonly store: AlertStorePort;
  readonly nflog: NotificationLogPort;
  readonly silences: SilenceRegistry;
  /** What was sent where, every attempt and outcome (bounded). */
  readonly deliveryLog: DeliveryLog;
  private compiled: Compiled;
  private configText: string;
  private gcTimer: TimerHandle | undefined;
  private readonly startedAt: number;
  /** Incidents; undefined without correlation rules. */
  readonly correlator: Correlator | undefined;
  /** Error budgets; undefined without SLOs. */
  readonly budget: BudgetStage | undefined;
  /** The correlator's incidents as notifiers and the API read them: with the budget charged to each. */
  private readonly incidents: IncidentDirectory | undefined;
  alertsReceived = 0;
  signalsReceived = 0;
  changesReceived = 0;

  constructor(private readonly opts: EngineOptions) {
    this.store = opts.alertStore ?? new MemoryAlertStore();
    this.nflog = opts.notificationLog ?? new MemoryNotificationLog();
    this.deliveryLog = opts.deliveryLog ?? new DeliveryLog();
    this.silences = new SilenceRegistry(opts.newSilenceId ?? (() => crypto.randomUUID()));
    this.configText = opts.configText ?? '';
    this.startedAt = opts.clock.now();
    // The sink reads `this.compiled` at call time, so incident alerts follow configuration reloads.
    this.correlator = opts.correlation?.({
      clock: opts.clock,
      sink: (incidentAlert) => {
        this.compiled.inhibitor.observe(incidentAlert);
        this.compiled.dispatcher.process(incidentAlert);
      },
      budget: () => this.budget,
      ...(opts.onIncidentChange && {
        onChange: (id: string, events: readonly string[]) => {
          const snapshot = this.incidents?.get(id);
          if (snapshot) opts.onIncidentChange!(events, snapshot);
        },
      }),
    });
    this.incidents = this.correlator ? withBudgetImpact(this.correlator.directory, () => this.budget) : undefined;
    this.compiled = this.compile(opts.config);
    this.budget =
      opts.slos && opts.slos.length > 0
        ? new BudgetStage({
            clock: opts.clock,
            slos: opts.slos,
            emit: (alerts) => this.receiveAlerts(alerts),
            ...(opts.sloEvaluationIntervalMs !== undefined && { evaluationIntervalMs: opts.sloEvaluationIntervalMs }),
            incidentOf: (fp) => {
              const id = this.correlator?.incidentOf?.(fp);
              return id === undefined ? undefined : { id };
            },
          })
        : undefined;
    this.scheduleGc();
  }

  get config(): Config {
    return this.compiled.config;
  }

  get dispatcher(): Dispatcher {
    return this.compiled.dispatcher;
  }

  now(): number {
    return this.opts.clock.now();
  }

  resolveTimeoutMs(): number {
    return this.compiled.config.global.resolveTimeoutMs;
  }

  receiveAlerts(alerts: readonly Alert[]): void {
    const now = this.opts.clock.now();
    const { inhibitor, dispatcher } = this.compiled;
    const correlator = this.correlator;
    const store = this.store;
    for (const incoming of alerts) {
      // The store's record of the fingerprint, when it keeps one: inhibition and dispatch remember their
      // per-fingerprint work in it, so a re-send costs one map lookup instead of one per stage.
      const record = store.putRecord?.(incoming, now);
      const stored = record !== undefined ? record.alert : store.put(incoming, now);
      // A claimed alert still inhibits (it is a real firing alert), but is dispatched through its incident.
      inhibitor.observe(stored, record);
      if (correlator?.observe(stored)) continue;
      dispatcher.process(stored, record);
    }
    this.alertsReceived += alerts.length;
  }

  /**
   * A normalized signal body: the alerts its model signals raise or resolve go through the store like any
   * alert; the signals and SLI counts feed the budget stage. Returns the SLI counts refused (unknown SLO,
   * too late) with their reasons.
   */
  receiveSignals(input: { readonly signals: readonly ModelSignal[]; readonly sliEvents: readonly SliEvents[]; readonly alerts: readonly Alert[] }): string[] {
    const refused: string[] = [];
    for (const s of input.signals) this.budget?.recordSignal(s);
    for (const e of input.sliEvents) {
      if (!this.budget) {
        refused.push(`sli_events for ${e.slo}: no SLOs are configured (put them in <rules>/slos/)`);
        continue;
      }
      const r = this.budget.recordEvents(e);
      if (!r.ok) refused.push(`sli_events: ${r.reason}`);
    }
    this.receiveAlerts(input.alerts);
    this.signalsReceived += input.signals.length + input.sliEvents.length;
    return refused;
  }

  listSlos(): SloView[] | undefined {
    return this.budget?.views();
  }

  /** Change events: suspects for incidents. Without correlation they are only counted. */
  receiveChanges(changes: readonly ChangeEvent[]): void {
    for (const c of changes) this.correlator?.observeChange(c);
    this.changesReceived += changes.length;
  }

  /** Anything still waiting on a timer: a group holding alerts, an alert in hold-down, an open incident. */
  busy(): boolean {
    return this.compiled.dispatcher.hasAlerts() || (this.correlator?.busy() ?? false);
  }

  /** Applies a new configuration, keeping alerts, silences and the notification log. */
  async applyConfig(config: Config, text?: string): Promise<void> {
    await this.compiled.dispatcher.stop();
    this.compiled = this.compile(config);
    if (text !== undefined) this.configText = text;
    // Like Alertmanager's new dispatcher subscribing to the store: every stored alert is routed again
    // (claimed ones through their incident's alert).
    for (const a of this.store.values()) {
      this.compiled.inhibitor.observe(a);
      if (this.correlator?.observe(a)) continue;
      this.compiled.dispatcher.process(a);
    }
    for (const a of this.correlator?.incidentAlerts() ?? []) {
      this.compiled.inhibitor.observe(a);
      this.compiled.dispatcher.process(a);
    }
  }

  async reload(): Promise<{ ok: true } | { ok: false; errors: string[] }> {
    if (!this.opts.loadConfig) return { ok: false, errors: ['this engine has no configuration file to reload'] };
    const loaded = await this.opts.loadConfig();
    if (!loaded.ok) return loaded;
    await this.applyConfig(loaded.config, loaded.text);
    return { ok: true };
  }

  async stop(): Promise<void> {
    if (this.gcTimer) this.opts.clock.cancel(this.gcTimer);
    this.correlator?.stop();
    this.budget?.stop();
    await this.compiled.dispatcher.stop();
  }

  private compile(config: Config): Compiled {
    // With correlation, one incident is one aggregation group per receiver (and one PagerDuty dedup key):
    // `incident_id` joins every route's group_by. Plain alerts lack the label, so their groups are unchanged.
    const route = compileRouteTree(config.route, this.correlator ? { extraGroupBy: [INCIDENT_ID_LABEL] } : undefined);
    const integrations = new Map<string, readonly Integration[]>();
    const templates = new FieldTemplates(config.templateFiles, this.opts.onTemplateError);
    const incidents = this.incidents;
    for (const r of config.receivers) integrations.set(r.name, buildIntegrations(r, templates, incidents));
    const inhibitor = new Inhibitor(config.inhibitRules);
    const dispatcher = new Dispatcher({
      clock: this.opts.clock,
      route,
      integrations,
      inhibitor,
      silences: this.silences,
      timeIntervals: config.timeIntervals,
      nflog: this.nflog,
      transport: this.opts.transport,
      externalURL: this.opts.externalURL,
      observer: this.opts.observer,
      deliveryLog: this.deliveryLog,
    });
    return { config, route, integrations, inhibitor, dispatcher };
  }

  private scheduleGc(): void {
    const clock = this.opts.clock;
    this.gcTimer = clock.schedule(clock.now() + ALERT_GC_INTERVAL_MS, () => {
      this.collectGarbage();
      this.scheduleGc();
    });
  }

  /** Drops resolved alerts, expired log entries and old silences: keeps memory bounded by active state. */
  collectGarbage(): void {
    const now = this.opts.clock.now();
    for (const a of this.store.collectResolved(now)) {
      this.compiled.inhibitor.forget(a.fingerprint, a.labels);
      this.compiled.dispatcher.forget(a.fingerprint);
    }
    for (const fp of this.correlator?.collect(now) ?? []) {
      this.compiled.inhibitor.forget(fp);
      this.compiled.dispatcher.forget(fp);
    }
    const directory = this.correlator?.directory;
    this.budget?.collect((id) => directory?.get(id) !== undefined);
    this.nflog.collect(now);
    this.silences.collect(now, SILENCE_RETENTION_MS);
  }

  // ---- API views ----

  private alertView(a: Alert, now: number): AlertView {
    const { route, inhibitor, config } = this.compiled;
    const routes = matchRoutes(route, a.labels);
    const receivers = [...new Set(routes.map((r) => r.receiver))].sort().map((name) => ({ name }));
    const silencedBy = this.silences.mutedBy(a.labels, now);
    const inhibitor_ = inhibitor.inhibitedBy(a.labels, now);
    const mutedBy: string[] = [];
    for (const r of routes) {
      for (const name of r.muteTimeIntervals) {
        const iv = config.timeIntervals.get(name);
        if (iv && isActiveAt(iv, now) && !mutedBy.includes(name)) mutedBy.push(name);
      }
    }
    const suppressed = silencedBy.length > 0 || inhibitor_ !== undefined || mutedBy.length > 0;
    const view: AlertView = {
      labels: a.labels,
      annotations: a.annotations,
      receivers,
      fingerprint: a.fingerprint,
      startsAt: formatTime(a.startsAt),
      updatedAt: formatTime(a.updatedAt),
      endsAt: formatTime(a.endsAt),
      status: {
        state: suppressed ? 'suppressed' : 'active',
        silencedBy: [...silencedBy],
        inhibitedBy: inhibitor_ ? [inhibitor_] : [],
        mutedBy,
      },
    };
    if (a.generatorURL) view.generatorURL = a.generatorURL;
    return view;
  }

  private includes(view: AlertView, q: AlertQuery): boolean {
    const st = view.status;
    if (st.state === 'active' && !q.active) return false;
    if (st.silencedBy.length > 0 && !q.silenced) return false;
    if (st.inhibitedBy.length > 0 && !q.inhibited) return false;
    if (q.receiver && !view.receivers.some((r) => q.receiver!.test(r.name))) return false;
    return true;
  }

  /**
   * Held alerts by state for `/metrics`: the same classification as the API (silenced, inhibited or
   * muted by a time interval = suppressed) without building views. Still one pass over the store per
   * scrape, so it is remembered for a few seconds: at a million alerts a pass costs a noticeable
   * fraction of a second, and scrapes come every 15 s or so.
   */
  countAlertsByState(): { active: number; suppressed: number; unprocessed: number } {
    const now = this.now();
    if (this.stateCounts && now - this.stateCounts.at < STATE_COUNTS_TTL_MS) return this.stateCounts.counts;
    const { route, inhibitor, config } = this.compiled;
    const counts = { active: 0, suppressed: 0, unprocessed: 0 };
    const mutedRoutes = new Set<Route>();
    for (const r of allRoutes(route)) {
      if (r.muteTimeIntervals.some((name) => isActiveAt(config.timeIntervals.get(name) ?? [], now))) mutedRoutes.add(r);
    }
    for (const a of this.store.values()) {
      if (a.endsAt <= now) continue;
      let suppressed = inhibitor.inhibitedBy(a.labels, now) !== undefined || this.silences.mutedBy(a.labels, now).length > 0;
      if (!suppressed && mutedRoutes.size > 0) suppressed = matchRoutes(route, a.labels).some((r) => mutedRoutes.has(r));
      if (suppressed) counts.suppressed++;
      else counts.active++;
    }
    this.stateCounts = { at: now, counts };
    return counts;
  }

  private stateCounts: { at: number; counts: { active: number; suppressed: number; unprocessed: number } } | undefined;

  listAlerts(q: AlertQuery): AlertView[] {
    const now = this.now();
    const matches = q.filter.length > 0 ? compileMatchers(q.filter) : undefined;
    const out: AlertView[] = [];
    for (const a of this.store.values()) {
      // Resolved alerts are not listed (Alertmanager's alertFilter).
      if (a.endsAt <= now) continue;
      if (matches && !matches(a.labels)) continue;
      const v = this.alertView(a, now);
      if (this.includes(v, q)) out.push(v);
    }
    out.sort((x, y) => (x.fingerprint < y.fingerprint ? -1 : x.fingerprint > y.fingerprint ? 1 : 0));
    return out;
  }

  listGroups(q: AlertQuery): AlertGroupView[] {
    const now = this.now();
    const matches = q.filter.length > 0 ? compileMatchers(q.filter) : undefined;
    const out: AlertGroupView[] = [];
    for (const g of this.compiled.dispatcher.allGroups()) {
      if (q.receiver && !q.receiver.test(g.route.receiver)) continue;
      const alerts: AlertView[] = [];
      for (const a of g.alerts.values()) {
        if (a.endsAt <= now) continue;
        if (matches && !matches(a.labels)) continue;
        const v = this.alertView(a, now);
        if (this.includes(v, { ...q, receiver: undefined })) alerts.push(v);
      }
      if (alerts.length === 0) continue;
      alerts.sort((x, y) => compareLabelSets(x.labels, y.labels));
      out.push({ labels: g.labels, receiver: { name: g.route.receiver }, alerts });
    }
    out.sort((x, y) => compareLabelSets(x.labels, y.labels) || (x.receiver.name < y.receiver.name ? -1 : 1));
    return out;
  }

  upsertSilence(s: PostableSilence) {
    return this.silences.upsert(s, this.now());
  }

  listSilences(filter: PostableSilence['matchers']): SilenceView[] {
    const now = this.now();
    return this.silences
      .list()
      .filter((s) => filter.every((f) => s.matchers.some((m) => m.name === f.name && m.type === f.type && m.value === f.value)))
      .map((s) => silenceView(s, now));
  }

  getSilence(id: string): SilenceView | undefined {
    const s = this.silences.get(id);
    return s ? silenceView(s, this.now()) : undefined;
  }

  expireSilence(id: string) {
    return this.silences.expire(id, this.now());
  }

  listIncidents(status?: 'open' | 'resolved'): IncidentSnapshot[] | undefined {
    return this.incidents?.list(status ? { status } : undefined);
  }

  getIncident(id: string): IncidentSnapshot | undefined {
    return this.incidents?.get(id);
  }

  listSuppressions(): SuppressionView[] | undefined {
    return this.correlator?.directory.suppressions();
  }

  recentDeliveries(limit?: number): DeliveryRecord[] {
    return this.deliveryLog.recent(limit);
  }

  status(): StatusView {
    const seconds = Math.floor((this.now() - this.startedAt) / 1000);
    return {
      cluster: { status: 'disabled', peers: [] },
      versionInfo: { version: '0.1.0', branch: 'main', revision: 'unknown', goVersion: process.version },
      config: { original: redactConfigText(this.configText) },
      uptime: formatTime(this.startedAt) + ` (${seconds}s)`,
    };
  }
}

/**
 * The directory with each snapshot's `budget`: what the budget stage charged to the incident and to those
 * merged into it. Notifications read incidents through it, so PagerDuty `custom_details`, the Slack summary
 * and the webhook `incident` key state the budget impact per track; without SLOs it adds nothing.
 */
function withBudgetImpact(directory: IncidentDirectory, budget: () => BudgetStage | undefined): IncidentDirectory {
  const add = (s: IncidentSnapshot): IncidentSnapshot => {
    const impact = budget()?.impactOfAll([s.id, ...s.mergedFrom]);
    return impact ? { ...s, budget: impact } : s;
  };
  return {
    get: (id) => {
      const s = directory.get(id);
      return s && add(s);
    },
    list: (filter) => directory.list(filter).map(add),
    suppressions: () => directory.suppressions(),
    counts: () => directory.counts(),
  };
}
