/**
 * The HTTP doors wired to the real engine (fastify inject, virtual clock): bad input is refused with the
 * problem named, counted in /metrics, and loses nothing else; reload keeps state or reports every error.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatConfigError, loadConfigFile } from '../../src/config/load.js';
import { Engine } from '../../src/engine/engine.js';
import { EngineMetrics } from '../../src/engine/metrics.js';
import { buildServer } from '../../src/intake/http/server.js';
import { VirtualClock } from '../../src/state/clock.js';
import { CapturingTransport, T0 } from '../engine/support.js';
import { tempDir } from '../support/tempDir.js';

const GOOD = `route: {receiver: default, group_by: [alertname], group_wait: 1s, group_interval: 1s}
receivers: [{name: default, webhook_configs: [{url: 'http://sink.invalid/'}]}]
`;

function setup() {
  const dir = tempDir('alertsift-http-');
  const file = join(dir, 'alertsift.yml');
  writeFileSync(file, GOOD);
  const loaded = loadConfigFile(file);
  if (!loaded.ok) throw new Error('bad fixture');
  const clock = new VirtualClock(T0);
  const transport = new CapturingTransport(clock);
  const metrics = new EngineMetrics({ defaultMetrics: false });
  const engine = new Engine({
    config: loaded.config,
    clock,
    transport,
    externalURL: 'http://am',
    observer: metrics.dispatchObserver(),
    loadConfig: async () => {
      const r = loadConfigFile(file);
      metrics.recordReload(r.ok, clock.now());
      return r.ok ? { ok: true, config: r.config, text: readFileSync(file, 'utf8') } : { ok: false, errors: r.errors.map(formatConfigError) };
    },
  });
  metrics.attachEngine(engine);
  const app = buildServer({ engine, metrics });
  const post = (url: string, payload: unknown, contentType = 'application/json') =>
    app.inject({ method: 'POST', url, payload: typeof payload === 'string' ? payload : JSON.stringify(payload), headers: { 'content-type': contentType } });
  return { app, engine, clock, transport, file, post };
}

describe('HTTP doors on the real engine', () => {
  it('keeps the valid alerts of a partly invalid batch, names each problem and counts it', async () => {
    const { app, post } = setup();
    const res = await post('/api/v2/alerts', [
      { labels: { alertname: 'Good' } },
      { labels: { alertname: 'Bad', 'not-a-name': 'x' } },
      { labels: { alertname: 'Late' }, startsAt: '2026-03-01T00:10:00Z', endsAt: '2026-03-01T00:05:00Z' },
      { labels: { alertname: 'Typed' }, startsAt: 12 },
      { labels: {} },
    ]);
    expect(res.statusCode).toBe(400);
    const message = res.json() as string;
    expect(message).toContain('alerts[1]');
    expect(message).toContain('not-a-name');
    expect(message).toContain('alerts[2]: start time must be before end time');
    expect(message).toContain('alerts[3].startsAt: expected string, got number');
    expect(message).toContain('alerts[4]: at least one label pair required');
    const alerts = (await app.inject({ url: '/api/v2/alerts' })).json() as { labels: { alertname: string } }[];
    expect(alerts.map((a) => a.labels.alertname)).toEqual(['Good']);
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/alertsift_alerts_invalid_total\{door="api"\} 4/);
    expect(metrics).toMatch(/alertsift_http_request_bad_total\{handler="POST \/api\/v2\/alerts",reason="invalid_body"\} 1/);
  });

  it('refuses malformed JSON, wrong media types and oversized bodies, and counts each', async () => {
    const { app, post } = setup();
    const malformed = await post('/api/v2/alerts', '[{"labels": {"a": "b"}');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().message).toMatch(/not valid JSON/);
    expect((await post('/api/v2/alerts', 'a=b', 'application/x-www-form-urlencoded')).statusCode).toBe(415);
    const huge = [{ labels: { alertname: 'x'.repeat(5 * 1024 * 1024) } }];
    expect((await post('/api/v2/alerts', huge)).statusCode).toBe(413);
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/reason="malformed_json"\} 1/);
    expect(metrics).toMatch(/reason="unsupported_media_type"\} 1/);
    expect(metrics).toMatch(/reason="too_large"\} 1/);
  });

  it('the webhook door accepts Alertmanager webhook bodies and refuses other versions', async () => {
    const { app, post } = setup();
    const body = {
      version: '4',
      status: 'firing',
      receiver: 'upstream',
      groupKey: '{}:{}',
      alerts: [{ status: 'firing', labels: { alertname: 'FromUpstream' }, annotations: {}, startsAt: '2026-02-28T23:59:00Z', endsAt: '0001-01-01T00:00:00Z' }],
      futureField: { tolerated: true },
    };
    expect((await post('/api/v1/alertmanager-webhook', body)).statusCode).toBe(200);
    expect((await post('/api/v1/alertmanager-webhook', { ...body, version: '3' })).statusCode).toBe(400);
    const groups = (await app.inject({ url: '/api/v2/alerts/groups' })).json() as { labels: unknown; alerts: unknown[] }[];
    expect(groups).toHaveLength(1);
    expect(groups[0]!.labels).toEqual({ alertname: 'FromUpstream' });
  });

  it('silences through the API mute notifications and expire on DELETE', async () => {
    const { app, clock, transport, post } = setup();
    const created = await post('/api/v2/silences', {
      matchers: [{ name: 'alertname', value: 'Muted', isRegex: false, isEqual: true }],
      startsAt: '2026-03-01T00:00:00Z',
      endsAt: '2026-03-01T01:00:00Z',
      createdBy: 'me',
      comment: 'maintenance',
    });
    expect(created.statusCode).toBe(200);
    const id = (created.json() as { silenceID: string }).silenceID;
    await post('/api/v2/alerts', [{ labels: { alertname: 'Muted' } }]);
    await clock.advanceTo(T0 + 5000);
    expect(transport.sent).toHaveLength(0);
    const listed = (await app.inject({ url: '/api/v2/alerts?silenced=false' })).json() as unknown[];
    expect(listed).toHaveLength(0);
    expect((await app.inject({ method: 'DELETE', url: `/api/v2/silence/${id}` })).statusCode).toBe(200);
    expect(((await app.inject({ url: `/api/v2/silence/${id}` })).json() as { status: { state: string } }).status.state).toBe('expired');
    await clock.advanceTo(T0 + 7000);
    expect(transport.sent).toHaveLength(1);
    expect((await app.inject({ method: 'DELETE', url: '/api/v2/silence/00000000-0000-4000-8000-000000000000' })).statusCode).toBe(404);
  });

  it('reload: a broken file is refused with every error and the running configuration stays', async () => {
    const { app, engine, file, post } = setup();
    await post('/api/v2/alerts', [{ labels: { alertname: 'Kept' } }]);
    writeFileSync(file, 'route:\n  receiver: nobody\n  group_wait: later\nreceivers: [{name: default}]\n');
    const bad = await app.inject({ method: 'POST', url: '/-/reload' });
    expect(bad.statusCode).toBe(500);
    expect(bad.body).toMatch(/:2:.*nobody/);
    expect(bad.body).toMatch(/:3:.*group_wait/);
    expect((await app.inject({ url: '/metrics' })).body).toMatch(/alertsift_config_last_reload_successful 0/);
    expect((await app.inject({ url: '/metrics' })).body).toMatch(/alertsift_config_reloads_total\{result="failure"\} 1/);
    expect(engine.config.route.groupWaitMs).toBe(1000);
    writeFileSync(file, GOOD.replace('group_wait: 1s', 'group_wait: 2s'));
    expect((await app.inject({ method: 'POST', url: '/-/reload' })).statusCode).toBe(200);
    expect(engine.config.route.groupWaitMs).toBe(2000);
    expect((await app.inject({ url: '/metrics' })).body).toMatch(/alertsift_config_last_reload_successful 1/);
    // Alerts survive the reload.
    expect(((await app.inject({ url: '/api/v2/alerts' })).json() as unknown[]).length).toBe(1);
  });
});
