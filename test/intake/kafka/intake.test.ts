/**
 * The intake's batch protocol without a broker: a fake kafkajs client records what the intake asks of
 * it, in order. The same behaviour against a real broker is in test/integration/kafkaIntake.test.ts.
 */
import type { Batch, EachBatchPayload, Kafka, KafkaMessage, Message } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { readDeadLetterHeaders } from '../../../src/intake/kafka/deadLetter.js';
import { KafkaIntake, type KafkaIntakeOptions, type PersistBatch } from '../../../src/intake/kafka/intake.js';
import { KafkaMetrics } from '../../../src/intake/kafka/metrics.js';
import { makeEngine } from '../../engine/support.js';

const WEBHOOK = `route: {receiver: w}\nreceivers: [{name: w, webhook_configs: [{url: 'http://sink.invalid/'}]}]\n`;

type Call = string;

function fakeKafka(log: Call[]) {
  const sent: { topic: string; messages: Message[] }[] = [];
  const producer = {
    connect: async () => void log.push('producer.connect'),
    disconnect: async () => void log.push('producer.disconnect'),
    send: async (r: { topic: string; messages: Message[] }) => {
      log.push(`send ${r.topic} ${r.messages.length}`);
      sent.push(r);
      return [];
    },
  };
  const consumer = {
    events: { GROUP_JOIN: 'join', CRASH: 'crash' },
    on: () => undefined,
    connect: async () => void log.push('consumer.connect'),
    subscribe: async (s: { topics: string[]; fromBeginning: boolean }) => void log.push(`subscribe ${s.topics.join(',')} ${s.fromBeginning}`),
    run: async (r: { autoCommit: boolean }) => void log.push(`run autoCommit=${r.autoCommit}`),
    pause: (t: { topic: string }[]) => void log.push(`pause ${t.map((x) => x.topic).join(',')}`),
    resume: (t: { topic: string }[]) => void log.push(`resume ${t.map((x) => x.topic).join(',')}`),
    disconnect: async () => void log.push('consumer.disconnect'),
  };
  const kafka = { producer: () => producer, consumer: () => consumer } as unknown as Kafka;
  return { kafka, sent };
}

function message(offset: number, value: unknown): KafkaMessage {
  return {
    key: null,
    value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    offset: String(offset),
    timestamp: '0',
    attributes: 0,
    headers: {},
  };
}

function payload(log: Call[], messages: KafkaMessage[], highWatermark = String(Number(messages.at(-1)!.offset) + 1)): EachBatchPayload {
  const batch = {
    topic: 'raw',
    partition: 3,
    highWatermark,
    messages,
    isEmpty: () => messages.length === 0,
    firstOffset: () => messages[0]?.offset ?? null,
    lastOffset: () => messages.at(-1)!.offset,
    offsetLag: () => '0',
    offsetLagLow: () => '0',
  } as Batch;
  let resolved: string | undefined;
  return {
    batch,
    resolveOffset: (o) => {
      resolved = o;
      log.push(`resolve ${o}`);
    },
    heartbeat: async () => void log.push('heartbeat'),
    pause: () => () => undefined,
    commitOffsetsIfNecessary: async (offsets) => void log.push(`commit ${JSON.stringify(offsets)}`),
    uncommittedOffsets: () =>
      resolved === undefined ? { topics: [] } : { topics: [{ topic: 'raw', partitions: [{ partition: 3, offset: String(Number(resolved) + 1) }] }] },
    isRunning: () => true,
    isStale: () => false,
  };
}

const ALERT = [{ labels: { alertname: 'A' } }];
let intake: KafkaIntake | undefined;
afterEach(async () => {
  await intake?.stop();
  intake = undefined;
});

async function setup(extra: Partial<KafkaIntakeOptions> = {}) {
  const log: Call[] = [];
  const { kafka, sent } = fakeKafka(log);
  const e = makeEngine(WEBHOOK);
  const metrics = new KafkaMetrics();
  intake = new KafkaIntake({ kafka, groupId: 'g', topic: 'raw', deadLetterTopic: 'dlq', sink: e.engine, metrics, ...extra });
  await intake.start();
  log.length = 0;
  return { log, sent, metrics, ...e, intake };
}

describe('a batch', () => {
  it('is applied, dead letters produced, persisted, then resolved and committed (last offset + 1)', async () => {
    const persisted: PersistBatch[] = [];
    const { log, sent, engine, metrics, intake } = await setup({
      persist: async (b) => {
        log.push('persist');
        persisted.push(b);
      },
    });
    await intake.handleBatch(payload(log, [message(10, ALERT), message(11, 'not json'), message(12, [{ labels: { alertname: 'B' } }])], '20'));
    expect(log).toEqual([
      'send dlq 1',
      'persist',
      'resolve 12',
      'commit {"topics":[{"topic":"raw","partitions":[{"partition":3,"offset":"13"}]}]}',
      'heartbeat',
    ]);
    expect(persisted).toEqual([
      { topic: 'raw', partition: 3, firstOffset: '10', lastOffset: '12', nextOffset: '13', records: 3, applied: 2, deadLettered: 1 },
    ]);
    expect(engine.alertsReceived).toBe(2);
    const dlq = sent[0]!.messages[0]!;
    expect(dlq.value?.toString()).toBe('not json');
    expect(readDeadLetterHeaders(dlq.headers)).toMatchObject({ reason: 'malformed_json', source: { topic: 'raw', partition: 3, offset: '11' } });
    const text = await metrics.registry.metrics();
    expect(text).toContain('alertsift_kafka_records_consumed_total{topic="raw",kind="alerts"} 2');
    expect(text).toContain('alertsift_kafka_records_consumed_total{topic="raw",kind="unrecognized"} 1');
    expect(text).toContain('alertsift_kafka_records_dead_lettered_total{topic="raw",reason="malformed_json"} 1');
    expect(text).toContain('alertsift_kafka_consumer_lag{topic="raw",partition="3"} 7');
  });

  it('stays unresolved and uncommitted when persist fails, and the error reaches kafkajs (redelivery)', async () => {
    const { log, metrics, intake } = await setup({
      persist: async () => {
        log.push('persist');
        throw new Error('redis timeout');
      },
    });
    await expect(intake.handleBatch(payload(log, [message(0, ALERT)]))).rejects.toThrow('redis timeout');
    expect(log).toEqual(['persist']);
    expect(await metrics.registry.metrics()).toContain('alertsift_kafka_batch_failures_total{topic="raw",stage="persist"} 1');
  });

  it('stays uncommitted when the engine throws; nothing is dead-lettered for it', async () => {
    const { log, engine, intake } = await setup({ persist: async () => void log.push('persist') });
    engine.receiveAlerts = () => {
      throw new Error('store unavailable');
    };
    await expect(intake.handleBatch(payload(log, [message(0, ALERT)]))).rejects.toThrow('store unavailable');
    expect(log).toEqual([]);
  });

  it('stays uncommitted when the dead-letter produce fails', async () => {
    const { log, intake } = await setup({
      persist: async () => void log.push('persist'),
      producer: {
        send: async () => {
          throw new Error('broker gone');
        },
      } as never,
    });
    await expect(intake.handleBatch(payload(log, [message(0, '{')]))).rejects.toThrow('broker gone');
    expect(log).toEqual([]);
  });
});

describe('one engine per partition', () => {
  it('asks the resolver for the partition\'s engine before each batch (it may load state first)', async () => {
    const engines = new Map([3, 4].map((p) => [p, makeEngine(WEBHOOK).engine]));
    const asked: number[] = [];
    const { log, intake } = await setup({
      sink: async (_topic, partition) => {
        asked.push(partition);
        await new Promise((r) => setTimeout(r, 5)); // e.g. repository.load on the first batch
        return engines.get(partition)!;
      },
    });
    await intake.handleBatch(payload(log, [message(0, ALERT)]));
    expect(asked).toEqual([3]);
    expect(engines.get(3)!.alertsReceived).toBe(1);
    expect(engines.get(4)!.alertsReceived).toBe(0);
  });

  it('leaves the batch uncommitted when the partition\'s engine cannot be had', async () => {
    const { log, intake } = await setup({
      sink: async () => {
        throw new Error('partition state could not be loaded');
      },
    });
    await expect(intake.handleBatch(payload(log, [message(0, ALERT)]))).rejects.toThrow('could not be loaded');
    expect(log).toEqual([]);
  });
});

describe('backpressure', () => {
  it('pauses before processing, leaves the batch for later, and resumes on the timer when the predicate clears', async () => {
    let behind = true;
    const { log, engine, metrics, intake } = await setup({ backpressure: () => behind, resumeCheckMs: 20 });
    await intake.handleBatch(payload(log, [message(0, ALERT)]));
    expect(log).toEqual(['pause raw']);
    expect(intake.paused).toBe(true);
    expect(engine.alertsReceived).toBe(0);
    expect(await metrics.registry.metrics()).toContain('alertsift_kafka_consumer_paused{topic="raw"} 1');
    // Batches already fetched before the pause are left alone too.
    await intake.handleBatch(payload(log, [message(0, ALERT)]));
    expect(log).toEqual(['pause raw']);
    await new Promise((r) => setTimeout(r, 60));
    expect(intake.paused).toBe(true);
    behind = false;
    await new Promise((r) => setTimeout(r, 60));
    expect(log).toEqual(['pause raw', 'resume raw']);
    expect(intake.paused).toBe(false);
    expect(await metrics.registry.metrics()).toContain('alertsift_kafka_consumer_paused{topic="raw"} 0');
    // The redelivered batch now goes through.
    await intake.handleBatch(payload(log, [message(0, ALERT)]));
    expect(engine.alertsReceived).toBe(1);
    expect(await metrics.registry.metrics()).toContain('alertsift_kafka_consumer_pauses_total{topic="raw"} 1');
  });
});

describe('start', () => {
  it('subscribes without auto-commit, from the latest offset unless told otherwise', async () => {
    const log: Call[] = [];
    const { kafka } = fakeKafka(log);
    intake = new KafkaIntake({ kafka, groupId: 'g', topic: 'raw', deadLetterTopic: 'dlq', sink: makeEngine(WEBHOOK).engine });
    await intake.start();
    expect(log).toEqual(['producer.connect', 'consumer.connect', 'subscribe raw false', 'run autoCommit=false']);
  });
});
