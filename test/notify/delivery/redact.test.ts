/**
 * Secrets (PagerDuty routing keys, Slack tokens and webhook URLs, webhook paths, queries and
 * credentials) never appear in a result, an error, an observer event or the stats — checked by
 * running failures of every kind against real local sockets and searching everything captured.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WallClock } from '../../../src/state/clock.js';
import { Outbox } from '../../../src/notify/delivery/outbox.js';
import { describeRequest, formatSummary, scrubber } from '../../../src/notify/delivery/redact.js';
import { type TestServer, closedPort, json, pdRequest, slackRequest, startServer, text, webhookRequest } from './helpers.js';
import type { OutboundRequest } from '../../../src/notify/transport.js';

const PD_KEY = 'PDSECRETROUTINGKEY00000000000001';
const BOT_TOKEN = 'xoxb-111111111111-SLACKBOTSECRET';
const HOOK_PATH = 'T0SECRETTEAM/B0SECRETBOT/SLACKHOOKSECRETXXXXXXXX';
const WEBHOOK_PATH = 'hooksecretpath0123';
const WEBHOOK_QUERY = 'sigsecret0123456789';
const WEBHOOK_PASSWORD = 'webhookpassword99';
const BASIC = Buffer.from('alice:basicsecret42').toString('base64');
const SECRETS = [PD_KEY, BOT_TOKEN, 'SLACKBOTSECRET', HOOK_PATH, 'SLACKHOOKSECRETXXXXXXXX', WEBHOOK_PATH, WEBHOOK_QUERY, WEBHOOK_PASSWORD, BASIC, 'basicsecret42'];

const servers: TestServer[] = [];
let clock: WallClock | undefined;
afterEach(async () => {
  clock?.stopAll();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('describeRequest / scrubber', () => {
  it('keeps what identifies the integration and drops the secrets', () => {
    const pd = describeRequest(pdRequest('https://events.pagerduty.com/v2/enqueue', PD_KEY, 'abc'));
    expect(pd).toEqual({
      receiver: 'team-pager',
      integration: 'pagerduty',
      index: 0,
      destination: 'routing key',
      destinationId: expect.stringMatching(/^[0-9a-f]{8}$/),
      eventAction: 'trigger',
      dedupKey: 'abc',
    });
    const hook = describeRequest(webhookRequest(`http://u:${WEBHOOK_PASSWORD}@hooks.example:8443/${WEBHOOK_PATH}?sig=${WEBHOOK_QUERY}`, 'g'));
    expect(hook).toMatchObject({ integration: 'webhook', host: 'hooks.example:8443', destination: 'webhook url' });
    const slack = describeRequest(slackRequest(`https://hooks.slack.com/services/${HOOK_PATH}`, '#alerts'));
    expect(slack).toMatchObject({ integration: 'slack', channel: '#alerts', destination: 'slack channel' });
    expect(formatSummary(slack)).toMatch(/^slack\[0\] of receiver "team-chat" \(incoming webhook channel #alerts #[0-9a-f]{8}\)$/);
    for (const s of [pd, hook, slack].map((x) => JSON.stringify(x) + formatSummary(x))) for (const secret of SECRETS) expect(s).not.toContain(secret);
  });

  it('scrubs the request secrets, any URL and any Slack token out of free text', () => {
    const req: OutboundRequest = slackRequest('https://slack.com/api/chat.postMessage', 'C1', {
      headers: { authorization: `Bearer ${BOT_TOKEN}` },
    });
    const scrub = scrubber(req);
    const out = scrub(`token ${BOT_TOKEN} refused at https://slack.com/api/chat.postMessage?x=1, also xoxp-999-abc\nnext line`);
    expect(out).toBe('token <token> refused at <url> also <token> next line');
    // a credential that does not look like a Slack token is still known from the header it came in
    const opaque = scrubber(slackRequest('https://slack.com/api/chat.update', 'C1', { headers: { authorization: 'Bearer opaque-SECRETVALUE-123' } }));
    expect(opaque('rejected opaque-SECRETVALUE-123')).toBe('rejected <redacted>');
    expect(scrubber(req, 10)('a'.repeat(50))).toBe('aaaaaaaaa…');
  });
});

describe('no secret in any error message or observer event', () => {
  it('across fatal answers, retries, timeouts, refused connections and unbuildable requests', async () => {
    const echo = await startServer((r, res) => {
      // An unhelpful vendor that echoes the whole request back in its errors.
      const b = r.body as Record<string, unknown>;
      if (r.path.startsWith('/v2/enqueue')) return json(res, 400, { status: 'invalid event', message: `bad routing_key ${String(b.routing_key)}`, errors: [JSON.stringify(b)] });
      if (r.path.startsWith('/api/')) return json(res, 200, { ok: false, error: 'invalid_auth', warning: String(r.headers.authorization) });
      if (r.path.startsWith('/services/')) return text(res, 500, `failed for ${r.path}`);
      return text(res, 403, `denied ${r.path} ${String(r.headers.authorization)}`);
    });
    const silent = await startServer(() => {});
    servers.push(echo, silent);
    const closed = await closedPort();

    const captured: string[] = [];
    clock = new WallClock();
    const outbox = new Outbox({
      clock,
      backoff: { initialMs: 10, maxMs: 50 },
      observer: (summary, attempt, outcome) => captured.push(JSON.stringify({ summary, attempt, outcome })),
    });
    const deadline = Date.now() + 600;
    const requests: OutboundRequest[] = [
      pdRequest(`${echo.url}/v2/enqueue`, PD_KEY, 'inc-1'),
      pdRequest(`http://127.0.0.1:${closed}/v2/enqueue`, PD_KEY, 'inc-2'),
      slackRequest(`${echo.url}/api/chat.postMessage`, 'C1', { headers: { authorization: `Bearer ${BOT_TOKEN}` } }),
      slackRequest(`${echo.url}/services/${HOOK_PATH}`, undefined),
      slackRequest(`http://127.0.0.1:${closed}/services/${HOOK_PATH}`, '#alerts'),
      webhookRequest(`${echo.url}/${WEBHOOK_PATH}?sig=${WEBHOOK_QUERY}`, 'g1', { headers: { authorization: `Basic ${BASIC}` } }),
      webhookRequest(`${silent.url}/${WEBHOOK_PATH}?sig=${WEBHOOK_QUERY}`, 'g2', { timeoutMs: 100 }),
      webhookRequest(`http://127.0.0.1:${closed}/${WEBHOOK_PATH}?sig=${WEBHOOK_QUERY}`, 'g3'),
      webhookRequest(`http://alice:${WEBHOOK_PASSWORD}@127.0.0.1:${echo.port}/${WEBHOOK_PATH}`, 'g4'),
      webhookRequest(`not a url /${WEBHOOK_PATH}?sig=${WEBHOOK_QUERY}`, 'g5'),
    ];
    const results = await Promise.all(requests.map((r) => outbox.send(r, deadline)));
    expect(results.every((r) => !r.ok)).toBe(true);
    for (const r of results) {
      if (r.ok) continue;
      captured.push(r.reason, JSON.stringify(r), r.error?.message ?? '', r.error?.stack ?? '', JSON.stringify(r.error?.cause ?? null), String(r.error));
    }
    captured.push(JSON.stringify(outbox.stats()));
    // a full outbox answers too
    const tiny = new Outbox({ clock, maxQueued: 1, observer: (s, a, o) => captured.push(JSON.stringify({ s, a, o })) });
    void tiny.send(pdRequest(`http://127.0.0.1:${closed}/v2/enqueue`, PD_KEY, 'x'), Date.now() + 50);
    const full = await tiny.send(pdRequest(`http://127.0.0.1:${closed}/v2/enqueue`, PD_KEY, 'y'), Date.now() + 50);
    captured.push(JSON.stringify(full));
    await tiny.idle();

    const all = captured.join('\n');
    expect(captured.length).toBeGreaterThan(30);
    for (const secret of SECRETS) expect(all, `leaked ${secret}`).not.toContain(secret);
    // …while still saying what failed and where
    expect(all).toContain('HTTP 400 invalid event');
    expect(all).toContain('slack error invalid_auth');
    expect(all).toContain('connection refused (ECONNREFUSED)');
    expect(all).toContain('timeout');
    expect(all).toContain('request could not be built');
    expect(all).toContain(`"host":"127.0.0.1:${echo.port}"`);
  });
});
