import { describe, expect, it } from 'vitest';
import {
  NETWORK_ERRORS,
  RETRY_TABLES,
  SLACK_API_ERRORS,
  type Verdict,
  classify,
} from '../../../src/notify/delivery/retryTables.js';
import { scrubber } from '../../../src/notify/delivery/redact.js';
import type { IntegrationKind } from '../../../src/notify/transport.js';
import { pdRequest, response, slackRequest } from './helpers.js';

const NOW = Date.parse('2026-11-28T12:00:00Z');
const noScrub = (s: string) => s;
const HOOK = 'https://hooks.slack.com/services/T0/B0/XXXX';
const API = 'https://slack.com/api/chat.postMessage';

function c(kind: IntegrationKind, status: number, body = '', contentType = 'application/json', retryAfter: string | null = null, url = 'http://x/'): Verdict {
  return classify(kind, url, response(status, body, contentType, retryAfter), NOW, noScrub);
}

const outcome = (v: Verdict) => (v.ok ? 'ok' : v.retriable ? 'retry' : 'fatal');

describe('retry tables', () => {
  it('cite a source on every row', () => {
    for (const rows of Object.values(RETRY_TABLES)) for (const r of rows) expect(r.doc.length).toBeGreaterThan(20);
    for (const r of SLACK_API_ERRORS) expect(r.doc.length).toBeGreaterThan(20);
    for (const r of NETWORK_ERRORS) expect(r.doc.length).toBeGreaterThan(20);
  });

  it('webhook: Alertmanager notify.Retrier (2xx ok, 5xx retried, everything else not)', () => {
    expect([200, 202, 204, 299].map((s) => outcome(c('webhook', s)))).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect([500, 502, 503, 504, 599].map((s) => outcome(c('webhook', s)))).toEqual(Array(5).fill('retry'));
    expect([400, 401, 404, 413, 429, 301, 100].map((s) => outcome(c('webhook', s)))).toEqual(Array(7).fill('fatal'));
  });

  it('PagerDuty Events v2: 202 ok with the dedup key, 400 fatal, 429 and 5xx retried', () => {
    const ok = c('pagerduty', 202, '{"status":"success","message":"Event processed","dedup_key":"srv01/HTTP"}');
    expect(ok).toMatchObject({ ok: true, value: { status: 202, response: { kind: 'pagerduty', dedupKey: 'srv01/HTTP' } } });
    const bad = c('pagerduty', 400, '{"status":"invalid event","message":"Event object is invalid","errors":["Length of \'routing_key\' is incorrect"]}');
    expect(bad).toMatchObject({ ok: false, retriable: false, status: 400 });
    expect(!bad.ok && bad.reason).toBe("HTTP 400 invalid event: Event object is invalid; Length of 'routing_key' is incorrect");
    const limited = c('pagerduty', 429, '', 'application/json', '30');
    expect(limited).toMatchObject({ ok: false, retriable: true, retryAfterMs: 30_000 });
    expect([500, 502, 503].map((s) => outcome(c('pagerduty', s)))).toEqual(['retry', 'retry', 'retry']);
    expect([401, 403, 404, 413].map((s) => outcome(c('pagerduty', s)))).toEqual(Array(4).fill('fatal'));
  });

  it('Slack incoming webhook: 200 "ok"; 4xx tokens fatal; 429 and 5xx retried', () => {
    expect(outcome(c('slack', 200, 'ok', 'text/html', null, HOOK))).toBe('ok');
    const odd = c('slack', 200, 'something else', 'text/html', null, HOOK);
    expect(outcome(odd)).toBe('fatal');
    for (const [status, token] of [
      [400, 'invalid_payload'],
      [400, 'user_not_found'],
      [403, 'action_prohibited'],
      [403, 'invalid_token'],
      [404, 'channel_not_found'],
      [404, 'no_service'],
      [410, 'channel_is_archived'],
    ] as const) {
      const v = c('slack', status, token, 'text/html', null, HOOK);
      expect(outcome(v)).toBe('fatal');
      expect(!v.ok && v.reason).toContain(token);
    }
    const limited = c('slack', 429, 'rate_limited', 'text/html', '1', HOOK);
    expect(limited).toMatchObject({ ok: false, retriable: true, retryAfterMs: 1000 });
    expect(outcome(c('slack', 500, 'rollup_error', 'text/html', null, HOOK))).toBe('retry');
    expect(outcome(c('slack', 503, '', 'text/html', null, HOOK))).toBe('retry');
  });

  it('Slack Web API: ok:true returns channel and ts', () => {
    const v = c('slack', 200, '{"ok":true,"channel":"C024BE91L","ts":"1401383885.000061","message":{}}', 'application/json; charset=utf-8', null, API);
    expect(v).toMatchObject({ ok: true, value: { status: 200, response: { kind: 'slack', channel: 'C024BE91L', ts: '1401383885.000061' } } });
  });

  it('Slack Web API: ok:false classified by error token', () => {
    const retriable = ['ratelimited', 'rate_limited', 'service_unavailable', 'internal_error'];
    const fatal = [
      'not_in_channel',
      'channel_not_found',
      'invalid_auth',
      'msg_too_long',
      'no_text',
      'cant_update_message',
      'message_not_found',
      'edit_window_closed',
      'some_future_error',
    ];
    for (const e of retriable) expect(outcome(c('slack', 200, JSON.stringify({ ok: false, error: e }), 'application/json', null, API))).toBe('retry');
    for (const e of fatal) {
      const v = c('slack', 200, JSON.stringify({ ok: false, error: e }), 'application/json', null, API);
      expect(outcome(v)).toBe('fatal');
      expect(!v.ok && v.reason).toContain(e);
    }
    // Slack usually sends `ratelimited` with HTTP 429 and Retry-After.
    const limited = c('slack', 429, '{"ok":false,"error":"ratelimited"}', 'application/json', '3', API);
    expect(limited).toMatchObject({ ok: false, retriable: true, retryAfterMs: 3000 });
    const ratelimited200 = c('slack', 200, '{"ok":false,"error":"ratelimited"}', 'application/json', '2', API);
    expect(ratelimited200).toMatchObject({ ok: false, retriable: true, retryAfterMs: 2000 });
  });

  it('network errors: retried, except a request that cannot be built', () => {
    const n = (code: string) => classify('webhook', 'http://x/', { type: 'error', code }, NOW, noScrub);
    for (const code of ['TIMEOUT', 'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UNKNOWN', 'EWHATEVER']) {
      expect(outcome(n(code))).toBe('retry');
    }
    expect(outcome(n('INVALID_REQUEST'))).toBe('fatal');
    expect(!n('ECONNREFUSED').ok && (n('ECONNREFUSED') as { reason: string }).reason).toBe('connection refused (ECONNREFUSED)');
    expect((n('TIMEOUT') as { reason: string }).reason).toBe('timeout');
  });

  it('scrubs secrets that a vendor echoes back in an error body', () => {
    const key = 'R0UTINGKEY0123456789abcdefABCDEF';
    const req = pdRequest('https://events.pagerduty.com/v2/enqueue', key, 'd1');
    const v = classify(
      'pagerduty',
      req.url,
      response(400, JSON.stringify({ status: 'invalid event', message: `routing_key ${key} is unknown`, errors: [`see https://events.pagerduty.com/x?k=${key}`] })),
      NOW,
      scrubber(req),
    );
    expect(!v.ok && v.reason).not.toContain(key);
    expect(!v.ok && v.reason).toContain('<redacted>');
    const slack = slackRequest(HOOK, '#alerts');
    const s = classify('slack', HOOK, response(400, `bad payload for ${HOOK}`, 'text/plain'), NOW, scrubber(slack));
    expect(!s.ok && s.reason).not.toContain('XXXX');
  });
});
