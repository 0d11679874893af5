import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alert.js';
import { EngineMetrics, failureReason } from '../../src/engine/metrics.js';
import type {
  AlertGroupView,
  AlertQuery,
  AlertView,
  EnginePort,
  PostableSilence,
  SilenceView,
  StatusView,
} from '../../src/engine/port.js';
import { buildServer, WEBHOOK_PATH, type ServerOptions } from '../../src/intake/http/server.js';
import type { Matcher } from '../../src/route/matchers.js';

const NOW = Date.parse('2026-08-22T10:00:00Z');
const RT = 5 * 60_000;

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const fixtureText = (path: string) =>
  readFileSync(resolve(REPO_ROOT, '../shared/data/alertmanager-webhook-payloads/prometheus-msteams', path), 'utf8');

const SILENCE_VIEW: SilenceView = {
  id: 'sil-1',
  matchers: [{ name: 'alertname', value: 'x', isRegex: false, isEqual: true }],
  startsAt: '2026-08-22T10:00:00Z',
  endsAt: '2026-08-22T12:00:00Z',
  updatedAt: '2026-08-22T10:00:00Z',
  createdBy: 'me',
  comment: 'c',
  status: { state: 'active' },
};

/** A recording fake: the server's own tests only need to see what it asks of the engine. */
class FakeEngine implements EnginePort {
  received: Alert[] = [];
  alertQueries: AlertQuery[] = [];
  groupQueries: AlertQuery[] = [];
  silenceFilters: (readonly Matcher[])[] = [];
  upserts: PostableSilence[] = [];
  expired: string[] = [];
  receiveError: Error | undefined;
  upsertResult: ReturnType<EnginePort['upsertSilence']> = { ok: true, id: 'sil-1' };
  expireResult: ReturnType<EnginePort['expireSilence']> = { ok: true };
  reloadResult: Awaited<ReturnType<EnginePort['reload']>> = { ok: true };
  alerts: AlertView[] = [];

  now(): number {
    return NOW;
  }
  resolveTimeoutMs(): number {
    return RT;
  }
  receiveAlerts(alerts: readonly Alert[]): void {
    if (this.receiveError) throw this.receiveError;
    this.received.push(...alerts);
  }
  listAlerts(query: AlertQuery): AlertView[] {
    this.alertQueries.push(query);
    return this.alerts;
  }
  listGroups(query: AlertQuery): AlertGroupView[] {
    this.groupQueries.push(query);
    return [{ labels: { alertname: 'x' }, receiver: { name: 'default' }, alerts: this.alerts }];
  }
  upsertSilence(silence: PostableSilence) {
    this.upserts.push(silence);
    return this.upsertResult;
  }
  listSilences(filter: readonly Matcher[]): SilenceView[] {
    this.silenceFilters.push(filter);
    return [SILENCE_VIEW];
  }
  getSilence(id: string): SilenceView | undefined {
    return id === 'sil-1' ? SILENCE_VIEW : undefined;
  }
  expireSilence(id: string) {
    this.expired.push(id);
    return this.expireResult;
  }
  async reload() {
    return this.reloadResult;
  }
  status(): StatusView {
    return { cluster: { status: 'disabled', peers: [] }, versionInfo: { version: 'test' }, config: { original: 'route: {}' }, uptime: '2026-08-22T09:00:00Z' };
  }
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function setup(extra: Partial<ServerOptions> = {}) {
  const engine = new FakeEngine();
  const metrics = new EngineMetrics({ defaultMetrics: false });
  app = buildServer({ engine, metrics, ...extra });
  return { engine, metrics, app };
}

const JSON_HEADERS = { 'content-type': 'application/json' };

async function postJson(a: FastifyInstance, url: string, body: unknown) {
  return a.inject({ method: 'POST', url, headers: JSON_HEADERS, payload: typeof body === 'string' ? body : JSON.stringify(body) });
}

/** The value of one sample in a text exposition, or undefined when the series is absent. */
function sample(exposition: string, series: string): number | undefined {
  for (const line of exposition.split('\n')) {
    if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

describe('POST /api/v2/alerts', () => {
  it('answers 200 with an empty body and hands normalized alerts to the engine', async () => {
    const { engine, app } = setup();
    const res = await postJson(app, '/api/v2/alerts', [{ labels: { alertname: 'A', empty: '' } }]);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect(engine.received).toHaveLength(1);
    expect(engine.received[0]).toMatchObject({
      labels: { alertname: 'A' },
      startsAt: NOW,
      endsAt: NOW + RT,
      timeout: true,
      updatedAt: NOW,
      source: 'api',
    });
  });

  it('accepts a charset parameter on the media type', async () => {
    const { app } = setup();
    const res = await app.inject({
      method: 'POST',
      url: '/api/v2/alerts',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      payload: '[{"labels":{"a":"b"}}]',
    });
    expect(res.statusCode).toBe(200);
  });

  it('answers 400 with the joined errors as a JSON string, keeping the valid alerts', async () => {
    const { engine, app } = setup();
    const res = await postJson(app, '/api/v2/alerts', [
      { labels: { alertname: 'ok' } },
      { labels: {} },
      { labels: { alertname: 'late' }, startsAt: 5 },
    ]);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toBe('alerts[1]: at least one label pair required; alerts[2].startsAt: expected string, got number');
    expect(engine.received.map((a) => a.labels['alertname'])).toEqual(['ok']);
  });

  it('answers 400 for a body that is not an array, and for no body', async () => {
    const { engine, app } = setup();
    const res = await postJson(app, '/api/v2/alerts', { labels: { a: 'b' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toBe('body: expected an array of alerts, got object');
    const empty = await app.inject({ method: 'POST', url: '/api/v2/alerts', headers: JSON_HEADERS, payload: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toBe('body: expected an array of alerts, got nothing');
    expect(engine.received).toEqual([]);
  });

  it('answers 400 naming the JSON problem for malformed JSON', async () => {
    const { app } = setup();
    const res = await postJson(app, '/api/v2/alerts', '[{"labels": {"a": "b"},]');
    expect(res.statusCode).toBe(400);
    const body = res.json() as { code: number; message: string };
    expect(body.code).toBe(400);
    expect(body.message).toMatch(/^body is not valid JSON: .+/);
  });

  it('accepts a __proto__ label (fastify would refuse the whole body)', async () => {
    const { engine, app } = setup();
    const res = await postJson(app, '/api/v2/alerts', '[{"labels":{"__proto__":"x"}}]');
    expect(res.statusCode).toBe(200);
    expect(Object.keys(engine.received[0]!.labels)).toEqual(['__proto__']);
  });

  it('answers 415 for another media type or none', async () => {
    const { app } = setup();
    const plain = await app.inject({ method: 'POST', url: '/api/v2/alerts', headers: { 'content-type': 'text/plain' }, payload: '[]' });
    expect(plain.statusCode).toBe(415);
    expect(plain.json()).toEqual({ code: 415, message: 'unsupported media type "text/plain", only [application/json] are allowed' });
    const form = await app.inject({
      method: 'POST',
      url: '/api/v2/alerts',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'a=b',
    });
    expect(form.statusCode).toBe(415);
    const none = await app.inject({ method: 'POST', url: '/api/v2/alerts', payload: Buffer.from('[]') });
    expect(none.statusCode).toBe(415);
  });

  it('answers 413 above the body limit', async () => {
    const { engine, app } = setup({ bodyLimitBytes: 100 });
    const big = JSON.stringify(Array.from({ length: 20 }, (_, i) => ({ labels: { alertname: `a${i}` } })));
    const res = await postJson(app, '/api/v2/alerts', big);
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ code: 413, message: 'request body is larger than the limit of 100 bytes' });
    expect(engine.received).toEqual([]);
  });

  it('answers 500 with the message when the engine fails', async () => {
    const { engine, app } = setup();
    engine.receiveError = new Error('store is full');
    const res = await postJson(app, '/api/v2/alerts', [{ labels: { a: 'b' } }]);
    expect(res.statusCode).toBe(500);
    expect(res.json()).toBe('store is full');
  });

  it('marks API responses as not cacheable', async () => {
    const { app } = setup();
    const res = await postJson(app, '/api/v2/alerts', []);
    expect(res.headers['cache-control']).toBe('no-store');
  });
});

describe(`POST ${WEBHOOK_PATH}`, () => {
  it('takes a real webhook v4 body', async () => {
    const { engine, app } = setup();
    const res = await postJson(app, WEBHOOK_PATH, fixtureText('alert/testdata/prom_post_request_12_alerts.json'));
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect(engine.received).toHaveLength(12);
    expect(engine.received.every((a) => a.source === 'webhook' && a.timeout && a.endsAt === NOW + RT)).toBe(true);
  });

  it('answers 400 for a wrong version and for invalid alerts, keeping the valid ones', async () => {
    const { engine, app } = setup();
    const v3 = await postJson(app, WEBHOOK_PATH, { version: '3', alerts: [] });
    expect(v3.statusCode).toBe(400);
    expect(v3.json()).toBe('version: expected "4", got "3"');
    const mixed = await postJson(app, WEBHOOK_PATH, { version: '4', alerts: [{ labels: { a: 'b' } }, { labels: { 'x-y': 'z' } }] });
    expect(mixed.statusCode).toBe(400);
    expect(mixed.json()).toBe('alerts[1]: invalid label set: invalid name "x-y"');
    expect(engine.received).toHaveLength(1);
  });
});

describe('GET /api/v2/alerts and /api/v2/alerts/groups', () => {
  it('defaults every flag to true with no filter', async () => {
    const { engine, app } = setup();
    const res = await app.inject({ method: 'GET', url: '/api/v2/alerts' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([]);
    expect(engine.alertQueries).toEqual([{ filter: [], active: true, silenced: true, inhibited: true, unprocessed: true }]);
  });

  it('parses flags, repeated filters and an anchored Go receiver regex', async () => {
    const { engine, app } = setup();
    const q = new URLSearchParams();
    q.append('active', 'false');
    q.append('silenced', 'False');
    q.append('inhibited', '1');
    q.append('unprocessed', 'no');
    q.append('filter', 'alertname="A"');
    q.append('filter', 'severity=~"crit.*"');
    q.append('receiver', 'team-.*');
    const res = await app.inject({ method: 'GET', url: `/api/v2/alerts?${q}` });
    expect(res.statusCode).toBe(200);
    const query = engine.alertQueries[0]!;
    expect(query).toMatchObject({
      active: false,
      silenced: false,
      inhibited: true,
      unprocessed: false,
      filter: [
        { name: 'alertname', type: '=', value: 'A' },
        { name: 'severity', type: '=~', value: 'crit.*' },
      ],
    });
    expect(query.receiver?.test('team-db')).toBe(true);
    expect(query.receiver?.test('x-team-db')).toBe(false);
  });

  it('answers 400 with a JSON string for a bad matcher, receiver regex or boolean', async () => {
    const { engine, app } = setup();
    const badFilter = await app.inject({ method: 'GET', url: `/api/v2/alerts?filter=${encodeURIComponent('{a="b"}')}` });
    expect(badFilter.statusCode).toBe(400);
    expect(typeof badFilter.json()).toBe('string');
    expect(badFilter.json()).toMatch(/brace/);
    const badRegex = await app.inject({ method: 'GET', url: `/api/v2/alerts?filter=${encodeURIComponent('a=~"("')}` });
    expect(badRegex.statusCode).toBe(400);
    const badReceiver = await app.inject({ method: 'GET', url: '/api/v2/alerts?receiver=(' });
    expect(badReceiver.statusCode).toBe(400);
    expect(badReceiver.json()).toMatch(/^failed to parse receiver param: /);
    const badBool = await app.inject({ method: 'GET', url: '/api/v2/alerts?active=maybe' });
    expect(badBool.statusCode).toBe(400);
    expect(badBool.json()).toBe('active in query must be of type boolean: "maybe"');
    expect(engine.alertQueries).toEqual([]);
  });

  it('groups take the same filters', async () => {
    const { engine, app } = setup();
    const res = await app.inject({ method: 'GET', url: `/api/v2/alerts/groups?filter=${encodeURIComponent('team="db"')}&active=false` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([{ labels: { alertname: 'x' }, receiver: { name: 'default' }, alerts: [] }]);
    expect(engine.groupQueries[0]).toMatchObject({ active: false, filter: [{ name: 'team', type: '=', value: 'db' }] });
    const bad = await app.inject({ method: 'GET', url: '/api/v2/alerts/groups?filter=nonsense' });
    expect(bad.statusCode).toBe(400);
  });
});

describe('silences', () => {
  const body = {
    matchers: [{ name: 'alertname', value: 'test1', isRegex: false }],
    startsAt: '2026-08-22T10:00:00Z',
    endsAt: '2026-08-22T12:00:00Z',
    createdBy: 'admin@example.com',
    comment: 'some comment',
  };

  it('POST creates and answers the id', async () => {
    const { engine, app } = setup();
    const res = await postJson(app, '/api/v2/silences', body);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ silenceID: 'sil-1' });
    expect(engine.upserts).toEqual([
      {
        matchers: [{ name: 'alertname', type: '=', value: 'test1' }],
        startsAt: NOW,
        endsAt: Date.parse('2026-08-22T12:00:00Z'),
        createdBy: 'admin@example.com',
        comment: 'some comment',
      },
    ]);
  });

  it('POST answers 400 for an invalid silence without calling the engine', async () => {
    const { engine, app } = setup();
    const res = await postJson(app, '/api/v2/silences', { ...body, endsAt: '2026-08-22T09:00:00Z' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toBe('Failed to create silence: start time must be before end time');
    expect(engine.upserts).toEqual([]);
  });

  it('POST answers 404 for an unknown id and 400 for other engine refusals', async () => {
    const { engine, app } = setup();
    engine.upsertResult = { ok: false, error: 'silence not found', notFound: true };
    const nf = await postJson(app, '/api/v2/silences', { ...body, id: 'nope' });
    expect(nf.statusCode).toBe(404);
    expect(nf.json()).toBe('silence not found');
    engine.upsertResult = { ok: false, error: 'too many silences' };
    const other = await postJson(app, '/api/v2/silences', body);
    expect(other.statusCode).toBe(400);
    expect(other.json()).toBe('too many silences');
  });

  it('GET lists with a filter; a bad filter is 400', async () => {
    const { engine, app } = setup();
    const res = await app.inject({ method: 'GET', url: `/api/v2/silences?filter=${encodeURIComponent('alertname="x"')}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([SILENCE_VIEW]);
    expect(engine.silenceFilters).toEqual([[{ name: 'alertname', type: '=', value: 'x' }]]);
    const bad = await app.inject({ method: 'GET', url: '/api/v2/silences?filter=%3D%3D' });
    expect(bad.statusCode).toBe(400);
  });

  it('GET one: 200, or 404 with no body', async () => {
    const { app } = setup();
    const ok = await app.inject({ method: 'GET', url: '/api/v2/silence/sil-1' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual(SILENCE_VIEW);
    const nf = await app.inject({ method: 'GET', url: '/api/v2/silence/unknown' });
    expect(nf.statusCode).toBe(404);
    expect(nf.body).toBe('');
  });

  it('DELETE: 200, 404 when unknown, 500 with the message otherwise', async () => {
    const { engine, app } = setup();
    const ok = await app.inject({ method: 'DELETE', url: '/api/v2/silence/sil-1' });
    expect(ok.statusCode).toBe(200);
    expect(engine.expired).toEqual(['sil-1']);
    // A client that sends a JSON content type on a bodiless DELETE is not refused.
    engine.expireResult = { ok: false, error: 'silence not found', notFound: true };
    const nf = await app.inject({ method: 'DELETE', url: '/api/v2/silence/x', headers: JSON_HEADERS });
    expect(nf.statusCode).toBe(404);
    engine.expireResult = { ok: false, error: 'silence already expired', notFound: false };
    const expired = await app.inject({ method: 'DELETE', url: '/api/v2/silence/sil-1' });
    expect(expired.statusCode).toBe(500);
    expect(expired.json()).toBe('silence already expired');
  });
});

describe('status, health, readiness, reload', () => {
  it('GET /api/v2/status passes the engine status through', async () => {
    const { app } = setup();
    const res = await app.inject({ method: 'GET', url: '/api/v2/status' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ cluster: { status: 'disabled', peers: [] }, config: { original: 'route: {}' } });
  });

  it('/-/healthy is 200 OK; /-/ready follows readiness', async () => {
    let ready = false;
    const { app } = setup({ readiness: () => ready });
    const healthy = await app.inject({ method: 'GET', url: '/-/healthy' });
    expect([healthy.statusCode, healthy.body]).toEqual([200, 'OK']);
    expect((await app.inject({ method: 'GET', url: '/-/ready' })).statusCode).toBe(503);
    ready = true;
    const r = await app.inject({ method: 'GET', url: '/-/ready' });
    expect([r.statusCode, r.body]).toEqual([200, 'OK']);
  });

  it('/-/ready defaults to ready', async () => {
    const { app } = setup();
    expect((await app.inject({ method: 'GET', url: '/-/ready' })).statusCode).toBe(200);
  });

  it('POST /-/reload: 200, or 500 with the errors', async () => {
    const { engine, app } = setup();
    expect((await app.inject({ method: 'POST', url: '/-/reload' })).statusCode).toBe(200);
    engine.reloadResult = { ok: false, errors: ['route: receiver "x" does not exist', 'bad duration'] };
    const res = await app.inject({ method: 'POST', url: '/-/reload' });
    expect(res.statusCode).toBe(500);
    expect(res.body).toBe('failed to reload config: route: receiver "x" does not exist; bad duration\n');
  });

  it('unknown paths are 404 in go-openapi form', async () => {
    const { app } = setup();
    const res = await app.inject({ method: 'GET', url: '/api/v2/nope?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ code: 404, message: 'path /api/v2/nope was not found' });
  });
});

describe('GET /metrics', () => {
  it('exposes request, bad-request and alert counters after bad requests', async () => {
    const { app } = setup({ bodyLimitBytes: 200 });
    await postJson(app, '/api/v2/alerts', [{ labels: { a: 'b' } }, { labels: {} }, { labels: { c: 'd' } }]); // 400, 1 invalid
    await postJson(app, '/api/v2/alerts', [{ labels: { a: 'b' } }]); // 200
    await postJson(app, '/api/v2/alerts', '[{'); // malformed
    await app.inject({ method: 'POST', url: '/api/v2/alerts', headers: { 'content-type': 'text/plain' }, payload: 'x' });
    await postJson(app, '/api/v2/alerts', JSON.stringify(Array.from({ length: 10 }, () => ({ labels: { alertname: 'x' } }))));
    await postJson(app, WEBHOOK_PATH, { version: '4', alerts: [{ labels: {} }] });
    await app.inject({ method: 'GET', url: '/api/v2/alerts?filter=%7B' });
    await app.inject({ method: 'GET', url: '/nowhere' });

    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    const s = (series: string) => sample(text, series);
    expect(s('alertsift_alerts_received_total{door="api"}')).toBe(4);
    expect(s('alertsift_alerts_invalid_total{door="api"}')).toBe(1);
    expect(s('alertsift_alerts_received_total{door="webhook"}')).toBe(1);
    expect(s('alertsift_alerts_invalid_total{door="webhook"}')).toBe(1);
    expect(s('alertsift_alerts_received_total{door="kafka"}')).toBe(0);
    expect(s('alertsift_http_requests_total{handler="POST /api/v2/alerts",code="400"}')).toBe(2);
    expect(s('alertsift_http_requests_total{handler="POST /api/v2/alerts",code="200"}')).toBe(1);
    expect(s('alertsift_http_requests_total{handler="POST /api/v2/alerts",code="413"}')).toBe(1);
    expect(s('alertsift_http_requests_total{handler="POST /api/v2/alerts",code="415"}')).toBe(1);
    expect(s('alertsift_http_request_bad_total{handler="POST /api/v2/alerts",reason="invalid_body"}')).toBe(1);
    expect(s('alertsift_http_request_bad_total{handler="POST /api/v2/alerts",reason="malformed_json"}')).toBe(1);
    expect(s('alertsift_http_request_bad_total{handler="POST /api/v2/alerts",reason="unsupported_media_type"}')).toBe(1);
    expect(s('alertsift_http_request_bad_total{handler="POST /api/v2/alerts",reason="too_large"}')).toBe(1);
    expect(s(`alertsift_http_request_bad_total{handler="POST ${WEBHOOK_PATH}",reason="invalid_body"}`)).toBe(1);
    expect(s('alertsift_http_request_bad_total{handler="GET /api/v2/alerts",reason="invalid_query"}')).toBe(1);
    expect(s('alertsift_http_request_bad_total{handler="unmatched",reason="not_found"}')).toBe(1);
    expect(s('alertsift_http_requests_total{handler="unmatched",code="404"}')).toBe(1);
  });
});

describe('EngineMetrics', () => {
  it('many instances coexist, each with its own registry and default process metrics', async () => {
    const a = new EngineMetrics();
    const b = new EngineMetrics();
    a.recordAlertsReceived('api', 3, 1);
    const textA = await a.exposition();
    const textB = await b.exposition();
    expect(sample(textA, 'alertsift_alerts_received_total{door="api"}')).toBe(3);
    expect(sample(textB, 'alertsift_alerts_received_total{door="api"}')).toBe(0);
    expect(textA).toMatch(/^process_cpu_user_seconds_total /m);
    expect(textA).toMatch(/^nodejs_heap_size_used_bytes /m);
  });

  it('reads alert, group and silence gauges from providers at scrape time, zero by default', async () => {
    const m = new EngineMetrics({ defaultMetrics: false });
    let text = await m.exposition();
    expect(sample(text, 'alertsift_alerts{state="active"}')).toBe(0);
    expect(sample(text, 'alertsift_aggregation_groups')).toBe(0);
    expect(sample(text, 'alertsift_silences{state="pending"}')).toBe(0);
    let active = 2;
    m.setAlertCountsProvider(() => ({ active, suppressed: 1 }));
    m.setAggregationGroupsProvider(() => 4);
    m.setSilenceCountsProvider(() => ({ active: 1, expired: 3 }));
    text = await m.exposition();
    expect(sample(text, 'alertsift_alerts{state="active"}')).toBe(2);
    expect(sample(text, 'alertsift_alerts{state="suppressed"}')).toBe(1);
    expect(sample(text, 'alertsift_alerts{state="unprocessed"}')).toBe(0);
    expect(sample(text, 'alertsift_aggregation_groups')).toBe(4);
    expect(sample(text, 'alertsift_silences{state="expired"}')).toBe(3);
    active = 5;
    expect(sample(await m.exposition(), 'alertsift_alerts{state="active"}')).toBe(5);
  });

  it('attachEngine counts unresolved alerts by state, groups and silences', async () => {
    const m = new EngineMetrics({ defaultMetrics: false });
    const view = (state: AlertView['status']['state']) => ({ status: { state } }) as AlertView;
    let asked: AlertQuery | undefined;
    m.attachEngine({
      now: () => NOW,
      listAlerts: (q) => {
        asked = q;
        return [view('active'), view('active'), view('suppressed')];
      },
      dispatcher: { groupCount: () => 7 },
      silences: { countByState: () => ({ active: 1, pending: 2, expired: 0 }) },
    });
    const text = await m.exposition();
    expect(asked).toMatchObject({ active: true, silenced: true, inhibited: true, unprocessed: true, filter: [] });
    expect(sample(text, 'alertsift_alerts{state="active"}')).toBe(2);
    expect(sample(text, 'alertsift_alerts{state="suppressed"}')).toBe(1);
    expect(sample(text, 'alertsift_aggregation_groups')).toBe(7);
    expect(sample(text, 'alertsift_silences{state="pending"}')).toBe(2);
  });

  it('records notifications through the dispatch observer, with bounded failure reasons', async () => {
    const m = new EngineMetrics({ defaultMetrics: false });
    const obs = m.dispatchObserver();
    const integration = { receiver: 'team-db', kind: 'webhook' } as Parameters<NonNullable<typeof obs.onDelivery>>[0];
    obs.onDelivery?.(integration, { ok: true, attempts: 1 }, 0.2);
    obs.onDelivery?.(integration, { ok: false, attempts: 3, retriable: true, reason: 'webhook answered HTTP 503 (gave up at the flush deadline)' }, 4);
    const text = await m.exposition();
    expect(sample(text, 'alertsift_notifications_total{receiver="team-db",integration="webhook"}')).toBe(2);
    expect(sample(text, 'alertsift_notifications_failed_total{receiver="team-db",integration="webhook",reason="serverError"}')).toBe(1);
    expect(sample(text, 'alertsift_notification_latency_seconds_count{integration="webhook"}')).toBe(2);
    expect(sample(text, 'alertsift_notification_latency_seconds_bucket{le="0.25",integration="webhook"}')).toBe(1);
  });

  it('maps delivery failures to Alertmanager reasons, never to free text', () => {
    const f = (reason: string) => failureReason({ ok: false, attempts: 1, retriable: false, reason });
    expect(f('slack answered HTTP 404')).toBe('clientError');
    expect(f('pagerduty answered HTTP 429')).toBe('clientError');
    expect(f('webhook answered HTTP 502')).toBe('serverError');
    expect(f('timeout')).toBe('contextDeadlineExceeded');
    expect(f('connection error (ECONNREFUSED)')).toBe('other');
  });

  it('records configuration reloads', async () => {
    const m = new EngineMetrics({ defaultMetrics: false });
    m.recordReload(true, Date.parse('2026-08-22T10:00:00.900Z'));
    let text = await m.exposition();
    expect(sample(text, 'alertsift_config_last_reload_successful')).toBe(1);
    expect(sample(text, 'alertsift_config_last_reload_success_timestamp_seconds')).toBe(Date.parse('2026-08-22T10:00:00Z') / 1000);
    m.recordReload(false, Date.parse('2026-08-22T11:00:00Z'));
    text = await m.exposition();
    expect(sample(text, 'alertsift_config_last_reload_successful')).toBe(0);
    expect(sample(text, 'alertsift_config_last_reload_success_timestamp_seconds')).toBe(Date.parse('2026-08-22T10:00:00Z') / 1000);
  });
});
