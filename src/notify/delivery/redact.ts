/**
 * Secrets never leave this folder in a log line, an error message or an observer event.
 *
 * What is secret in an outbound request: the PagerDuty routing key (in the body), the whole URL of a
 * Slack incoming webhook and of a generic webhook (tokens live in paths and queries, credentials in
 * the userinfo), every header value (bearer tokens, basic auth). What is not: the receiver name, the
 * integration and its index, a webhook's host, a Slack channel named in the body, PagerDuty's
 * `event_action` and `dedup_key` (a hash of the group key).
 *
 * Every message this folder produces is built from a `RequestSummary` plus text that went through
 * `scrubber(req)`, which removes the request's own secret values and anything shaped like a URL or a
 * Slack token: vendors echo input back in error bodies, and Node's network errors can quote the URL.
 */
import { createHash } from 'node:crypto';
import type { IntegrationKind, OutboundRequest } from '../transport.js';

export interface RequestSummary {
  readonly receiver: string;
  readonly integration: IntegrationKind;
  readonly index: number;
  /** What identifies the destination. Its value is never shown; `destinationId` stands for it. */
  readonly destination: 'routing key' | 'slack channel' | 'webhook url';
  /** First 8 hex digits of a SHA-256 over the destination's identity: stable, one-way. */
  readonly destinationId: string;
  /** Webhooks only: host and port of the URL, nothing else of it. */
  readonly host?: string;
  /** Slack only: the `channel` named in the body (an ID or a name), when there is one. */
  readonly channel?: string;
  /** Slack Web API only: the method called (`chat.postMessage`, `chat.update`). */
  readonly slackMethod?: string;
  /** PagerDuty only. */
  readonly eventAction?: string;
  /** PagerDuty only: the dedup key (a hash of the group key, not a secret). */
  readonly dedupKey?: string;
}

/** SHA-256, first `n` hex digits. */
export function shortHash(text: string, n = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, n);
}

function bodyField(body: unknown, name: string): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const v = (body as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
}

export function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** `chat.postMessage` for `https://slack.com/api/chat.postMessage`; undefined for incoming webhooks. */
export function slackApiMethod(url: string): string | undefined {
  const u = parseUrl(url);
  if (!u) return undefined;
  const m = /\/api\/([A-Za-z]+\.[A-Za-z.]+)\/?$/.exec(u.pathname);
  return m?.[1];
}

/**
 * The destination's identity, secret included; only ever hashed. Requests with the same identity share
 * a queue (FIFO, one at a time) and a rate limit:
 * - PagerDuty: the routing key (PagerDuty's limit is per integration key; its dedup applies per key);
 * - Slack: the channel, within one workspace credential. For the Web API the credential is the
 *   origin plus the Authorization header, not the URL, so `chat.postMessage` and the `chat.update`
 *   that follows it share a queue; for an incoming webhook it is the whole URL (one URL, one channel);
 * - webhook: the URL.
 */
export function destinationIdentity(req: OutboundRequest): string {
  switch (req.integration) {
    case 'pagerduty':
      return 'pagerduty\0' + (bodyField(req.body, 'routing_key') ?? req.url);
    case 'slack': {
      const channel = bodyField(req.body, 'channel') ?? '';
      const auth = headerValue(req.headers, 'authorization') ?? '';
      if (slackApiMethod(req.url) !== undefined) {
        const origin = parseUrl(req.url)?.origin ?? req.url;
        return `slack\0${origin}\0${auth}\0${channel}`;
      }
      return `slack\0${req.url}\0${auth}\0${channel}`;
    }
    case 'webhook':
      return 'webhook\0' + req.url;
  }
}

function headerValue(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  for (const k of Object.keys(headers)) if (k.toLowerCase() === name) return headers[k];
  return undefined;
}

/** A description of `req` that is safe to log: see the module comment for what it leaves out. */
export function describeRequest(req: OutboundRequest, destinationId = shortHash(destinationIdentity(req))): RequestSummary {
  const base = { receiver: req.receiver, integration: req.integration, index: req.index, destinationId };
  switch (req.integration) {
    case 'pagerduty': {
      const eventAction = bodyField(req.body, 'event_action');
      const dedupKey = bodyField(req.body, 'dedup_key');
      return {
        ...base,
        destination: 'routing key',
        ...(eventAction !== undefined ? { eventAction } : {}),
        ...(dedupKey !== undefined ? { dedupKey } : {}),
      };
    }
    case 'slack': {
      const channel = bodyField(req.body, 'channel');
      const slackMethod = slackApiMethod(req.url);
      return {
        ...base,
        destination: 'slack channel',
        ...(channel !== undefined ? { channel } : {}),
        ...(slackMethod !== undefined ? { slackMethod } : {}),
      };
    }
    case 'webhook': {
      const host = parseUrl(req.url)?.host;
      return { ...base, destination: 'webhook url', ...(host ? { host } : {}) };
    }
  }
}

/** One line for error messages: `pagerduty[0] of receiver "team-a" (routing key #1a2b3c4d)`. */
export function formatSummary(s: RequestSummary): string {
  let where: string;
  if (s.integration === 'webhook') where = `host ${s.host ?? '?'} #${s.destinationId}`;
  else if (s.integration === 'slack')
    where = `${s.slackMethod ?? 'incoming webhook'}${s.channel ? ` channel ${s.channel}` : ''} #${s.destinationId}`;
  else where = `routing key #${s.destinationId}`;
  return `${s.integration}[${s.index}] of receiver ${JSON.stringify(s.receiver)} (${where})`;
}

const URL_RE = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;
const SLACK_TOKEN_RE = /\bxox[a-z]-[A-Za-z0-9-]+/g;
const MIN_SECRET_LENGTH = 4;

/** Longest first, so a secret that contains another is removed whole. */
function secretsOf(req: OutboundRequest): string[] {
  const out = new Set<string>();
  const add = (s: string | undefined) => {
    if (s && s.length >= MIN_SECRET_LENGTH) out.add(s);
  };
  add(req.url);
  const u = parseUrl(req.url);
  if (u) {
    add(u.pathname.length > 1 ? u.pathname : undefined);
    add(u.search);
    add(u.username);
    add(u.password);
    add(safeDecode(u.username));
    add(safeDecode(u.password));
    for (const seg of u.pathname.split('/')) add(seg.length >= 8 ? seg : undefined);
    for (const [, v] of u.searchParams) add(v);
  }
  add(bodyField(req.body, 'routing_key'));
  add(bodyField(req.body, 'service_key'));
  add(bodyField(req.body, 'token'));
  for (const v of Object.values(req.headers)) {
    add(v);
    // `Bearer xoxb-…`, `Basic dXNlcjpwYXNz`: the credential alone may be echoed back.
    const sp = v.indexOf(' ');
    if (sp > 0) add(v.slice(sp + 1).trim());
  }
  return [...out].sort((a, b) => b.length - a.length);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export type Scrub = (text: string) => string;

/**
 * A function that removes `req`'s secrets, any URL and any Slack token from a text, and caps its
 * length. Build it once per request (it precomputes the list).
 */
export function scrubber(req: OutboundRequest, maxLength = 200): Scrub {
  let secrets: string[] | undefined;
  return (text: string) => {
    secrets ??= secretsOf(req);
    // Whole URLs first (they usually hold the secrets), then whatever secret is left standing alone.
    let t = text.replace(URL_RE, '<url>').replace(SLACK_TOKEN_RE, '<token>');
    for (const s of secrets) if (t.includes(s)) t = t.split(s).join('<redacted>');
    // Control characters (and newlines) make log lines ambiguous.
    t = t.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
    return t.length > maxLength ? t.slice(0, maxLength - 1) + '…' : t;
  };
}
