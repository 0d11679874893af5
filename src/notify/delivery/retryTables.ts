/**
 * Whether a delivery attempt succeeded, failed for now (retry) or failed for good (do not retry), per
 * integration: one table per vendor, each row citing the documentation (or Alertmanager source) it
 * follows. First matching row wins. `classify` is pure: the HTTP layer hands it what came back, it
 * answers with an `Attempt` the retrier understands.
 *
 * Where we differ from Alertmanager, the row says so: Alertmanager's Slack notifier retries only 5xx
 * (`notify/slack/slack.go` uses a bare `notify.Retrier{}`), we also retry Slack's 429 and its
 * `ratelimited` error, because Slack documents both as "wait Retry-After seconds and retry".
 */
import type { IntegrationKind } from '../transport.js';
import { type Scrub, slackApiMethod } from './redact.js';
import type { DeliveryResponse } from './result.js';
import { type AttemptFailure, parseRetryAfter } from './retrier.js';

/** What one HTTP attempt produced, before any interpretation. */
export type RawOutcome =
  | {
      readonly type: 'response';
      readonly status: number;
      /** Lower-cased `Content-Type`, '' when absent. */
      readonly contentType: string;
      readonly retryAfter: string | null;
      /** The body as text, truncated by the HTTP layer. */
      readonly body: string;
    }
  | {
      readonly type: 'error';
      /** `TIMEOUT`, `INVALID_REQUEST`, a Node/undici error code (`ECONNREFUSED`, `UND_ERR_SOCKET`, …) or `UNKNOWN`. */
      readonly code: string;
    };

export type RowOutcome = 'ok' | 'retry' | 'fatal';

export interface StatusRow {
  /** One status code, or an inclusive range. */
  readonly status: number | readonly [number, number];
  readonly outcome: RowOutcome;
  readonly reason: string;
  /** Where the rule comes from. */
  readonly doc: string;
}

export interface TokenRow {
  /** Slack's `error` token (Web API) or body text (incoming webhook). */
  readonly error: string;
  readonly outcome: Exclude<RowOutcome, 'ok'>;
  readonly reason: string;
  readonly doc: string;
}

export interface NetworkRow {
  /** Error codes this row covers; `*` matches any code not listed above it. */
  readonly codes: readonly string[];
  readonly outcome: Exclude<RowOutcome, 'ok'>;
  readonly reason: string;
  readonly doc: string;
}

const AM_RETRIER =
  'Alertmanager notify/util.go Retrier.Check: "2xx responses are considered to be always successful", "5xx responses are considered to be always retried", other codes only if listed in RetryCodes';
const PD_OVERVIEW =
  'PagerDuty developer-docs events-API-v2/01-Overview.md, "Response Codes & Retry Logic" (https://developer.pagerduty.com/docs/events-api-v2/overview/#response-codes--retry-logic)';
const PD_RATE = 'PagerDuty developer-docs events-API-v2/05-Rate-Limits.md: "429 - Request Limit Exceeded"; "We suggest retrying 3 times with each request being 30 seconds apart"';
const SLACK_HOOK_ERRORS =
  'Slack changelog 2016-05-17 "Improving error conditions for Incoming Webhooks" (https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks)';
const SLACK_HOOKS = 'Slack "Sending messages using incoming webhooks" (https://api.slack.com/messaging/webhooks#handling_errors)';
const SLACK_RATE =
  'Slack "Rate limits" (https://api.slack.com/docs/rate-limits): HTTP 429 "Too Many Requests" with Retry-After seconds; posting messages ~1 per second per channel, short bursts allowed';
const SLACK_METHOD = (m: string) => `Slack ${m} reference, Errors (https://api.slack.com/methods/${m}#errors)`;
const SLACK_WEB_API = 'Slack "Using the Slack Web API", Evaluating responses (https://api.slack.com/web#responses): HTTP 200 with {"ok": false, "error": "…"}';

/** Alertmanager `webhook_config`: exactly `notify.Retrier{}` (no extra retry codes). */
export const WEBHOOK_STATUS: readonly StatusRow[] = [
  { status: [200, 299], outcome: 'ok', reason: 'accepted', doc: AM_RETRIER },
  { status: [500, 599], outcome: 'retry', reason: 'server error', doc: `${AM_RETRIER}; notify/webhook/webhook.go: "5xx response codes are assumed to be recoverable"` },
  // A 429 is not retried either: Alertmanager's webhook notifier lists no RetryCodes.
  { status: [400, 499], outcome: 'fatal', reason: 'client error', doc: AM_RETRIER },
  { status: [100, 399], outcome: 'fatal', reason: 'unexpected status', doc: AM_RETRIER },
];

/** PagerDuty Events API v2 (`/v2/enqueue`). */
export const PAGERDUTY_STATUS: readonly StatusRow[] = [
  { status: 202, outcome: 'ok', reason: 'event accepted', doc: `${PD_OVERVIEW}: 202 Accepted, retry: No` },
  { status: [200, 299], outcome: 'ok', reason: 'accepted', doc: AM_RETRIER },
  { status: 400, outcome: 'fatal', reason: 'invalid event', doc: `${PD_OVERVIEW}: 400 Bad Request "Check that the JSON is valid", retry: No` },
  { status: 429, outcome: 'retry', reason: 'too many requests', doc: `${PD_OVERVIEW}: 429, retry: "Yes - retry after some time"; ${PD_RATE}; Alertmanager notify/pagerduty/pagerduty.go RetryCodes: [429]` },
  { status: [500, 599], outcome: 'retry', reason: 'server error', doc: `${PD_OVERVIEW}: "500 or other 5XX", retry: "Yes - retry after some time"` },
  { status: [400, 499], outcome: 'fatal', reason: 'client error', doc: AM_RETRIER },
  { status: [100, 399], outcome: 'fatal', reason: 'unexpected status', doc: AM_RETRIER },
];

/** Slack incoming webhook (`https://hooks.slack.com/services/…`): status code plus a text token. */
export const SLACK_WEBHOOK_STATUS: readonly StatusRow[] = [
  // The body must also be the text `ok`: see SLACK_WEBHOOK_BODY.
  { status: 200, outcome: 'ok', reason: 'posted', doc: `${SLACK_HOOKS}; Alertmanager notify/slack/slack.go checkTextResponseError` },
  { status: 429, outcome: 'retry', reason: 'rate limited', doc: `${SLACK_RATE}; Alertmanager does not retry this (bare Retrier) - we follow Slack` },
  { status: 400, outcome: 'fatal', reason: 'bad request', doc: `${SLACK_HOOK_ERRORS}: 400 invalid_payload, user_not_found` },
  { status: 403, outcome: 'fatal', reason: 'forbidden', doc: `${SLACK_HOOK_ERRORS}: 403 action_prohibited; ${SLACK_HOOKS}: invalid_token` },
  { status: 404, outcome: 'fatal', reason: 'not found', doc: `${SLACK_HOOK_ERRORS}: 404 channel_not_found; ${SLACK_HOOKS}: no_service` },
  { status: 410, outcome: 'fatal', reason: 'gone', doc: `${SLACK_HOOK_ERRORS}: 410 channel_is_archived` },
  { status: [500, 599], outcome: 'retry', reason: 'server error', doc: `${SLACK_HOOK_ERRORS}: 500 rollup_error "likely not your fault"; ${AM_RETRIER}` },
  { status: [200, 299], outcome: 'fatal', reason: 'unexpected status', doc: `${SLACK_HOOKS}: success is HTTP 200 "ok"` },
  { status: [400, 499], outcome: 'fatal', reason: 'client error', doc: AM_RETRIER },
  { status: [100, 399], outcome: 'fatal', reason: 'unexpected status', doc: AM_RETRIER },
];

/** Slack Web API (`chat.postMessage`, `chat.update`): HTTP status first, then the JSON `ok`/`error`. */
export const SLACK_API_STATUS: readonly StatusRow[] = [
  // `{ok: true}` is success; `{ok: false, error}` goes to SLACK_API_ERRORS.
  { status: 200, outcome: 'ok', reason: 'answered', doc: SLACK_WEB_API },
  { status: 429, outcome: 'retry', reason: 'rate limited', doc: `${SLACK_RATE}; ${SLACK_METHOD('chat.postMessage')}: ratelimited` },
  { status: [500, 599], outcome: 'retry', reason: 'server error', doc: AM_RETRIER },
  { status: [200, 299], outcome: 'fatal', reason: 'unexpected status', doc: SLACK_WEB_API },
  { status: [400, 499], outcome: 'fatal', reason: 'client error', doc: AM_RETRIER },
  { status: [100, 399], outcome: 'fatal', reason: 'unexpected status', doc: AM_RETRIER },
];

const PM = SLACK_METHOD('chat.postMessage');
const UPD = SLACK_METHOD('chat.update');

/**
 * Slack Web API `error` tokens. Tokens not listed are fatal, as in Alertmanager (a JSON `ok: false` is
 * never retried there): a request Slack understood and refused will be refused again.
 */
export const SLACK_API_ERRORS: readonly TokenRow[] = [
  { error: 'ratelimited', outcome: 'retry', reason: 'rate limited', doc: `${PM}: "The request has been ratelimited. Refer to the Retry-After header"; ${SLACK_RATE}` },
  { error: 'rate_limited', outcome: 'retry', reason: 'rate limited', doc: `${PM}: "Application has posted too many messages"` },
  { error: 'service_unavailable', outcome: 'retry', reason: 'service unavailable', doc: `${PM}: "The service is temporarily unavailable"` },
  { error: 'internal_error', outcome: 'retry', reason: 'internal error', doc: `${PM}: "likely due to a transient issue on our end"` },
  { error: 'fatal_error', outcome: 'retry', reason: 'Slack-side error', doc: `${PM}: "The server could not complete your operation(s) without encountering a catastrophic error" - transient on Slack's side, so retried` },
  { error: 'request_timeout', outcome: 'retry', reason: 'request timeout', doc: `${PM}: "The method was called via a POST request, but the POST data was either missing or truncated"` },
  { error: 'not_in_channel', outcome: 'fatal', reason: 'bot is not in the channel', doc: `${PM}: not_in_channel` },
  { error: 'channel_not_found', outcome: 'fatal', reason: 'channel not found', doc: `${PM}; ${UPD}: channel_not_found` },
  { error: 'is_archived', outcome: 'fatal', reason: 'channel is archived', doc: `${PM}: is_archived` },
  { error: 'invalid_auth', outcome: 'fatal', reason: 'invalid authentication', doc: `${PM}: invalid_auth` },
  { error: 'not_authed', outcome: 'fatal', reason: 'no authentication', doc: `${PM}: not_authed` },
  { error: 'account_inactive', outcome: 'fatal', reason: 'token of an inactive account', doc: `${PM}: account_inactive` },
  { error: 'token_revoked', outcome: 'fatal', reason: 'token revoked', doc: `${PM}: token_revoked` },
  { error: 'token_expired', outcome: 'fatal', reason: 'token expired', doc: `${PM}: token_expired` },
  { error: 'missing_scope', outcome: 'fatal', reason: 'token lacks a scope', doc: `${PM}: missing_scope` },
  { error: 'msg_too_long', outcome: 'fatal', reason: 'message too long', doc: `${PM}; ${UPD}: msg_too_long` },
  { error: 'no_text', outcome: 'fatal', reason: 'no text', doc: `${PM}; ${UPD}: no_text` },
  { error: 'invalid_blocks', outcome: 'fatal', reason: 'invalid blocks', doc: `${PM}: invalid_blocks` },
  { error: 'too_many_attachments', outcome: 'fatal', reason: 'too many attachments', doc: `${PM}: too_many_attachments` },
  { error: 'cant_update_message', outcome: 'fatal', reason: 'message cannot be updated', doc: `${UPD}: cant_update_message` },
  { error: 'message_not_found', outcome: 'fatal', reason: 'message not found', doc: `${UPD}: message_not_found` },
  { error: 'edit_window_closed', outcome: 'fatal', reason: 'edit window closed', doc: `${UPD}: edit_window_closed` },
];

/**
 * Errors before any HTTP answer. Alertmanager retries every client error (`notify/webhook/webhook.go`,
 * `notify/slack/slack.go`: `if err != nil { return true, … }`); PagerDuty's table says "Network Error:
 * Yes - retry after some time". The one exception: a request `fetch` refuses to build (bad URL, bad
 * header) never reaches the network and never will.
 */
export const NETWORK_ERRORS: readonly NetworkRow[] = [
  { codes: ['TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT'], outcome: 'retry', reason: 'timeout', doc: `${PD_OVERVIEW}: Network Error, retry: Yes; Alertmanager retries a context deadline` },
  { codes: ['ECONNREFUSED'], outcome: 'retry', reason: 'connection refused', doc: `${PD_OVERVIEW}: Network Error, retry: Yes; Alertmanager notify/webhook/webhook.go` },
  { codes: ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'], outcome: 'retry', reason: 'connection reset', doc: `${PD_OVERVIEW}: Network Error, retry: Yes` },
  { codes: ['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME'], outcome: 'retry', reason: 'DNS lookup failed', doc: `${PD_OVERVIEW}: Network Error, retry: Yes (a name that does not resolve now may resolve on the next try)` },
  { codes: ['EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN'], outcome: 'retry', reason: 'network unreachable', doc: `${PD_OVERVIEW}: Network Error, retry: Yes` },
  { codes: ['INVALID_REQUEST'], outcome: 'fatal', reason: 'request could not be built (URL or headers)', doc: 'WHATWG fetch throws a TypeError before any I/O; the same request can never be sent' },
  { codes: ['*'], outcome: 'retry', reason: 'network error', doc: `${PD_OVERVIEW}: Network Error, retry: Yes; Alertmanager retries every client error` },
];

export type TableId = 'webhook' | 'pagerduty' | 'slack-webhook' | 'slack-api';

export const RETRY_TABLES: { readonly [K in TableId]: readonly StatusRow[] } = {
  webhook: WEBHOOK_STATUS,
  pagerduty: PAGERDUTY_STATUS,
  'slack-webhook': SLACK_WEBHOOK_STATUS,
  'slack-api': SLACK_API_STATUS,
};

export function statusRow(table: readonly StatusRow[], status: number): StatusRow | undefined {
  for (const row of table) {
    const s = row.status;
    if (typeof s === 'number' ? s === status : status >= s[0] && status <= s[1]) return row;
  }
  return undefined;
}

export function networkRow(code: string): NetworkRow {
  for (const row of NETWORK_ERRORS) if (row.codes.includes(code)) return row;
  return NETWORK_ERRORS[NETWORK_ERRORS.length - 1]!;
}

export function slackErrorRow(error: string): TokenRow | undefined {
  return SLACK_API_ERRORS.find((r) => r.error === error);
}

/** What a successful attempt yields. */
export interface Accepted {
  readonly status: number;
  readonly response?: DeliveryResponse;
}

/** An attempt's verdict, with the citation of the row that decided it. */
export type Verdict = ({ readonly ok: true; readonly value: Accepted } | AttemptFailure) & { readonly doc: string };

const UNMATCHED: StatusRow = { status: 0, outcome: 'fatal', reason: 'unexpected status', doc: AM_RETRIER };

/**
 * Classifies one attempt. `scrub` removes the request's secrets from any vendor text quoted in the
 * reason; `now` turns a Retry-After date into a wait.
 */
export function classify(kind: IntegrationKind, url: string, raw: RawOutcome, now: number, scrub: Scrub): Verdict {
  if (raw.type === 'error') {
    const row = networkRow(raw.code);
    const code = raw.code === 'TIMEOUT' || raw.code === 'INVALID_REQUEST' ? '' : ` (${raw.code})`;
    return { ok: false, retriable: row.outcome === 'retry', reason: row.reason + code, code: raw.code, doc: row.doc };
  }
  const { status } = raw;
  const retryAfterMs = parseRetryAfter(raw.retryAfter, now);
  const fail = (row: { outcome: RowOutcome; reason: string; doc: string }, detail = ''): Verdict => ({
    ok: false,
    retriable: row.outcome === 'retry',
    reason: `HTTP ${status} ${row.reason}${detail ? `: ${detail}` : ''}`,
    status,
    ...(row.outcome === 'retry' && retryAfterMs !== undefined ? { retryAfterMs } : {}),
    doc: row.doc,
  });

  switch (kind) {
    case 'webhook': {
      const row = statusRow(WEBHOOK_STATUS, status) ?? UNMATCHED;
      return row.outcome === 'ok' ? { ok: true, value: { status }, doc: row.doc } : fail(row);
    }
    case 'pagerduty': {
      const row = statusRow(PAGERDUTY_STATUS, status) ?? UNMATCHED;
      const json = parseJsonObject(raw.body);
      if (row.outcome === 'ok') {
        const dedupKey = typeof json?.dedup_key === 'string' ? json.dedup_key : undefined;
        return {
          ok: true,
          value: { status, ...(dedupKey !== undefined ? { response: { kind: 'pagerduty', dedupKey } } : {}) },
          doc: row.doc,
        };
      }
      return fail(row, pagerdutyDetail(json, scrub));
    }
    case 'slack':
      return classifySlack(url, raw, status, retryAfterMs, scrub, fail);
  }
}

function classifySlack(
  url: string,
  raw: Extract<RawOutcome, { type: 'response' }>,
  status: number,
  retryAfterMs: number | undefined,
  scrub: Scrub,
  fail: (row: { outcome: RowOutcome; reason: string; doc: string }, detail?: string) => Verdict,
): Verdict {
  // Alertmanager tells the two apart by Content-Type (notify/slack/slack.go); a Web API URL answering
  // with a JSON body that lacks the header is treated as the Web API too.
  const json = parseJsonObject(raw.body);
  const isApi = typeof json?.ok === 'boolean' && (raw.contentType.startsWith('application/json') || slackApiMethod(url) !== undefined);
  if (isApi) {
    const row = statusRow(SLACK_API_STATUS, status) ?? UNMATCHED;
    const error = typeof json?.error === 'string' ? json.error : undefined;
    if (row.outcome === 'ok') {
      if (json?.ok === true) {
        const channel = json.channel;
        const ts = json.ts;
        return {
          ok: true,
          value: {
            status,
            ...(typeof channel === 'string' && typeof ts === 'string' ? { response: { kind: 'slack', channel, ts } } : {}),
          },
          doc: row.doc,
        };
      }
      const token = error && /^[a-z0-9_]{1,64}$/.test(error) ? error : 'unknown_error';
      const tokenRow = slackErrorRow(token) ?? {
        error: token,
        outcome: 'fatal',
        reason: 'error',
        doc: `${SLACK_WEB_API}; an ok:false is never retried by Alertmanager (checkJSONResponseError)`,
      };
      return {
        ok: false,
        retriable: tokenRow.outcome === 'retry',
        reason: `slack error ${token} (${tokenRow.reason})`,
        status,
        ...(tokenRow.outcome === 'retry' && retryAfterMs !== undefined ? { retryAfterMs } : {}),
        doc: tokenRow.doc,
      };
    }
    return fail(row, error ? scrub(error) : '');
  }
  const row = statusRow(SLACK_WEBHOOK_STATUS, status) ?? UNMATCHED;
  const text = raw.body.trim();
  if (row.outcome === 'ok') {
    if (text === 'ok') return { ok: true, value: { status }, doc: row.doc };
    return {
      ok: false,
      retriable: false,
      reason: `HTTP ${status} with an unexpected body${text ? `: ${scrub(text)}` : ' (empty)'}`,
      status,
      doc: `${SLACK_HOOKS}; Alertmanager notify/slack/slack.go checkTextResponseError: anything but "ok" is a non-retriable error`,
    };
  }
  return fail(row, /^[a-z0-9_]{1,64}$/.test(text) ? text : text ? scrub(text) : '');
}

function parseJsonObject(body: string): Record<string, unknown> | undefined {
  const t = body.trimStart();
  if (!t.startsWith('{')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** PagerDuty's error body `{status, message, errors: [...]}`, scrubbed (it may echo the event back). */
function pagerdutyDetail(json: Record<string, unknown> | undefined, scrub: Scrub): string {
  if (!json) return '';
  const parts: string[] = [];
  if (typeof json.message === 'string') parts.push(json.message);
  if (Array.isArray(json.errors)) for (const e of json.errors.slice(0, 3)) if (typeof e === 'string') parts.push(e);
  return parts.length > 0 ? scrub(parts.join('; ')) : '';
}
