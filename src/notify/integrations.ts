/**
 * A receiver's integrations, built once per configuration: each knows its kind, its position among the
 * receiver's configs of that kind, whether it sends resolved alerts, and how to turn the notification
 * data into outbound requests (usually one; a Slack message update is an edit plus a threaded reply).
 */
import type { HttpClientConfig, PagerdutyConfig, ReceiverConfig, SlackConfig } from '../config/types.js';
import type { IncidentDirectory } from '../correlate/types.js';
import type { ReceiverData } from '../dispatch/decision.js';
import { incidentOf } from './incident.js';
import { type NotificationData, defaultSubject } from './data.js';
import type { FieldTemplates, Renderer } from './templating.js';
import { buildPagerdutyBody } from './pagerduty/payload.js';
import { buildSlackBody, buildSlackTimelineReply } from './slack/payload.js';
import type { IntegrationKind, OutboundRequest } from './transport.js';
import { buildWebhookBody } from './webhook/payload.js';

export interface Integration {
  readonly receiver: string;
  readonly kind: IntegrationKind;
  readonly index: number;
  readonly sendResolved: boolean;
  /** 0 = unlimited. */
  readonly maxAlerts: number;
  /**
   * The destination keeps an open incident per group (PagerDuty): when every alert it was paged for is
   * muted or resolved, it still gets its resolve, so nothing stays open on the other side.
   */
  readonly closesWhenMuted: boolean;
  /**
   * The requests for one notification, sent in order; the first one's success decides. `prior` is what
   * the destination answered to the group's earlier notification (a Slack message to edit), if any.
   */
  requests(d: NotificationData, prior: ReceiverData | undefined): OutboundRequest[];
  /** What to remember from the first request's answer, for the next notification of the group. */
  receiverData?(response: Readonly<Record<string, unknown>> | undefined, prior: ReceiverData | undefined): ReceiverData | undefined;
}

/** `incidents`: where notifications about incident alerts read the incident (correlation on). */
export function buildIntegrations(r: ReceiverConfig, templates: FieldTemplates, incidents?: IncidentDirectory): Integration[] {
  const out: Integration[] = [];
  r.webhookConfigs.forEach((c, index) => {
    const headers = authHeaders(c.httpConfig);
    out.push({
      receiver: r.name,
      kind: 'webhook',
      index,
      sendResolved: c.sendResolved,
      maxAlerts: c.maxAlerts,
      closesWhenMuted: false,
      requests: (d) => [
        { receiver: r.name, integration: 'webhook', index, url: c.url, headers, body: buildWebhookBody(d, incidentOf(d, incidents)), timeoutMs: c.timeoutMs },
      ],
    });
  });
  r.pagerdutyConfigs.forEach((c, index) => {
    const headers = authHeaders(c.httpConfig);
    const render = pagerdutyRenderer(c, templates, `${r.name}.pagerduty_configs[${index}]`);
    out.push({
      receiver: r.name,
      kind: 'pagerduty',
      index,
      sendResolved: c.sendResolved,
      maxAlerts: 0,
      closesWhenMuted: true,
      requests: (d) => [
        { receiver: r.name, integration: 'pagerduty', index, url: c.url, headers, body: buildPagerdutyBody(d, render(d), incidentOf(d, incidents)), timeoutMs: 0 },
      ],
    });
  });
  r.slackConfigs.forEach((c, index) => out.push(slackIntegration(r.name, c, index, templates, incidents)));
  return out;
}

/** The configuration with its templated fields rendered for one notification. */
function pagerdutyRenderer(c: PagerdutyConfig, t: FieldTemplates, name: string): (d: NotificationData) => PagerdutyConfig {
  const plain = (field: string, v: string | undefined) => t.field(`${name}.${field}`, v);
  const fields: [keyof PagerdutyConfig, Renderer | undefined][] = [
    ['description', t.field(`${name}.description`, c.description, defaultSubject)],
    ['client', plain('client', c.client)],
    ['clientUrl', plain('client_url', c.clientUrl)],
    ['severity', plain('severity', c.severity)],
    ['class', plain('class', c.class)],
    ['component', plain('component', c.component)],
    ['group', plain('group', c.group)],
    ['source', plain('source', c.source)],
  ];
  const templated = fields.filter((f): f is [keyof PagerdutyConfig, Renderer] => f[1] !== undefined);
  const details = Object.entries(c.details).map(([k, v]) => [k, plain(`details.${k}`, v)!] as const);
  return (d) => {
    const out: Record<string, unknown> = { ...c };
    for (const [key, r] of templated) out[key] = r(d);
    if (details.length > 0) out.details = Object.fromEntries(details.map(([k, r]) => [k, r(d)]));
    return out as unknown as PagerdutyConfig;
  };
}

function slackIntegration(receiver: string, c0: SlackConfig, index: number, t: FieldTemplates, incidents?: IncidentDirectory): Integration {
  const name = `${receiver}.slack_configs[${index}]`;
  const title = t.field(`${name}.title`, c0.title, defaultSubject);
  const text = t.field(`${name}.text`, c0.text);
  const username = t.field(`${name}.username`, c0.username);
  const channelTpl = t.field(`${name}.channel`, c0.channel);
  const rendered = (d: NotificationData): SlackConfig => ({
    ...c0,
    ...(title ? { title: title(d) } : {}),
    ...(text ? { text: text(d) } : {}),
    ...(username ? { username: username(d) } : {}),
    ...(channelTpl ? { channel: channelTpl(d) } : {}),
  });
  const c = c0;
  const headers = c.appToken ? { authorization: `Bearer ${c.appToken}` } : authHeaders(c.httpConfig);
  const request = (url: string, body: unknown): OutboundRequest => ({
    receiver,
    integration: 'slack',
    index,
    url,
    headers,
    body,
    timeoutMs: 0,
  });
  const updateUrl = c.apiUrl.replace(/chat\.postMessage$/, 'chat.update');
  const editable = c.appToken !== undefined && c.updateMessage;
  return {
    receiver,
    kind: 'slack',
    index,
    sendResolved: c.sendResolved,
    maxAlerts: 0,
    closesWhenMuted: false,
    requests: (d, prior) => {
      // A group that starts over (first notification after everything resolved) gets a new message.
      const cfg = rendered(d);
      const incident = incidentOf(d, incidents);
      if (!editable || !prior || d.reason === 'first notification') return [request(c.apiUrl, buildSlackBody(d, cfg, incident))];
      const edit = { ...buildSlackBody(d, cfg, incident), channel: prior.channel, ts: prior.ts };
      return [request(updateUrl, edit), request(c.apiUrl, buildSlackTimelineReply(d, prior))];
    },
    receiverData: editable
      ? (response, prior) => {
          const channel = response?.channel;
          const ts = response?.ts;
          return typeof channel === 'string' && typeof ts === 'string' ? { channel, ts } : prior;
        }
      : undefined,
  };
}

function authHeaders(h: HttpClientConfig | undefined): Record<string, string> {
  if (!h) return {};
  if (h.basicAuth) {
    const token = Buffer.from(`${h.basicAuth.username}:${h.basicAuth.password}`).toString('base64');
    return { authorization: `Basic ${token}` };
  }
  if (h.authorization) return { authorization: `${h.authorization.type} ${h.authorization.credentials}` };
  return {};
}
