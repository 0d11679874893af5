/**
 * The Kafka door against a real broker: records produced to the raw topic reach a real Engine (virtual
 * clock, capturing transport) and come out as PagerDuty bodies; poison records land in the dead-letter
 * topic with their reasons; offsets are committed only after `persist` resolved (a member stopped while
 * persist is pending leaves the batch to the next member); backpressure pauses and resumes; the HTTP
 * doors in distributed mode produce and the consumer processes; incident changes reach their topic.
 */
import type { FastifyInstance } from 'fastify';
import type { Kafka, Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentSnapshot } from '../../src/correlate/types.js';
import { EngineMetrics } from '../../src/engine/metrics.js';
import { buildServer } from '../../src/intake/http/server.js';
import { readDeadLetterHeaders } from '../../src/intake/kafka/deadLetter.js';
import { startKafkaRuntime, type KafkaRuntime } from '../../src/intake/kafka/index.js';
import { KafkaIntake, type KafkaIntakeOptions, type PersistBatch } from '../../src/intake/kafka/intake.js';
import { KafkaMetrics } from '../../src/intake/kafka/metrics.js';
import { KafkaIncidentPublisher } from '../../src/intake/kafka/publisher.js';
import { makeEngine } from '../engine/support.js';
import {
  announceSkip,
  BROKERS,
  committedOffsets,
  createTopics,
  deleteTopics,
  eventually,
  FAST_CONSUMER,
  KAFKA_READY,
  readTopic,
  sleep,
  testKafka,
  testProducer,
  uniqueName,
} from './kafkaSupport.js';

announceSkip('kafkaIntake.test.ts');

const PD = `route: {receiver: pd, group_by: [alertname, cluster], group_wait: 1s, group_interval: 10s, repeat_interval: 1h}
receivers:
- name: pd
  pagerduty_configs:
  - routing_key: 0123456789abcdef0123456789abcdef
    url: http://pd.invalid/v2/enqueue
`;

type PdBody = {
  event_action: string;
  dedup_key: string;
  payload: { summary: string; severity: string; custom_details: { alerts: { labels: Record<string, string>; status: string }[] } };
};

describe.skipIf(!KAFKA_READY)('the Kafka intake', () => {
  const kafka: Kafka = testKafka('intake-it');
  let producer: Producer;
  const topics: string[] = [];
  const running: { stop(): Promise<unknown> }[] = [];

  /** A raw and a dead-letter topic of its own for each test. */
  async function freshTopics(partitions = 1) {
    const raw = uniqueName('raw');
    const dlq = uniqueName('dlq');
    topics.push(raw, dlq);
    await createTopics(kafka, [raw, dlq], partitions);
    return { raw, dlq };
  }

  function intakeFor(opts: Omit<KafkaIntakeOptions, 'kafka' | 'consumerConfig'>): KafkaIntake {
    const intake = new KafkaIntake({ kafka, consumerConfig: FAST_CONSUMER, fromBeginning: true, ...opts });
    running.push(intake);
    return intake;
  }

  const send = (topic: string, values: unknown[], key = 'prod/payments') =>
    producer.send({
      topic,
      acks: -1,
      messages: values.map((v) => ({ key, value: typeof v === 'string' || Buffer.isBuffer(v) ? v : JSON.stringify(v), headers: { origin: 'test' } })),
    });

  beforeAll(async () => {
    producer = await testProducer(kafka);
  });
  afterEach(async () => {
    for (const r of running.splice(0)) await r.stop();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await deleteTopics(kafka, topics);
  });

  it('takes a produced alert through a real engine to a PagerDuty body', async () => {
    const { raw, dlq } = await freshTopics();
    const { engine, transport, at } = makeEngine(PD);
    const persisted: PersistBatch[] = [];
    const intake = intakeFor({ groupId: uniqueName('e2e'), topic: raw, deadLetterTopic: dlq, sink: engine, persist: async (b) => void persisted.push(b) });
    await intake.start();
    await send(raw, [
      [{ labels: { alertname: 'KubePodCrashLooping', cluster: 'prod', namespace: 'payments', severity: 'critical' }, annotations: { summary: 'pod crash looping' } }],
      { at: '2026-03-01T00:00:00Z', alertmanager: { version: '4', status: 'firing', receiver: 'upstream', groupKey: 'k', alerts: [{ status: 'firing', labels: { alertname: 'UpstreamDown', cluster: 'prod', severity: 'critical' } }] } },
    ]);
    await eventually(() => persisted.length > 0 && engine.alertsReceived === 2, 20_000, 'the batch to be processed');
    await at(1000);
    const bodies = transport.sent.map((s) => s.req.body as PdBody);
    expect(bodies.map((b) => [b.event_action, b.payload.severity, b.payload.custom_details.alerts.map((a) => a.labels['alertname'])])).toEqual([
      ['trigger', 'critical', ['KubePodCrashLooping']],
      ['trigger', 'critical', ['UpstreamDown']],
    ]);
    expect(bodies[0]!.payload.custom_details.alerts[0]).toMatchObject({ status: 'firing', labels: { namespace: 'payments' } });
    await eventually(async () => (await committedOffsets(kafka, intake['opts'].groupId, raw))[0] === '2', 10_000, 'the commit');
  }, 60_000);

  it('dead-letters poison records with their reasons and still applies and commits the good ones', async () => {
    const { raw, dlq } = await freshTopics();
    const { engine } = makeEngine(PD);
    const metrics = new KafkaMetrics();
    const groupId = uniqueName('dlq');
    const intake = intakeFor({ groupId, topic: raw, deadLetterTopic: dlq, sink: engine, metrics });
    await intake.start();
    const poison = [
      '{"alerts": [',
      { hello: 'world' },
      [{ labels: {} }],
      [{ labels: { alertname: 'Good', cluster: 'c' } }, { labels: { 'bad-name': 'x' } }],
      { source: 'evidently', kind: 'drift', status: 'breach' },
      { expireSilence: 'no-such-silence' },
    ];
    await send(raw, [[{ labels: { alertname: 'First' } }], ...poison]);
    const dead = await readTopic(kafka, dlq, poison.length, 20_000);
    expect(dead.map((d) => readDeadLetterHeaders(d.headers).reason)).toEqual([
      'malformed_json',
      'unrecognized',
      'invalid',
      'partially_invalid',
      'invalid',
      'rejected',
    ]);
    expect(readDeadLetterHeaders(dead[4]!.headers)).toMatchObject({ kind: 'signal' });
    expect(readDeadLetterHeaders(dead[4]!.headers).issues[0]).toMatch(/^signal: one of model_id or pipeline is required/);
    // The original bytes, key and headers are kept.
    expect(dead[0]!.value?.toString()).toBe('{"alerts": [');
    expect(dead[0]!.key).toBe('prod/payments');
    expect(dead[0]!.headers['origin']?.toString()).toBe('test');
    const h = readDeadLetterHeaders(dead[3]!.headers);
    expect(h).toMatchObject({ kind: 'alerts', applied: 1, source: { topic: raw, partition: 0, offset: '4' }, groupId });
    expect(h.issues).toEqual(['alerts[1]: invalid label set: invalid name "bad-name"']);
    expect(readDeadLetterHeaders(dead[2]!.headers).issues).toEqual(['alerts[0]: at least one label pair required']);
    expect(readDeadLetterHeaders(dead[0]!.headers).issues[0]).toMatch(/^value: not valid JSON/);
    await eventually(async () => (await committedOffsets(kafka, groupId, raw))[0] === '7', 10_000, 'the commit');
    expect(engine.listAlerts({ filter: [], active: true, silenced: true, inhibited: true, unprocessed: true }).map((a) => a.labels['alertname']).sort()).toEqual([
      'First',
      'Good',
    ]);
    const text = await metrics.registry.metrics();
    expect(text).toContain(`alertsift_kafka_records_dead_lettered_total{topic="${raw}",reason="partially_invalid"} 1`);
    expect(text).toContain(`alertsift_kafka_records_consumed_total{topic="${raw}",kind="alerts"} 3`);
  }, 60_000);

  it('takes model signals and change events through the same normalizers as their HTTP doors', async () => {
    const { raw, dlq } = await freshTopics();
    const { engine, at, transport } = makeEngine(PD);
    const metrics = new KafkaMetrics();
    const intake = intakeFor({ groupId: uniqueName('signals'), topic: raw, deadLetterTopic: dlq, sink: engine, metrics });
    await intake.start();
    await send(raw, [
      { kind: 'deploy', id: 'deploy-42', labels: { service: 'feature-api' }, summary: 'feature-api v2.3.1' },
      { signal: { source: 'evidently', kind: 'drift', model_id: 'fraud-scorer', feature: 'merchant_age_days', status: 'breach', severity: 'critical' } },
    ]);
    const all = { filter: [], active: true, silenced: true, inhibited: true, unprocessed: true };
    await eventually(() => engine.listAlerts(all).length === 1, 20_000, 'the signal alert');
    expect(engine.listAlerts(all)[0]!.labels).toMatchObject({ alertname: 'ModelDrift', model: 'fraud-scorer', feature: 'merchant_age_days' });
    await at(1000);
    expect(transport.sent.map((x) => (x.req.body as PdBody).payload.custom_details.alerts[0]!.labels['alertname'])).toEqual(['ModelDrift']);
    const text = await metrics.registry.metrics();
    expect(text).toContain(`alertsift_kafka_records_consumed_total{topic="${raw}",kind="change"} 1`);
    expect(text).toContain(`alertsift_kafka_records_consumed_total{topic="${raw}",kind="signal"} 1`);
    expect(text).not.toMatch(/alertsift_kafka_records_dead_lettered_total\{[^}]*\} 1/);
  }, 60_000);

  it('commits only after persist resolves: a member stopped with persist pending leaves the batch to the next one', async () => {
    const { raw, dlq } = await freshTopics();
    const groupId = uniqueName('persist');
    const first = makeEngine(PD);
    let failPersist!: (e: Error) => void;
    let persistCalled = false;
    const intake1 = intakeFor({
      groupId,
      topic: raw,
      deadLetterTopic: dlq,
      sink: first.engine,
      persist: () =>
        new Promise<void>((_resolve, reject) => {
          persistCalled = true;
          failPersist = reject;
        }),
    });
    await intake1.start();
    await send(raw, [[{ labels: { alertname: 'A' } }], [{ labels: { alertname: 'B' } }]]);
    await eventually(() => persistCalled, 20_000, 'persist to be called');
    expect(first.engine.alertsReceived).toBe(2);
    await sleep(300);
    expect(await committedOffsets(kafka, groupId, raw)).toEqual({ 0: '-1' });

    // The member goes away before its state was made durable (in production: the process dies).
    const stopping = intake1.stop();
    failPersist(new Error('process killed'));
    await stopping;
    running.splice(running.indexOf(intake1), 1);
    expect(await committedOffsets(kafka, groupId, raw)).toEqual({ 0: '-1' });

    // The next member of the group gets the same batch again.
    const second = makeEngine(PD);
    const persisted: PersistBatch[] = [];
    const intake2 = intakeFor({ groupId, topic: raw, deadLetterTopic: dlq, sink: second.engine, persist: async (b) => void persisted.push(b) });
    await intake2.start();
    await eventually(() => persisted.length > 0, 20_000, 'the redelivered batch');
    expect(second.engine.alertsReceived).toBe(2);
    expect(persisted[0]).toMatchObject({ firstOffset: '0', lastOffset: '1', nextOffset: '2', records: 2, applied: 2 });
    await eventually(async () => (await committedOffsets(kafka, groupId, raw))[0] === '2', 10_000, 'the commit');
    await intake2.stop();
    running.splice(running.indexOf(intake2), 1);

    // Once committed, a restarted member does not see the batch again.
    const third = makeEngine(PD);
    const intake3 = intakeFor({ groupId, topic: raw, deadLetterTopic: dlq, sink: third.engine });
    await intake3.start();
    await intake3.joined();
    await sleep(1000);
    expect(third.engine.alertsReceived).toBe(0);
  }, 60_000);

  it('retries a batch whose persist failed, in the same member, until it succeeds', async () => {
    const { raw, dlq } = await freshTopics();
    const groupId = uniqueName('retry');
    const { engine } = makeEngine(PD);
    const calls: PersistBatch[] = [];
    const intake = intakeFor({
      groupId,
      topic: raw,
      deadLetterTopic: dlq,
      sink: engine,
      persist: async (b) => {
        calls.push(b);
        if (calls.length === 1) throw new Error('redis timeout');
      },
    });
    await intake.start();
    await send(raw, [[{ labels: { alertname: 'A' } }]]);
    await eventually(async () => (await committedOffsets(kafka, groupId, raw))[0] === '1', 30_000, 'the commit after the retry');
    expect(calls.map((c) => [c.firstOffset, c.lastOffset])).toEqual([
      ['0', '0'],
      ['0', '0'],
    ]);
    expect(engine.alertsReceived).toBe(2); // applied twice: at least once, and a re-send is harmless
  }, 60_000);

  it('pauses while the backpressure predicate says so and resumes when it clears', async () => {
    const { raw, dlq } = await freshTopics(2);
    const { engine } = makeEngine(PD);
    const metrics = new KafkaMetrics();
    let behind = false;
    const intake = intakeFor({ groupId: uniqueName('bp'), topic: raw, deadLetterTopic: dlq, sink: engine, metrics, backpressure: () => behind, resumeCheckMs: 100 });
    await intake.start();
    await send(raw, [[{ labels: { alertname: 'Before' } }]]);
    await eventually(() => engine.alertsReceived === 1, 20_000, 'the first record');

    behind = true;
    await send(raw, [[{ labels: { alertname: 'During1' } }]], 'a');
    await send(raw, [[{ labels: { alertname: 'During2' } }]], 'b');
    await eventually(() => intake.paused, 10_000, 'the pause');
    await sleep(800);
    expect(engine.alertsReceived).toBe(1);
    expect(await metrics.registry.metrics()).toContain(`alertsift_kafka_consumer_paused{topic="${raw}"} 1`);

    behind = false;
    await eventually(() => engine.alertsReceived === 3, 10_000, 'the records held back');
    expect(intake.paused).toBe(false);
    const text = await metrics.registry.metrics();
    expect(text).toContain(`alertsift_kafka_consumer_paused{topic="${raw}"} 0`);
    expect(text).toContain(`alertsift_kafka_consumer_pauses_total{topic="${raw}"} 1`);
  }, 60_000);
});

describe.skipIf(!KAFKA_READY)('distributed mode', () => {
  const kafka: Kafka = testKafka('distributed-it');
  const topics: string[] = [];
  let runtime: KafkaRuntime | undefined;
  let app: FastifyInstance | undefined;

  afterEach(async () => {
    await app?.close();
    await runtime?.stop();
    app = undefined;
    runtime = undefined;
  });
  afterAll(async () => {
    await deleteTopics(kafka, topics);
  });

  it('HTTP door → raw topic → consumer group → engine → PagerDuty, with the records keyed by scope', async () => {
    const names = { raw: uniqueName('d-raw'), deadLetter: uniqueName('d-dlq'), incidents: uniqueName('d-inc') };
    topics.push(names.raw, names.deadLetter, names.incidents);
    // Two instances' engines: the door of one produces, the consumer group (here: the other) processes.
    const door = makeEngine(PD);
    const { engine, transport, at } = makeEngine(PD);
    const metrics = new EngineMetrics({ defaultMetrics: false });
    const persisted: PersistBatch[] = [];
    runtime = await startKafkaRuntime({
      settings: {
        brokers: BROKERS,
        clientId: 'alertsift-it',
        groupId: uniqueName('d-g'),
        topics: names,
        scopeLabels: ['cluster'],
        fromBeginning: true,
        resumeCheckMs: 100,
      },
      createTopics: { partitions: 3, replicationFactor: 1 },
      consumerConfig: FAST_CONSUMER,
      kafka,
      sink: engine,
      registry: metrics.registry,
      persist: async (b) => void persisted.push(b),
    });
    app = buildServer({ engine: door.engine, metrics, forward: runtime.forwarder.forward });
    const res = await app.inject({
      method: 'POST',
      url: '/api/v2/alerts',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify([
        { labels: { alertname: 'NodeDown', cluster: 'eu', severity: 'critical' } },
        { labels: { alertname: 'NodeDown', cluster: 'us', severity: 'critical' } },
        { labels: {} },
      ]),
    });
    expect(res.statusCode).toBe(400); // the invalid third alert, as in embedded mode
    expect(door.engine.alertsReceived).toBe(0); // the door processes nothing itself
    const records = await readTopic(kafka, names.raw, 2);
    expect(records.map((r) => [r.key, JSON.parse(r.value!.toString())]).sort()).toEqual([
      ['eu', [{ labels: { alertname: 'NodeDown', cluster: 'eu', severity: 'critical' } }]],
      ['us', [{ labels: { alertname: 'NodeDown', cluster: 'us', severity: 'critical' } }]],
    ]);
    await eventually(() => engine.alertsReceived === 2, 20_000, 'the consumer to process the forwarded records');
    expect(door.engine.alertsReceived).toBe(0);
    expect(persisted.reduce((n, b) => n + b.records, 0)).toBe(2);
    await at(1000);
    expect(transport.sent.map((s) => (s.req.body as PdBody).payload.custom_details.alerts[0]!.labels['cluster']).sort()).toEqual(['eu', 'us']);
    const text = await metrics.registry.metrics();
    expect(text).toContain('alertsift_kafka_forwarded_records_total{door="api"} 2');
    expect(text).toContain(`alertsift_kafka_records_consumed_total{topic="${names.raw}",kind="alerts"} 2`);
  }, 60_000);

  it('writes incident changes to the incidents topic, keyed by incident id, in order', async () => {
    const topic = uniqueName('incidents');
    topics.push(topic);
    await createTopics(kafka, [topic], 3);
    const metrics = new KafkaMetrics();
    const publisher = new KafkaIncidentPublisher({ kafka, topic, metrics, now: () => Date.parse('2026-03-01T00:00:00Z') });
    const snapshot = (id: string, status: 'open' | 'resolved') => ({ id, status, title: `incident ${id}` }) as unknown as IncidentSnapshot;
    // Published without awaiting each (as the engine would), then flushed (as persist would).
    void publisher.publish({ event: 'opened', incident: snapshot('inc-1', 'open') });
    void publisher.publish({ event: 'opened', incident: snapshot('inc-2', 'open') });
    void publisher.publish({ event: 'joined', incident: snapshot('inc-1', 'open') });
    void publisher.publish({ event: 'resolved', incident: snapshot('inc-1', 'resolved'), at: Date.parse('2026-03-01T00:05:00Z') });
    expect(publisher.pending).toBeGreaterThan(0);
    await publisher.flush();
    expect(publisher.pending).toBe(0);
    await publisher.close();
    const records = await readTopic(kafka, topic, 4);
    const byKey = (k: string) => records.filter((r) => r.key === k).map((r) => JSON.parse(r.value!.toString()) as Record<string, unknown>);
    expect(byKey('inc-1').map((v) => [v['event'], (v['incident'] as { status: string }).status, v['at']])).toEqual([
      ['opened', 'open', '2026-03-01T00:00:00.000Z'],
      ['joined', 'open', '2026-03-01T00:00:00.000Z'],
      ['resolved', 'resolved', '2026-03-01T00:05:00.000Z'],
    ]);
    expect(byKey('inc-2')).toHaveLength(1);
    expect(byKey('inc-2')[0]).toMatchObject({ type: 'alertsift.incident', version: 1 });
    expect(records[0]!.headers['alertsift-event']?.toString()).toMatch(/opened|joined|resolved/);
    expect(await metrics.registry.metrics()).toContain('alertsift_kafka_incidents_published_total 4');
  }, 60_000);
});
