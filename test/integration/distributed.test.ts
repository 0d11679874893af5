/**
 * Distributed mode in this process, against a real broker and a real Redis: one engine per partition
 * (`DistributedNode`) behind the HTTP server `serve` builds in distributed mode.
 *
 * - HTTP door → raw topic → the partition's engine → a PagerDuty body at a local stand-in; the read side
 *   answers from the union of the partition engines;
 * - silences are broadcast to every partition with one id, held by every partition engine and by Redis;
 *   edits and expiry follow Alertmanager's rules;
 * - poison records land in the dead-letter topic and the offsets move on;
 * - Redis restarted (empty) mid-stream: the intake pauses with the offsets uncommitted, resumes when Redis
 *   answers, rewrites every partition in full, and nothing is lost or paged twice.
 */
import type { Kafka } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readDeadLetterHeaders } from '../../src/intake/kafka/deadLetter.js';
import { connectStateRedis } from '../../src/state/redis/client.js';
import { keyLayout } from '../../src/state/redis/keys.js';
import { RedisStateRepository } from '../../src/state/redis/redisRepository.js';
import { partitionId } from '../../src/state/repository.js';
import { canStartThrowawayRedis, ThrowawayRedis } from '../state/redisSupport.js';
import { startPagerduty, type VendorServer } from '../support/vendorServers.js';
import {
  announceDistributedSkip,
  freshDeployment,
  type InProcessNode,
  metricValue,
  pagerdutyConfig,
  pagesPerAlert,
  pagingProblems,
  produceAlerts,
  REDIS_URL,
  SERVICES_READY,
  startNode,
  wave,
} from './distributedSupport.js';
import { committedOffsets, deleteTopics, eventually, readTopic, sleep, testKafka } from './kafkaSupport.js';

announceDistributedSkip('distributed.test.ts');

const json = { 'content-type': 'application/json' };
const ALL = '?active=true&silenced=true&inhibited=true';

async function totalCommitted(kafka: Kafka, group: string, topic: string): Promise<number> {
  const offsets = await committedOffsets(kafka, group, topic);
  return Object.values(offsets).reduce((n, o) => n + Math.max(0, Number(o)), 0);
}

describe.skipIf(!SERVICES_READY)('distributed mode: one engine per partition', () => {
  const kafka = testKafka('dist-it');
  const topics: string[] = [];
  const running: { stop(): Promise<void> }[] = [];

  afterEach(async () => {
    for (const r of running.splice(0).reverse()) await r.stop().catch(() => {});
  });
  afterAll(async () => {
    await deleteTopics(kafka, topics);
  });

  async function node(name: string, pd: VendorServer, opts: { partitions?: number; redisUrl?: string; groupWait?: string } = {}) {
    const deployment = freshDeployment(name);
    topics.push(deployment.raw, deployment.dlq, deployment.incidents);
    const n = await startNode({
      deployment,
      yaml: pagerdutyConfig(pd.url, opts.groupWait ?? '500ms'),
      ...(opts.partitions !== undefined && { partitions: opts.partitions }),
      ...(opts.redisUrl !== undefined && { redisUrl: opts.redisUrl }),
    });
    running.push(n);
    const partitions = opts.partitions ?? 4;
    await eventually(() => n.node.ready() && n.node.info().partitions.length === partitions, 30_000, 'the node to own every partition');
    return { n, deployment };
  }

  const post = (n: InProcessNode, url: string, body: unknown) => n.app.inject({ method: 'POST', url, headers: json, payload: JSON.stringify(body) });
  const get = async <T>(n: InProcessNode, url: string) => JSON.parse((await n.app.inject({ method: 'GET', url })).body) as T;

  it('HTTP door → Kafka → partition engines → PagerDuty; reads answer from every partition; silences reach every partition', async () => {
    const pd = await startPagerduty();
    running.push({ stop: () => pd.close() });
    const { n, deployment } = await node('e2e', pd);
    expect((await n.app.inject({ method: 'GET', url: '/-/ready' })).statusCode).toBe(200);

    const res = await post(n, '/api/v2/alerts', [
      { labels: { alertname: 'NodeDown', cluster: 'eu', severity: 'critical' } },
      { labels: { alertname: 'NodeDown', cluster: 'us', severity: 'critical' } },
      { labels: { alertname: 'DiskFull', cluster: 'ap', severity: 'warning' } },
      { labels: {} },
    ]);
    expect(res.statusCode).toBe(400); // the invalid fourth alert, as in embedded mode; the rest are queued
    await eventually(() => pagesPerAlert(pd).size === 2 && (pagesPerAlert(pd).get('NodeDown') ?? 0) === 2, 20_000, 'three pages');
    expect(pd.violations).toEqual([]);
    const bodies = pd.received.map((r) => r.body as { event_action: string; payload: { custom_details: { alerts: { labels: Record<string, string> }[] } } });
    expect(bodies.map((b) => `${b.event_action} ${b.payload.custom_details.alerts[0]!.labels['alertname']}/${b.payload.custom_details.alerts[0]!.labels['cluster']}`).sort()).toEqual([
      'trigger DiskFull/ap',
      'trigger NodeDown/eu',
      'trigger NodeDown/us',
    ]);

    // The read side: the union of the partition engines (the three clusters live on different partitions here or not: either way all are listed).
    const alerts = await get<{ labels: Record<string, string> }[]>(n, '/api/v2/alerts' + ALL);
    expect(alerts.map((a) => `${a.labels['alertname']}/${a.labels['cluster']}`).sort()).toEqual(['DiskFull/ap', 'NodeDown/eu', 'NodeDown/us']);
    const groups = await get<{ labels: Record<string, string> }[]>(n, '/api/v2/alerts/groups');
    expect(groups).toHaveLength(3);
    const text = await n.metrics.exposition();
    expect(metricValue(text, 'alertsift_partitions_owned')).toBe(4);
    expect(metricValue(text, 'alertsift_state_up')).toBe(1);
    expect(metricValue(text, 'alertsift_alerts{state="active"}')).toBe(3);
    expect(metricValue(text, 'alertsift_kafka_record_latency_seconds_count')).toBeGreaterThanOrEqual(3);

    // A silence: one id, broadcast to every partition, held by every partition engine and in Redis.
    const now = Date.now();
    const silence = {
      matchers: [{ name: 'alertname', value: 'Late', isRegex: false }],
      startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + 3600_000).toISOString(),
      createdBy: 'it',
      comment: 'maintenance',
    };
    const created = await post(n, '/api/v2/silences', silence);
    expect(created.statusCode).toBe(200);
    const id = (JSON.parse(created.body) as { silenceID: string }).silenceID;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await eventually(() => n.node.info().partitions.every((p) => p.silences === 1), 20_000, 'the silence on every partition');
    const listed = await get<{ id: string; status: { state: string } }[]>(n, '/api/v2/silences');
    expect(listed.map((s) => [s.id, s.status.state])).toEqual([[id, 'active']]);
    const redis = await connectStateRedis(REDIS_URL!);
    try {
      const keys = keyLayout(deployment.prefix);
      await eventually(
        async () => {
          for (let p = 0; p < 4; p++) if ((await redis.hkeys(keys.docs(partitionId(deployment.raw, p), 'silences'))).join() !== id) return false;
          return true;
        },
        10_000,
        'the silence committed with every partition',
      );
    } finally {
      await redis.quit();
    }

    // Silenced on whichever partition the alert lands: not paged, listed as suppressed.
    await post(n, '/api/v2/alerts', [
      { labels: { alertname: 'Late', cluster: 'eu' } },
      { labels: { alertname: 'Late', cluster: 'us' } },
      { labels: { alertname: 'Early', cluster: 'ap' } },
    ]);
    await eventually(() => pagesPerAlert(pd).has('Early'), 20_000, 'the unsilenced alert to be paged');
    await sleep(1000);
    expect(pagesPerAlert(pd).has('Late')).toBe(false);
    const late = await get<{ status: { state: string; silencedBy: string[] } }[]>(n, '/api/v2/alerts' + ALL + '&filter=alertname%3D%22Late%22');
    expect(late.map((a) => a.status)).toEqual([
      { state: 'suppressed', silencedBy: [id], inhibitedBy: [], mutedBy: [] },
      { state: 'suppressed', silencedBy: [id], inhibitedBy: [], mutedBy: [] },
    ]);

    // Editing the comment keeps the id; changing the matchers expires it and issues a new one.
    const edited = await post(n, '/api/v2/silences', { ...silence, id, comment: 'longer maintenance' });
    expect(JSON.parse(edited.body)).toEqual({ silenceID: id });
    const moved = await post(n, '/api/v2/silences', { ...silence, id, matchers: [{ name: 'alertname', value: 'Later', isRegex: false }] });
    const id2 = (JSON.parse(moved.body) as { silenceID: string }).silenceID;
    expect(id2).not.toBe(id);
    await eventually(() => n.node.info().partitions.every((p) => p.silences === 2), 20_000, 'both silences on every partition');
    await eventually(async () => (await get<{ status: { state: string } }>(n, `/api/v2/silence/${id}`)).status.state === 'expired', 10_000, 'the old one expired');
    expect((await get<{ comment: string }>(n, `/api/v2/silence/${id}`)).comment).toBe('longer maintenance');
    expect((await n.app.inject({ method: 'DELETE', url: `/api/v2/silence/${id2}` })).statusCode).toBe(200);
    await eventually(async () => (await get<{ status: { state: string } }>(n, `/api/v2/silence/${id2}`)).status.state === 'expired', 10_000, 'the delete');
    expect((await n.app.inject({ method: 'DELETE', url: '/api/v2/silence/no-such-id' })).statusCode).toBe(404);
    expect((await post(n, '/api/v2/silences', { ...silence, id: 'no-such-id' })).statusCode).toBe(404);
    expect(pd.violations).toEqual([]);
  }, 90_000);

  it('dead-letters poison records and moves the offsets on', async () => {
    const pd = await startPagerduty();
    running.push({ stop: () => pd.close() });
    const { n, deployment } = await node('dlq', pd, { partitions: 2 });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const poison = ['{"alerts": [', JSON.stringify({ hello: 'world' }), JSON.stringify([{ labels: {} }]), JSON.stringify({ expireSilence: 'no-such-silence' })];
    try {
      await producer.send({
        topic: deployment.raw,
        acks: -1,
        messages: [
          { key: 'eu', value: JSON.stringify([{ labels: { alertname: 'Good', cluster: 'eu' } }]) },
          ...poison.map((value) => ({ key: 'eu', value })),
        ],
      });
    } finally {
      await producer.disconnect();
    }
    const dead = await readTopic(kafka, deployment.dlq, poison.length, 20_000);
    expect(dead.map((d) => readDeadLetterHeaders(d.headers).reason)).toEqual(['malformed_json', 'unrecognized', 'invalid', 'rejected']);
    expect(dead[0]!.value?.toString()).toBe('{"alerts": [');
    expect(readDeadLetterHeaders(dead[0]!.headers)).toMatchObject({ source: { topic: deployment.raw }, groupId: deployment.group });
    await eventually(async () => (await totalCommitted(kafka, deployment.group, deployment.raw)) === 5, 15_000, 'the offsets to move past the poison');
    await eventually(() => pagesPerAlert(pd).has('Good'), 15_000, 'the good alert paged');
    const text = await n.metrics.exposition();
    expect(metricValue(text, `alertsift_kafka_records_dead_lettered_total{topic="${deployment.raw}",reason="malformed_json"}`)).toBe(1);
  }, 60_000);

  it('a partition loaded by another instance (a zombie fenced): its engine stops here; the partition comes back with the next assignment', async () => {
    const pd = await startPagerduty();
    running.push({ stop: () => pd.close() });
    const { n, deployment } = await node('fence', pd, { partitions: 2 });
    const p0 = partitionId(deployment.raw, 0);
    const w1 = wave('F', 1, 4, 4); // c0 and c9 go to partition 0, c1 and c2 to partition 1
    await produceAlerts(kafka, deployment.raw, w1);
    await eventually(() => pagingProblems(pd, w1).missing.length === 0, 20_000, 'wave 1 paged');

    // What was paged is durable (the notification log of partition 0 is committed)…
    const redis = await connectStateRedis(REDIS_URL!);
    try {
      await eventually(async () => (await redis.hlen(keyLayout(deployment.prefix).docs(p0, 'nflog'))) === 2, 10_000, 'the log entries committed');
    } finally {
      await redis.quit();
    }
    // …when another instance takes partition 0 over in Redis (as a new owner after a rebalance would).
    const thief = await RedisStateRepository.connect(REDIS_URL!, { prefix: deployment.prefix });
    try {
      expect((await thief.load([p0])).get(p0)!.docs.alerts).toHaveLength(2);
    } finally {
      await thief.close();
    }
    // This node's next commit to partition 0 (at the latest its idle commit, 5 s) is refused: it stops the
    // partition's engine and keeps partition 1.
    await eventually(() => n.node.info().partitions.map((p) => p.partition).join() === partitionId(deployment.raw, 1), 15_000, 'partition 0 dropped');
    expect(metricValue(await n.metrics.exposition(), 'alertsift_state_commits_total{result="stale_owner"}')).toBeGreaterThanOrEqual(1);

    // Kafka still assigns partition 0 here: its batches fail until the consumer rejoins the group, then the
    // partition is loaded again (taking ownership back) and nothing already paged is paged again.
    const w2 = wave('F', 2, 4, 4);
    await produceAlerts(kafka, deployment.raw, w2);
    await eventually(() => pagingProblems(pd, w2).missing.length === 0, 60_000, 'wave 2 paged after the rejoin');
    await eventually(() => n.node.info().partitions.length === 2, 20_000, 'partition 0 back');
    await sleep(1000);
    expect(pagingProblems(pd, [...w1, ...w2])).toEqual({ duplicated: [], missing: [], duplicateGroups: 0 });
  }, 90_000);

  it.skipIf(!canStartThrowawayRedis())(
    'Redis restarted empty mid-stream: the intake pauses with offsets uncommitted, then resumes, rewrites its state and loses nothing',
    async () => {
      const pd = await startPagerduty();
      running.push({ stop: () => pd.close() });
      const redis = await ThrowawayRedis.start();
      running.push({ stop: () => redis.destroy() });
      const { n, deployment } = await node('redis-restart', pd, { partitions: 2, redisUrl: redis.url });
      const w1 = wave('R', 1, 8, 4);
      await produceAlerts(kafka, deployment.raw, w1);
      await eventually(() => pagingProblems(pd, w1).missing.length === 0, 20_000, 'wave 1 paged');
      await eventually(async () => (await totalCommitted(kafka, deployment.group, deployment.raw)) === 8, 15_000, 'wave 1 committed');

      await redis.stop();
      const w2 = wave('R', 2, 8, 4);
      await produceAlerts(kafka, deployment.raw, w2);
      // A batch in hand may be applied in memory (and paged: claims fail open), but nothing becomes
      // durable, so nothing is committed; the intake pauses until Redis answers.
      await eventually(() => n.node.info().paused, 20_000, 'the intake to pause');
      expect(n.node.info().state.ok).toBe(false);
      expect((await n.app.inject({ method: 'GET', url: '/-/ready' })).statusCode).toBe(503);
      await sleep(1500);
      expect(n.node.info().paused).toBe(true);
      expect(await totalCommitted(kafka, deployment.group, deployment.raw)).toBe(8);
      expect(metricValue(await n.metrics.exposition(), 'alertsift_state_up')).toBe(0);

      await redis.start(); // empty: no persistence
      await eventually(() => !n.node.info().paused, 20_000, 'the intake to resume');
      await eventually(async () => (await totalCommitted(kafka, deployment.group, deployment.raw)) === 16, 20_000, 'wave 2 committed');
      await eventually(() => pagingProblems(pd, w2).missing.length === 0, 20_000, 'wave 2 paged');
      const w3 = wave('R', 3, 8, 4);
      await produceAlerts(kafka, deployment.raw, w3);
      await eventually(async () => (await totalCommitted(kafka, deployment.group, deployment.raw)) === 24, 20_000, 'wave 3 committed');
      await eventually(() => pagingProblems(pd, w3).missing.length === 0, 20_000, 'wave 3 paged');
      await sleep(1500);
      expect(pagingProblems(pd, [...w1, ...w2, ...w3])).toEqual({ duplicated: [], missing: [], duplicateGroups: 0 });
      expect((await n.app.inject({ method: 'GET', url: '/-/ready' })).statusCode).toBe(200);
      // Every partition was rewritten in full: all 24 alerts are in the restarted Redis again.
      const client = await connectStateRedis(redis.url);
      try {
        const keys = keyLayout(deployment.prefix);
        await eventually(
          async () => {
            let stored = 0;
            for (let p = 0; p < 2; p++) stored += await client.hlen(keys.docs(partitionId(deployment.raw, p), 'alerts'));
            return stored === 24;
          },
          15_000,
          'the alerts rewritten to Redis',
        );
      } finally {
        await client.quit();
      }
      const text = await n.metrics.exposition();
      expect(metricValue(text, 'alertsift_state_commits_total{result="ownership_lost"}')).toBeGreaterThanOrEqual(1);
      expect(metricValue(text, 'alertsift_state_commits_total{result="unavailable"}')).toBeGreaterThanOrEqual(1);
      expect(metricValue(text, `alertsift_kafka_consumer_pauses_total{topic="${deployment.raw}"}`)).toBeGreaterThanOrEqual(1);
      expect(pd.violations).toEqual([]);
    },
    90_000,
  );
});
