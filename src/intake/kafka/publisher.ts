/**
 * The incidents topic: every incident state change, as JSON, keyed by incident id, for downstream
 * consumers (a ticketing bridge, a data warehouse, a status page). Same key → same partition → the
 * changes of one incident are read in the order they happened.
 *
 * Record value (`version` changes only when a field changes meaning):
 *
 * ```json
 * {"type": "alertsift.incident", "version": 1, "event": "opened", "at": "2026-11-28T10:00:00.000Z",
 *  "incident": { …IncidentSnapshot (src/correlate/types.ts): id, status, labels, title, severity, track,
 *               members, rootCause, changes, timeline, … } }
 * ```
 *
 * Headers: `alertsift-event` (the event) and `content-type: application/json`.
 *
 * `publish` queues and returns a promise that resolves when the record is acknowledged by all in-sync
 * replicas; `flush` waits for everything queued so far. The engine can call `publish` from synchronous
 * code without awaiting, and the Kafka intake's `persist` hook awaits `flush`, so a batch's offsets are
 * committed only after the incident changes it caused are on the topic. A failed send stays queued and
 * is retried with backoff (Kafka being away stops the intake too); `pending` feeds the backpressure
 * predicate.
 */
import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { IncidentSnapshot } from '../../correlate/types.js';
import type { KafkaMetrics } from './metrics.js';

export interface IncidentChange {
  /** What happened: `opened`, `joined`, `root_cause_changed`, `merged`, `resolved`, `reopened`, … */
  readonly event: string;
  readonly incident: IncidentSnapshot;
  /** When (epoch ms, the engine's clock); default: now. */
  readonly at?: number;
}

export interface IncidentPublisher {
  /** Queues one change; resolves once it is written. Never rejects for a transient Kafka error (retried). */
  publish(change: IncidentChange): Promise<void>;
  /** Resolves when every change queued before the call is written. */
  flush(): Promise<void>;
  /** Changes queued and not yet written. */
  readonly pending: number;
  /** Flushes (bounded by a timeout) and releases the producer. */
  close(): Promise<void>;
}

export const INCIDENT_RECORD_TYPE = 'alertsift.incident';
export const INCIDENT_RECORD_VERSION = 1;

/** The record value of one change. */
export function incidentRecordValue(change: IncidentChange, now: number = Date.now()): string {
  return JSON.stringify({
    type: INCIDENT_RECORD_TYPE,
    version: INCIDENT_RECORD_VERSION,
    event: change.event,
    at: new Date(change.at ?? now).toISOString(),
    incident: change.incident,
  });
}

/** Embedded mode and tests: nothing is written anywhere. */
export class NoopIncidentPublisher implements IncidentPublisher {
  readonly pending = 0;
  publish(): Promise<void> {
    return Promise.resolve();
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Keeps every change in memory (engine tests that assert on incident events). */
export class MemoryIncidentPublisher implements IncidentPublisher {
  readonly changes: IncidentChange[] = [];
  readonly pending = 0;
  publish(change: IncidentChange): Promise<void> {
    this.changes.push(change);
    return Promise.resolve();
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

export interface KafkaIncidentPublisherOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  /** A connected producer to share; by default the publisher creates (idempotent) and owns one. */
  readonly producer?: Producer;
  readonly metrics?: KafkaMetrics;
  readonly logger?: Logger;
  /** The engine's clock, for `at` when a change has none. */
  readonly now?: () => number;
  /** Longest wait for queued changes on `close`. Default 10 s. */
  readonly closeTimeoutMs?: number;
}

interface Queued {
  readonly message: Message;
  readonly done: () => void;
  readonly fail: (e: Error) => void;
}

export class KafkaIncidentPublisher implements IncidentPublisher {
  private readonly opts: KafkaIncidentPublisherOptions;
  private producer: Producer | undefined;
  private readonly ownsProducer: boolean;
  private queue: Queued[] = [];
  private inFlight = 0;
  private sending: Promise<void> | undefined;
  private backoffMs = 0;
  private closed = false;
  /** Set when `close` gave up waiting: the loop stops, what is left is rejected. */
  private abandoned = false;

  constructor(opts: KafkaIncidentPublisherOptions) {
    this.opts = opts;
    this.producer = opts.producer;
    this.ownsProducer = !opts.producer;
  }

  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  async connect(): Promise<void> {
    if (this.producer) return;
    // Idempotent with one request in flight: retries never duplicate or reorder an incident's changes.
    const p = this.opts.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await p.connect();
    this.producer = p;
  }

  publish(change: IncidentChange): Promise<void> {
    if (this.closed) return Promise.reject(new Error('incident publisher is closed'));
    const now = this.opts.now?.() ?? Date.now();
    return new Promise((resolve, reject) => {
      this.queue.push({
        message: {
          key: change.incident.id,
          value: incidentRecordValue(change, now),
          headers: { 'alertsift-event': change.event, 'content-type': 'application/json' },
        },
        done: resolve,
        fail: reject,
      });
      this.kick();
    });
  }

  async flush(): Promise<void> {
    while (this.pending > 0 && !this.abandoned) {
      this.kick();
      await this.sending;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const timeout = this.opts.closeTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.flush(), new Promise<void>((r) => (timer = setTimeout(r, timeout)))]);
    clearTimeout(timer);
    if (this.pending > 0) {
      this.abandoned = true;
      this.opts.logger?.error({ pending: this.pending }, 'incident changes not written before shutdown');
      const left = this.queue.splice(0);
      for (const q of left) q.fail(new Error('incident publisher closed before this change was written'));
    }
    if (this.ownsProducer) await this.producer?.disconnect();
    this.producer = undefined;
  }

  /** Starts the send loop unless it runs. One batch in flight at a time keeps per-incident order. */
  private kick(): void {
    if (this.sending) return;
    this.sending = this.loop().finally(() => {
      this.sending = undefined;
    });
  }

  private async loop(): Promise<void> {
    while (this.queue.length > 0 && !this.abandoned) {
      if (this.backoffMs > 0) await new Promise((r) => setTimeout(r, this.backoffMs));
      if (this.abandoned) return;
      if (!this.producer) {
        try {
          await this.connect();
        } catch (e) {
          this.failed(e, this.queue.length);
          continue;
        }
      }
      const batch = this.queue.splice(0, 500);
      this.inFlight = batch.length;
      try {
        await this.producer!.send({ topic: this.opts.topic, messages: batch.map((q) => q.message), acks: -1 });
        this.inFlight = 0;
        this.backoffMs = 0;
        this.opts.metrics?.incidentsPublished.inc(batch.length);
        for (const q of batch) q.done();
      } catch (e) {
        this.inFlight = 0;
        if (this.abandoned) {
          for (const q of batch) q.fail(new Error('incident publisher closed before this change was written'));
          return;
        }
        this.queue.unshift(...batch);
        this.failed(e, batch.length);
      }
    }
  }

  private failed(e: unknown, count: number): void {
    this.opts.metrics?.incidentPublishFailures.inc(count);
    this.backoffMs = Math.min(Math.max(this.backoffMs * 2, 500), 30_000);
    this.opts.logger?.error({ err: e, count, retryInMs: this.backoffMs }, 'writing incident changes to Kafka failed; retrying');
  }
}
