/**
 * Shared by the tests that need a real Kafka broker (test/integration/kafka*.test.ts).
 *
 * They read `KAFKA_BROKERS` (`.ci/run` starts a broker with scripts/services/ and always sets it). When
 * it is unset or nothing answers there, they are skipped with a plain message: run
 * `export $(scripts/services/kafka.sh start)` first to run them locally.
 *
 * Every test uses its own topics and consumer groups (unique names), created up front: with KRaft, a
 * kafkajs consumer subscribing to a topic that does not exist yet fails ("This server does not host this
 * topic-partition") instead of waiting for auto-creation.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { Kafka, logLevel, Partitioners, type Consumer, type IHeaders, type Producer } from 'kafkajs';
import { createTopicsAndWait } from '../../src/intake/kafka/index.js';

export const BROKERS = (process.env['KAFKA_BROKERS'] ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter((s) => s !== '');

/** Whether the first broker accepts a TCP connection within a second. */
async function reachable(): Promise<boolean> {
  const first = BROKERS[0];
  if (!first) return false;
  const i = first.lastIndexOf(':');
  const host = first.slice(0, i);
  const port = Number(first.slice(i + 1));
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export const KAFKA_READY = await reachable();
export const SKIP_REASON = BROKERS.length === 0 ? 'KAFKA_BROKERS is not set' : `nothing answers at KAFKA_BROKERS=${BROKERS.join(',')}`;

/** Call at the top of a kafka test file: prints why its tests are skipped. */
export function announceSkip(file: string): void {
  if (!KAFKA_READY) console.log(`SKIPPED ${file}: ${SKIP_REASON} (start a broker: export $(scripts/services/kafka.sh start))`);
}

export function testKafka(clientId = 'alertsift-it'): Kafka {
  return new Kafka({
    clientId,
    brokers: BROKERS.length > 0 ? BROKERS : ['127.0.0.1:1'],
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 100, retries: 8 },
  });
}

/** A unique, valid topic or group name. */
export function uniqueName(prefix: string): string {
  return `it-${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** Creates the topics and waits for their leaders (see `createTopicsAndWait` for why not kafkajs's wait). */
export async function createTopics(kafka: Kafka, topics: readonly string[], partitions = 1): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopicsAndWait(admin, topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })));
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(kafka: Kafka, topics: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [...topics], timeout: 5000 });
  } catch {
    // best effort: the broker is thrown away after the run anyway
  } finally {
    await admin.disconnect();
  }
}

/** The committed offset of each partition of `topic` for `groupId` (`-1`: nothing committed). */
export async function committedOffsets(kafka: Kafka, groupId: string, topic: string): Promise<Record<number, string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Object.fromEntries((t?.partitions ?? []).map((p) => [p.partition, p.offset]));
  } finally {
    await admin.disconnect();
  }
}

export async function testProducer(kafka: Kafka): Promise<Producer> {
  const p = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await p.connect();
  return p;
}

export interface ReadRecord {
  key: string | null;
  value: Buffer | null;
  headers: IHeaders;
  partition: number;
  offset: string;
}

/** Reads `topic` from the beginning until `count` records arrived (or the timeout), with a throwaway group. */
export async function readTopic(kafka: Kafka, topic: string, count: number, timeoutMs = 15_000): Promise<ReadRecord[]> {
  const consumer: Consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 100, sessionTimeout: 6000, heartbeatInterval: 500 });
  const out: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        out.push({ key: message.key?.toString() ?? null, value: message.value, headers: message.headers ?? {}, partition, offset: message.offset });
        if (out.length >= count) done();
      },
    });
    await Promise.race([finished, sleep(timeoutMs)]);
  } finally {
    await consumer.disconnect();
  }
  return out;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns true (or throws after `timeoutMs`). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Consumer settings that make joins and redelivery quick on a single test broker. */
export const FAST_CONSUMER = { sessionTimeout: 6000, heartbeatInterval: 500, rebalanceTimeout: 6000, maxWaitTimeInMs: 100 } as const;
