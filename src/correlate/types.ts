/**
 * The contract between the engine and the correlation stage (docs/correlation.md is the user-facing
 * specification). The engine owns the store and the dispatcher; the correlator owns incidents.
 *
 *   store.put(alert) ──► correlator.observe(alert) ──claimed?──► no: dispatcher (Alertmanager behaviour)
 *                                                   └─ yes: incident membership; the correlator emits an
 *                                                      *incident alert* through `sink`, and that alert is
 *                                                      what routing, inhibition, silences and dispatch see.
 *
 * An incident alert has stable labels (fixed when the incident opens: common labels of its first members,
 * `incident_id`, `track`, `severity`, `root_cause_component`), so it routes like an Alertmanager group
 * and keeps one fingerprint for its whole life. A member joining later changes no fingerprint, so the
 * group does not re-notify for it ("a consequence an open incident explains joins it instead of paging
 * again"); the current members and hints are read from the directory when a notification is built.
 */
import type { Alert } from '../domain/alert.js';
import type { Labels } from '../domain/labels.js';
import type { ChangeEvent, Track } from '../domain/signal.js';

/** Label every incident alert carries; the engine appends it to every route's `group_by`. */
export const INCIDENT_ID_LABEL = 'incident_id';

export interface Correlator {
  /**
   * Every stored alert version (after the store merged it), in arrival order. Returns true when the
   * correlation rules claim the alert: the engine then does not hand it to the dispatcher itself.
   * An alert that matches no topology selector, label-window rule or causal template is not claimed.
   */
  observe(alert: Alert): boolean;
  /** A change event (attached to incidents as a suspect within the change window). */
  observeChange(change: ChangeEvent): void;
  /**
   * Drops resolved state older than the retention, keeps memory bounded by active incidents. Returns the
   * fingerprints of the incident alerts it dropped, so the engine can forget them in dispatch too.
   */
  collect(now: number): string[];
  /** The current version of every incident alert not yet collected (a configuration reload re-routes them). */
  incidentAlerts(): Alert[];
  /** True while anything waits on a timer: an alert in hold-down, an open incident (replay drains until false). */
  busy(): boolean;
  /** The id of the incident an alert (by fingerprint) is a member of, if any (budget attribution). */
  incidentOf?(fingerprint: string): string | undefined;
  /** Cancels timers (the engine is stopping). A configuration reload keeps the correlator and its state. */
  stop(): void;
  readonly directory: IncidentDirectory;
}

/** Read side, used by notifiers (PagerDuty custom_details, Slack summary, webhook body) and the API. */
export interface IncidentDirectory {
  get(id: string): IncidentSnapshot | undefined;
  /** Newest first. */
  list(filter?: { status?: IncidentStatus }): IncidentSnapshot[];
  /** Alerts suppressed without belonging to an incident (transient blips), newest last, bounded. */
  suppressions(): SuppressionView[];
  counts(): { open: number; resolved: number; members: number };
}

export type IncidentStatus = 'open' | 'resolved';

export type JoinKind = 'opened' | 'dependency' | 'causal_template' | 'shared_change' | 'label_window' | 'same_component' | 'merge';

export interface MemberView {
  fingerprint: string;
  labels: Labels;
  status: 'firing' | 'resolved';
  /** RFC 3339 */
  startsAt: string;
  endsAt: string;
  track: Track;
  component?: string;
  joinedAt: string;
  joinedBy: { kind: JoinKind; rule?: string; detail: string };
  flapping: boolean;
}

export type EvidenceKind = 'onset_order' | 'dependency_path' | 'causal_template' | 'change_proximity' | 'rarity';

export interface RootCauseHint {
  /** The suspected component (topology name), when the suspect maps to one. */
  component?: string;
  /** Labels of the suspected signal (a member alert) or of the component's change event. */
  labels: Labels;
  /** 0..1, hints are sorted by score, highest first. */
  score: number;
  /** One sentence an on-call engineer can read. */
  reason: string;
  /**
   * Each piece of evidence with its share of the score (`weight` = kind weight × strength, so the weights
   * sum to `score`) and a human-readable detail.
   */
  evidence: { kind: EvidenceKind; weight: number; detail: string }[];
  /** Track of the suspected signal (`change` for a change event). */
  track?: Track;
}

export interface TimelineEntry {
  at: string;
  event:
    | 'opened'
    | 'joined'
    | 'member_resolved'
    | 'member_refired'
    | 'merged'
    | 'change_attached'
    | 'root_cause_changed'
    | 'resolved'
    | 'reopened'
    | 'suppressed'
    /** The highest member severity rose: an incident alert with the new severity was added. */
    | 'escalated';
  fingerprint?: string;
  detail: string;
}

export interface SuppressionView {
  at: string;
  fingerprint: string;
  labels: Labels;
  /** `transient`, `flapping`, `explained`, `silenced`, `merged`, … */
  kind: string;
  reason: string;
  incidentId?: string;
}

export interface IncidentSnapshot {
  id: string;
  status: IncidentStatus;
  /** The incident alert's labels (routing labels; stable for the incident's life). */
  labels: Labels;
  title: string;
  severity: string;
  /** Track of the top root-cause hint; `tracks` counts members per track. */
  track: Track;
  tracks: Record<Track, number>;
  openedAt: string;
  updatedAt: string;
  resolvedAt?: string;
  reopened: number;
  /**
   * Reopened by a late consequence of its recovered cause: routes at warning at most, its alerts above
   * warning held resolved, until one of its earlier members fires again (docs/correlation.md, "Aftermath").
   */
  aftermath?: true;
  members: MemberView[];
  rootCause: RootCauseHint[];
  changes: { id: string; kind: string; at: string; summary: string; labels: Labels; component?: string }[];
  timeline: TimelineEntry[];
  suppressions: SuppressionView[];
  /** Ids of incidents merged into this one. */
  mergedFrom: string[];
  /**
   * Error budget charged to the incident (the budget stage's attribution: budget its SLOs spent while their
   * burn alerts were members), per track. Added by the engine when SLOs are configured; the correlator
   * itself knows nothing of budgets.
   */
  budget?: IncidentBudget;
}

/** Fractions of each SLO's period budget (1 = a whole period's budget), summed per track. */
export interface IncidentBudget {
  infra: number;
  model: number;
  slos: Record<string, { track: 'infra' | 'model'; consumed: number }>;
}
