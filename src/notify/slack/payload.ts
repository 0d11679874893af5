/**
 * Slack message for a group notification: Block Kit with a plain `text` fallback, within Slack's
 * limits (header 150 characters, section text 3000, 50 blocks). Works with an incoming webhook and
 * with `chat.postMessage` alike.
 */
import type { SlackConfig } from '../../config/types.js';
import type { ReceiverData } from '../../dispatch/decision.js';
import type { IncidentSnapshot } from '../../correlate/types.js';
import { type NotificationData, defaultSubject } from '../data.js';
import { incidentSummaryText, MAX_MEMBERS } from '../incident.js';
import { truncate } from '../pagerduty/payload.js';

export const SLACK_HEADER_MAX = 150;
export const SLACK_SECTION_MAX = 3000;
export const SLACK_BLOCKS_MAX = 50;

/**
 * `incident`, when correlation made this group: the message summarizes the incident (root-cause hints,
 * suspects) and lists its member alerts instead of the one incident alert.
 */
export function buildSlackBody(d: NotificationData, cfg: SlackConfig, incident?: IncidentSnapshot): Record<string, unknown> {
  const title = cfg.title ?? defaultSubject(d);
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(title, SLACK_HEADER_MAX) } },
  ];
  if (incident) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(incidentSummaryText(incident), SLACK_SECTION_MAX) } });
    const members = incident.members.slice(0, Math.min(MAX_MEMBERS, SLACK_BLOCKS_MAX - 3));
    for (const m of members) {
      const labels = Object.entries(m.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ');
      const text = `*${m.status === 'firing' ? 'Firing' : 'Resolved'}* [${m.track}] ${m.joinedBy.detail}\n\`${labels}\``;
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_SECTION_MAX) } });
    }
    if (incident.members.length > members.length) {
      blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${incident.members.length - members.length} more alerts` }] });
    }
    const body: Record<string, unknown> = { text: cfg.text ?? title, blocks };
    if (cfg.channel !== undefined) body.channel = cfg.channel;
    if (cfg.username !== undefined) body.username = cfg.username;
    return body;
  }
  // One section per alert, leaving room for a final "and N more" line.
  const perAlert = d.alerts.slice(0, SLACK_BLOCKS_MAX - 2);
  for (const a of perAlert) {
    const summary = a.annotations.summary ?? a.annotations.description ?? '';
    const labels = Object.entries(a.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const text = `*${a.status === 'firing' ? 'Firing' : 'Resolved'}* ${summary}\n\`${labels}\``;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_SECTION_MAX) } });
  }
  if (d.alerts.length > perAlert.length) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `…and ${d.alerts.length - perAlert.length} more alerts` }],
    });
  }
  const body: Record<string, unknown> = { text: cfg.text ?? title, blocks };
  if (cfg.channel !== undefined) body.channel = cfg.channel;
  if (cfg.username !== undefined) body.username = cfg.username;
  return body;
}

/** A threaded reply under the group's message: one line of the timeline, saying what changed. */
export function buildSlackTimelineReply(d: NotificationData, prior: ReceiverData): Record<string, unknown> {
  const firing = d.alerts.filter((a) => a.status === 'firing').length;
  const resolved = d.alerts.length - firing;
  const line =
    d.reason === 'all alerts resolved'
      ? `Resolved: all ${resolved} alert${resolved === 1 ? '' : 's'}`
      : `${capitalize(d.reason)}: ${firing} firing, ${resolved} resolved`;
  return { channel: prior.channel, thread_ts: prior.ts, text: truncate(line, SLACK_SECTION_MAX) };
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
