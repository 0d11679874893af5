/**
 * PagerDuty Events API v2 bodies in compatibility mode: one PagerDuty alert per aggregation group,
 * `dedup_key = hex(sha256(groupKey))` exactly as Alertmanager's notifier computes it, trigger while
 * anything fires and resolve once everything has resolved.
 *
 * `custom_details` follows the replay contract: `incident_id`, the member `alerts`, and `root_cause`
 * (empty until correlation rules are configured).
 */
import { createHash } from 'node:crypto';
import type { PagerdutyConfig } from '../../config/types.js';
import type { IncidentSnapshot } from '../../correlate/types.js';
import { type NotificationData, defaultSubject } from '../data.js';
import { pagerdutyIncidentDetails } from '../incident.js';

/** PagerDuty limits (developer docs, Events API v2): summary at most 1024 characters. */
export const PD_SUMMARY_MAX = 1024;
export const PD_SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);

export function groupDedupKey(groupKey: string): string {
  return createHash('sha256').update(groupKey).digest('hex');
}

export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, max - 1) + '…';
}

/**
 * PagerDuty severity from the alerts' common `severity` label, mapping the words rule authors use
 * (kube-prometheus, Wikimedia and awesome-prometheus-alerts use critical/warning/info, page/task,
 * high/medium/low…); anything else falls back to the configured severity (default `error`).
 */
const SEVERITY_WORDS: Readonly<Record<string, string>> = {
  critical: 'critical',
  page: 'critical',
  p1: 'critical',
  error: 'error',
  high: 'error',
  major: 'error',
  p2: 'error',
  warning: 'warning',
  warn: 'warning',
  medium: 'warning',
  minor: 'warning',
  task: 'warning',
  ticket: 'warning',
  p3: 'warning',
  info: 'info',
  low: 'info',
  none: 'info',
  p4: 'info',
  p5: 'info',
};

export function pagerdutySeverity(d: NotificationData, configured: string): string {
  const label = d.commonLabels.severity?.toLowerCase();
  if (label !== undefined) {
    const mapped = SEVERITY_WORDS[label];
    if (mapped) return mapped;
  }
  return PD_SEVERITIES.has(configured) ? configured : 'error';
}

/** An `acknowledge` event for an open PagerDuty alert (payload not needed). */
export function buildPagerdutyAcknowledge(groupKey: string, cfg: PagerdutyConfig): Record<string, unknown> {
  return { routing_key: cfg.routingKey, dedup_key: groupDedupKey(groupKey), event_action: 'acknowledge' };
}

export interface ChangeEventInput {
  summary: string;
  /** epoch ms */
  timestamp: number;
  source?: string;
  details?: Record<string, unknown>;
  links?: { href: string; text?: string }[];
}

/**
 * A PagerDuty change event (`POST /v2/change/enqueue`): deploys, model rollouts and config pushes, shown
 * beside incidents. Change events never open incidents. The URL is the alert URL's sibling.
 */
export function buildPagerdutyChangeEvent(change: ChangeEventInput, cfg: PagerdutyConfig): { url: string; body: Record<string, unknown> } {
  const payload: Record<string, unknown> = {
    summary: truncate(change.summary, PD_SUMMARY_MAX),
    timestamp: new Date(change.timestamp).toISOString(),
  };
  if (change.source !== undefined) payload.source = change.source;
  if (change.details !== undefined) payload.custom_details = change.details;
  const body: Record<string, unknown> = { routing_key: cfg.routingKey, payload };
  if (change.links && change.links.length > 0) body.links = change.links;
  return { url: cfg.url.replace(/\/v2\/enqueue$/, '/v2/change/enqueue'), body };
}

/**
 * `incident`: the incident this group is about, when correlation made it; its details replace the
 * group-derived `incident_id`, `alerts` and `root_cause` (the user's `details` still win).
 */
export function buildPagerdutyBody(d: NotificationData, cfg: PagerdutyConfig, incident?: IncidentSnapshot): Record<string, unknown> {
  const dedupKey = groupDedupKey(d.groupKey);
  const severity = pagerdutySeverity(d, cfg.severity);
  const links: { href: string; text: string }[] = [];
  const runbooks = new Set<string>();
  for (const a of d.alerts) {
    const rb = a.annotations.runbook_url;
    if (rb && !runbooks.has(rb)) {
      runbooks.add(rb);
      links.push({ href: rb, text: 'Runbook' });
    }
  }
  const firstGenerator = d.alerts.find((a) => a.generatorURL)?.generatorURL;
  if (firstGenerator) links.push({ href: firstGenerator, text: 'Source' });
  const payload: Record<string, unknown> = {
    summary: truncate(cfg.description ?? defaultSubject(d), PD_SUMMARY_MAX),
    source: cfg.source ?? cfg.client,
    severity,
    custom_details: {
      incident_id: dedupKey,
      group_key: d.groupKey,
      notification_reason: d.reason,
      num_firing: d.alerts.filter((a) => a.status === 'firing').length,
      num_resolved: d.alerts.filter((a) => a.status === 'resolved').length,
      alerts: d.alerts.map((a) => ({
        labels: a.labels,
        status: a.status,
        startsAt: a.startsAt,
        endsAt: a.endsAt,
        fingerprint: a.fingerprint,
      })),
      root_cause: [],
      ...(incident && pagerdutyIncidentDetails(incident)),
      ...cfg.details,
    },
  };
  if (cfg.component !== undefined) payload.component = cfg.component;
  if (cfg.group !== undefined) payload.group = cfg.group;
  if (cfg.class !== undefined) payload.class = cfg.class;
  const body: Record<string, unknown> = {
    routing_key: cfg.routingKey,
    event_action: d.status === 'resolved' ? 'resolve' : 'trigger',
    dedup_key: dedupKey,
    payload,
    client: cfg.client,
  };
  if (cfg.clientUrl) body.client_url = cfg.clientUrl;
  if (links.length > 0) body.links = links;
  return body;
}
