/**
 * Live delivery to local PagerDuty and Slack stand-ins that check every body against the vendor's rules:
 * the engine on the wall clock, real HTTP, scripted 429/500 answers.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { replay } from '../../src/intake/replay/replay.js';
import { Engine } from '../../src/engine/engine.js';
import { EngineMetrics } from '../../src/engine/metrics.js';
import { buildServer } from '../../src/intake/http/server.js';
import { createLiveTransport } from '../../src/notify/live.js';
import { WallClock } from '../../src/state/clock.js';
import { startPagerduty, startSlack, type VendorServer } from '../support/vendorServers.js';

const ROUTING_KEY = 'e93facc04764012d7bfb002500d5d1a6';
const BOT_TOKEN = 'xoxb-test-token';
const WEBHOOK_SECRET = 'T000/B000/XXXXsecretXXXX';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function setup() {
  const pd = await startPagerduty();
  const slack = await startSlack(BOT_TOKEN);
  closers.push(() => pd.close(), () => slack.close());
  const yaml = `
route: {receiver: oncall, group_by: [alertname], group_wait: 200ms, group_interval: 600ms, repeat_interval: 1h}
receivers:
- name: oncall
  pagerduty_configs:
  - routing_key: ${ROUTING_KEY}
    url: ${pd.url}/v2/enqueue
  slack_configs:
  - app_token: ${BOT_TOKEN}
    app_url: ${slack.url}/api/chat.postMessage
    channel: C024BE91L
    update_message: true
    send_resolved: true
  - api_url: ${slack.url}/services/${WEBHOOK_SECRET}
    send_resolved: true
`;
  const parsed = parseConfig(yaml, 'vendors.yml');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write: (c, _e, cb) => (logs.push(String(c)), cb()) }));
  const clock = new WallClock();
  const metrics = new EngineMetrics({ defaultMetrics: false });
  const engine = new Engine({
    config: parsed.config,
    clock,
    transport: createLiveTransport({ clock, logger }),
    externalURL: 'http://alertsift.test',
    observer: metrics.dispatchObserver(),
  });
  const app = buildServer({ engine, metrics, logger });
  closers.push(async () => {
    await app.close();
    await engine.stop();
    clock.stopAll();
  });
  const post = (alerts: unknown) =>
    app.inject({ method: 'POST', url: '/api/v2/alerts', payload: JSON.stringify(alerts), headers: { 'content-type': 'application/json' } });
  return { pd, slack, engine, app, post, logs, metrics, yaml };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const noViolations = (...servers: VendorServer[]) => expect(servers.flatMap((s) => s.violations)).toEqual([]);

describe('delivery to PagerDuty and Slack (local stand-ins checking the vendor rules)', () => {
  it('trigger, retries through 429 and 500, then resolve after a silence; Slack message edited in place', async () => {
    const { pd, slack, engine, post, logs, app } = await setup();
    pd.script.push({ status: 429, headers: { 'retry-after': '0' } }, { status: 500 });
    const startsAt = new Date(Date.now() - 1000).toISOString();
    expect((await post([{ labels: { alertname: 'DiskFull', severity: 'critical', instance: 'db-1' }, annotations: { runbook_url: 'https://runbooks/disk' }, startsAt }])).statusCode).toBe(200);
    await sleep(1500);
    const triggers = pd.received.filter((r) => r.body.event_action === 'trigger');
    expect(triggers).toHaveLength(1);
    const trig = triggers[0]!.body as { dedup_key: string; payload: { severity: string; summary: string; custom_details: Record<string, unknown> }; links: unknown[] };
    expect(trig.payload.severity).toBe('critical');
    expect(trig.payload.custom_details).toMatchObject({ incident_id: trig.dedup_key });
    expect((trig.payload.custom_details.alerts as unknown[]).length).toBe(1);
    expect(trig.links).toContainEqual({ href: 'https://runbooks/disk', text: 'Runbook' });

    engine.upsertSilence({ matchers: [{ name: 'alertname', type: '=', value: 'DiskFull' }], startsAt: Date.now(), endsAt: Date.now() + 60_000, createdBy: 't', comment: 'c' });
    await post([{ labels: { alertname: 'DiskFull', severity: 'critical', instance: 'db-1' }, startsAt, endsAt: new Date().toISOString() }]);
    await sleep(1500);
    const actions = pd.received.map((r) => r.body.event_action);
    expect(actions).toEqual(['trigger', 'resolve']);
    expect(pd.received[1]!.body.dedup_key).toBe(trig.dedup_key);

    const web = slack.received.filter((r) => r.path.startsWith('/api/'));
    expect(web[0]!.path).toBe('/api/chat.postMessage');
    expect(slack.received.some((r) => r.path.startsWith('/services/'))).toBe(true);
    noViolations(pd, slack);

    // Every delivery is in the delivery log, with attempts and outcome.
    const deliveries = (await app.inject({ url: '/api/v1/notifications' })).json() as { integration: string; outcome: string; attempts: number; reason: string }[];
    const pdDeliveries = deliveries.filter((d) => d.integration === 'pagerduty');
    expect(pdDeliveries.filter((d) => d.outcome === 'delivered').map((d) => d.reason)).toEqual(['first notification', 'all alerts resolved']);
    // 429, 500 and the 202: within one flush, or (when backoff would cross the flush deadline) over two.
    const firstAttempts = pdDeliveries.filter((d) => d.reason === 'first notification').reduce((n, d) => n + d.attempts, 0);
    expect(firstAttempts).toBe(3);

    // Secrets never appear in logs, metrics or API output.
    const everything =
      logs.join('\n') +
      (await app.inject({ url: '/metrics' })).body +
      (await app.inject({ url: '/api/v2/status' })).body +
      JSON.stringify(deliveries);
    for (const secret of [ROUTING_KEY, BOT_TOKEN, WEBHOOK_SECRET]) expect(everything).not.toContain(secret);
  });

  it('Slack Web API: one message per group, edited in place with a threaded timeline', async () => {
    const { slack, post } = await setup();
    const startsAt = new Date(Date.now() - 1000).toISOString();
    await post([{ labels: { alertname: 'Latency', instance: 'a' }, startsAt }]);
    await sleep(700);
    await post([{ labels: { alertname: 'Latency', instance: 'b' }, startsAt }]);
    await sleep(900);
    await post([
      { labels: { alertname: 'Latency', instance: 'a' }, startsAt, endsAt: new Date().toISOString() },
      { labels: { alertname: 'Latency', instance: 'b' }, startsAt, endsAt: new Date().toISOString() },
    ]);
    await sleep(1200);
    const web = slack.received.filter((r) => r.path.startsWith('/api/'));
    const posts = web.filter((r) => r.path === '/api/chat.postMessage' && r.body.thread_ts === undefined);
    expect(posts).toHaveLength(1);
    const updates = web.filter((r) => r.path === '/api/chat.update');
    expect(updates.length).toBeGreaterThanOrEqual(2);
    const ts = updates[0]!.body.ts;
    expect(updates.every((u) => u.body.ts === ts && u.body.channel === 'C024BE91L')).toBe(true);
    const replies = web.filter((r) => r.body.thread_ts === ts);
    expect(replies.length).toBe(updates.length);
    expect(String(replies.at(-1)!.body.text)).toMatch(/^Resolved/);
    expect(slack.violations).toEqual([]);
  });

  it('a webhook that refuses connections loses nothing: failures are logged without the URL, delivery resumes when it is back', async () => {
    // A free port with nothing listening yet.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const secretPath = '/hooks/T0K3N-very-secret';
    const parsed = parseConfig(
      `route: {receiver: hook, group_wait: 100ms, group_interval: 400ms}
receivers: [{name: hook, webhook_configs: [{url: 'http://127.0.0.1:${port}${secretPath}'}]}]
`,
      'refused.yml',
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const logs: string[] = [];
    const logger = pino({ level: 'debug' }, new Writable({ write: (c, _e, cb) => (logs.push(String(c)), cb()) }));
    const clock = new WallClock();
    const engine = new Engine({ config: parsed.config, clock, transport: createLiveTransport({ clock, logger }), externalURL: 'http://x' });
    closers.push(async () => {
      await engine.stop();
      clock.stopAll();
    });
    engine.receiveAlerts(
      (await import('../../src/normalize/apiV2Alerts.js')).normalizeApiV2Alerts([{ labels: { alertname: 'Lost?' } }], {
        now: clock.now(),
        resolveTimeoutMs: 300_000,
        source: 'api',
      }).alerts,
    );
    await sleep(1000);
    const failures = engine.recentDeliveries().filter((d) => d.outcome === 'failed');
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]!.error).toMatch(/ECONNREFUSED|connect|refused/i);
    // The receiver comes back: the next flush delivers the notification that failed.
    const received: unknown[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.push(req.url);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    closers.push(() => new Promise((r) => server.close(() => r())));
    await sleep(1000);
    expect(received).toEqual([secretPath]);
    expect(engine.recentDeliveries().filter((d) => d.outcome === 'delivered')).toHaveLength(1);
    const everything = logs.join('\n') + JSON.stringify(engine.recentDeliveries());
    expect(everything).not.toContain('T0K3N');
  });

  it('a fatal 400 is reported without the secrets', async () => {
    const { pd, post, logs, metrics } = await setup();
    pd.script.push({ status: 400, body: '{"status":"invalid event"}' });
    await post([{ labels: { alertname: 'X' } }]);
    await sleep(1200);
    const exposition = await metrics.exposition();
    expect(exposition).toMatch(/alertsift_notifications_failed_total\{receiver="oncall",integration="pagerduty"/);
    for (const secret of [ROUTING_KEY, BOT_TOKEN, WEBHOOK_SECRET]) expect(logs.join('\n')).not.toContain(secret);
  });
});

describe('replay and live share the payload builders', () => {
  it('the PagerDuty and Slack bodies replay records are the bodies the live engine delivers', async () => {
    const { pd, slack, post, yaml } = await setup();
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const alerts = [{ labels: { alertname: 'Same', severity: 'warning', instance: 'x' }, annotations: { summary: 's' }, startsAt }];
    await post(alerts);
    await sleep(800);
    const parsed = parseConfig(yaml, 'replay.yml');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const out: { integration: string; index: number; body: unknown }[] = [];
    await replay({
      config: parsed.config,
      lines: [JSON.stringify({ at: new Date().toISOString(), alerts })],
      output: (l) => out.push(JSON.parse(l) as { integration: string; index: number; body: unknown }),
      until: Date.now() + 1000,
      externalURL: 'http://alertsift.test',
    });
    const livePd = pd.received.find((r) => r.body.event_action === 'trigger')!.body;
    expect(out.find((o) => o.integration === 'pagerduty')!.body).toEqual(livePd);
    const liveWebhook = slack.received.find((r) => r.path.startsWith('/services/'))!.body;
    expect(out.find((o) => o.integration === 'slack' && o.index === 1)!.body).toEqual(liveWebhook);
    const livePost = slack.received.find((r) => r.path === '/api/chat.postMessage')!.body;
    expect(out.find((o) => o.integration === 'slack' && o.index === 0)!.body).toEqual(livePost);
  });
});
