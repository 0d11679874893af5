/**
 * Shared by the distributed-mode tests (test/integration/distributed*.test.ts): a real broker
 * (`KAFKA_BROKERS`) and a real Redis (`REDIS_URL`), both started by `scripts/services/up.sh`; skipped with
 * a plain message when either is missing.
 *
 * Two ways to run an instance:
 * - in this process (`startNode`): a `DistributedNode` and its HTTP server, for tests that look inside
 *   (pause state, committed offsets, Redis outages with a throwaway server);
 * - as a child process (`spawnInstance`): `node bin/alertsift.js serve` with the distributed-mode
 *   environment, for tests that kill instances (SIGKILL) or need separate processes. Needs `npm run build`
 *   (`npm test` builds first).
 *
 * Every test uses its own topics, consumer group and Redis key prefix.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Kafka } from 'kafkajs';
import { pino } from 'pino';
import { buildDistributedServer, DistributedNode, type DistributedStateSettings } from '../../src/cli/distributed.js';
import { EngineMetrics } from '../../src/engine/metrics.js';
import type { KafkaSettings } from '../../src/intake/kafka/settings.js';
import { WallClock } from '../../src/state/clock.js';
import { config as parseConfig } from '../engine/support.js';
import { freePort, redisUnavailableReason } from '../state/redisSupport.js';
import type { VendorServer } from '../support/vendorServers.js';
import { BROKERS, KAFKA_READY, SKIP_REASON, sleep, uniqueName } from './kafkaSupport.js';

export const REDIS_URL = process.env['REDIS_URL'];
const redisWhyNot = await redisUnavailableReason(REDIS_URL);
export const SERVICES_READY = KAFKA_READY && redisWhyNot === undefined;
export const BUILT = existsSync(resolve('dist/src/cli/distributed.js'));

export function announceDistributedSkip(file: string, needsBuild = false): void {
  if (!KAFKA_READY) console.log(`SKIPPED ${file}: ${SKIP_REASON} (start the services: export $(scripts/services/up.sh))`);
  else if (redisWhyNot) console.log(`SKIPPED ${file}: ${redisWhyNot} (start the services: export $(scripts/services/up.sh))`);
  else if (needsBuild && !BUILT) console.log(`SKIPPED ${file}: dist/ is not built (npm run build)`);
}

/** A route that groups by the scope label (`cluster`), so one group never spans two partitions. */
export function pagerdutyConfig(pdUrl: string, groupWait = '1s', groupInterval = '30s'): string {
  return `route: {receiver: pd, group_by: [alertname, cluster], group_wait: ${groupWait}, group_interval: ${groupInterval}, repeat_interval: 1h}
receivers:
- name: pd
  pagerduty_configs:
  - routing_key: 0123456789abcdef0123456789abcdef
    url: ${pdUrl}/v2/enqueue
`;
}

/** Names of one test's deployment: topics, group, Redis prefix. */
export interface Deployment {
  readonly raw: string;
  readonly dlq: string;
  readonly incidents: string;
  readonly group: string;
  readonly prefix: string;
}

export function freshDeployment(name: string): Deployment {
  return {
    raw: uniqueName(`${name}-raw`),
    dlq: uniqueName(`${name}-dlq`),
    incidents: uniqueName(`${name}-inc`),
    group: uniqueName(`${name}-g`),
    prefix: uniqueName(`${name}-state`),
  };
}

/** Consumer timings for a quick test: a dead member is noticed within a few seconds. */
export const TEST_CONSUMER = { sessionTimeout: 6000, heartbeatInterval: 500, rebalanceTimeout: 6000, maxWaitTimeInMs: 100 } as const;

export function kafkaSettings(d: Deployment, partitions = 4): KafkaSettings {
  return {
    brokers: BROKERS,
    clientId: 'alertsift-dist-it',
    groupId: d.group,
    topics: { raw: d.raw, deadLetter: d.dlq, incidents: d.incidents },
    scopeLabels: ['cluster'],
    fromBeginning: true,
    resumeCheckMs: 200,
    createTopics: { partitions, replicationFactor: 1 },
    consumer: TEST_CONSUMER,
  };
}

export interface InProcessNode {
  readonly node: DistributedNode;
  readonly app: FastifyInstance;
  readonly metrics: EngineMetrics;
  readonly clock: WallClock;
  stop(): Promise<void>;
}

/** A distributed instance in this process (HTTP server not listening: use `app.inject`). */
export async function startNode(opts: {
  deployment: Deployment;
  yaml: string;
  redisUrl?: string;
  partitions?: number;
  state?: Partial<DistributedStateSettings>;
}): Promise<InProcessNode> {
  const clock = new WallClock();
  const metrics = new EngineMetrics({ defaultMetrics: false });
  const node = new DistributedNode({
    settings: kafkaSettings(opts.deployment, opts.partitions),
    state: {
      redisUrl: opts.redisUrl ?? REDIS_URL!,
      redisPrefix: opts.deployment.prefix,
      commitIntervalMs: 200,
      outboxBacklogLimit: 10_000,
      testPersistDelayMs: 0,
      ...opts.state,
    },
    config: parseConfig(opts.yaml),
    configText: opts.yaml,
    clock,
    externalURL: 'http://alertsift.test',
    metrics,
    // kafkajs logs a batch that failed (Redis away) as an error; the tests check the outcome instead.
    logger: pino({ level: process.env['DIST_IT_LOG_LEVEL'] ?? 'silent' }),
  });
  metrics.attachEngine(node.engines.metricsSource());
  await node.start();
  const app = buildDistributedServer(node, metrics);
  await app.ready();
  return {
    node,
    app,
    metrics,
    clock,
    async stop() {
      await app.close();
      await node.stop();
      clock.stopAll();
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Child processes

export interface Instance {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the process printed (pino JSON lines). */
  log(): string;
  exited(): boolean;
  /** Resolves with the exit code or signal. */
  readonly exit: Promise<number | string>;
  /** `GET /api/v1/distributed`, or undefined when the instance does not answer. */
  info(): Promise<NodeInfo | undefined>;
  /** SIGTERM and wait for the exit (graceful hand-over). */
  stop(): Promise<number | string>;
  /** SIGKILL and wait. */
  kill(): Promise<number | string>;
}

export interface NodeInfo {
  instanceId: string;
  partitions: { partition: string; alerts: number; groups: number; silences: number }[];
  state: { ok: boolean; error?: string };
  paused: boolean;
}

const workDirs: string[] = [];

/** Writes the configuration to a temporary file. */
export function writeConfig(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'alertsift-dist-it-'));
  workDirs.push(dir);
  const path = join(dir, 'alertsift.yml');
  writeFileSync(path, yaml);
  return path;
}

export function removeWorkDirs(): void {
  for (const d of workDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function instanceEnv(d: Deployment, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
    ALERTSIFT_KAFKA_BROKERS: BROKERS.join(','),
    ALERTSIFT_REDIS_URL: REDIS_URL,
    ALERTSIFT_REDIS_PREFIX: d.prefix,
    ALERTSIFT_KAFKA_GROUP: d.group,
    ALERTSIFT_KAFKA_TOPIC_RAW: d.raw,
    ALERTSIFT_KAFKA_TOPIC_DLQ: d.dlq,
    ALERTSIFT_KAFKA_TOPIC_INCIDENTS: d.incidents,
    ALERTSIFT_KAFKA_SCOPE_LABELS: 'cluster',
    ALERTSIFT_KAFKA_FROM_BEGINNING: 'true',
    ALERTSIFT_KAFKA_RESUME_CHECK_MS: '200',
    ALERTSIFT_KAFKA_SESSION_TIMEOUT_MS: String(TEST_CONSUMER.sessionTimeout),
    ALERTSIFT_KAFKA_HEARTBEAT_INTERVAL_MS: String(TEST_CONSUMER.heartbeatInterval),
    ALERTSIFT_KAFKA_REBALANCE_TIMEOUT_MS: String(TEST_CONSUMER.rebalanceTimeout),
    ALERTSIFT_KAFKA_MAX_WAIT_MS: String(TEST_CONSUMER.maxWaitTimeInMs),
    ALERTSIFT_STATE_COMMIT_INTERVAL_MS: '200',
    ...extra,
  };
}

/** `node bin/alertsift.js serve` in distributed mode; resolves once it answers `/-/healthy`. */
export async function spawnInstance(name: string, configPath: string, env: NodeJS.ProcessEnv): Promise<Instance> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [resolve('bin/alertsift.js'), 'serve', '--config', configPath, '--listen', `127.0.0.1:${port}`, '--log-level', 'info'], {
    env: { ...env, ALERTSIFT_INSTANCE_ID: `${name}-${process.pid}-${port}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  let done = false;
  const exit = new Promise<number | string>((r) =>
    child.once('exit', (code, signal) => {
      done = true;
      r(signal ?? code ?? -1);
    }),
  );
  const instance: Instance = {
    name,
    port,
    url,
    child,
    log: () => out,
    exited: () => done,
    exit,
    async info() {
      try {
        const res = await fetch(`${url}/api/v1/distributed`, { signal: AbortSignal.timeout(2000) });
        return res.ok ? ((await res.json()) as NodeInfo) : undefined;
      } catch {
        return undefined;
      }
    },
    async stop() {
      if (!done) child.kill('SIGTERM');
      return Promise.race([exit, sleep(30_000).then(() => (child.kill('SIGKILL'), exit))]);
    },
    async kill() {
      if (!done) child.kill('SIGKILL');
      return exit;
    },
  };
  const end = Date.now() + 30_000;
  for (;;) {
    if (done) throw new Error(`${name} exited before serving:\n${out.slice(-3000)}`);
    try {
      const res = await fetch(`${url}/-/healthy`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`${name} did not start:\n${out.slice(-3000)}`);
    await sleep(100);
  }
  return instance;
}

// ---------------------------------------------------------------------------------------------------
// Traffic and checks

export interface TestAlert {
  readonly alertname: string;
  readonly cluster: string;
}

/** Cluster names (= record keys) that Kafka's partitioner spreads two per partition over 4 partitions. */
const CLUSTERS = ['c0', 'c1', 'c2', 'c9', 'c4', 'c5', 'c3', 'c10'];

/** `count` groups `<prefix>W<w>A<i>` spread over `clusters` clusters (one alert each: one group, one page). */
export function wave(prefix: string, w: number, count: number, clusters = 8): TestAlert[] {
  return Array.from({ length: count }, (_, i) => ({ alertname: `${prefix}W${w}A${i}`, cluster: CLUSTERS[i % Math.min(clusters, CLUSTERS.length)]! }));
}

/** Produces each alert as its own API v2 record keyed by its scope (the cluster), as the doors do. */
export async function produceAlerts(kafka: Kafka, topic: string, alerts: readonly TestAlert[]): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: alerts.map((a) => ({
        key: a.cluster,
        value: JSON.stringify([{ labels: { alertname: a.alertname, cluster: a.cluster, severity: 'critical' }, annotations: { summary: `${a.alertname} in ${a.cluster}` } }]),
      })),
    });
  } finally {
    await producer.disconnect();
  }
}

export interface PdTrigger {
  dedupKey: string;
  alertnames: string[];
}

/** The PagerDuty trigger events received, with the alert names each carried. */
export function triggers(pd: VendorServer): PdTrigger[] {
  return pd.received
    .filter((r) => r.path === '/v2/enqueue' && r.body['event_action'] === 'trigger')
    .map((r) => {
      const payload = r.body['payload'] as { custom_details: { alerts: { labels: Record<string, string> }[] } };
      return { dedupKey: r.body['dedup_key'] as string, alertnames: payload.custom_details.alerts.map((a) => a.labels['alertname']!) };
    });
}

/** Per alert name: how many trigger events carried it. */
export function pagesPerAlert(pd: VendorServer): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of triggers(pd)) for (const n of t.alertnames) out.set(n, (out.get(n) ?? 0) + 1);
  return out;
}

/** Per dedup key (one per aggregation group): how many triggers were sent. */
export function triggersPerGroup(pd: VendorServer): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of triggers(pd)) out.set(t.dedupKey, (out.get(t.dedupKey) ?? 0) + 1);
  return out;
}

/** Alert names that were paged more than once, and expected names never paged. */
export function pagingProblems(pd: VendorServer, expected: readonly TestAlert[]): { duplicated: string[]; missing: string[]; duplicateGroups: number } {
  const per = pagesPerAlert(pd);
  const duplicated = [...per].filter(([, n]) => n > 1).map(([a, n]) => `${a}×${n}`);
  const missing = expected.map((a) => a.alertname).filter((n) => !per.has(n));
  const duplicateGroups = [...triggersPerGroup(pd).values()].filter((n) => n > 1).length;
  return { duplicated, missing, duplicateGroups };
}

/** The value of one series (`name` or `name{labels}` exactly as exposed) in a text exposition. */
export function metricValue(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1));
  return undefined;
}

export async function scrape(url: string): Promise<string> {
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2000) });
    return await res.text();
  } catch {
    return '';
  }
}
