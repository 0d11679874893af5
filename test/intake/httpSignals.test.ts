/** The signal and change doors and the incident endpoints, on the real engine (correlation off here). */
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineMetrics } from '../../src/engine/metrics.js';
import { buildServer, CHANGES_PATH, SIGNALS_PATH } from '../../src/intake/http/server.js';
import { makeEngine } from '../engine/support.js';

const YAML = `
route: {receiver: r, group_by: [alertname], group_wait: 1s}
receivers: [{name: r, webhook_configs: [{url: 'http://hook/x'}]}]
`;

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function setup() {
  const t = makeEngine(YAML);
  const metrics = new EngineMetrics({ defaultMetrics: false });
  metrics.attachEngine(t.engine);
  app = buildServer({ engine: t.engine, metrics });
  return { ...t, metrics, app };
}

const post = (a: FastifyInstance, url: string, body: unknown) =>
  a.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

const signal = { source: 'nannyml', kind: 'perf_estimated', model_id: 'churn', method: 'cbpe', value: 0.71, threshold: { lower: 0.8 }, status: 'breach' };

describe('POST /api/v1/signals', () => {
  it('stores a breach as an alert the API lists, and counts it by kind and status', async () => {
    const { app, engine, metrics } = setup();
    const res = await post(app, SIGNALS_PATH, [signal, { ...signal, model_id: 'ltv', status: 'insufficient_sample' }]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: 2, withheld: 1 });
    const listed = engine.listAlerts({ filter: [], active: true, silenced: true, inhibited: true, unprocessed: true });
    expect(listed.map((a) => a.labels.alertname)).toEqual(['ModelPerformanceEstimated']);
    const text = await metrics.exposition();
    expect(text).toContain('alertsift_signals_received_total{kind="perf_estimated",status="breach"} 1');
    expect(text).toContain('alertsift_signals_received_total{kind="perf_estimated",status="insufficient_sample"} 1');
  });

  it('answers 400 naming each problem, keeps the valid ones, counts the invalid ones', async () => {
    const { app, engine, metrics } = setup();
    const res = await post(app, SIGNALS_PATH, [signal, { ...signal, status: 'meh' }]);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatch(/signals\[1\]\.status: /);
    expect(engine.store.size()).toBe(1);
    const text = await metrics.exposition();
    expect(text).toContain('alertsift_signals_invalid_total 1');
    expect(text).toContain('alertsift_http_request_bad_total{handler="POST /api/v1/signals",reason="invalid_body"} 1');
  });

  it('refuses malformed JSON with the JSON error, counted', async () => {
    const { app, metrics } = setup();
    const res = await app.inject({ method: 'POST', url: SIGNALS_PATH, headers: { 'content-type': 'application/json' }, payload: '{"kind":' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/not valid JSON/);
    expect(await metrics.exposition()).toContain('alertsift_http_request_bad_total{handler="POST /api/v1/signals",reason="malformed_json"} 1');
  });
});

describe('POST /api/v1/changes', () => {
  it('accepts changes and returns their ids', async () => {
    const { app, engine } = setup();
    const res = await post(app, CHANGES_PATH, { id: 'deploy-1', kind: 'deploy', labels: { service: 'api' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: 1, ids: ['deploy-1'] });
    expect(engine.changesReceived).toBe(1);
  });

  it('answers 400 for an invalid change', async () => {
    const { app, metrics } = setup();
    const res = await post(app, CHANGES_PATH, { kind: 'deploy' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatch(/change\.labels in body is required|change\.labels: /);
    expect(await metrics.exposition()).toContain('alertsift_changes_invalid_total 1');
  });
});

describe('incident endpoints without rules', () => {
  it('say that correlation is off, rather than answering an empty list', async () => {
    const { app } = setup();
    for (const url of ['/api/v1/incidents', '/api/v1/incidents/inc-1', '/api/v1/suppressions']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(404);
      expect(res.json().message).toMatch(/correlation is off/);
    }
  });

  it('validate the status filter', async () => {
    const { app } = setup();
    const res = await app.inject({ method: 'GET', url: '/api/v1/incidents?status=maybe' });
    expect(res.statusCode).toBe(400);
  });
});
