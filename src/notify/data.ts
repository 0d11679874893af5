/**
 * What a notification is about: Alertmanager's `template.Data`, built once per flush and shared by every
 * integration's payload builder (webhook, PagerDuty, Slack), live and in replay alike.
 */
import { type Alert } from '../domain/alert.js';
import { commonLabels, type Labels } from '../domain/labels.js';
import { formatTime, GO_ZERO_TIME } from '../domain/time.js';
import type { NotifyReason } from '../dispatch/decision.js';

export interface NotificationAlert {
  status: 'firing' | 'resolved';
  labels: Labels;
  annotations: Labels;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface NotificationData {
  receiver: string;
  status: 'firing' | 'resolved';
  alerts: NotificationAlert[];
  groupLabels: Labels;
  commonLabels: Labels;
  commonAnnotations: Labels;
  externalURL: string;
  groupKey: string;
  truncatedAlerts: number;
  reason: NotifyReason;
}

/**
 * `alerts` are the flush snapshot: firing alerts already carry no end (endsAt 0 = Go's zero time).
 * `maxAlerts` truncates like Alertmanager's `max_alerts` (0 = unlimited).
 */
export function buildNotificationData(input: {
  receiver: string;
  groupKey: string;
  groupLabels: Labels;
  alerts: readonly FlushAlert[];
  externalURL: string;
  reason: NotifyReason;
  maxAlerts: number;
}): NotificationData {
  const all = input.alerts;
  const shown = input.maxAlerts > 0 && all.length > input.maxAlerts ? all.slice(0, input.maxAlerts) : all;
  const alerts = shown.map(toNotificationAlert);
  return {
    receiver: input.receiver,
    // The group status reflects every alert handed to the integration, truncated or not.
    status: all.some((a) => !a.resolved) ? 'firing' : 'resolved',
    alerts,
    groupLabels: input.groupLabels,
    commonLabels: commonLabels(shown.map((a) => a.alert.labels)),
    commonAnnotations: commonLabels(shown.map((a) => a.alert.annotations)),
    externalURL: input.externalURL,
    groupKey: input.groupKey,
    truncatedAlerts: all.length - shown.length,
    reason: input.reason,
  };
}

/** One alert as seen by a flush: the stored alert and whether it is resolved at the flush time. */
export interface FlushAlert {
  readonly alert: Alert;
  readonly resolved: boolean;
}

/**
 * One alert's wire form, built afresh for every notification. Caching the firing form per label set
 * (WeakMap) was measured slower: at 100k active alerts the weak table's upkeep in every scavenge cost
 * more than building these small objects (formatTime reuses the last text it printed).
 */
function toNotificationAlert(f: FlushAlert): NotificationAlert {
  return Object.freeze(buildNotificationAlert(f));
}

function buildNotificationAlert(f: FlushAlert): NotificationAlert {
  const a = f.alert;
  return {
    status: f.resolved ? 'resolved' : 'firing',
    labels: a.labels,
    annotations: a.annotations,
    startsAt: formatTime(a.startsAt),
    // Alertmanager hides a future end of a firing alert behind Go's zero time.
    endsAt: f.resolved ? formatTime(a.endsAt) : GO_ZERO_TIME,
    generatorURL: a.generatorURL,
    fingerprint: a.fingerprint,
  };
}

/**
 * Alertmanager's default title (`__subject`):
 * `[FIRING:2] <group label values> (<common label values not in the group>)`.
 */
export function defaultSubject(d: NotificationData): string {
  const firing = d.alerts.filter((a) => a.status === 'firing').length;
  const status = d.status === 'firing' ? `FIRING:${firing}` : 'RESOLVED';
  const groupValues = sortedValues(d.groupLabels);
  let subject = `[${status}] ${groupValues.join(' ')}`;
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.commonLabels)) if (!(k in d.groupLabels)) extra[k] = v;
  if (Object.keys(d.commonLabels).length > Object.keys(d.groupLabels).length) {
    subject += ` (${sortedValues(extra).join(' ')})`;
  }
  return subject;
}

function sortedValues(labels: Labels): string[] {
  return Object.keys(labels)
    .sort()
    .map((k) => labels[k]!);
}
