/**
 * The Kafka door: a consumer group on the raw-alerts topic, feeding the engine at least once.
 *
 * Per batch (one partition's fetched records, in offset order):
 *
 *   backpressure? ──yes──► pause the whole consumer, leave the batch unresolved (it is fetched again
 *        │                 after resume); a timer asks the predicate every `resumeCheckMs` and resumes
 *        no
 *        ▼
 *   each record: recognise → validate → apply to the engine (synchronous)     [records.ts]
 *        │        bad records are collected for the dead-letter topic
 *        ▼
 *   produce the dead letters (acks=all), await it
 *        ▼
 *   await persist(batch)        ← the state change becomes durable here (Redis repository, outbox, …)
 *        ▼
 *   resolve + commit the offsets (last offset + 1), then heartbeat
 *
 * Offsets are committed only after `persist` resolved, so a crash anywhere before that redelivers the
 * batch to whichever member owns the partition next. Redelivery re-applies records; that is safe because
 * the engine's intake is idempotent for re-sends (the store merges an alert with itself, a silence upsert
 * by id is the same upsert, expiring an expired silence is a no-op) and the notification log decides
 * whether anything is sent again. If the engine, a dead-letter produce, `persist` or the commit throws,
 * the batch is not resolved: kafkajs retries it (with its retry backoff, restarting the consumer when
 * retries are exhausted), so nothing is skipped.
 *
 * kafkajs pitfall worth knowing: with `autoCommit: false`, `commitOffsetsIfNecessary()` *without*
 * arguments commits nothing (it only acts on the auto-commit interval/threshold); we pass the offsets.
 */
import type { Consumer, ConsumerConfig, EachBatchPayload, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import type { Logger } from 'pino';
import type { LabelNameMode } from '../../normalize/apiV2Alerts.js';
import { deadLetterMessage } from './deadLetter.js';
import { KafkaMetrics } from './metrics.js';
import { processRecord, type DeadLetterReason, type IntakeSink, type RecordDecoders, type RecordOutcome } from './records.js';

/** What `persist` is told about the batch whose state changes it must make durable. */
export interface PersistBatch {
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: string;
  readonly lastOffset: string;
  /** The offset that will be committed once `persist` resolves (last + 1). */
  readonly nextOffset: string;
  readonly records: number;
  /** Alerts, silences and changes applied to the engine. */
  readonly applied: number;
  readonly deadLettered: number;
}

/** The engine that owns `partition` (see `KafkaIntakeOptions.sink`). Throwing leaves the batch for later. */
export type SinkResolver = (topic: string, partition: number) => IntakeSink | Promise<IntakeSink>;

export interface KafkaIntakeOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  /** The raw-alerts topic. Create it before starting (see docs/production.md). */
  readonly topic: string;
  readonly deadLetterTopic: string;
  /**
   * The engine, or — for one engine per owned partition (docs/state.md) — a function that returns the
   * partition's engine; it may be async (load the partition's state on its first batch) and is called
   * before every batch.
   */
  readonly sink: IntakeSink | SinkResolver;
  /**
   * Makes the batch's state changes durable; offsets are committed after it resolves. A rejection leaves
   * the batch uncommitted (redelivered). Default: nothing to do (in-memory state: at-least-once delivery
   * into the engine, but state does not survive a restart).
   */
  readonly persist?: (batch: PersistBatch) => Promise<void>;
  /**
   * True while the outbox or the state store is behind: checked before every batch; while paused,
   * checked every `resumeCheckMs` until false.
   */
  readonly backpressure?: () => boolean | Promise<boolean>;
  readonly resumeCheckMs?: number;
  readonly decoders?: RecordDecoders;
  readonly labelNames?: LabelNameMode;
  readonly metrics?: KafkaMetrics;
  readonly logger?: Logger;
  /** Where a group with no committed offsets starts. Default false: new records only (Kafka's default). */
  readonly fromBeginning?: boolean;
  /** kafkajs consumer settings (session timeout, heartbeat interval, max wait, …); groupId is ours. */
  readonly consumerConfig?: Omit<Partial<ConsumerConfig>, 'groupId'>;
  /** A connected producer for dead letters; by default the intake creates and owns one. */
  readonly producer?: Producer;
  /**
   * Batches of different partitions processed at the same time (kafkajs `partitionsConsumedConcurrently`).
   * Default 1. More only helps when the sink is one engine per partition (their persist calls overlap).
   */
  readonly concurrency?: number;
  /** Called with this member's partitions after every rebalance (the state repository may need it). */
  readonly onAssignment?: (assignment: Readonly<Record<string, readonly number[]>>) => void;
}

export class KafkaIntake {
  private readonly opts: KafkaIntakeOptions;
  private readonly metrics: KafkaMetrics;
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private ownsProducer = false;
  private resumeTimer: NodeJS.Timeout | undefined;
  private checking = false;
  private pausedByUs = false;
  private stopping = false;
  private joinWaiters: (() => void)[] = [];
  private joinedOnce = false;
  private assignment: Readonly<Record<string, readonly number[]>> = {};
  private crashed: Error | undefined;

  constructor(opts: KafkaIntakeOptions) {
    this.opts = opts;
    this.metrics = opts.metrics ?? new KafkaMetrics();
    this.metrics.initTopic(opts.topic);
  }

  /**
   * Set when the consumer crashed for good (kafkajs gave up restarting it): the instance consumes
   * nothing any more, so `/-/ready` should say so (`readiness: () => !intake.failed`).
   */
  get failed(): Error | undefined {
    return this.crashed;
  }

  /** True while paused by backpressure. */
  get paused(): boolean {
    return this.pausedByUs;
  }

  /** This member's partitions since the last rebalance. */
  get partitions(): Readonly<Record<string, readonly number[]>> {
    return this.assignment;
  }

  /** Connects, subscribes and starts consuming. Resolves once running, not once the group is joined. */
  async start(): Promise<void> {
    const { kafka, groupId, topic } = this.opts;
    this.stopping = false;
    this.crashed = undefined;
    if (this.opts.producer) {
      this.producer = this.opts.producer;
    } else {
      this.producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
      this.ownsProducer = true;
      await this.producer.connect();
    }
    const consumer = kafka.consumer({ allowAutoTopicCreation: false, ...this.opts.consumerConfig, groupId });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.assignment = e.payload.memberAssignment;
      this.opts.logger?.info({ groupId, assignment: e.payload.memberAssignment }, 'kafka intake joined the consumer group');
      this.opts.onAssignment?.(e.payload.memberAssignment);
      this.joinedOnce = true;
      for (const w of this.joinWaiters.splice(0)) w();
    });
    consumer.on(consumer.events.CRASH, (e) => {
      this.opts.logger?.error({ err: e.payload.error, groupId, restart: e.payload.restart }, 'kafka intake consumer crashed');
      if (!e.payload.restart) this.crashed = e.payload.error;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: this.opts.fromBeginning ?? false });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: Math.max(1, Math.floor(this.opts.concurrency ?? 1)),
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  /** Resolves at the next group join (or at once if already joined and `next` is false). */
  joined(next = false): Promise<void> {
    if (this.joinedOnce && !next) return Promise.resolve();
    return new Promise((resolve) => this.joinWaiters.push(resolve));
  }

  /**
   * Leaves the group after the batch in progress (including its `persist`) has finished, so its offsets
   * are committed; then disconnects.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.clearResumeTimer();
    await this.consumer?.disconnect();
    this.consumer = undefined;
    if (this.ownsProducer) await this.producer?.disconnect();
    this.producer = undefined;
    this.ownsProducer = false;
  }

  /** One batch, as described in the module comment. Public for tests; kafkajs calls it. */
  async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, commitOffsetsIfNecessary, uncommittedOffsets, heartbeat, isRunning, isStale } = payload;
    const { topic, partition } = batch;
    if (this.stopping || this.pausedByUs || !isRunning() || isStale()) return;
    if (this.opts.backpressure && (await this.opts.backpressure())) {
      this.pause();
      return;
    }

    let sink: IntakeSink;
    try {
      sink = typeof this.opts.sink === 'function' ? await this.opts.sink(topic, partition) : this.opts.sink;
    } catch (e) {
      this.fail(topic, partition, 'apply', e);
      throw e;
    }
    const deadLetters: Message[] = [];
    const reasons: DeadLetterReason[] = [];
    let processed: KafkaMessage | undefined;
    let applied = 0;
    let records = 0;
    try {
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) break;
        const outcome = processRecord(message.value, sink, { decoders: this.opts.decoders, labelNames: this.opts.labelNames });
        const createdAt = Number(message.timestamp);
        if (createdAt > 0) this.metrics.recordLatency.observe(Math.max(0, Date.now() - createdAt) / 1000);
        this.metrics.recordConsumed(topic, outcome.kind);
        applied += outcome.applied;
        if (!outcome.ok) {
          deadLetters.push(this.deadLetter(message, outcome, topic, partition, sink.now()));
          reasons.push(outcome.reason);
        }
        processed = message;
        records++;
      }
    } catch (e) {
      this.fail(topic, partition, 'apply', e);
      throw e;
    }
    if (!processed) return;

    if (deadLetters.length > 0) {
      try {
        await this.producer!.send({ topic: this.opts.deadLetterTopic, messages: deadLetters, acks: -1 });
      } catch (e) {
        this.fail(topic, partition, 'dead_letter', e);
        throw e;
      }
      for (const reason of reasons) this.metrics.recordDeadLettered(topic, reason);
    }

    const nextOffset = (BigInt(processed.offset) + 1n).toString();
    if (this.opts.persist) {
      const end = this.metrics.persistSeconds.startTimer();
      try {
        await this.opts.persist({
          topic,
          partition,
          firstOffset: batch.messages[0]!.offset,
          lastOffset: processed.offset,
          nextOffset,
          records,
          applied,
          deadLettered: deadLetters.length,
        });
      } catch (e) {
        this.fail(topic, partition, 'persist', e);
        throw e;
      } finally {
        end();
      }
    }

    try {
      resolveOffset(processed.offset);
      await commitOffsetsIfNecessary(uncommittedOffsets());
    } catch (e) {
      this.fail(topic, partition, 'commit', e);
      throw e;
    }
    this.metrics.batches.inc({ topic });
    const lag = BigInt(batch.highWatermark) - BigInt(nextOffset);
    this.metrics.lag.set({ topic, partition: String(partition) }, Number(lag > 0n ? lag : 0n));
    await heartbeat();
  }

  private deadLetter(message: KafkaMessage, outcome: Extract<RecordOutcome, { ok: false }>, topic: string, partition: number, at: number): Message {
    this.opts.logger?.warn(
      { topic, partition, offset: message.offset, reason: outcome.reason, issues: outcome.issues.slice(0, 5) },
      'kafka record dead-lettered',
    );
    return deadLetterMessage(message, {
      reason: outcome.reason,
      issues: outcome.issues,
      kind: outcome.kind,
      applied: outcome.applied,
      topic,
      partition,
      groupId: this.opts.groupId,
      at,
    });
  }

  private fail(topic: string, partition: number, stage: 'apply' | 'dead_letter' | 'persist' | 'commit', e: unknown): void {
    this.metrics.batchFailures.inc({ topic, stage });
    this.opts.logger?.error({ err: e, topic, partition, stage }, 'kafka batch failed; it stays uncommitted and will be redelivered');
  }

  // ---- backpressure ----

  private pause(): void {
    if (this.pausedByUs || !this.consumer) return;
    const { topic } = this.opts;
    this.pausedByUs = true;
    this.consumer.pause([{ topic }]);
    this.metrics.paused.set({ topic }, 1);
    this.metrics.pauses.inc({ topic });
    this.opts.logger?.warn({ topic }, 'kafka intake paused: the state store or outbox is behind');
    this.resumeTimer = setInterval(() => void this.checkResume(), this.opts.resumeCheckMs ?? 1000);
  }

  private async checkResume(): Promise<void> {
    if (this.checking || !this.pausedByUs) return;
    this.checking = true;
    try {
      if (this.opts.backpressure && (await this.opts.backpressure())) return;
      this.resume();
    } catch (e) {
      this.opts.logger?.error({ err: e }, 'backpressure check failed; staying paused');
    } finally {
      this.checking = false;
    }
  }

  private resume(): void {
    const { topic } = this.opts;
    this.clearResumeTimer();
    this.pausedByUs = false;
    this.consumer?.resume([{ topic }]);
    this.metrics.paused.set({ topic }, 0);
    this.opts.logger?.info({ topic }, 'kafka intake resumed');
  }

  private clearResumeTimer(): void {
    if (this.resumeTimer) clearInterval(this.resumeTimer);
    this.resumeTimer = undefined;
  }
}
