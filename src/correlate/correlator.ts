/**
 * The correlation stage: claimed alerts are gathered into incidents, and each incident is dispatched as
 * one *incident alert* (docs/correlation.md is the specification; `types.ts` the port).
 *
 * Per alert (fingerprint) the correlator keeps an `AlertState`: its classification (cached, computed once
 * per label set), its firing episodes, hold-down and flap bookkeeping and its current membership. Open
 * incidents' members are indexed by component, by template step (under their component and scope
 * labels) and by label-window key, so an alert that passes hold-down finds what it links to with a few map
 * lookups; nothing scans all incidents per alert. A re-send of a known alert costs one map lookup and a
 * few comparisons.
 *
 * Time comes only from the clock: hold-down, end of an alert (`endsAt` passing), flap release,
 * resolve_quiet and annotation refreshes are all clock timers, so replay on the virtual clock is
 * deterministic.
 *
 * Order independence: links are symmetric (either alert may be the one that arrives later, template steps
 * are checked both ways) and an alert that links to several incidents merges them, so the incidents are
 * the connected components of the link graph whatever the arrival order. Hold-down ends at
 * `startsAt + hold_down` (not at arrival), and ranking is a pure function of the members.
 */
import type { Alert } from '../domain/alert.js';
import { commonLabels, fingerprint, type Labels } from '../domain/labels.js';
import type { ChangeEvent, Track } from '../domain/signal.js';
import { TRACKS } from '../domain/signal.js';
import { formatTime } from '../domain/time.js';
import { formatDurationSeconds as formatDuration } from '../config/duration.js';
import type { Clock, TimerHandle } from '../state/clock.js';
import { Classifier, type AlertInfo, type ChangeInfo, type StepRef } from './classify.js';
import { lagPrefix, related, templateLink, type LinkNode } from './links.js';
import { closestSuspect, populationShift, rankRootCauses, type ChangeRelation, type RankChange, type RankContext, type RankedHint, type RankMember } from './rootCause.js';
import type { CausalTemplate, CorrelationRules, IncidentSettings } from './rules.js';
import {
  INCIDENT_ID_LABEL,
  type Correlator,
  type IncidentDirectory,
  type IncidentSnapshot,
  type IncidentStatus,
  type JoinKind,
  type MemberView,
  type SuppressionView,
  type TimelineEntry,
} from './types.js';

/**
 * How far ahead an open incident alert's `endsAt` is set. The incident, not a resolve timeout, decides
 * when it ends: a far-future explicit end keeps the store from expiring it (an explicit end is never
 * overridden by a timeout-derived one), and the resolve is sent as a new version with the real end time.
 * Ten years is "never" for any process while staying a valid date everywhere it is printed.
 */
export const INCIDENT_OPEN_ENDS_AFTER_MS = 10 * 365 * 24 * 3600_000;

export interface CorrelatorLimits {
  /** Entries of the global suppression log (transient blips). */
  readonly suppressionLog: number;
  readonly timelinePerIncident: number;
  readonly suppressionsPerIncident: number;
  readonly changesPerIncident: number;
  /** Change events remembered for attaching to incidents that open later. */
  readonly changeLog: number;
  readonly hints: number;
  /** Classifications remembered per fingerprint (per generation). */
  readonly classificationCache: number;
}

export const DEFAULT_LIMITS: CorrelatorLimits = Object.freeze({
  suppressionLog: 1000,
  timelinePerIncident: 500,
  suppressionsPerIncident: 200,
  changesPerIncident: 50,
  changeLog: 10_000,
  hints: 5,
  classificationCache: 100_000,
});

export interface CorrelatorOptions {
  readonly rules: CorrelationRules;
  readonly clock: Clock;
  /** Receives every version of every incident alert (open, annotation updates, resolve, reopen). */
  readonly sink: (incidentAlert: Alert) => void;
  readonly limits?: Partial<CorrelatorLimits>;
  /**
   * Every incident state change (the incidents topic, audit): called once per incident per instant, after
   * the instant's updates are done, with the timeline events recorded since the last call.
   */
  readonly onChange?: (incidentId: string, events: readonly TimelineEntry['event'][]) => void;
}

export function createCorrelator(opts: CorrelatorOptions): Correlator {
  return new CorrelationEngine(opts);
}

// ---------------------------------------------------------------------------------------------------------
// State

interface JoinedBy {
  readonly kind: JoinKind;
  readonly rule?: string;
  readonly detail: string;
}

/** Everything known about one claimed alert (one fingerprint). */
class AlertState {
  labels: Labels;
  startsAt = 0;
  endsAt = 0;
  firing = false;
  /** The current firing episode passed hold-down (or the alert is flapping). */
  confirmed = false;
  episodes = 0;
  /** Processing times of firing↔resolved changes within the flap window. */
  transitions: number[] = [];
  flapping = false;
  member: Member | undefined;
  confirmAt = 0;
  confirmTimer: TimerHandle | undefined;
  endTimer: TimerHandle | undefined;
  flapReleaseAt = 0;
  flapTimer: TimerHandle | undefined;
  /** How long before its onset this alert's cause may have started beyond join_window (event time). */
  lead = 0;

  constructor(
    readonly fingerprint: string,
    labels: Labels,
    public info: AlertInfo,
  ) {
    this.labels = labels;
  }
}

/** One alert's membership of one incident. */
class Member implements RankMember {
  status: 'firing' | 'resolved' = 'firing';
  /** The incident this member is filed under in the indexes (it may have merged into another since). */
  filedUnder: Incident | undefined;
  /** Index keys, computed on first filing (they depend only on labels and rules). */
  keys: string[] | undefined;
  flapping = false;
  startsAt: number;
  endsAt: number;
  resolvedAt: number | undefined;
  /** `bestSuspect` of this member, as of a version of the change log. */
  suspect: { readonly version: number; readonly change: ChangeEntry | undefined } | undefined;

  constructor(
    readonly state: AlertState,
    public incident: Incident,
    public info: AlertInfo,
    readonly onset: number,
    readonly joinedAt: number,
    readonly joinedBy: JoinedBy,
  ) {
    this.startsAt = state.startsAt;
    this.endsAt = state.endsAt;
  }

  get fingerprint(): string {
    return this.state.fingerprint;
  }
  get labels(): Labels {
    return this.state.labels;
  }
  get component(): string | undefined {
    return this.info.component;
  }
  get steps(): AlertInfo['steps'] {
    return this.info.steps;
  }
  get track(): Track {
    return this.info.track;
  }
  get alertname(): string {
    return this.info.alertname;
  }
}

class ChangeEntry implements RankChange {
  constructor(
    readonly event: ChangeEvent,
    public info: ChangeInfo,
    readonly receivedAt: number,
  ) {}
  get id(): string {
    return this.event.id;
  }
  get kind(): string {
    return this.event.kind;
  }
  get summary(): string {
    return this.event.summary;
  }
  get labels(): Labels {
    return this.event.labels;
  }
  get onset(): number {
    return this.event.at;
  }
  get component(): string | undefined {
    return this.info.component;
  }
  get steps(): ChangeInfo['steps'] {
    return this.info.steps;
  }
}

class Incident {
  status: IncidentStatus = 'open';
  updatedAt: number;
  resolvedAt: number | undefined;
  reopened = 0;
  /** The current incident alert's labels: fixed at open, except that `severity` may rise (escalation). */
  labels: Labels = {};
  alertFingerprint = '';
  /**
   * Every incident alert of this incident: the one sent at open, then one per escalation. Earlier ones
   * stay firing (their groups keep their notifications) and all end together.
   */
  readonly alerts: { labels: Labels; fingerprint: string; last: Alert | undefined; retiredAt?: number }[] = [];
  readonly members = new Map<string, Member>();
  firing = 0;
  readonly changes = new Map<string, ChangeEntry>();
  readonly timeline: TimelineEntry[] = [];
  readonly suppressions: SuppressionView[] = [];
  readonly mergedFrom: string[] = [];
  mergedInto: Incident | undefined;
  /** Alertnames and `change:<kind>` keys present, for rarity counts. */
  readonly keys = new Set<string>();
  hints: RankedHint[] = [];
  hintsDirty = true;
  /** `rarityTick` when the hints were computed. */
  rankedTick = 0;
  quietAt = 0;
  quietTimer: TimerHandle | undefined;
  flushTimer: TimerHandle | undefined;
  lastAnnotations: Labels | undefined;
  lastFlushAt = -Infinity;
  /** The population-shift cap (see `routing`) has been recorded as a suppression. */
  capNoted = false;
  /**
   * Reopened by a late consequence of its recovered cause (see `reopenAftermath`): routes at warning at
   * most until one of its earlier members fires again. `aftermathSince` tells earlier members from later.
   */
  aftermath = false;
  aftermathSince = 0;

  constructor(
    readonly id: string,
    readonly openedAt: number,
  ) {
    this.updatedAt = openedAt;
  }
}

interface Link {
  readonly kind: JoinKind;
  readonly rule?: string;
  readonly detail: string;
}

/** Incidents at least this large refresh their annotations at most every BIG_INCIDENT_REFRESH_MS. */
const BIG_INCIDENT_MEMBERS = 256;
const BIG_INCIDENT_REFRESH_MS = 10_000;

/**
 * How much later than its effect a cause's onset may be stamped. Rules fire only after their `for:`
 * clause (kube-prometheus: `KubeNodeNotReady` waits 15 min, `TargetDown` 10 min) while the symptoms
 * downstream may have shorter ones, so a node that went down is often *reported* after the pods on it.
 * Measured on the incident benchmark (small + medium, seeds 1–3): 2 min and 5 min give the same false
 * merges (1.8 %) with 5 min paging slightly less (1.39 vs 1.41 pages per fault); 15 min doubles the false
 * merges (4 %). Later root alerts still join through causal templates and same-component links.
 */
export const ONSET_TOLERANCE_MS = 5 * 60_000;

/** Severities that mark chatter: informational alerts are kept, but never taken as the cause of others. */
const CHATTER_SEVERITIES = new Set(['info', 'none', 'low', 'debug', 'p4', 'p5']);

/**
 * Whether an alert on an upstream component can explain one on a component that depends on it. The
 * conditions concern the pair only (so joining stays independent of arrival order):
 *  - the cause is not chatter (an `info` alert on a shared node explains nothing, and would otherwise glue
 *    every unrelated fault below that node into one incident);
 *  - the cause starts first, give or take ONSET_TOLERANCE_MS, and at most the join window before.
 *    (Tried and refused: letting a cause that is still firing explain effects that start later than the
 *    join window. On the incident benchmark it took false merges from 2 % to 22 %: long-lived warnings on
 *    shared components then explain everything below them. Also refused: joining siblings — two alerts
 *    on components sharing a direct dependency within 5 min — which took false merges to 10 %.)
 */
function isChatter(labels: Labels): boolean {
  const severity = labels.severity?.toLowerCase();
  return severity !== undefined && CHATTER_SEVERITIES.has(severity);
}

/**
 * How much earlier than its onset an alert's cause may lie, beyond join_window, from what the alert says
 * about event time (0 for Prometheus alerts: their onset is the condition's start):
 * - a freshness breach (`signal_kind` freshness, an age in seconds over `threshold.upper`, the TTL) means
 *   the data stopped updating at least a TTL ago: a batch view with a 3 h TTL goes stale 2–3 h after the
 *   upstream outage that made its run fail (§4.2 [1], "freshness breach = job cadence + TTL");
 * - a windowed signal (drift, performance, data quality) judged data from its window's start, which is
 *   where its condition began in event time.
 * Without this, those late consequences opened incidents of their own and paged again for one fault
 * (benchmarks/RESULTS-incidents.md).
 */
export function eventTimeLead(alert: Alert): number {
  if (alert.labels['signal_kind'] === undefined) return 0;
  let lead = 0;
  if (alert.labels['signal_kind'] === 'freshness') {
    const ttlSeconds = Number(alert.annotations['threshold_upper']);
    if (Number.isFinite(ttlSeconds) && ttlSeconds > 0) lead = ttlSeconds * 1000;
  }
  const windowStart = Date.parse(alert.annotations['window_start'] ?? '');
  if (Number.isFinite(windowStart) && windowStart < alert.startsAt) lead = Math.max(lead, alert.startsAt - windowStart);
  return Math.min(lead, MAX_EVENT_TIME_LEAD_MS);
}

/** A bound on `eventTimeLead`: a monitor with a week-long window must not link a week of alerts. */
export const MAX_EVENT_TIME_LEAD_MS = 6 * 3600_000;

function isCritical(labels: Labels): boolean {
  return (SEVERITY_RANK[labels['severity']?.toLowerCase() ?? ''] ?? 0) >= SEVERITY_RANK['critical']!;
}

/**
 * Whether an alert on an upstream component (`cause`, `hops` dependency edges away) explains one on a
 * dependent (`effect`):
 * - chatter (info) explains nothing;
 * - a model-track signal (drift, skew, estimated or realized performance) explains nothing on the infra
 *   track: statistics about predictions do not make a service return errors or a node run out of memory
 *   (measured: a population shift's drift took in the 5xx of an unrelated bad deploy one hop down; the rule
 *   took false merges by page from 2.3 % to 1.5 % and root-cause top-1 from 90.7 % to 93.0 %);
 * - two or more hops away, through components that stayed silent, only a critical cause does: an outage
 *   propagates that far, a warning on a shared node, Redis or broker does not, and warnings on hubs are
 *   common enough to absorb every dependent's alert (measured: false merges by page 4.3 % → 1.2 %, root
 *   cause top-3 92.4 % → 96.1 %, benchmarks/RESULTS-incidents.md);
 * - the cause starts at most `toleranceMs` after the effect (`for:` clauses delay onsets) and at most
 *   join_window plus the effect's event-time lead before it;
 * - or the cause is critical and was still firing (or ended at most join_window) when the effect began:
 *   dependents keep failing while an outage lasts. (Any still-firing cause was measured at 22 % false
 *   merges; critical ones only add the outage's late dependents.)
 */
export function dependencyExplains(
  cause: { readonly onset: number; readonly labels: Labels; readonly track: Track; readonly activeUntil: number },
  effect: { readonly onset: number; readonly lead: number; readonly track: Track },
  hops: number,
  joinWindowMs: number,
  toleranceMs: number,
): boolean {
  if (isChatter(cause.labels)) return false;
  if (cause.track === 'model' && effect.track === 'infra') return false;
  const critical = isCritical(cause.labels);
  if (hops >= 2 && !critical) return false;
  const gap = effect.onset - cause.onset;
  if (gap < -toleranceMs) return false;
  if (gap <= joinWindowMs + effect.lead) return true;
  return critical && effect.onset <= cause.activeUntil + joinWindowMs;
}

const JOIN_PRECEDENCE: readonly JoinKind[] = ['same_component', 'causal_template', 'dependency', 'shared_change', 'label_window'];

/**
 * A change on a component with more dependents than this (within max_hops) never links alerts as their
 * shared suspect: a config push on a shared Redis or a node's kernel update sits upstream of so much that
 * two unrelated alerts below it are likely, not telling. Measured on the incident benchmark (seeds 1–6):
 * 6 keeps feature pipelines (4–5 dependents) and feature stores (5) and leaves out databases (7–20),
 * brokers and nodes; 10 merged 1.4 % of pages falsely against 0.7 %, 30 3.6 %, and without the bound
 * (or with any change a template relates, not just the closest) 5.9 %.
 */
export const SHARED_CHANGE_MAX_DEPENDENTS = 6;

/** How many critical joins an incident re-announces (see announceCriticalJoin). */
const MAX_JOIN_ANNOUNCEMENTS = 20;

const SEVERITY_RANK: Readonly<Record<string, number>> = { critical: 4, error: 3, warning: 2, info: 1, none: 0 };

/** Everything the correlator keeps between calls (one object, so its size is easy to reason about). */
interface SharedState {
  readonly states: Map<string, AlertState>;
  readonly incidents: Map<string, Incident>;
  readonly open: Set<Incident>;
  /** Incidents merged into others, by id (`mergedInto` says where), kept for the retention like resolved ones. */
  readonly merged: Map<string, Incident>;
  readonly rarity: Map<string, number>;
  /** For each rarity key, the tick of its last count change: hints that used an older count are stale. */
  readonly rarityChanged: Map<string, number>;
  readonly changeLog: ChangeEntry[];
  readonly changeById: Map<string, ChangeEntry>;
  readonly suppressionLog: SuppressionView[];
}

// ---------------------------------------------------------------------------------------------------------
// The engine

class CorrelationEngine implements Correlator {
  readonly directory: IncidentDirectory;
  private readonly rules: CorrelationRules;
  private readonly settings: IncidentSettings;
  private readonly clock: Clock;
  private readonly sink: (a: Alert) => void;
  private readonly limits: CorrelatorLimits;
  private readonly classifier: Classifier;
  private readonly prefixes: number[][];
  private readonly identityLabels: readonly string[];
  /** The longest time a change stays a suspect: change_window, or a template's budget after a change step. */
  private readonly changeHorizonMs: number;
  /** Critical alerts that resolved within hold_down, by component, for flap_window (see reviveTransients). */
  private readonly recentTransients = new Map<string, { st: AlertState; at: number }[]>();
  /** Members of incidents resolved within aftermath_window, by component: late consequences look here. */
  private readonly resolvedByComponent = new Map<string, Set<Member>>();
  /** Bumped whenever the change log gains or loses an entry (invalidates cached `Member.suspect`s). */
  private changeVersion = 0;
  private shared: SharedState;
  private stopped = false;
  private rarityTick = 0;
  /** Alerts in hold-down or held by flapping (each has a confirm or flap timer). */
  private waiting = 0;

  // Classification per fingerprint, two generations so a full cache does not forget everything at once.
  private young = new Map<string, AlertInfo>();
  private old = new Map<string, AlertInfo>();

  // Indexes over members of open incidents, grouped by incident so a lookup visits each incident once.
  private readonly byComponent = new Map<string, Bucket>();
  /** Template-step members by component: `<template>:<step>` → component → members. */
  private readonly byStepComponent = new Map<string, Map<string, Bucket>>();
  /** `s|<template>:<step>|<scope label>=<value>` and `w|<rule>|<key values>`. */
  private readonly byKey = new Map<string, Bucket>();
  // Change log index: `@component`, `label=value` (identity labels), `t:step`.
  private readonly changeIndex = new Map<string, Set<ChangeEntry>>();

  constructor(opts: CorrelatorOptions) {
    this.rules = opts.rules;
    this.settings = opts.rules.incidents;
    this.clock = opts.clock;
    this.sink = opts.sink;
    this.onChange = opts.onChange;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.classifier = new Classifier(opts.rules);
    this.prefixes = opts.rules.templates.map(lagPrefix);
    this.identityLabels = opts.rules.topology.identityLabels;
    let horizon = this.settings.changeWindowMs;
    opts.rules.templates.forEach((t, ti) => {
      const prefix = this.prefixes[ti]!;
      t.steps.forEach((step, si) => {
        // Only steps a change can match (they name change_kind) keep changes around longer.
        if (step.selectors.some((sel) => sel.matchers.some((mm) => mm.name === 'change_kind'))) {
          horizon = Math.max(horizon, prefix[prefix.length - 1]! - prefix[si]!);
        }
      });
    });
    this.changeHorizonMs = horizon;
    this.shared = {
      states: new Map(),
      incidents: new Map(),
      open: new Set(),
      merged: new Map(),
      rarity: new Map(),
      rarityChanged: new Map(),
      changeLog: [],
      changeById: new Map(),
      suppressionLog: [],
    };
    this.directory = new Directory(this);
  }

  // ---- the port ----

  observe(alert: Alert): boolean {
    if (alert.source === 'incident' || this.stopped) return false;
    const fp = alert.fingerprint;
    let st = this.shared.states.get(fp);
    if (st === undefined) {
      const info = this.classify(fp, alert.labels);
      if (!info.claimed) return false;
      const now = this.clock.now();
      // A claimed alert first seen resolved never fired as far as correlation is concerned.
      if (alert.endsAt <= now) return true;
      st = new AlertState(fp, alert.labels, info);
      this.shared.states.set(fp, st);
      st.startsAt = alert.startsAt;
      st.endsAt = alert.endsAt;
      st.lead = eventTimeLead(alert);
      this.startEpisode(st, now);
      return true;
    }
    const now = this.clock.now();
    const firing = alert.endsAt > now;
    st.startsAt = alert.startsAt;
    st.endsAt = alert.endsAt;
    if (firing && !st.firing) {
      this.startEpisode(st, now);
    } else if (!firing && st.firing) {
      this.endEpisode(st, now);
    } else if (firing && st.endTimer && st.endTimer.at > alert.endsAt) {
      // Ends earlier than the check we planned: plan it again (a later end is handled when the check runs).
      this.clock.cancel(st.endTimer);
      st.endTimer = undefined;
      this.ensureEndTimer(st);
    }
    const m = st.member;
    if (m && m.state === st && (m.status === 'firing' || !firing)) {
      m.startsAt = alert.startsAt;
      m.endsAt = alert.endsAt;
    }
    return true;
  }

  observeChange(change: ChangeEvent): void {
    if (this.stopped) return;
    const now = this.clock.now();
    const log = this.shared.changeLog;
    // Senders retry: the same change id is one change.
    if (this.shared.changeById.has(change.id)) return;
    const entry = new ChangeEntry(change, this.classifier.classifyChange(change), now);
    this.pruneChangeLog(now);
    log.push(entry);
    this.changeVersion++;
    this.shared.changeById.set(entry.id, entry);
    this.indexChange(entry);
    if (log.length > this.limits.changeLog) this.forgetChange(log.shift()!);
    // Changes are rare next to alerts, so checking every open incident's members here is cheap enough.
    for (const inc of this.shared.open) {
      for (const m of inc.members.values()) {
        if (this.changeApplies(entry, m)) {
          this.attachChange(inc, entry, now);
          break;
        }
      }
    }
  }

  collect(now: number): string[] {
    const s = this.shared;
    const dropped: string[] = [];
    const expired = (inc: Incident): boolean => inc.resolvedAt !== undefined && now - inc.resolvedAt > this.settings.retentionMs;
    for (const inc of [...s.incidents.values()]) {
      if (inc.status !== 'resolved' || !expired(inc)) continue;
      s.incidents.delete(inc.id);
      for (const a of inc.alerts) dropped.push(a.fingerprint);
      for (const m of inc.members.values()) if (m.state.member === m) m.state.member = undefined;
    }
    for (const [id, inc] of s.merged) {
      if (!expired(inc)) continue;
      s.merged.delete(id);
      for (const a of inc.alerts) dropped.push(a.fingerprint);
    }
    for (const [fp, st] of s.states) {
      if (st.firing || st.confirmTimer || st.flapTimer) continue;
      if (st.transitions.length > 0 && now - st.transitions[st.transitions.length - 1]! <= this.settings.flapWindowMs) continue;
      const m = st.member;
      if (m) {
        const inc = m.incident;
        if (inc.status === 'open') continue;
        if (inc.resolvedAt !== undefined && now - inc.resolvedAt <= this.settings.reopenWindowMs) continue;
      }
      if (st.endTimer) this.clock.cancel(st.endTimer);
      s.states.delete(fp);
    }
    for (const [comp, list] of this.recentTransients) {
      const live = list.filter((e) => now - e.at <= this.settings.flapWindowMs);
      if (live.length > 0) this.recentTransients.set(comp, live);
      else this.recentTransients.delete(comp);
    }
    for (const [comp, members] of this.resolvedByComponent) {
      for (const m of members) {
        const inc = m.incident;
        if (inc.status !== 'resolved' || inc.resolvedAt === undefined || now - inc.resolvedAt > this.settings.aftermathWindowMs || !s.incidents.has(inc.id)) members.delete(m);
      }
      if (members.size === 0) this.resolvedByComponent.delete(comp);
    }
    this.pruneChangeLog(now);
    return dropped;
  }

  incidentAlerts(): Alert[] {
    const out: Alert[] = [];
    for (const inc of this.shared.incidents.values()) for (const a of inc.alerts) if (a.last) out.push(a.last);
    for (const inc of this.shared.merged.values()) for (const a of inc.alerts) if (a.last) out.push(a.last);
    return out;
  }

  incidentOf(fp: string): string | undefined {
    const m = this.shared.states.get(fp)?.member;
    return m && this.shared.incidents.has(m.incident.id) ? m.incident.id : undefined;
  }

  busy(): boolean {
    if (this.shared.open.size > 0) return true;
    return this.waiting > 0;
  }

  stop(): void {
    this.stopped = true;
    for (const st of this.shared.states.values()) {
      for (const t of [st.confirmTimer, st.endTimer, st.flapTimer]) if (t) this.clock.cancel(t);
      st.confirmTimer = st.endTimer = st.flapTimer = undefined;
    }
    this.waiting = 0;
    for (const inc of this.shared.incidents.values()) {
      for (const t of [inc.quietTimer, inc.flushTimer]) if (t) this.clock.cancel(t);
      inc.quietTimer = inc.flushTimer = undefined;
    }
  }

  // ---- classification ----

  private classify(fp: string, labels: Labels): AlertInfo {
    let info = this.young.get(fp);
    if (info !== undefined) return info;
    info = this.old.get(fp);
    if (info === undefined) info = this.classifier.classify(labels);
    if (this.young.size >= this.limits.classificationCache) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(fp, info);
    return info;
  }

  // ---- episodes ----

  private startEpisode(st: AlertState, now: number): void {
    st.firing = true;
    st.confirmed = false;
    const first = st.episodes === 0;
    st.episodes++;
    this.ensureEndTimer(st);
    if (this.recordTransition(st, now)) return; // became flapping: confirmed there
    if (st.flapping) {
      this.disarmFlap(st);
      this.confirm(st, now);
      return;
    }
    // A member of an open incident that fires again is already explained and paged for: it counts as
    // firing at once, so the incident does not resolve under it (hold-down only guards against pages).
    const m = st.member;
    if (m && m.state === st && m.incident.status === 'open') {
      this.confirm(st, now);
      return;
    }
    // The first episode's hold-down runs from its start (the sender's startsAt), so a late arrival is not
    // held again and the outcome does not depend on arrival order; a re-fire's from when it was seen.
    st.confirmAt = (first ? Math.min(st.startsAt, now) : now) + this.settings.holdDownMs;
    if (st.confirmAt <= now) {
      this.confirm(st, now);
    } else {
      this.waiting++;
      st.confirmTimer = this.clock.schedule(st.confirmAt, () => {
        st.confirmTimer = undefined;
        this.waiting--;
        if (st.firing && !st.confirmed) this.confirm(st, this.clock.now());
      });
    }
  }

  private endEpisode(st: AlertState, now: number): void {
    st.firing = false;
    if (st.endTimer) {
      this.clock.cancel(st.endTimer);
      st.endTimer = undefined;
    }
    const wasConfirmed = st.confirmed;
    this.disarmConfirm(st);
    const becameFlapping = this.recordTransition(st, now);
    if (st.flapping) {
      this.scheduleFlapRelease(st, now);
      return;
    }
    if (!wasConfirmed && !becameFlapping) {
      this.suppress({
        at: formatTime(now),
        fingerprint: st.fingerprint,
        labels: st.labels,
        kind: 'transient',
        reason: `resolved ${formatDuration(Math.max(0, now - Math.min(st.startsAt, now)))} after it started, within hold_down ${formatDuration(this.settings.holdDownMs)}: never joined an incident or paged`,
      });
      if (st.info.component !== undefined && isCritical(st.labels)) {
        const c = st.info.component;
        const list = (this.recentTransients.get(c) ?? []).filter((e) => now - e.at <= this.settings.flapWindowMs && e.st !== st);
        list.push({ st, at: now });
        this.recentTransients.set(c, list);
      }
      return;
    }
    st.confirmed = false;
    const m = st.member;
    if (m && m.state === st && m.incident.status === 'open' && m.status === 'firing') this.memberResolved(m, now);
  }

  /** Records a firing↔resolved change; returns true when it made the alert flapping (and handled that). */
  private recordTransition(st: AlertState, now: number): boolean {
    const since = now - this.settings.flapWindowMs;
    const tr = st.transitions;
    let drop = 0;
    while (drop < tr.length && tr[drop]! < since) drop++;
    if (drop > 0) tr.splice(0, drop);
    tr.push(now);
    if (st.flapping || tr.length < this.settings.flapChanges) return false;
    st.flapping = true;
    // A flapping alert is real trouble even if each blip is shorter than hold-down: it is held firing (so
    // it pages once) until it has stayed resolved for the flap window.
    this.disarmConfirm(st);
    this.confirm(st, now);
    const m = st.member;
    if (m && m.state === st) {
      m.flapping = true;
      this.incidentSuppression(m.incident, {
        at: formatTime(now),
        fingerprint: st.fingerprint,
        labels: st.labels,
        kind: 'flapping',
        reason: `${tr.length} firing/resolved changes within ${formatDuration(this.settings.flapWindowMs)}: held firing until resolved for ${formatDuration(this.settings.flapWindowMs)}, pages once`,
        incidentId: m.incident.id,
      });
    }
    if (!st.firing) this.scheduleFlapRelease(st, now);
    return true;
  }

  private scheduleFlapRelease(st: AlertState, now: number): void {
    this.disarmFlap(st);
    st.flapReleaseAt = now + this.settings.flapWindowMs;
    this.waiting++;
    st.flapTimer = this.clock.schedule(st.flapReleaseAt, () => {
      st.flapTimer = undefined;
      this.waiting--;
      this.releaseFlapping(st, this.clock.now());
    });
  }

  private disarmConfirm(st: AlertState): void {
    if (!st.confirmTimer) return;
    this.clock.cancel(st.confirmTimer);
    st.confirmTimer = undefined;
    this.waiting--;
  }

  private disarmFlap(st: AlertState): void {
    if (!st.flapTimer) return;
    this.clock.cancel(st.flapTimer);
    st.flapTimer = undefined;
    this.waiting--;
  }

  private releaseFlapping(st: AlertState, now: number): void {
    if (st.firing) return;
    st.flapping = false;
    st.confirmed = false;
    st.transitions = [];
    const m = st.member;
    if (m && m.state === st) {
      m.flapping = false;
      if (m.incident.status === 'open' && m.status === 'firing') this.memberResolved(m, now);
    }
  }

  private ensureEndTimer(st: AlertState): void {
    if (st.endTimer || !st.firing) return;
    st.endTimer = this.clock.schedule(st.endsAt, () => {
      st.endTimer = undefined;
      if (!st.firing) return;
      const now = this.clock.now();
      if (st.endsAt <= now) this.endEpisode(st, now);
      else this.ensureEndTimer(st); // re-sent since with a later end: check again then
    });
  }

  // ---- confirmation: refire, reopen, join, open ----

  private confirm(st: AlertState, now: number): void {
    st.confirmed = true;
    const m = st.member;
    if (m && m.state === st) {
      const inc = m.incident;
      if (inc.status === 'open') {
        if (m.status === 'resolved') this.memberRefired(m, now);
        return;
      }
      if (inc.resolvedAt !== undefined && now - inc.resolvedAt <= this.settings.reopenWindowMs) {
        this.reopen(inc, m, now);
        return;
      }
    }
    this.join(st, now);
  }

  private join(st: AlertState, now: number): void {
    const links = this.findLinks(st);
    if (links.size === 0) {
      const late = this.findAftermath(st, now);
      if (late) this.reopenAftermath(late.incident, st, late.link, now);
      else this.openIncident(st, now);
      return;
    }
    // The survivor of a merge is the incident already paging at the highest severity, then the oldest:
    // merging a paged outage into an older low-severity incident would escalate that one and page the
    // same problem a second time under a new key (seen on the incident benchmark), while the other way
    // round the page stands and only the quieter incident's notification resolves.
    const rank = (inc: Incident) => SEVERITY_RANK[inc.labels['severity'] ?? ''] ?? 0;
    const linked = [...links.keys()].sort((a, b) => rank(b) - rank(a) || a.openedAt - b.openedAt || (a.id < b.id ? -1 : 1));
    const target = linked[0]!;
    // Record the strongest link (ties: the one to the oldest incident, which the others merge into).
    let best: Link | undefined;
    for (const inc of linked) {
      const l = links.get(inc)!;
      if (!best || JOIN_PRECEDENCE.indexOf(l.kind) < JOIN_PRECEDENCE.indexOf(best.kind)) best = l;
    }
    const member = this.addMember(target, st, now, best!);
    this.incidentSuppression(target, {
      at: formatTime(now),
      fingerprint: st.fingerprint,
      labels: st.labels,
      kind: 'explained',
      reason: `joined ${target.id} (${best!.kind}${best!.rule ? ` ${best!.rule}` : ''}: ${best!.detail}); the incident pages, not the alert`,
      incidentId: target.id,
    });
    if (linked.length > 1) this.merge(target, linked.slice(1), now, member);
    this.attachChangesFor(target, member, now);
    this.escalateOrAnnounce(target, member, now);
    this.reviveTransients(target, member, now);
    this.touch(target);
  }

  /** The incidents `st` links to, each with its strongest link, looked up through the indexes. */
  private findLinks(st: AlertState): Map<Incident, Link> {
    const links = new Map<Incident, Link>();
    if (this.shared.open.size === 0) return links;
    const info = st.info;
    const x: LinkNode = { labels: st.labels, component: info.component, onset: st.startsAt, steps: info.steps };
    const jw = this.settings.joinWindowMs;
    const topo = this.classifier.topology;
    const c = info.component;
    const now = this.clock.now();
    let ownRollout: boolean | undefined;
    const rolloutExplainsThis = (): boolean => (ownRollout ??= this.ownRolloutExplains({ ...x, fingerprint: st.fingerprint, track: info.track, alertname: info.alertname }));

    // Each bucket groups members by the incident they were filed under; an incident merged since is
    // followed to the one it went into.
    const scan = (bucket: Bucket | undefined, link: (m: Member) => Link | undefined): void => {
      if (!bucket) return;
      for (const [filed, members] of bucket) {
        const inc = liveIncident(filed);
        if (links.has(inc)) continue;
        for (const m of members) {
          const l = link(m);
          if (l) {
            links.set(inc, l);
            break;
          }
        }
      }
    };
    const apart = (m: Member): string => `onsets ${formatDuration(Math.abs(m.onset - x.onset))} apart`;

    // 1. same component
    if (c !== undefined) {
      scan(this.byComponent.get(c), (m) =>
        Math.abs(m.onset - x.onset) > jw ? undefined : { kind: 'same_component', detail: `same component ${c} as ${m.alertname || m.fingerprint}, ${apart(m)}` },
      );
    }

    // 2. causal templates: members on another step of a template this alert matches. When several
    //    templates link the same incident, the one with the tightest lag budget is recorded: it is the
    //    most specific explanation (a rollout's 6h output-drift chain over a 7d accuracy chain). The
    //    budget depends only on the pair of steps, so one link per incident and bucket is enough.
    if (info.steps.length > 0) {
      const reach = c === undefined ? 0 : topo.upstream(c).size + topo.downstream(c).size;
      const best = new Map<Incident, { link: Link; budget: number }>();
      const consider = (bucket: Bucket | undefined, ref: StepRef, t: CausalTemplate, prefix: readonly number[], budget: number): void => {
        if (!bucket) return;
        for (const [filed, members] of bucket) {
          const inc = liveIncident(filed);
          if (links.has(inc)) continue;
          const prev = best.get(inc);
          if (prev && prev.budget <= budget) continue;
          for (const m of members) {
            const link = templateLink(x, m, ref.template, t, prefix, jw, topo);
            if (!link) continue;
            // The later step of the pair is the effect: one its own model's rollout explains is not this chain's.
            if (link.upstreamIsA ? this.ownRolloutExplains(m) : rolloutExplainsThis()) continue;
            const up = link.upstreamIsA ? st.info.alertname : m.alertname;
            const down = link.upstreamIsA ? m.alertname : st.info.alertname;
            best.set(inc, {
              budget,
              link: {
                kind: 'causal_template',
                rule: t.name,
                detail: `${t.steps[link.earlierStep]!.name} (${up}) → ${t.steps[link.laterStep]!.name} (${down}), ${link.relation()}, ${apart(m)}`,
              },
            });
            break;
          }
        }
      };
      for (const ref of info.steps) {
        const t = this.rules.templates[ref.template]!;
        const prefix = this.prefixes[ref.template]!;
        const scope = scopeKeys(st.labels, t.scope);
        for (let i = 0; i < t.steps.length; i++) {
          if (i === ref.step) continue;
          const budget = Math.abs(prefix[i]! - prefix[ref.step]!);
          // Members on components: the same one or connected ones (walk the smaller of the two sets).
          const byComp = c === undefined ? undefined : this.byStepComponent.get(`${ref.template}:${i}`);
          if (byComp && c !== undefined) {
            if (byComp.size <= reach + 1) {
              for (const [d, bucket] of byComp) if (d === c || topo.connection(c, d)) consider(bucket, ref, t, prefix, budget);
            } else {
              consider(byComp.get(c), ref, t, prefix, budget);
              for (const d of topo.upstream(c).keys()) consider(byComp.get(d), ref, t, prefix, budget);
              for (const d of topo.downstream(c).keys()) consider(byComp.get(d), ref, t, prefix, budget);
            }
          }
          // Members that agree on a scope label (the exact rule is checked by templateLink).
          for (const key of scope) consider(this.byKey.get(`s|${ref.template}:${i}|${key}`), ref, t, prefix, budget);
        }
      }
      for (const [inc, b] of best) links.set(inc, b.link);
    }

    // 3. dependency path
    if (c !== undefined && topo.maxHops > 0) {
      const consider = (d: string): void => {
        const bucket = this.byComponent.get(d);
        if (!bucket) return;
        const conn = topo.connection(c, d);
        if (!conn) return;
        // `upstream`: d is something c depends on, so the member on d is the would-be cause.
        const memberIsCause = conn.direction === 'upstream';
        if (memberIsCause && rolloutExplainsThis()) return;
        scan(bucket, (m) => {
          if (!memberIsCause && this.ownRolloutExplains(m)) return undefined;
          const causeState = memberIsCause ? m.state : st;
          const cause = {
            onset: memberIsCause ? m.onset : x.onset,
            labels: causeState.labels,
            track: causeState.info.track,
            activeUntil: causeState.firing ? now : causeState.endsAt,
          };
          const effect = memberIsCause ? { onset: x.onset, lead: st.lead, track: info.track } : { onset: m.onset, lead: m.state.lead, track: m.track };
          if (!dependencyExplains(cause, effect, conn.hops, jw, ONSET_TOLERANCE_MS)) return undefined;
          return { kind: 'dependency', detail: `${topo.pathText(c, d)} (${conn.hops} hop${conn.hops === 1 ? '' : 's'}), ${apart(m)}` };
        });
      };
      const up = topo.upstream(c);
      const down = topo.downstream(c);
      // Walk whichever is smaller: the components with open members, or the reachable ones.
      if (this.byComponent.size < up.size + down.size) {
        for (const d of this.byComponent.keys()) if (d !== c) consider(d);
      } else {
        for (const d of up.keys()) consider(d);
        for (const d of down.keys()) consider(d);
      }
    }

    // 4. a shared suspect change: the change that best explains this alert through a causal template is
    //    also the one that best explains a member of an open incident (a feature-code deploy whose skew
    //    shows on several models that only share the changed pipeline: no alert links them, the change
    //    does). Rare next to alerts, so scanning the open incidents that carry the change is cheap.
    if (info.steps.length > 0 && this.shared.changeLog.length > 0) {
      const e = this.bestSuspect({ ...x, fingerprint: st.fingerprint, track: info.track, alertname: info.alertname });
      if (e) {
        for (const inc of this.shared.open) {
          if (links.has(inc) || !inc.changes.has(e.id)) continue;
          for (const m of inc.members.values()) {
            if (m.state.member !== m || m.steps.length === 0) continue;
            if (m.suspect === undefined || m.suspect.version !== this.changeVersion) m.suspect = { version: this.changeVersion, change: this.bestSuspect(m) };
            if (m.suspect.change !== e) continue;
            links.set(inc, {
              kind: 'shared_change',
              detail: `${e.kind} ${e.id} on ${e.component} is the closest suspect of this ${info.alertname} and of ${m.alertname || m.fingerprint}`,
            });
            break;
          }
        }
      }
    }

    // 5. label windows
    for (let k = 0; k < info.windowRules.length; k++) {
      const ri = info.windowRules[k]!;
      const rule = this.rules.correlation[ri]!;
      const same = rule.keys.map((key) => `${key}=${JSON.stringify(st.labels[key] ?? '')}`).join(', ');
      scan(this.byKey.get(`w|${ri}|${info.windowKeys[k]!}`), (m) =>
        Math.abs(m.onset - x.onset) > rule.windowMs
          ? undefined
          : { kind: 'label_window', rule: rule.name, detail: `same ${same} as ${m.alertname || m.fingerprint}, ${apart(m)}` },
      );
    }
    return links;
  }

  private openIncident(st: AlertState, now: number): void {
    // Deterministic: the same stream gives the same ids in replay.
    const base = `inc-${fingerprint({ member: st.fingerprint, opened: String(now) })}`;
    let id = base;
    for (let n = 2; this.shared.incidents.has(id) || this.shared.merged.has(id); n++) id = `${base}-${n}`;
    const inc = new Incident(id, now);
    this.shared.incidents.set(id, inc);
    this.shared.open.add(inc);
    const member = this.addMember(inc, st, now, { kind: 'opened', detail: 'first alert of the incident' });
    this.timeline(inc, now, 'opened', st.fingerprint, `opened by ${member.alertname || st.fingerprint}${member.component ? ` on ${member.component}` : ''}`);
    this.attachChangesFor(inc, member, now);
    this.rank(inc, now, false);
    const top = inc.hints[0];
    const labels: Record<string, string> = commonLabels([...inc.members.values()].map((m) => m.labels));
    labels[INCIDENT_ID_LABEL] = id;
    labels['track'] = top?.track ?? member.track;
    const routing = this.routing(inc);
    labels['severity'] = routing.severity;
    if (labels['budget_severity'] !== undefined) labels['budget_severity'] = this.budgetSeverity(inc, routing.held) ?? labels['budget_severity']!;
    if (top?.component !== undefined) labels['root_cause_component'] = top.component;
    else delete labels['root_cause_component'];
    inc.labels = labels;
    inc.alertFingerprint = fingerprint(labels);
    inc.alerts.push({ labels, fingerprint: inc.alertFingerprint, last: undefined });
    if (routing.held) this.noteHeld(inc, now);
    this.emit(inc, now);
    this.reviveTransients(inc, member, now);
  }

  private addMember(inc: Incident, st: AlertState, now: number, joinedBy: JoinedBy): Member {
    const m = new Member(st, inc, st.info, st.startsAt, now, joinedBy);
    m.flapping = st.flapping;
    st.member = m;
    inc.members.set(st.fingerprint, m);
    inc.firing++;
    this.cancelQuiet(inc);
    this.addKey(inc, m.alertname);
    inc.hintsDirty = true;
    inc.updatedAt = now;
    if (inc.status === 'open') this.index(m);
    if (joinedBy.kind !== 'opened') {
      this.timeline(inc, now, 'joined', st.fingerprint, `${m.alertname || st.fingerprint} joined (${joinedBy.kind}${joinedBy.rule ? ` ${joinedBy.rule}` : ''}: ${joinedBy.detail})`);
    }
    return m;
  }

  private merge(target: Incident, others: Incident[], now: number, via: Member): void {
    for (const other of others) {
      this.cancelQuiet(other);
      if (other.flushTimer) {
        this.clock.cancel(other.flushTimer);
        other.flushTimer = undefined;
      }
      for (const [fp, m] of other.members) {
        m.incident = target;
        target.members.set(fp, m);
        if (m.status === 'firing') target.firing++;
      }
      for (const key of other.keys) {
        if (target.keys.has(key)) this.bumpRarity(key, -1);
        else target.keys.add(key);
      }
      for (const [id, ch] of other.changes) if (!target.changes.has(id) && target.changes.size < this.limits.changesPerIncident) target.changes.set(id, ch);
      for (const e of other.timeline) target.timeline.push(e);
      for (const s of other.suppressions) target.suppressions.push(s);
      target.mergedFrom.push(other.id, ...other.mergedFrom);
      other.mergedInto = target;
      other.status = 'resolved';
      other.resolvedAt = now;
      this.shared.open.delete(other);
      this.shared.incidents.delete(other.id);
      this.shared.merged.set(other.id, other);
      this.timeline(target, now, 'merged', via.fingerprint, `merged ${other.id} (${other.members.size} members) because ${via.alertname || via.fingerprint} links both`);
      this.incidentSuppression(target, {
        at: formatTime(now),
        fingerprint: other.alertFingerprint,
        labels: other.labels,
        kind: 'merged',
        reason: `incident ${other.id} merged into ${target.id}: its alert is resolved, ${target.id} carries on`,
        incidentId: target.id,
      });
      // The merged incident's alert must end, or its far-future endsAt would keep it firing.
      other.lastAnnotations = {
        summary: `Merged into ${target.id}`,
        root_cause: other.lastAnnotations?.['root_cause'] ?? '',
      };
      this.sendAll(other, now, other.lastAnnotations);
    }
    target.timeline.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    trimFront(target.timeline, this.limits.timelinePerIncident);
    trimFront(target.suppressions, this.limits.suppressionsPerIncident);
    target.hintsDirty = true;
    target.updatedAt = now;
    if (target.firing > 0) this.cancelQuiet(target);
  }

  private memberResolved(m: Member, now: number): void {
    const inc = m.incident;
    m.status = 'resolved';
    m.resolvedAt = now;
    m.endsAt = Math.min(m.state.endsAt, now);
    inc.firing--;
    inc.updatedAt = now;
    this.timeline(inc, now, 'member_resolved', m.fingerprint, `${m.alertname || m.fingerprint} resolved`);
    if (inc.firing <= 0) {
      inc.firing = 0;
      inc.quietAt = now + this.settings.resolveQuietMs;
      this.scheduleQuiet(inc);
    }
    this.touch(inc);
  }

  private memberRefired(m: Member, now: number): void {
    const inc = m.incident;
    m.status = 'firing';
    m.resolvedAt = undefined;
    m.startsAt = m.state.startsAt;
    m.endsAt = m.state.endsAt;
    m.flapping = m.state.flapping;
    inc.firing++;
    inc.updatedAt = now;
    this.cancelQuiet(inc);
    this.timeline(inc, now, 'member_refired', m.fingerprint, `${m.alertname || m.fingerprint} fired again`);
    if (inc.aftermath && m.joinedAt < inc.aftermathSince) this.liftAftermath(inc, m, now);
    this.touch(inc);
  }

  private scheduleQuiet(inc: Incident): void {
    this.cancelQuiet(inc);
    inc.quietTimer = this.clock.schedule(inc.quietAt, () => {
      inc.quietTimer = undefined;
      if (inc.status === 'open' && inc.firing === 0) this.resolveIncident(inc, this.clock.now());
    });
  }

  private cancelQuiet(inc: Incident): void {
    if (inc.quietTimer) {
      this.clock.cancel(inc.quietTimer);
      inc.quietTimer = undefined;
    }
  }

  private resolveIncident(inc: Incident, now: number): void {
    inc.status = 'resolved';
    inc.resolvedAt = now;
    inc.updatedAt = now;
    this.shared.open.delete(inc);
    for (const m of inc.members.values()) this.unindex(m);
    // Alerts held resolved through an aftermath keep their earlier end (re-sending them would notify a
    // second resolve); a reopen by the cause itself brings them back (`restoreAlerts`).
    inc.aftermath = false;
    if (this.settings.aftermathWindowMs > 0) {
      for (const m of inc.members.values()) if (m.component !== undefined && m.state.member === m) addTo(this.resolvedByComponent, m.component, m);
    }
    this.timeline(inc, now, 'resolved', undefined, `every member resolved for ${formatDuration(this.settings.resolveQuietMs)}`);
    this.emit(inc, now);
  }

  private reopen(inc: Incident, m: Member, now: number): void {
    this.forgetResolved(inc);
    this.restoreAlerts(inc);
    inc.status = 'open';
    inc.resolvedAt = undefined;
    inc.reopened++;
    inc.updatedAt = now;
    this.shared.open.add(inc);
    // A member whose alert has since joined another incident stays here as history, not as a link target.
    for (const x of inc.members.values()) if (x.state.member === x) this.index(x);
    m.status = 'firing';
    m.resolvedAt = undefined;
    m.startsAt = m.state.startsAt;
    m.endsAt = m.state.endsAt;
    m.flapping = m.state.flapping;
    inc.firing = 1;
    this.timeline(inc, now, 'reopened', m.fingerprint, `${m.alertname || m.fingerprint} fired again within reopen_window ${formatDuration(this.settings.reopenWindowMs)}`);
    this.emit(inc, now);
  }

  /**
   * A critical alert that resolved within hold_down was a blip only if nothing else followed on its
   * component: when an alert on the same component that started no earlier is confirmed within
   * flap_window after it, the blip was the first sign of that trouble (NodeDown reported for a minute of
   * a flapping outage, then KubeNodeNotReady for twenty). It joins that alert's incident as a resolved
   * member, and the incident routes at its severity. The blip itself still opened, joined and paged
   * nothing while it lasted. On the incident benchmark (36 runs) this took missed pages from 4 to 0 of
   * 508, for one page on noise (a node's overtemperature blip, then a CPU-load warning).
   */
  private reviveTransients(inc: Incident, member: Member, now: number): void {
    const c = member.component;
    if (c === undefined || this.recentTransients.size === 0 || isChatter(member.labels)) return;
    const list = this.recentTransients.get(c);
    if (!list) return;
    const kept: { st: AlertState; at: number }[] = [];
    let revived = false;
    for (const entry of list) {
      const { st, at } = entry;
      if (now - at > this.settings.flapWindowMs || st.firing || st.member !== undefined || this.shared.states.get(st.fingerprint) !== st) continue;
      // It must have come first: trouble that was already there does not make a later blip its first sign.
      if (member.onset < st.startsAt - ONSET_TOLERANCE_MS) {
        kept.push(entry);
        continue;
      }
      const m = new Member(st, inc, st.info, st.startsAt, now, {
        kind: 'same_component',
        detail: `fired at ${formatTime(st.startsAt)} and resolved within hold_down; ${member.alertname || member.fingerprint} on the same component ${c} followed`,
      });
      m.status = 'resolved';
      m.resolvedAt = at;
      m.endsAt = Math.min(st.endsAt, at);
      st.member = m;
      inc.members.set(st.fingerprint, m);
      this.addKey(inc, m.alertname);
      inc.hintsDirty = true;
      inc.updatedAt = now;
      this.index(m);
      this.timeline(inc, now, 'joined', st.fingerprint, `${m.alertname || st.fingerprint} joined (same_component: ${m.joinedBy.detail})`);
      revived = true;
    }
    if (kept.length > 0) this.recentTransients.set(c, kept);
    else this.recentTransients.delete(c);
    if (!revived) return;
    this.escalate(inc, now);
    this.touch(inc);
  }

  // ---- aftermath: late consequences of a recovered cause ----

  /**
   * An incident resolved within aftermath_window whose member explains `st` along a dependency (the same
   * rule as for open incidents, so only through the alert's event-time lead or a critical cause's end plus
   * join_window): the most recently resolved one.
   */
  private findAftermath(st: AlertState, now: number): { incident: Incident; link: Link } | undefined {
    const c = st.info.component;
    if (c === undefined || this.resolvedByComponent.size === 0) return undefined;
    const topo = this.classifier.topology;
    let best: { incident: Incident; link: Link } | undefined;
    for (const [d, reach] of topo.upstream(c)) {
      const members = this.resolvedByComponent.get(d);
      if (!members) continue;
      for (const m of members) {
        const inc = m.incident;
        if (inc.status !== 'resolved' || inc.resolvedAt === undefined || now - inc.resolvedAt > this.settings.aftermathWindowMs) continue;
        if (best && best.incident.resolvedAt! >= inc.resolvedAt) continue;
        const cause = { onset: m.onset, labels: m.state.labels, track: m.track, activeUntil: m.endsAt };
        if (!dependencyExplains(cause, { onset: st.startsAt, lead: st.lead, track: st.info.track }, reach.hops, this.settings.joinWindowMs, ONSET_TOLERANCE_MS)) continue;
        best = {
          incident: inc,
          link: {
            kind: 'dependency',
            detail: `${topo.pathText(c, d)} (${reach.hops} hop${reach.hops === 1 ? '' : 's'}), late consequence of ${m.alertname || m.fingerprint} (ended ${formatTime(m.endsAt)})`,
          },
        };
      }
    }
    return best;
  }

  /**
   * A late consequence of a cause that has recovered (a batch view that went stale two hours after the
   * database outage, once its TTL ran out) reopens the incident that paged for the cause, as an
   * aftermath: the alert joins, and the incident routes at warning at most — its alerts above warning
   * stay resolved, so the on-call engineer who handled the outage gets the update as a ticket and the
   * same fault does not page twice. One of the incident's earlier members firing again lifts that
   * (`liftAftermath`): then the cause itself is back.
   */
  private reopenAftermath(inc: Incident, st: AlertState, link: Link, now: number): void {
    const resolvedAt = inc.resolvedAt!;
    const warning = SEVERITY_RANK['warning'] ?? 0;
    // Only an incident that paged has had its cause handled: one that only ever routed as a warning takes
    // the late consequence like any member, and pages if it is the first critical sign.
    const paged = inc.alerts.some((a) => (SEVERITY_RANK[a.labels['severity'] ?? ''] ?? 0) > warning);
    this.forgetResolved(inc);
    inc.status = 'open';
    inc.resolvedAt = undefined;
    inc.reopened++;
    inc.updatedAt = now;
    inc.aftermath = paged;
    inc.aftermathSince = now;
    this.shared.open.add(inc);
    for (const x of inc.members.values()) if (x.state.member === x) this.index(x);
    if (!paged) {
      const member = this.addMember(inc, st, now, link);
      this.timeline(inc, now, 'reopened', st.fingerprint, `${member.alertname || st.fingerprint} is a late consequence (${link.detail})`);
      this.attachChangesFor(inc, member, now);
      this.emit(inc, now);
      this.escalateOrAnnounce(inc, member, now);
      return;
    }
    for (const a of inc.alerts) if ((SEVERITY_RANK[a.labels['severity'] ?? ''] ?? 0) > warning) a.retiredAt ??= resolvedAt;
    if ((SEVERITY_RANK[inc.labels['severity'] ?? ''] ?? 0) > warning) {
      const labels: Record<string, string> = { ...inc.labels, severity: 'warning' };
      const fp = fingerprint(labels);
      if (!inc.alerts.some((a) => a.fingerprint === fp)) inc.alerts.push({ labels, fingerprint: fp, last: undefined });
      inc.labels = labels;
      inc.alertFingerprint = fp;
    }
    const member = this.addMember(inc, st, now, link);
    this.timeline(inc, now, 'reopened', st.fingerprint, `${member.alertname || st.fingerprint} is a late consequence (${link.detail}); reopened at warning: its cause recovered`);
    this.incidentSuppression(inc, {
      at: formatTime(now),
      fingerprint: st.fingerprint,
      labels: st.labels,
      kind: 'explained',
      reason: `late consequence of ${inc.id}, resolved at ${formatTime(resolvedAt)} (${link.detail}): the incident reopened as an aftermath at warning, not as a second page`,
      incidentId: inc.id,
    });
    this.attachChangesFor(inc, member, now);
    this.emit(inc, now);
  }

  /** An earlier member fired again during an aftermath: the cause is back, the incident routes as itself. */
  private liftAftermath(inc: Incident, m: Member, now: number): void {
    inc.aftermath = false;
    this.restoreAlerts(inc);
    this.timeline(inc, now, 'escalated', m.fingerprint, `${m.alertname || m.fingerprint} fired again: the aftermath ends, severity back to ${inc.labels['severity'] ?? 'none'}`);
    this.escalate(inc, now);
    this.emit(inc, now);
  }

  /** Brings back alerts held resolved by an aftermath; the incident routes as its most severe one again. */
  private restoreAlerts(inc: Incident): void {
    if (!inc.alerts.some((a) => a.retiredAt !== undefined)) return;
    let top = inc.alerts[0]!;
    for (const a of inc.alerts) {
      delete a.retiredAt;
      if (a.labels['joined_alertname'] === undefined && (SEVERITY_RANK[a.labels['severity'] ?? ''] ?? 0) >= (SEVERITY_RANK[top.labels['severity'] ?? ''] ?? 0)) top = a;
    }
    inc.labels = top.labels;
    inc.alertFingerprint = top.fingerprint;
  }

  private forgetResolved(inc: Incident): void {
    for (const m of inc.members.values()) if (m.component !== undefined) removeFrom(this.resolvedByComponent, m.component, m);
  }

  // ---- indexes ----

  /** The keys a member is filed under while its incident is open (besides its component). */
  private memberKeys(m: Member): string[] {
    if (m.keys) return m.keys;
    const info = m.info;
    const keys: string[] = [];
    for (const ref of info.steps) {
      for (const k of scopeKeys(m.labels, this.rules.templates[ref.template]!.scope)) keys.push(`s|${ref.template}:${ref.step}|${k}`);
    }
    for (let k = 0; k < info.windowRules.length; k++) keys.push(`w|${info.windowRules[k]!}|${info.windowKeys[k]!}`);
    m.keys = keys;
    return keys;
  }

  private index(m: Member): void {
    m.filedUnder = m.incident;
    const c = m.info.component;
    if (c !== undefined) {
      fileMember(this.byComponent, c, m);
      for (const ref of m.info.steps) {
        const key = `${ref.template}:${ref.step}`;
        let byComp = this.byStepComponent.get(key);
        if (!byComp) this.byStepComponent.set(key, (byComp = new Map()));
        fileMember(byComp, c, m);
      }
    }
    for (const k of this.memberKeys(m)) fileMember(this.byKey, k, m);
  }

  private unindex(m: Member): void {
    if (!m.filedUnder) return;
    const c = m.info.component;
    if (c !== undefined) {
      unfileMember(this.byComponent, c, m);
      for (const ref of m.info.steps) {
        const key = `${ref.template}:${ref.step}`;
        const byComp = this.byStepComponent.get(key);
        if (!byComp) continue;
        unfileMember(byComp, c, m);
        if (byComp.size === 0) this.byStepComponent.delete(key);
      }
    }
    for (const k of this.memberKeys(m)) unfileMember(this.byKey, k, m);
    m.filedUnder = undefined;
  }

  // ---- changes ----

  /**
   * Keys a change is filed under: its component, its identity label values, and per template step it
   * matches, that step with its component or with each scope label value (the member side looks up the
   * same keys for the earlier steps of the templates it matches).
   */
  private changeKeys(e: ChangeEntry): string[] {
    const keys: string[] = [];
    if (e.component !== undefined) keys.push(`@${e.component}`);
    for (const l of this.identityLabels) {
      const v = e.labels[l];
      if (typeof v === 'string' && v !== '') keys.push(`${l}=${v}`);
    }
    for (const s of e.steps) {
      if (e.component !== undefined) keys.push(`${s.template}:${s.step}|@${e.component}`);
      for (const k of scopeKeys(e.labels, this.rules.templates[s.template]!.scope)) keys.push(`${s.template}:${s.step}|${k}`);
    }
    return keys;
  }

  private indexChange(e: ChangeEntry): void {
    for (const k of this.changeKeys(e)) addTo(this.changeIndex, k, e);
  }

  private forgetChange(e: ChangeEntry): void {
    for (const k of this.changeKeys(e)) removeFrom(this.changeIndex, k, e);
    if (this.shared.changeById.get(e.id) === e) this.shared.changeById.delete(e.id);
  }

  private pruneChangeLog(now: number): void {
    // A change stays a possible suspect for alerts whose onset is up to its longest horizon after it; they
    // join after hold-down, and may arrive a join window late.
    const horizon = this.changeHorizonMs + this.settings.holdDownMs + this.settings.joinWindowMs;
    const log = this.shared.changeLog;
    let drop = 0;
    while (drop < log.length && log[drop]!.receivedAt + horizon < now && log[drop]!.event.at + horizon < now) drop++;
    for (const e of log.splice(0, drop)) this.forgetChange(e);
    if (drop > 0) this.changeVersion++;
  }

  /**
   * How a change relates to a member (used for attaching and for ranking): on the same component or one
   * it depends on (half strength), sharing an identity label value when either has no component — each
   * within change_window — or on an earlier step of a template the member matches later, within that
   * template's lag budget (a model rollout is still a suspect for the accuracy drop hours later).
   */
  private changeRelations(ch: RankChange, m: RankMember): ChangeRelation[] {
    const out: ChangeRelation[] = [];
    const topo = this.classifier.topology;
    const window = this.settings.changeWindowMs;
    if (ch.component !== undefined && m.component !== undefined) {
      if (ch.component === m.component || topo.dependsOn(m.component, ch.component)) out.push({ via: 'component', horizon: window });
    } else {
      for (const l of this.identityLabels) {
        const a = ch.labels[l];
        if (typeof a === 'string' && a !== '' && a === m.labels[l]) {
          out.push({ via: 'identity', horizon: window });
          break;
        }
      }
    }
    let best: ChangeRelation | undefined;
    for (const budget of this.templateBudgets(ch, m)) {
      const horizon = Math.max(window, budget);
      if (!best || horizon > best.horizon) best = { via: 'template', horizon };
    }
    if (best) out.push(best);
    return out;
  }

  /**
   * For each causal template in which the change is on an earlier step than the alert and the two are
   * related (scope, or topology): the lag budget between the two steps.
   */
  private *templateBudgets(ch: RankChange, m: RankMember): Generator<number> {
    const topo = this.classifier.topology;
    for (const cs of ch.steps) {
      for (const ms of m.steps) {
        if (cs.template !== ms.template || cs.step >= ms.step) continue;
        const t = this.rules.templates[cs.template]!;
        if (!related(ch, m, t.scope, topo)) continue;
        const prefix = this.prefixes[cs.template]!;
        yield prefix[ms.step]! - prefix[cs.step]!;
      }
    }
  }

  /**
   * Whether a causal template links the change to the alert with the change within that template's lag
   * budget before the alert's onset (and not after it beyond the onset tolerance).
   */
  private templateRelated(e: RankChange, m: RankMember): boolean {
    for (const budget of this.templateBudgets(e, m)) {
      if (e.onset >= m.onset - budget && e.onset <= m.onset + ONSET_TOLERANCE_MS) return true;
    }
    return false;
  }

  /**
   * The closest suspect change of `m` among logged changes (rootCause.ts `closestSuspect`), leaving out
   * changes on hubs (more than SHARED_CHANGE_MAX_DEPENDENTS dependents within max_hops): they would tie
   * unrelated alerts together.
   */
  private bestSuspect(m: RankMember): ChangeEntry | undefined {
    const topo = this.classifier.topology;
    const candidates = this.candidateChanges(m).filter((e) => e.component !== undefined && topo.downstream(e.component).size <= SHARED_CHANGE_MAX_DEPENDENTS);
    return closestSuspect(m, candidates, topo, (e, member) => this.templateRelated(e, member));
  }

  /**
   * Explaining away: the alert's closest suspect is a rollout of its own model (within the template's lag
   * budget: output drift, then estimated performance). Such an alert is taken as the new version's doing,
   * not as the consequence of trouble upstream, so template and dependency links that would make it an
   * effect of another alert are not made (it still joins its own model's alerts). Without this, two
   * rollouts of sibling models an hour apart merged through a consumer lag on their shared pipeline
   * (3 of 8 false-merge pages on the incident benchmark, seeds 1-9: 2.1 % -> 1.3 %, top-1 90.0 -> 92.3 %).
   * Any change on the alert's own component (deploys, config pushes) was measured too: no fewer false
   * merges (1.2 %), more pages per fault (1.074 against 1.058): frequent unrelated deploys cut real
   * consequences loose.
   */
  private ownRolloutExplains(m: RankMember): boolean {
    if (m.component === undefined || m.steps.length === 0 || this.shared.changeLog.length === 0) return false;
    let e: ChangeEntry | undefined;
    if (m instanceof Member) {
      if (m.suspect === undefined || m.suspect.version !== this.changeVersion) m.suspect = { version: this.changeVersion, change: this.bestSuspect(m) };
      e = m.suspect.change;
    } else e = this.bestSuspect(m);
    return e !== undefined && e.kind === 'model_rollout' && e.component === m.component;
  }

  private changeApplies(e: ChangeEntry, m: RankMember): boolean {
    // "A change this long before onset (or during)".
    for (const r of this.changeRelations(e, m)) if (e.event.at >= m.onset - r.horizon) return true;
    return false;
  }

  /** Attaches logged changes that relate to a member that just joined or opened an incident. */
  private attachChangesFor(inc: Incident, m: Member, now: number): void {
    if (this.shared.changeLog.length === 0) return;
    for (const e of this.candidateChanges(m)) if (!inc.changes.has(e.id) && this.changeApplies(e, m)) this.attachChange(inc, e, now);
  }

  /** Logged changes that may relate to `m` (through the change index; `changeRelations` decides), oldest first. */
  private candidateChanges(m: RankMember): ChangeEntry[] {
    const topo = this.classifier.topology;
    const keys: string[] = [];
    const c = m.component;
    const near: string[] = [];
    if (c !== undefined) {
      near.push(c, ...topo.upstream(c).keys(), ...topo.downstream(c).keys());
      keys.push(`@${c}`);
      for (const u of topo.upstream(c).keys()) keys.push(`@${u}`);
    }
    for (const l of this.identityLabels) {
      const v = m.labels[l];
      if (typeof v === 'string' && v !== '') keys.push(`${l}=${v}`);
    }
    for (const s of m.steps) {
      const scope = scopeKeys(m.labels, this.rules.templates[s.template]!.scope);
      for (let i = 0; i < s.step; i++) {
        for (const d of near) keys.push(`${s.template}:${i}|@${d}`);
        for (const k of scope) keys.push(`${s.template}:${i}|${k}`);
      }
    }
    const found = new Set<ChangeEntry>();
    for (const k of keys) for (const e of this.changeIndex.get(k) ?? []) found.add(e);
    return [...found].sort((a, b) => a.event.at - b.event.at || (a.id < b.id ? -1 : 1));
  }

  private attachChange(inc: Incident, e: ChangeEntry, now: number): void {
    if (inc.changes.has(e.id) || inc.changes.size >= this.limits.changesPerIncident) return;
    inc.changes.set(e.id, e);
    this.addKey(inc, `change:${e.kind}`);
    inc.hintsDirty = true;
    inc.updatedAt = now;
    this.timeline(inc, now, 'change_attached', undefined, `${e.kind} ${JSON.stringify(e.summary)} (${e.id}) at ${formatTime(e.event.at)}`);
    // A change ends a held population shift (see `routing`): the incident routes at its members' severity.
    if (inc.capNoted && inc.status === 'open') this.escalate(inc, now);
    this.touch(inc);
  }

  // ---- ranking and the incident alert ----

  private addKey(inc: Incident, key: string): void {
    if (key === '' || inc.keys.has(key)) return;
    inc.keys.add(key);
    this.bumpRarity(key, 1);
  }

  /**
   * Rarity counts how many incidents hold an alertname (or change kind). Counts change when other
   * incidents open, grow or merge, so each change is stamped and hints ranked with an older count are
   * recomputed when next read: the ranking then depends on the incidents, not on the order they formed.
   */
  private bumpRarity(key: string, delta: number): void {
    const r = this.shared.rarity;
    if (r.size >= 50_000 && !r.has(key)) {
      r.clear();
      this.shared.rarityChanged.clear();
    }
    r.set(key, Math.max(0, (r.get(key) ?? 0) + delta));
    this.shared.rarityChanged.set(key, ++this.rarityTick);
  }

  /**
   * Recomputes the hints when membership or changes changed. With `fresh` (snapshot reads) also when the
   * rarity counts they used have moved since; the annotation refresh does not wait for that (rarity is a
   * tie-breaker, and rechecking it on every refresh would rank every incident again whenever any opens).
   */
  private rank(inc: Incident, now: number, recordChange: boolean, fresh = false): void {
    if (!inc.hintsDirty) {
      if (!fresh) return;
      for (const k of inc.keys) {
        if ((this.shared.rarityChanged.get(k) ?? 0) > inc.rankedTick) {
          inc.hintsDirty = true;
          break;
        }
      }
      if (!inc.hintsDirty) return;
    }
    inc.rankedTick = this.rarityTick;
    const ctx: RankContext = {
      topology: this.classifier.topology,
      templates: this.rules.templates,
      prefixes: this.prefixes,
      settings: this.settings,
      priorIncidents: (key) => Math.max(0, (this.shared.rarity.get(key) ?? 0) - (inc.keys.has(key) ? 1 : 0)),
      changeRelations: (ch, m) => this.changeRelations(ch, m),
      templateRelated: (ch, m) => this.templateRelated(ch, m),
    };
    const before = inc.hints[0]?.key;
    inc.hints = rankRootCauses([...inc.members.values()], [...inc.changes.values()], ctx, this.limits.hints);
    inc.hintsDirty = false;
    const top = inc.hints[0];
    if (recordChange && top && before !== undefined && top.key !== before) {
      this.timeline(inc, now, 'root_cause_changed', undefined, `top suspect is now ${top.component ?? top.labels['alertname'] ?? top.key} (score ${top.score})`);
    }
  }

  /** Hints are up to date (recomputed when membership or changes changed). */
  hintsOf(inc: Incident): RankedHint[] {
    this.rank(inc, this.clock.now(), true, true);
    return inc.hints;
  }

  /**
   * Schedules an annotation refresh at the current instant: joins that arrive together (one batch) are
   * ranked once, and the incident alert is re-sent only when its annotations changed.
   */
  private touch(inc: Incident): void {
    if (inc.flushTimer || inc.status !== 'open' || this.stopped) return;
    const now = this.clock.now();
    // Ranking costs O(members): a large incident is refreshed at most every BIG_INCIDENT_REFRESH_MS, so
    // a storm of joins costs O(members) per interval rather than per join (snapshots are always exact).
    const at = inc.members.size < BIG_INCIDENT_MEMBERS ? now : Math.max(now, inc.lastFlushAt + BIG_INCIDENT_REFRESH_MS);
    inc.flushTimer = this.clock.schedule(at, () => {
      inc.flushTimer = undefined;
      if (inc.status !== 'open') return;
      const now = this.clock.now();
      inc.lastFlushAt = now;
      this.rank(inc, now, true);
      const ann = this.annotations(inc);
      if (inc.lastAnnotations && sameLabels(ann, inc.lastAnnotations)) return;
      this.emit(inc, now);
    });
  }

  title(inc: Incident): string {
    const top = inc.hints[0];
    if (!top) return inc.id;
    const values: string[] = [];
    for (const name of this.settings.titleLabels) {
      const v = name === 'component' ? (top.labels['component'] ?? top.component) : top.labels[name];
      if (v) values.push(v);
    }
    if (values.length === 0) return inc.id;
    return values.length === 1 ? values[0]! : `${values[0]} (${values.slice(1).join(', ')})`;
  }

  private annotations(inc: Incident): Labels {
    const total = inc.members.size;
    const summary = `${this.title(inc)}: ${total} alert${total === 1 ? '' : 's'}, ${inc.firing} firing${inc.reopened > 0 ? `, reopened ${inc.reopened}x` : ''}`;
    return { summary, root_cause: inc.hints[0]?.reason ?? '' };
  }

  private emit(inc: Incident, now: number): void {
    if (inc.flushTimer) {
      this.clock.cancel(inc.flushTimer);
      inc.flushTimer = undefined;
    }
    this.rank(inc, now, true);
    const ann = this.annotations(inc);
    inc.lastAnnotations = ann;
    this.sendAll(inc, now, ann);
  }

  /** Sends the current version of every incident alert of the incident (open ones end when it does). */
  private sendAll(inc: Incident, now: number, annotations: Labels): void {
    const endsAt = inc.status === 'open' ? inc.openedAt + INCIDENT_OPEN_ENDS_AFTER_MS : (inc.resolvedAt ?? now);
    for (const a of inc.alerts) {
      // Resolved when the incident last resolved and held resolved through an aftermath: not re-sent.
      if (a.retiredAt !== undefined) continue;
      a.last = {
        labels: a.labels,
        annotations,
        startsAt: inc.openedAt,
        endsAt,
        generatorURL: '',
        updatedAt: now,
        timeout: false,
        fingerprint: a.fingerprint,
        source: 'incident',
      };
      this.sink(a.last);
    }
  }

  /**
   * Escalation: when a member with a higher severity than the incident alert's joins, the incident alert
   * cannot change its labels (its fingerprint and group would change under the receivers), so an incident
   * alert with the new severity is added and sent. It routes as that severity routes — a warning incident
   * that turns critical pages — while the earlier one keeps its group until the incident ends.
   */
  /**
   * A critical alert that joins an incident after it opened is re-announced, not re-paged: the incident
   * gets one more alert (its labels plus `joined_alertname`), which lands in the same aggregation group —
   * same dedup key — so the group's next flush is a "new alerts added" update carrying the current
   * members. Without it, a critical consequence that joined a paged incident would appear in no
   * notification at all (benchmark: 8 of 130 must-page faults). One per alertname, at most
   * MAX_JOIN_ANNOUNCEMENTS per incident.
   */
  /** After a join: escalate; if that added no alert (and no notification), announce a critical join. */
  private escalateOrAnnounce(inc: Incident, member: Member, now: number): void {
    const alertsBefore = inc.alerts.length;
    this.escalate(inc, now);
    if (inc.alerts.length === alertsBefore) this.announceCriticalJoin(inc, member, now);
  }

  private announceCriticalJoin(inc: Incident, member: Member, now: number): void {
    if ((SEVERITY_RANK[member.state.labels['severity'] ?? ''] ?? 0) < (SEVERITY_RANK['critical'] ?? 0)) return;
    if (inc.alerts.length >= MAX_JOIN_ANNOUNCEMENTS + 1) return;
    const labels = { ...inc.labels, joined_alertname: member.state.labels['alertname'] ?? member.fingerprint };
    const fp = fingerprint(labels);
    if (inc.alerts.some((a) => a.fingerprint === fp)) return;
    inc.alerts.push({ labels, fingerprint: fp, last: undefined });
    this.emit(inc, now);
  }

  private escalate(inc: Incident, now: number): void {
    const routing = this.routing(inc);
    const sev = routing.severity;
    const current = inc.labels['severity'];
    const currentRank = current === undefined ? 0 : (SEVERITY_RANK[current] ?? 0);
    // Held only if it is not already routing higher (an incident alert's labels never go down).
    if (routing.held && currentRank <= (SEVERITY_RANK['warning'] ?? 0)) this.noteHeld(inc, now);
    if ((SEVERITY_RANK[sev] ?? 0) <= currentRank) return;
    const labels: Record<string, string> = { ...inc.labels, severity: sev };
    const budget = this.budgetSeverity(inc, routing.held);
    if (labels['budget_severity'] !== undefined && budget !== undefined) labels['budget_severity'] = budget;
    inc.labels = labels;
    inc.alertFingerprint = fingerprint(labels);
    inc.alerts.push({ labels, fingerprint: inc.alertFingerprint, last: undefined });
    this.timeline(inc, now, 'escalated', undefined, `severity rose from ${current ?? 'none'} to ${sev}`);
    this.emit(inc, now);
  }

  /**
   * The severity the incident alert routes with: the most severe member's.
   *
   * One exception makes "page only on actionable burn" hold for model budgets (PRODUCT.md, "What actionable
   * means"): an incident that is chain 15's population shift (drift on three or more features of one model,
   * every member model-track, no change) and shows no harm — no estimated or realized performance signal,
   * nothing customer-facing, no member on a component other than a model (a burn attributed to a pipeline
   * or a service is a symptom upstream or downstream of the model) — is capped at `warning` / `ticket`.
   * Its drift budget still burns and is charged to it, but drift alone says the inputs changed, not that
   * predictions got worse: a ticket for the model's owners (re-baseline, retrain), not a page. The cap lifts
   * when harm joins (an accuracy signal, an infra or data alert, a change), and the incident escalates then.
   */
  private routing(inc: Incident): { severity: string; held: boolean } {
    const highest = highestSeverity(inc);
    if (inc.aftermath) return (SEVERITY_RANK[highest] ?? 0) <= (SEVERITY_RANK['warning'] ?? 0) ? { severity: highest, held: false } : { severity: 'warning', held: true };
    if ((SEVERITY_RANK[highest] ?? 0) <= (SEVERITY_RANK['warning'] ?? 0) || !this.harmlessShift(inc)) return { severity: highest, held: false };
    return { severity: 'warning', held: true };
  }

  /**
   * The incident alert's `budget_severity`, for an incident alert that carries one (its first member was a
   * burn alert, so the label is common): the most urgent member's — an incident opened by a ticket-tier burn
   * that a page-tier burn joins escalates as a page — and `ticket` while the severity is held. O(members),
   * so computed only for such incidents.
   */
  private budgetSeverity(inc: Incident, held: boolean): string | undefined {
    if (inc.labels['budget_severity'] === undefined && inc.alerts.length > 0) return undefined;
    if (held) return 'ticket';
    let budget: string | undefined;
    for (const m of inc.members.values()) {
      const b = m.labels['budget_severity'];
      if (b === 'page') return b;
      if (b !== undefined) budget = b;
    }
    return budget;
  }

  /** Records, once per incident, why its severity is held below its members' (every suppression has a reason). */
  private noteHeld(inc: Incident, now: number): void {
    if (inc.capNoted || inc.aftermath) return; // an aftermath records its own reason (reopenAftermath)
    const what = highestSeverity(inc);
    inc.capNoted = true;
    this.incidentSuppression(inc, {
      at: formatTime(now),
      fingerprint: inc.alertFingerprint,
      labels: inc.labels,
      kind: 'not_actionable',
      reason:
        `severity held at warning (members reach ${what}): drift on several features of one model with no performance, ` +
        'infrastructure, data or change signal is a likely population shift — a ticket for the model owners, not a page',
      incidentId: inc.id,
    });
  }

  /** Chain 15 without harm (see `routing`). */
  private harmlessShift(inc: Incident): boolean {
    if (!populationShift(inc.members.values(), inc.changes.size)) return false;
    const topology = this.classifier.topology;
    for (const m of inc.members.values()) {
      const kind = m.labels['signal_kind'];
      if (kind === 'perf_estimated' || kind === 'perf_realized') return false;
      if (m.labels['customer_facing'] === 'true') return false;
      if (m.component !== undefined && topology.components.get(m.component)?.kind !== 'model') return false;
    }
    return true;
  }

  // ---- logs ----

  private timeline(inc: Incident, now: number, event: TimelineEntry['event'], fp: string | undefined, detail: string): void {
    inc.timeline.push({ at: formatTime(now), event, ...(fp !== undefined ? { fingerprint: fp } : {}), detail });
    trimFront(inc.timeline, this.limits.timelinePerIncident);
    if (this.onChange) this.noteChange(inc.id, event);
  }

  private readonly onChange: CorrelatorOptions['onChange'];
  private readonly changed = new Map<string, TimelineEntry['event'][]>();

  /** Batches change notifications per incident until the current synchronous update is complete. */
  private noteChange(id: string, event: TimelineEntry['event']): void {
    const events = this.changed.get(id);
    if (events) {
      events.push(event);
      return;
    }
    if (this.changed.size === 0) {
      queueMicrotask(() => {
        const batch = [...this.changed];
        this.changed.clear();
        for (const [incId, evs] of batch) this.onChange!(incId, evs);
      });
    }
    this.changed.set(id, [event]);
  }

  private incidentSuppression(inc: Incident, s: SuppressionView): void {
    inc.suppressions.push(s);
    trimFront(inc.suppressions, this.limits.suppressionsPerIncident);
  }

  private suppress(s: SuppressionView): void {
    const log = this.shared.suppressionLog;
    log.push(s);
    if (log.length > this.limits.suppressionLog) log.splice(0, log.length - this.limits.suppressionLog);
  }

  // ---- read side ----

  get state(): SharedState {
    return this.shared;
  }

  snapshot(inc: Incident): IncidentSnapshot {
    const hints = this.hintsOf(inc);
    const tracks = Object.fromEntries(TRACKS.map((t) => [t, 0])) as Record<Track, number>;
    const members: MemberView[] = [];
    const ordered = [...inc.members.values()].sort((a, b) => a.onset - b.onset || (a.fingerprint < b.fingerprint ? -1 : 1));
    for (const m of ordered) {
      tracks[m.track]++;
      members.push({
        fingerprint: m.fingerprint,
        labels: m.labels,
        status: m.status,
        startsAt: formatTime(m.startsAt),
        endsAt: formatTime(m.endsAt),
        track: m.track,
        ...(m.component !== undefined ? { component: m.component } : {}),
        joinedAt: formatTime(m.joinedAt),
        joinedBy: { ...m.joinedBy },
        flapping: m.flapping,
      });
    }
    const top = hints[0];
    return {
      id: inc.id,
      status: inc.status,
      labels: inc.labels,
      title: this.title(inc),
      // What it routes with (the population-shift cap included), which may be below its highest member's.
      severity: inc.labels['severity'] ?? highestSeverity(inc),
      track: top?.track ?? (inc.labels['track'] as Track | undefined) ?? 'infra',
      tracks,
      openedAt: formatTime(inc.openedAt),
      updatedAt: formatTime(inc.updatedAt),
      ...(inc.resolvedAt !== undefined ? { resolvedAt: formatTime(inc.resolvedAt) } : {}),
      reopened: inc.reopened,
      ...(inc.aftermath ? { aftermath: true as const } : {}),
      members,
      rootCause: hints.map((h) => ({
        ...(h.component !== undefined ? { component: h.component } : {}),
        labels: h.labels,
        score: h.score,
        reason: h.reason,
        evidence: h.evidence.map((e) => ({ ...e })),
        track: h.track,
      })),
      changes: [...inc.changes.values()]
        .sort((a, b) => a.event.at - b.event.at || (a.id < b.id ? -1 : 1))
        .map((e) => ({
          id: e.id,
          kind: e.kind,
          at: formatTime(e.event.at),
          summary: e.summary,
          labels: e.labels,
          ...(e.component !== undefined ? { component: e.component } : {}),
        })),
      timeline: inc.timeline.slice(),
      suppressions: inc.suppressions.slice(),
      mergedFrom: inc.mergedFrom.slice(),
    };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Directory

class Directory implements IncidentDirectory {
  constructor(private readonly engine: CorrelationEngine) {}

  get(id: string): IncidentSnapshot | undefined {
    const s = this.engine.state;
    let inc = s.incidents.get(id) ?? s.merged.get(id);
    // A merged incident's id leads to the incident it went into.
    for (let i = 0; inc?.mergedInto && i < 1000; i++) inc = inc.mergedInto;
    if (!inc || !s.incidents.has(inc.id)) return undefined;
    return this.engine.snapshot(inc);
  }

  list(filter?: { status?: IncidentStatus }): IncidentSnapshot[] {
    const all = [...this.engine.state.incidents.values()].filter((i) => !filter?.status || i.status === filter.status);
    all.sort((a, b) => b.openedAt - a.openedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    return all.map((i) => this.engine.snapshot(i));
  }

  suppressions(): SuppressionView[] {
    return this.engine.state.suppressionLog.slice();
  }

  counts(): { open: number; resolved: number; members: number } {
    const s = this.engine.state;
    let members = 0;
    for (const inc of s.open) members += inc.members.size;
    return { open: s.open.size, resolved: s.incidents.size - s.open.size, members };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

function highestSeverity(inc: Incident): string {
  let best = 'none';
  let rank = 0;
  for (const m of inc.members.values()) {
    const s = m.labels['severity'];
    const r = s === undefined ? 0 : (SEVERITY_RANK[s] ?? 0);
    if (r > rank) {
      rank = r;
      best = s!;
    }
  }
  return best;
}

function scopeKeys(labels: Labels, scope: readonly string[]): string[] {
  const out: string[] = [];
  for (const l of scope) {
    const v = labels[l];
    if (typeof v === 'string' && v !== '') out.push(`${l}=${v}`);
  }
  return out;
}

/** Members of open incidents under one index key, grouped by the incident they were filed under. */
type Bucket = Map<Incident, Set<Member>>;

function liveIncident(inc: Incident): Incident {
  let i = inc;
  while (i.mergedInto) i = i.mergedInto;
  return i;
}

function fileMember(map: Map<string, Bucket>, key: string, m: Member): void {
  let bucket = map.get(key);
  if (!bucket) map.set(key, (bucket = new Map()));
  let set = bucket.get(m.filedUnder!);
  if (!set) bucket.set(m.filedUnder!, (set = new Set()));
  set.add(m);
}

function unfileMember(map: Map<string, Bucket>, key: string, m: Member): void {
  const bucket = map.get(key);
  const set = bucket?.get(m.filedUnder!);
  if (!bucket || !set) return;
  set.delete(m);
  if (set.size === 0) bucket.delete(m.filedUnder!);
  if (bucket.size === 0) map.delete(key);
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, v: V): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(v);
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, v: V): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(v);
  if (set.size === 0) map.delete(key);
}

function trimFront<T>(list: T[], max: number): void {
  // Keep the first entry (the incident's opening) and the newest ones.
  if (list.length > max) list.splice(1, list.length - max);
}

function sameLabels(a: Labels, b: Labels): boolean {
  const ak = Object.keys(a);
  if (ak.length !== Object.keys(b).length) return false;
  for (const k of ak) if (a[k] !== b[k]) return false;
  return true;
}
