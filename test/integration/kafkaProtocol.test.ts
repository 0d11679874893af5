/**
 * kafkajs 2.2.4 against the broker CI runs (scripts/services/kafka.sh): the protocol calls alertsift
 * relies on. kafkajs is unmaintained and was never tested by its authors against Kafka 4.x, so this is
 * the check that a broker version change (KAFKA_VERSION) keeps working: admin createTopics and
 * describeConfigs, an idempotent produce with acks=all, a consumer group join with manual commits that a
 * restarted member honours, and a two-member rebalance.
 */
import { ConfigResourceTypes, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkip, committedOffsets, createTopics, deleteTopics, FAST_CONSUMER, KAFKA_READY, sleep, testKafka, uniqueName } from './kafkaSupport.js';

announceSkip('kafkaProtocol.test.ts');

describe.skipIf(!KAFKA_READY)('kafkajs against the test broker', () => {
  const kafka = testKafka('protocol');
  const topic = uniqueName('proto');
  const groupId = uniqueName('proto-g');

  beforeAll(async () => {
    await createTopics(kafka, [topic], 4);
  });
  afterAll(async () => {
    await deleteTopics(kafka, [topic]);
  });

  it('describes the cluster and the topic configuration', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers.length).toBeGreaterThan(0);
      const cfg = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }], includeSynonyms: false });
      expect(cfg.resources[0]!.configEntries.some((e) => e.configName === 'cleanup.policy')).toBe(true);
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(meta.topics[0]!.partitions).toHaveLength(4);
    } finally {
      await admin.disconnect();
    }
  });

  it('produces idempotently, joins a group, commits by hand, and a restarted member resumes after the commit', async () => {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const meta = await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: 12 }, (_, i) => ({ key: `k${i % 5}`, value: JSON.stringify({ i }), headers: { n: String(i) } })),
    });
    await producer.disconnect();
    expect(meta.every((m) => m.errorCode === 0)).toBe(true);

    const consumeAll = async (commit: boolean, expected = 12) => {
      const consumer = kafka.consumer({ groupId, ...FAST_CONSUMER });
      const seen: number[] = [];
      let joined = false;
      consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, uncommittedOffsets }) => {
          for (const m of batch.messages) seen.push((JSON.parse(m.value!.toString()) as { i: number }).i);
          // Resolving moves the fetch position; only the commit makes it survive the member.
          resolveOffset(batch.lastOffset());
          if (commit) await commitOffsetsIfNecessary(uncommittedOffsets());
        },
      });
      const end = Date.now() + 8000;
      while ((expected === 0 ? !joined : seen.length < expected) && Date.now() < end) await sleep(50);
      await sleep(expected === 0 ? 1000 : 300);
      await consumer.disconnect();
      return seen.sort((a, b) => a - b);
    };

    expect(await consumeAll(false)).toEqual([...Array(12).keys()]);
    expect(Object.values(await committedOffsets(kafka, groupId, topic))).toEqual(['-1', '-1', '-1', '-1']);
    expect(await consumeAll(true)).toEqual([...Array(12).keys()]);
    const committed = await committedOffsets(kafka, groupId, topic);
    const admin = kafka.admin();
    await admin.connect();
    // The end of each partition; an empty partition never had a batch, so nothing was committed there.
    const ends = Object.fromEntries((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high === '0' ? '-1' : p.high]));
    await admin.disconnect();
    expect(committed).toEqual(ends);
    // Everything was committed: a restarted member gets nothing again.
    expect(await consumeAll(true, 0)).toEqual([]);
  }, 40_000);

  it('rebalances partitions between two members and back', async () => {
    const rebalanceGroup = uniqueName('proto-rb');
    const assignments: Record<string, number[][]> = { a: [], b: [] };
    const member = (name: 'a' | 'b') => {
      const c = kafka.consumer({ groupId: rebalanceGroup, ...FAST_CONSUMER });
      c.on(c.events.GROUP_JOIN, (e) => assignments[name]!.push([...(e.payload.memberAssignment[topic] ?? [])].sort()));
      return c;
    };
    const a = member('a');
    await a.connect();
    await a.subscribe({ topics: [topic] });
    await a.run({ eachMessage: async () => undefined });
    const until = async (check: () => boolean) => {
      const end = Date.now() + 15_000;
      while (!check() && Date.now() < end) await sleep(50);
      expect(check()).toBe(true);
    };
    await until(() => assignments.a!.length === 1);
    expect(assignments.a![0]).toEqual([0, 1, 2, 3]);

    const b = member('b');
    await b.connect();
    await b.subscribe({ topics: [topic] });
    await b.run({ eachMessage: async () => undefined });
    await until(() => assignments.b!.length === 1 && assignments.a!.length === 2);
    expect([...assignments.a![1]!, ...assignments.b![0]!].sort()).toEqual([0, 1, 2, 3]);
    expect(assignments.b![0]!.length).toBe(2);

    await b.disconnect();
    await until(() => assignments.a!.length === 3);
    expect(assignments.a![2]).toEqual([0, 1, 2, 3]);
    await a.disconnect();
  }, 40_000);
});
