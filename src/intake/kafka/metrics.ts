/**
 * Prometheus metrics of the Kafka intake, the incidents publisher and the HTTP→Kafka forwarder. They
 * register on the registry they are given (the engine's, so `/metrics` shows them) or on their own.
 *
 * Labels come from closed sets (record kinds, dead-letter reasons, doors, stages) or from configuration
 * (topic names, partition numbers): nothing a record carries becomes a label.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DEAD_LETTER_REASONS, RECORD_KINDS, type DeadLetterReason, type RecordKind } from './records.js';

/** Where a batch failed (and was left uncommitted, to be redelivered). */
export type BatchFailureStage = 'apply' | 'dead_letter' | 'persist' | 'commit';

export class KafkaMetrics {
  readonly registry: Registry;
  /** Records consumed, by topic and recognised kind (`unrecognized` for the rest). */
  readonly consumed: Counter<'topic' | 'kind'>;
  readonly deadLettered: Counter<'topic' | 'reason'>;
  /** Records between the last processed offset and the high watermark, per partition, at the last batch. */
  readonly lag: Gauge<'topic' | 'partition'>;
  /** 1 while the consumer is paused because of backpressure. */
  readonly paused: Gauge<'topic'>;
  readonly pauses: Counter<'topic'>;
  readonly batches: Counter<'topic'>;
  readonly batchFailures: Counter<'topic' | 'stage'>;
  readonly persistSeconds: Histogram;
  /** Produce → applied: the record's timestamp (producer create time) to the moment the engine took it. */
  readonly recordLatency: Histogram;
  readonly forwarded: Counter<'door'>;
  readonly forwardFailures: Counter<'door'>;
  readonly incidentsPublished: Counter;
  readonly incidentPublishFailures: Counter;

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    this.consumed = new Counter({
      name: 'alertsift_kafka_records_consumed_total',
      help: 'Records consumed from the raw-alerts topic, by topic and recognised kind.',
      labelNames: ['topic', 'kind'],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'alertsift_kafka_records_dead_lettered_total',
      help: 'Records copied to the dead-letter topic, by source topic and reason.',
      labelNames: ['topic', 'reason'],
      registers,
    });
    this.lag = new Gauge({
      name: 'alertsift_kafka_consumer_lag',
      help: 'Records not yet processed behind the high watermark, per partition, as of the last batch.',
      labelNames: ['topic', 'partition'],
      registers,
    });
    this.paused = new Gauge({
      name: 'alertsift_kafka_consumer_paused',
      help: 'Whether the consumer is paused because the state store or outbox is behind (1) or not (0).',
      labelNames: ['topic'],
      registers,
    });
    this.pauses = new Counter({
      name: 'alertsift_kafka_consumer_pauses_total',
      help: 'Times the consumer paused because of backpressure.',
      labelNames: ['topic'],
      registers,
    });
    this.batches = new Counter({
      name: 'alertsift_kafka_batches_committed_total',
      help: 'Batches processed, persisted and committed.',
      labelNames: ['topic'],
      registers,
    });
    this.batchFailures = new Counter({
      name: 'alertsift_kafka_batch_failures_total',
      help: 'Batches left uncommitted (to be redelivered), by the stage that failed.',
      labelNames: ['topic', 'stage'],
      registers,
    });
    this.persistSeconds = new Histogram({
      name: 'alertsift_kafka_persist_seconds',
      help: 'Time the persist hook took per batch (state made durable before the offsets are committed).',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.recordLatency = new Histogram({
      name: 'alertsift_kafka_record_latency_seconds',
      help: 'From a record\'s timestamp (its producer\'s create time) to the moment its alerts were applied to the engine.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 0.75, 1, 1.5, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.forwarded = new Counter({
      name: 'alertsift_kafka_forwarded_records_total',
      help: 'Records produced to the raw-alerts topic by the HTTP doors (distributed mode), by door.',
      labelNames: ['door'],
      registers,
    });
    this.forwardFailures = new Counter({
      name: 'alertsift_kafka_forward_failures_total',
      help: 'HTTP requests whose produce to the raw-alerts topic failed (answered 500), by door.',
      labelNames: ['door'],
      registers,
    });
    this.incidentsPublished = new Counter({
      name: 'alertsift_kafka_incidents_published_total',
      help: 'Incident state changes written to the incidents topic.',
      registers,
    });
    this.incidentPublishFailures = new Counter({
      name: 'alertsift_kafka_incident_publish_failures_total',
      help: 'Incident state changes that could not be written to the incidents topic.',
      registers,
    });
  }

  /** Zero-valued series for a topic, so rate() and alert rules work before the first event. */
  initTopic(topic: string): void {
    for (const kind of [...RECORD_KINDS, 'unrecognized'] as const) this.consumed.inc({ topic, kind }, 0);
    for (const reason of DEAD_LETTER_REASONS) this.deadLettered.inc({ topic, reason }, 0);
    this.paused.set({ topic }, 0);
    this.pauses.inc({ topic }, 0);
    this.batches.inc({ topic }, 0);
  }

  recordConsumed(topic: string, kind: RecordKind | undefined): void {
    this.consumed.inc({ topic, kind: kind ?? 'unrecognized' });
  }

  recordDeadLettered(topic: string, reason: DeadLetterReason): void {
    this.deadLettered.inc({ topic, reason });
  }
}
