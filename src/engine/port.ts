/**
 * What the doors (HTTP, replay, later Kafka) may ask of the engine. The HTTP server depends on this
 * interface only, so it can be tested with the real engine on a virtual or wall clock.
 */
import type { IncidentSnapshot, SuppressionView } from '../correlate/types.js';
import type { Alert } from '../domain/alert.js';
import type { ChangeEvent, ModelSignal, SliEvents } from '../domain/signal.js';
import type { SloView } from '../budget/stage.js';
import type { Labels } from '../domain/labels.js';
import type { DeliveryRecord } from '../dispatch/deliveryLog.js';
import type { Matcher } from '../route/matchers.js';

export interface EnginePort {
  now(): number;
  /** `global.resolve_timeout` of the current configuration (the door needs it for defaults). */
  resolveTimeoutMs(): number;
  /** Alerts already normalized by a door. Synchronous: state changes before this returns. */
  receiveAlerts(alerts: readonly Alert[]): void;

  /** `GET /api/v2/alerts` (filters applied by the caller through `AlertQuery`). */
  listAlerts(query: AlertQuery): AlertView[];
  /** `GET /api/v2/alerts/groups`. */
  listGroups(query: AlertQuery): AlertGroupView[];

  /** `POST /api/v2/silences`: creates, or updates when `id` names an existing silence. */
  upsertSilence(silence: PostableSilence): { ok: true; id: string } | { ok: false; error: string; notFound?: boolean };
  listSilences(filter: readonly Matcher[]): SilenceView[];
  getSilence(id: string): SilenceView | undefined;
  /** `DELETE /api/v2/silence/{id}`: notFound when unknown; expiring an expired silence is a no-op. */
  expireSilence(id: string): { ok: true } | { ok: false; error: string; notFound: boolean };

  /** `POST /-/reload`: re-reads the configuration file; keeps state and the notification log. */
  reload(): Promise<{ ok: true } | { ok: false; errors: string[] }>;
  status(): StatusView;
  /** `GET /api/v1/notifications`: recent deliveries, newest last, without secrets. */
  recentDeliveries?(limit?: number): DeliveryRecord[];

  /** A normalized signal body (model signals, SLI counts, the alerts they raise); returns refused SLI counts. */
  receiveSignals?(input: {
    readonly signals: readonly ModelSignal[];
    readonly sliEvents: readonly SliEvents[];
    readonly alerts: readonly Alert[];
  }): string[];
  /** `GET /api/v1/slos`; undefined when no SLOs are configured. */
  listSlos?(): SloView[] | undefined;
  /** Change events already normalized by a door (suspects for incidents). */
  receiveChanges?(changes: readonly ChangeEvent[]): void;
  /** Incidents, newest first; undefined when correlation is off (no rules). */
  listIncidents?(status?: 'open' | 'resolved'): IncidentSnapshot[] | undefined;
  getIncident?(id: string): IncidentSnapshot | undefined;
  listSuppressions?(): SuppressionView[] | undefined;
}

export interface AlertQuery {
  /** Label matchers from `filter=` parameters; all must match. */
  readonly filter: readonly Matcher[];
  /** Include active (not silenced, not inhibited) alerts. Default true. */
  readonly active: boolean;
  readonly silenced: boolean;
  readonly inhibited: boolean;
  readonly unprocessed: boolean;
  /** Regular expression on the receiver name, anchored, if given. */
  readonly receiver?: RegExp;
}

export interface AlertView {
  labels: Labels;
  annotations: Labels;
  receivers: { name: string }[];
  fingerprint: string;
  startsAt: string;
  updatedAt: string;
  endsAt: string;
  generatorURL?: string;
  status: { state: 'unprocessed' | 'active' | 'suppressed'; silencedBy: string[]; inhibitedBy: string[]; mutedBy: string[] };
}

export interface AlertGroupView {
  labels: Labels;
  receiver: { name: string };
  alerts: AlertView[];
}

export interface PostableSilence {
  id?: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
}

export interface SilenceView {
  id: string;
  matchers: { name: string; value: string; isRegex: boolean; isEqual: boolean }[];
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  createdBy: string;
  comment: string;
  status: { state: 'expired' | 'active' | 'pending' };
}

export interface StatusView {
  cluster: { status: 'disabled'; peers: [] };
  versionInfo: Record<string, string>;
  config: { original: string };
  uptime: string;
}
