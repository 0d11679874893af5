/**
 * A receiver's integrations, built once per configuration: each knows its kind, its position among the
 * receiver's configs of that kind, whether it sends resolved alerts, and how to turn the notification
 * data into an outbound request.
 */
import type { HttpClientConfig, ReceiverConfig } from '../config/types.js';
import type { NotificationData } from './data.js';
import { buildPagerdutyBody } from './pagerduty/payload.js';
import { buildSlackBody } from './slack/payload.js';
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
  request(d: NotificationData): OutboundRequest;
}

export function buildIntegrations(r: ReceiverConfig): Integration[] {
  const out: Integration[] = [];
  r.webhookConfigs.forEach((c, index) =>
    out.push({
      receiver: r.name,
      kind: 'webhook',
      index,
      sendResolved: c.sendResolved,
      maxAlerts: c.maxAlerts,
      closesWhenMuted: false,
      request: (d) => ({
        receiver: r.name,
        integration: 'webhook',
        index,
        url: c.url,
        headers: authHeaders(c.httpConfig),
        body: buildWebhookBody(d),
        timeoutMs: c.timeoutMs,
      }),
    }),
  );
  r.pagerdutyConfigs.forEach((c, index) =>
    out.push({
      receiver: r.name,
      kind: 'pagerduty',
      index,
      sendResolved: c.sendResolved,
      maxAlerts: 0,
      closesWhenMuted: true,
      request: (d) => ({
        receiver: r.name,
        integration: 'pagerduty',
        index,
        url: c.url,
        headers: authHeaders(c.httpConfig),
        body: buildPagerdutyBody(d, c),
        timeoutMs: 0,
      }),
    }),
  );
  r.slackConfigs.forEach((c, index) =>
    out.push({
      receiver: r.name,
      kind: 'slack',
      index,
      sendResolved: c.sendResolved,
      maxAlerts: 0,
      closesWhenMuted: false,
      request: (d) => ({
        receiver: r.name,
        integration: 'slack',
        index,
        url: c.apiUrl,
        headers: authHeaders(c.httpConfig),
        body: buildSlackBody(d, c),
        timeoutMs: 0,
      }),
    }),
  );
  return out;
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
