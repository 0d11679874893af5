/**
 * What notifications say about incidents. A notification for an incident alert (one carrying the
 * `incident_id` label) reads the incident's *current* snapshot from the directory when it is built, so a
 * re-notification or a resolve shows every member that joined since the page, the latest root-cause
 * ranking and the suspects — without the new members having paged on their own.
 *
 * Bodies stay within the vendors' limits: at most MAX_MEMBERS member alerts and MAX_HINTS hints are
 * listed (counts say how many there were), PagerDuty's whole event must stay under 512 KB.
 */
import { INCIDENT_ID_LABEL, type IncidentBudget, type IncidentDirectory, type IncidentSnapshot } from '../correlate/types.js';
import type { NotificationData } from './data.js';

export const MAX_MEMBERS = 100;
export const MAX_HINTS = 5;
const MAX_TIMELINE = 20;

/** The incident a notification is about, when its alerts are an incident's alert. */
export function incidentOf(d: NotificationData, directory: IncidentDirectory | undefined): IncidentSnapshot | undefined {
  if (!directory) return undefined;
  for (const a of d.alerts) {
    const id = a.labels[INCIDENT_ID_LABEL];
    if (id !== undefined) {
      const snapshot = directory.get(id);
      if (snapshot) return snapshot;
    }
  }
  return undefined;
}

/** Ranked hints as the replay contract and PagerDuty `custom_details.root_cause` carry them. */
export function rootCauseDetails(s: IncidentSnapshot): Record<string, unknown>[] {
  return s.rootCause.slice(0, MAX_HINTS).map((h) => ({
    ...(h.component !== undefined && { component: h.component }),
    labels: h.labels,
    score: Math.round(h.score * 1000) / 1000,
    reason: h.reason,
    evidence: h.evidence.map((e) => ({ kind: e.kind, weight: Math.round(e.weight * 1000) / 1000, detail: e.detail })),
  }));
}

/** `custom_details` for a PagerDuty event about an incident (merged under the user's `details`). */
export function pagerdutyIncidentDetails(s: IncidentSnapshot): Record<string, unknown> {
  const members = s.members.slice(0, MAX_MEMBERS);
  return {
    incident_id: s.id,
    incident_status: s.status,
    title: s.title,
    track: s.track,
    tracks: s.tracks,
    severity: s.severity,
    opened_at: s.openedAt,
    ...(s.resolvedAt !== undefined && { resolved_at: s.resolvedAt }),
    num_members: s.members.length,
    alerts: members.map((m) => ({
      labels: m.labels,
      status: m.status,
      startsAt: m.startsAt,
      endsAt: m.endsAt,
      fingerprint: m.fingerprint,
      track: m.track,
      ...(m.component !== undefined && { component: m.component }),
      joined_by: m.joinedBy.detail,
    })),
    root_cause: rootCauseDetails(s),
    suspects: s.changes.map((c) => ({ id: c.id, kind: c.kind, at: c.at, summary: c.summary, labels: c.labels })),
    suppressed: s.suppressions.length,
    ...(s.mergedFrom.length > 0 && { merged_from: s.mergedFrom }),
    ...(s.budget && { budget: budgetDetails(s.budget) }),
  };
}

/**
 * Budget charged to the incident, per track and per SLO, as percentages of each SLO's period budget
 * (rounded to 0.01 %): `{infra_pct, model_pct, slos: [{slo, track, consumed_pct}]}`, largest first.
 */
export function budgetDetails(b: IncidentBudget): Record<string, unknown> {
  return {
    infra_pct: pct(b.infra),
    model_pct: pct(b.model),
    slos: Object.entries(b.slos)
      .sort((x, y) => y[1].consumed - x[1].consumed || (x[0] < y[0] ? -1 : 1))
      .map(([slo, e]) => ({ slo, track: e.track, consumed_pct: pct(e.consumed) })),
  };
}

const pct = (fraction: number): number => Math.round(fraction * 10_000) / 100;

/** `model 12.5% of budget (fraud-scorer-feature-freshness 11.9%, …), infra 0%`, for the Slack summary. */
export function budgetText(b: IncidentBudget): string {
  const perTrack = (track: 'infra' | 'model'): string => {
    const slos = Object.entries(b.slos)
      .filter(([, e]) => e.track === track && e.consumed > 0)
      .sort((x, y) => y[1].consumed - x[1].consumed || (x[0] < y[0] ? -1 : 1))
      .slice(0, 3)
      .map(([slo, e]) => `${slo} ${pct(e.consumed)}%`);
    return `${track} ${pct(b[track])}%${slos.length > 0 ? ` (${slos.join(', ')})` : ''}`;
  };
  return `${perTrack('model')}, ${perTrack('infra')} of the period budget`;
}

/** The additive `incident` key of a webhook body (Alertmanager's fields stay as they are). */
export function webhookIncident(s: IncidentSnapshot): Record<string, unknown> {
  return {
    id: s.id,
    status: s.status,
    title: s.title,
    track: s.track,
    tracks: s.tracks,
    severity: s.severity,
    openedAt: s.openedAt,
    ...(s.resolvedAt !== undefined && { resolvedAt: s.resolvedAt }),
    members: s.members.slice(0, MAX_MEMBERS),
    numMembers: s.members.length,
    rootCause: rootCauseDetails(s),
    changes: s.changes,
    timeline: s.timeline.slice(-MAX_TIMELINE),
    suppressions: s.suppressions.slice(-MAX_TIMELINE),
    mergedFrom: s.mergedFrom,
    ...(s.budget && { budget: budgetDetails(s.budget) }),
  };
}

/** One readable paragraph: what, where it probably started, what else is affected. */
export function incidentSummaryText(s: IncidentSnapshot): string {
  const lines: string[] = [];
  const trackCounts = Object.entries(s.tracks)
    .filter(([, n]) => n > 0)
    .map(([t, n]) => `${n} ${t}`)
    .join(', ');
  const firing = s.members.filter((m) => m.status === 'firing').length;
  lines.push(`*Incident ${s.id}* (${s.status}, severity ${s.severity}): ${firing}/${s.members.length} signals firing — ${trackCounts}`);
  const top = s.rootCause.slice(0, 3);
  if (top.length > 0) {
    lines.push('*Likely root cause*');
    top.forEach((h, i) => lines.push(`${i + 1}. ${h.reason} _(score ${h.score.toFixed(2)})_`));
  }
  if (s.changes.length > 0) {
    lines.push(`*Recent changes*: ${s.changes.slice(0, 3).map((c) => `${c.kind} ${c.summary}`).join('; ')}`);
  }
  if (s.budget) lines.push(`*Error budget charged*: ${budgetText(s.budget)}`);
  return lines.join('\n');
}
