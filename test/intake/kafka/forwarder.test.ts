/**
 * Distributed mode's HTTP doors with a fake producer: validate as in embedded mode, produce the body,
 * answer after the acknowledgement. Against a real broker: test/integration/kafkaIntake.test.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { Kafka, Message, Producer } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineMetrics } from '../../../src/engine/metrics.js';
import { buildServer, CHANGES_PATH, SIGNALS_PATH, WEBHOOK_PATH } from '../../../src/intake/http/server.js';
import { KafkaForwarder, withoutInvalid } from '../../../src/intake/kafka/forwarder.js';
import { KafkaMetrics } from '../../../src/intake/kafka/metrics.js';
import { makeEngine } from '../../engine/support.js';

const YAML = `route: {receiver: w}\nreceivers: [{name: w, webhook_configs: [{url: 'http://sink.invalid/'}]}]\n`;

class FakeProducer {
  sent: { topic: string; messages: Message[]; acks?: number }[] = [];
  fail: Error | undefined;
  /** When set, sends wait for this promise (to see the HTTP answer wait for the ack). */
  gate: Promise<void> | undefined;
  async send(r: { topic: string; messages: Message[]; acks?: number }) {
    if (this.gate) await this.gate;
    if (this.fail) throw this.fail;
    this.sent.push(r);
    return [];
  }
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function setup() {
  const { engine } = makeEngine(YAML);
  const producer = new FakeProducer();
  const metrics = new KafkaMetrics();
  const forwarder = new KafkaForwarder({
    kafka: {} as Kafka,
    topic: 'raw',
    scopeLabels: ['cluster'],
    producer: producer as unknown as Producer,
    metrics,
    now: () => Date.parse('2026-03-01T00:00:00Z'),
  });
  app = buildServer({ engine, metrics: new EngineMetrics({ defaultMetrics: false }), forward: forwarder.forward });
  return { engine, producer, metrics, app };
}

const post = (app: FastifyInstance, url: string, body: unknown) =>
  app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

const parse = (m: Message) => JSON.parse(m.value!.toString()) as unknown;

describe('the forwarding doors', () => {
  it('produce the body keyed by scope, answer 200 only after the ack, and leave the local engine alone', async () => {
    const { engine, producer, metrics, app } = setup();
    let release!: () => void;
    producer.gate = new Promise((r) => (release = r));
    const body = [
      { labels: { alertname: 'A', cluster: 'eu' } },
      { labels: { alertname: 'B', cluster: 'us' }, annotations: { summary: 's' } },
      { labels: { alertname: 'C', cluster: 'eu' } },
    ];
    let answered = false;
    const res = post(app, '/api/v2/alerts', body).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false);
    release();
    expect((await res).statusCode).toBe(200);
    expect(producer.sent).toHaveLength(1);
    const { topic, messages, acks } = producer.sent[0]!;
    expect([topic, acks]).toEqual(['raw', -1]);
    expect(messages.map((m) => [m.key, parse(m)])).toEqual([
      ['eu', [body[0], body[2]]],
      ['us', [body[1]]],
    ]);
    expect(messages[0]!.headers).toEqual({
      'content-type': 'application/json',
      'alertsift-door': 'api',
      'alertsift-received-at': '2026-03-01T00:00:00.000Z',
    });
    expect(engine.alertsReceived).toBe(0);
    expect(await metrics.registry.metrics()).toContain('alertsift_kafka_forwarded_records_total{door="api"} 2');
  });

  it('answer 400 for the invalid alerts as before, and produce only the valid ones', async () => {
    const { producer, app } = setup();
    const res = await post(app, '/api/v2/alerts', [{ labels: {} }, { labels: { alertname: 'B' } }, { labels: { 'x-y': '1' } }]);
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toBe('alerts[0]: at least one label pair required; alerts[2]: invalid label set: invalid name "x-y"');
    expect(producer.sent[0]!.messages.map(parse)).toEqual([[{ labels: { alertname: 'B' } }]]);
  });

  it('produce nothing when nothing is valid', async () => {
    const { producer, app } = setup();
    expect((await post(app, '/api/v2/alerts', [{ labels: {} }])).statusCode).toBe(400);
    expect((await post(app, '/api/v2/alerts', { not: 'an array' })).statusCode).toBe(400);
    expect(producer.sent).toHaveLength(0);
  });

  it('forward webhook bodies as webhook bodies', async () => {
    const { producer, app } = setup();
    const body = { version: '4', status: 'firing', receiver: 'up', groupKey: 'k', alerts: [{ status: 'firing', labels: { alertname: 'A' } }] };
    expect((await post(app, WEBHOOK_PATH, body)).statusCode).toBe(200);
    const m = producer.sent[0]!.messages[0]!;
    expect(parse(m)).toEqual(body);
    expect(m.headers?.['alertsift-door']).toBe('webhook');
  });

  it('forward model signals (valid ones only) and change events, keyed by scope', async () => {
    const { engine, producer, app } = setup();
    const good = { source: 'evidently', kind: 'drift', model_id: 'fraud', status: 'breach', labels: { cluster: 'eu' } };
    const bad = { source: 'evidently', kind: 'drift', status: 'breach' };
    const res = await post(app, SIGNALS_PATH, [good, bad]);
    expect(res.statusCode).toBe(400);
    expect(producer.sent[0]!.messages.map((m) => [m.key, parse(m), m.headers?.['alertsift-door']])).toEqual([['eu', [good], 'signals']]);
    const change = { id: 'deploy-1', kind: 'deploy', labels: { cluster: 'us', service: 'api' }, summary: 'api v2' };
    expect((await post(app, CHANGES_PATH, change)).statusCode).toBe(200);
    expect(producer.sent[1]!.messages.map((m) => [m.key, parse(m), m.headers?.['alertsift-door']])).toEqual([['us', change, 'changes']]);
    expect(engine.listAlerts({ filter: [], active: true, silenced: true, inhibited: true, unprocessed: true })).toEqual([]);
  });

  it('answer 500 when the produce fails, so the sender retries', async () => {
    const { engine, producer, metrics, app } = setup();
    producer.fail = new Error('Broker: not enough replicas');
    const res = await post(app, '/api/v2/alerts', [{ labels: { alertname: 'A' } }]);
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(res.body)).toBe('could not hand the request to Kafka: Broker: not enough replicas');
    expect(engine.alertsReceived).toBe(0);
    expect(await metrics.registry.metrics()).toContain('alertsift_kafka_forward_failures_total{door="api"} 1');
  });
});

describe('withoutInvalid', () => {
  it('drops rejected entries by the index in their messages', () => {
    const v = { invalid: 1, errors: ['alerts[1].labels: expected object, got string', 'alerts[1]: another message'] };
    expect(withoutInvalid('alerts', ['a', 'b', 'c'], v)).toEqual(['a', 'c']);
    expect(withoutInvalid('alertmanager', { version: '4', alerts: ['a', 'b'] }, v)).toEqual({ version: '4', alerts: ['a'] });
  });

  it('keeps the body whole when the messages do not say which entries failed', () => {
    expect(withoutInvalid('signal', ['a', 'b'], { invalid: 1, errors: ['something else'] })).toEqual(['a', 'b']);
  });

  it('has nothing to produce for a single invalid object', () => {
    expect(withoutInvalid('signal', { kind: 'drift' }, { invalid: 1, errors: ['status: required'] })).toBeUndefined();
  });
});
