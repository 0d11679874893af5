/**
 * Distributed mode's HTTP doors: validate as in embedded mode, then produce the body to the raw-alerts
 * topic instead of processing it here; the consumer group (`KafkaIntake`, on this or another instance)
 * processes it. The HTTP answer waits for the produce to be acknowledged by all in-sync replicas, so a
 * 200 means "durably queued": an upstream Alertmanager or Prometheus that gets a 5xx retries.
 *
 * What is produced is the body as the client sent it (re-serialised JSON), minus alerts that failed
 * validation: those were already answered with a 400 naming them, so they are not queued to be rejected a
 * second time. A body whose alerts span several correlation scopes is split into one record per scope,
 * each keyed by `scopeKey` (see scope.ts); all records of one request are sent in one produce call.
 *
 * Headers on every record: `content-type: application/json`, `alertsift-door` (`api`, `webhook`,
 * `signals`, `changes`) and `alertsift-received-at` (RFC 3339). The consumer does not need them (records
 * are recognised by shape); they are for people reading the topic.
 */
import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { ForwardDoor, IntakeForward } from '../http/server.js';
import type { KafkaMetrics } from './metrics.js';
import { splitByScope, type ScopeLabels, type SplittableKind } from './scope.js';

export type { ForwardDoor };
/** The doors that can forward. `api` and `webhook` are the alert doors' `AlertSource` names. */
export const FORWARD_DOORS: readonly ForwardDoor[] = ['api', 'webhook', 'signals', 'changes'];

/** What the door found when it validated the body (`NormalizeResult` satisfies it). */
export interface ValidationSummary {
  /** Entries rejected; their messages start with `<base>[<index>]`, as every normalizer writes them. */
  readonly invalid: number;
  readonly errors: readonly string[];
}

const KIND_OF_DOOR: Record<ForwardDoor, SplittableKind> = {
  api: 'alerts',
  webhook: 'alertmanager',
  signals: 'signal',
  changes: 'change',
};

export interface KafkaForwarderOptions {
  readonly kafka: Kafka;
  /** The raw-alerts topic. */
  readonly topic: string;
  readonly scopeLabels: ScopeLabels;
  /** A connected producer to share; by default the forwarder creates and owns one. */
  readonly producer?: Producer;
  readonly metrics?: KafkaMetrics;
  readonly logger?: Logger;
  /** Wall clock for the `alertsift-received-at` header. */
  readonly now?: () => number;
}

export class KafkaForwarder {
  private readonly opts: KafkaForwarderOptions;
  private producer: Producer | undefined;
  private readonly ownsProducer: boolean;

  constructor(opts: KafkaForwarderOptions) {
    this.opts = opts;
    this.producer = opts.producer;
    this.ownsProducer = !opts.producer;
    if (opts.metrics) for (const door of FORWARD_DOORS) {
      opts.metrics.forwarded.inc({ door }, 0);
      opts.metrics.forwardFailures.inc({ door }, 0);
    }
  }

  async connect(): Promise<void> {
    if (this.producer) return;
    const p = this.opts.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await p.connect();
    this.producer = p;
  }

  async close(): Promise<void> {
    if (this.ownsProducer) await this.producer?.disconnect();
    this.producer = undefined;
  }

  /**
   * The server's `forward` hook: resolves when every record of the body is acknowledged, rejects when
   * the produce failed (the door answers 500 and the sender retries). Bind it: `forward: f.forward`.
   */
  readonly forward: IntakeForward = async (door, body, validation) => {
    const messages = this.messages(door, body, validation);
    if (messages.length === 0) return;
    if (!this.producer) await this.connect();
    try {
      await this.producer!.send({ topic: this.opts.topic, messages, acks: -1 });
    } catch (e) {
      this.opts.metrics?.forwardFailures.inc({ door });
      this.opts.logger?.error({ err: e, door, topic: this.opts.topic }, 'could not produce the request to Kafka');
      throw new Error(`could not hand the request to Kafka: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.opts.metrics?.forwarded.inc({ door }, messages.length);
  };

  /**
   * Produces every value, in order, to **every** partition of the raw topic, in one produce call, and
   * resolves when all are acknowledged. For what every partition's engine must apply — silences in
   * distributed mode (docs/production.md) — since each engine sees only its partition. `door` labels the
   * forwarded-records metric. Rejects when the produce failed (the door answers 500).
   */
  async broadcast(values: readonly unknown[], door = 'silences'): Promise<number> {
    if (values.length === 0) return 0;
    if (!this.producer) await this.connect();
    const headers = {
      'content-type': 'application/json',
      'alertsift-door': door,
      'alertsift-received-at': new Date(this.opts.now?.() ?? Date.now()).toISOString(),
    };
    let messages: Message[];
    try {
      const partitions = await this.partitions();
      messages = partitions.flatMap((partition) => values.map((v) => ({ partition, key: `alertsift-${door}`, value: JSON.stringify(v), headers })));
      await this.producer!.send({ topic: this.opts.topic, messages, acks: -1 });
    } catch (e) {
      this.opts.metrics?.forwardFailures.inc({ door });
      this.opts.logger?.error({ err: e, door, topic: this.opts.topic }, 'could not broadcast to every partition of the raw topic');
      throw new Error(`could not hand the request to Kafka: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.opts.metrics?.forwarded.inc({ door }, messages.length);
    return messages.length;
  }

  /** The raw topic's partitions, asked of the cluster each time (broadcasts are rare; partitions may be added). */
  private async partitions(): Promise<number[]> {
    const admin = this.opts.kafka.admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [this.opts.topic] });
      const found = meta.topics.find((t) => t.name === this.opts.topic)?.partitions.map((p) => p.partitionId) ?? [];
      if (found.length === 0) throw new Error(`topic ${this.opts.topic} has no partitions`);
      return found.sort((a, b) => a - b);
    } finally {
      await admin.disconnect();
    }
  }

  /** The records `forward` would produce (exposed for tests). */
  messages(door: ForwardDoor, body: unknown, validation?: ValidationSummary): Message[] {
    const kind = KIND_OF_DOOR[door];
    const valid = withoutInvalid(kind, body, validation);
    if (valid === undefined) return [];
    const receivedAt = new Date(this.opts.now?.() ?? Date.now()).toISOString();
    const headers = { 'content-type': 'application/json', 'alertsift-door': door, 'alertsift-received-at': receivedAt };
    return splitByScope(kind, valid, this.opts.scopeLabels).map(({ key, body: part }) => ({
      key,
      value: JSON.stringify(part),
      headers,
    }));
  }
}

/**
 * The body without the entries the door rejected; undefined when nothing is left to produce. When the
 * rejected entries cannot be told from the messages, the body goes whole (the consumer re-validates and
 * dead-letters the record as `partially_invalid`: nothing is lost, the valid alerts are still applied).
 */
export function withoutInvalid(kind: SplittableKind, body: unknown, validation?: ValidationSummary): unknown {
  if (!validation || validation.errors.length === 0) return body;
  const list = kind === 'alertmanager' ? (isObject(body) ? body['alerts'] : undefined) : body;
  // Errors on a body that is not a list (or one object): nothing in it was valid.
  if (!Array.isArray(list)) return undefined;
  const bad = rejectedIndices(validation.errors);
  if (bad.size !== validation.invalid) return body;
  const kept = list.filter((_, i) => !bad.has(i));
  if (kept.length === 0) return undefined;
  return kind === 'alertmanager' ? { ...(body as Record<string, unknown>), alerts: kept } : kept;
}

const INDEX_RE = /^[A-Za-z_]*\[(\d+)\]/;

function rejectedIndices(errors: readonly string[]): Set<number> {
  const out = new Set<number>();
  for (const e of errors) {
    const m = INDEX_RE.exec(e);
    if (m) out.add(Number(m[1]));
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
