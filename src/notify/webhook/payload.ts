/**
 * Alertmanager webhook body, protocol version 4, field for field and in Go struct order
 * (notify/webhook/webhook.go in Alertmanager 0.34), so existing webhook consumers work unchanged.
 */
import type { IncidentSnapshot } from '../../correlate/types.js';
import type { NotificationData } from '../data.js';
import { webhookIncident } from '../incident.js';

/** Go's `regexp.QuoteMeta`, which Alertmanager applies to the receiver name in webhook bodies. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

// Receiver names are few and every body quotes one: remember the quoted forms.
const quotedReceivers = new Map<string, string>();

function quotedReceiver(name: string): string {
  let quoted = quotedReceivers.get(name);
  if (quoted === undefined) {
    quoted = quoteMeta(name);
    if (quotedReceivers.size >= 1000) quotedReceivers.clear();
    quotedReceivers.set(name, quoted);
  }
  return quoted;
}

/** `incident`, when correlation made this group, adds one top-level key; nothing else changes. */
export function buildWebhookBody(d: NotificationData, incident?: IncidentSnapshot): Record<string, unknown> {
  const body: Record<string, unknown> = {
    receiver: quotedReceiver(d.receiver),
    status: d.status,
    alerts: d.alerts,
    notification_reason: d.reason,
    groupLabels: d.groupLabels,
    commonLabels: d.commonLabels,
    commonAnnotations: d.commonAnnotations,
    routeLabels: {},
    externalURL: d.externalURL,
    version: '4',
    groupKey: d.groupKey,
    truncatedAlerts: d.truncatedAlerts,
  };
  if (incident) body.incident = webhookIncident(incident);
  return body;
}
