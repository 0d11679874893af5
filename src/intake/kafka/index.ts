/**
 * Distributed mode's Kafka side, assembled: the intake (consumer group on the raw-alerts topic), the
 * HTTP forwarder (the doors produce instead of processing) and the incidents publisher, sharing one
 * kafkajs client, one producer and one set of metrics. `serve` wires it when brokers are configured
 * (`src/cli/distributed.ts`: one engine per owned partition, state in Redis):
 *
 * ```ts
 * const rt = await startKafkaRuntime({ settings, registry: metrics.registry, logger,
 *   sink: (topic, partition) => engineOf(topic, partition),        // loads the partition's state first
 *   persist: (batch) => trackerOf(batch).commit(repository),        // the batch's changes → Redis
 *   backpressure: () => stateDown || outbox.pending() > 10_000,
 *   onAssignment: (assignment) => stopRevokedEngines(assignment) });
 * app = buildServer({ engine: localEngines, metrics, logger, forward: rt.forwarder.forward, readiness });
 * // … on shutdown: await app.close(); await rt.stop();
 * ```
 */
import { Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../../config/types.js';
import { KafkaForwarder } from './forwarder.js';
import { KafkaIntake, type KafkaIntakeOptions } from './intake.js';
import { KafkaMetrics } from './metrics.js';
import { KafkaIncidentPublisher } from './publisher.js';
import type { RecordDecoders } from './records.js';
import { scopeProblems } from './scope.js';
import { createKafka, type KafkaSettings } from './settings.js';

export * from './deadLetter.js';
export * from './forwarder.js';
export * from './intake.js';
export * from './metrics.js';
export * from './publisher.js';
export * from './records.js';
export * from './scope.js';
export * from './settings.js';

/** Incident changes waiting for Kafka beyond which the intake pauses. */
export const INCIDENT_BACKLOG_LIMIT = 10_000;

export interface KafkaRuntimeOptions {
  readonly settings: KafkaSettings;
  /** The engine (or one per partition: see `KafkaIntakeOptions.sink`). */
  readonly sink: KafkaIntakeOptions['sink'];
  /** The clock for incident change times (default: the sink's, when it is one engine; else the wall clock). */
  readonly now?: () => number;
  /** Where the Kafka metrics register (the engine's registry, so `/metrics` shows them). */
  readonly registry?: Registry;
  readonly logger?: Logger;
  /** Makes a batch's state durable (the Redis repository); the runtime then flushes the incidents publisher. */
  readonly persist?: KafkaIntakeOptions['persist'];
  /** The state store or outbox is behind; the runtime also pauses while incident changes pile up. */
  readonly backpressure?: KafkaIntakeOptions['backpressure'];
  readonly decoders?: RecordDecoders;
  readonly onAssignment?: KafkaIntakeOptions['onAssignment'];
  /** kafkajs consumer settings (session timeout, heartbeat interval, max wait, …); win over `settings.consumer`. */
  readonly consumerConfig?: KafkaIntakeOptions['consumerConfig'];
  /** Partitions processed at the same time (default: `settings.concurrency`, else 1). */
  readonly concurrency?: number;
  /** Run the consumer group here. Default true (false: an HTTP-only instance that just produces). */
  readonly consume?: boolean;
  /** Create missing topics first (default: `settings.createTopics`; else they must exist, see docs/production.md). */
  readonly createTopics?: { readonly partitions: number; readonly replicationFactor: number };
  /** The engine's configuration: routes and inhibition rules that do not fit the scope are logged. */
  readonly config?: Pick<Config, 'route' | 'inhibitRules'>;
  /** Override the client (tests); by default one is built from `settings`. */
  readonly kafka?: Kafka;
}

export interface KafkaRuntime {
  readonly kafka: Kafka;
  readonly metrics: KafkaMetrics;
  readonly intake: KafkaIntake | undefined;
  readonly forwarder: KafkaForwarder;
  readonly publisher: KafkaIncidentPublisher;
  /** Stops consuming (after the batch in progress commits), flushes incident changes, disconnects. */
  stop(): Promise<void>;
}

export async function startKafkaRuntime(opts: KafkaRuntimeOptions): Promise<KafkaRuntime> {
  const { settings, logger } = opts;
  const kafka = opts.kafka ?? createKafka(settings, logger);
  const metrics = new KafkaMetrics(opts.registry);
  if (opts.config) {
    for (const problem of scopeProblems(opts.config, settings.scopeLabels)) {
      logger?.warn({ scopeLabels: settings.scopeLabels }, `correlation scope: ${problem}`);
    }
  }
  const create = opts.createTopics ?? settings.createTopics;
  if (create) {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const made = await ensureTopics(admin, [settings.topics.raw, settings.topics.deadLetter, settings.topics.incidents], create);
      if (made.length > 0) logger?.info({ topics: made, ...create }, 'created kafka topics');
    } finally {
      await admin.disconnect();
    }
  }
  // One producer for dead letters, forwarded requests and incident changes. Not idempotent: forwarded
  // alerts and dead letters tolerate a duplicate (re-sends are idempotent in the engine), and incident
  // changes are sent one batch at a time by the publisher, which keeps their order.
  const producer: Producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  const forwarder = new KafkaForwarder({ kafka, topic: settings.topics.raw, scopeLabels: settings.scopeLabels, producer, metrics, logger });
  const sink = opts.sink;
  const now = opts.now ?? (typeof sink === 'function' ? Date.now : () => sink.now());
  const publisher = new KafkaIncidentPublisher({ kafka, topic: settings.topics.incidents, producer, metrics, logger, now });
  let intake: KafkaIntake | undefined;
  if (opts.consume ?? true) {
    intake = new KafkaIntake({
      kafka,
      groupId: settings.groupId,
      topic: settings.topics.raw,
      deadLetterTopic: settings.topics.deadLetter,
      sink: opts.sink,
      // The batch's incident changes are on their topic before its offsets are committed.
      persist: async (batch) => {
        await opts.persist?.(batch);
        await publisher.flush();
      },
      backpressure: async () => publisher.pending > INCIDENT_BACKLOG_LIMIT || ((await opts.backpressure?.()) ?? false),
      resumeCheckMs: settings.resumeCheckMs,
      decoders: opts.decoders,
      metrics,
      logger,
      fromBeginning: settings.fromBeginning,
      producer,
      onAssignment: opts.onAssignment,
      consumerConfig: { ...settings.consumer, ...opts.consumerConfig },
      concurrency: opts.concurrency ?? settings.concurrency,
    });
    await intake.start();
  }
  return {
    kafka,
    metrics,
    intake,
    forwarder,
    publisher,
    async stop() {
      await intake?.stop();
      await publisher.close();
      await producer.disconnect();
    },
  };
}

/** Creates the topics that do not exist yet (existing ones are left as they are) and waits for their leaders. */
export async function ensureTopics(
  admin: Admin,
  topics: readonly string[],
  config: { readonly partitions: number; readonly replicationFactor: number },
): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = [...new Set(topics)].filter((t) => !existing.has(t));
  if (missing.length === 0) return [];
  await createTopicsAndWait(
    admin,
    missing.map((topic) => ({ topic, numPartitions: config.partitions, replicationFactor: config.replicationFactor })),
  );
  return missing;
}

/**
 * `admin.createTopics`, then waits until every partition has a leader. kafkajs's own `waitForLeaders`
 * gives up when the broker answers UNKNOWN_TOPIC_OR_PARTITION, which a KRaft broker does for a moment
 * after the controller created the topic (the broker has not applied the metadata record yet; seen under
 * load): this wait treats that as "not yet".
 */
export async function createTopicsAndWait(
  admin: Admin,
  topics: readonly { topic: string; numPartitions: number; replicationFactor: number }[],
  timeoutMs = 30_000,
): Promise<void> {
  await admin.createTopics({ topics: [...topics], waitForLeaders: false, timeout: timeoutMs });
  const names = topics.map((t) => t.topic);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics: names });
      const ready = names.every((name) => {
        const t = meta.topics.find((x) => x.name === name);
        return t !== undefined && t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0);
      });
      if (ready) return;
    } catch (e) {
      if (!(e as { retriable?: boolean }).retriable) throw e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for leaders of ${names.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
