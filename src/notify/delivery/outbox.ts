/**
 * The outbox: a bounded, ordered, rate-limited `Transport`.
 *
 *   send(req, deadline) ──► full? ──yes──► { ok: false, retriable: true, reason: 'outbox full' } at once
 *                             │no
 *                             ▼
 *            one FIFO queue per destination (routing key / Slack channel / webhook URL)
 *                             │ head only: one request per destination at a time
 *                             ▼
 *            rate limit (wait, never drop) ─► global slot (N in flight) ─► HTTP attempt
 *                             │                                             │
 *                             └──────────── retrier (backoff, Retry-After) ◄┘
 *
 * Why one at a time per destination: a resolve must never overtake its trigger, even while the
 * trigger is being retried. Why a bound on everything accepted: when a receiver is slow or down the
 * queue must not grow without limit; past the bound `send` answers at once with a retriable failure,
 * the dispatcher keeps its state and tries again on its next flush, and the pipeline never blocks.
 * A request whose deadline passes while it waits in its queue is answered then, without an attempt.
 *
 * Delivery is at least once: an attempt that times out may have reached the vendor and is retried.
 * PagerDuty deduplicates by `dedup_key`; Slack and webhooks may show a duplicate in that case.
 *
 * Nothing here logs. Every attempt and every final answer goes to the optional observer with a
 * `RequestSummary` (no routing keys, tokens or webhook paths: see redact.ts); error texts are built
 * from the same summary and from scrubbed vendor text only.
 */
import type { Clock, TimerHandle } from '../../state/clock.js';
import type { IntegrationKind, OutboundRequest, Transport } from '../transport.js';
import { type Deliver, httpDeliver } from './http.js';
import { RateLimiter, type RateLimits } from './rateLimiter.js';
import { type RequestSummary, describeRequest, destinationIdentity, formatSummary, scrubber, shortHash } from './redact.js';
import type { DeliveredFailure, DeliveredResult } from './result.js';
import { type Attempt, type AttemptFailure, type BackoffPolicy, retry } from './retrier.js';
import { type Accepted, type Verdict, classify } from './retryTables.js';

export interface OutboxOptions {
  /** The engine's clock: deadlines are read on it and every wait is scheduled on it. */
  readonly clock: Clock;
  /** Requests accepted and not yet answered (waiting or in flight), all destinations. Default 10 000. */
  readonly maxQueued?: number;
  /** HTTP requests in flight at once, all destinations. Default 16. */
  readonly concurrency?: number;
  readonly backoff?: Partial<BackoffPolicy>;
  /** Per-kind limits; defaults in rateLimiter.ts (PagerDuty 120/60 s, Slack 1/s burst 3, webhook none). */
  readonly rateLimits?: Partial<RateLimits>;
  /** One HTTP attempt; defaults to `httpDeliver()` (fetch). Tests inject fakes. */
  readonly deliver?: Deliver;
  /** Uniform in [0, 1), for the backoff jitter; default Math.random. */
  readonly random?: () => number;
  /** Told about every attempt and every final answer. Must be cheap; exceptions are swallowed. */
  readonly observer?: DeliveryObserver;
}

/** An attempt's outcome or the final answer, as the observer sees it. All texts are redacted. */
export type ObservedOutcome =
  | {
      readonly phase: 'attempt';
      readonly ok: boolean;
      readonly retriable: boolean;
      /** 'delivered' on success. */
      readonly reason: string;
      readonly status?: number;
      readonly code?: string;
      readonly durationMs: number;
      /** Wait before the next attempt; absent when none follows. */
      readonly retryInMs?: number;
    }
  | { readonly phase: 'done'; readonly result: DeliveredResult };

/** `attempt` counts from 1 for attempt events; for 'done' it is the number of attempts made (0 if none). */
export type DeliveryObserver = (request: RequestSummary, attempt: number, outcome: ObservedOutcome) => void;

export interface KindStats {
  /** Accepted, not answered, not in an HTTP request right now (waiting in line, for a rate limit or a backoff). */
  queued: number;
  /** In an HTTP request right now. */
  inFlight: number;
  delivered: number;
  /** Answered with a failure after acceptance (attempts exhausted, fatal, or deadline passed in line). */
  failed: number;
  /** Refused at once because the outbox was full. */
  dropped: number;
  /** HTTP requests made. */
  attempts: number;
}

export interface OutboxStats {
  readonly total: Readonly<KindStats>;
  readonly byKind: { readonly [K in IntegrationKind]: Readonly<KindStats> };
  /** Destinations with something queued or in flight. */
  readonly destinations: number;
}

export const OUTBOX_FULL = 'outbox full';

interface Item {
  readonly req: OutboundRequest;
  readonly deadline: number;
  readonly destinationId: string;
  readonly resolve: (r: DeliveredResult) => void;
  timer: TimerHandle | undefined;
  state: 'queued' | 'active' | 'done';
  summary: RequestSummary | undefined;
  // Doubly linked: an item whose deadline passes in line leaves it in O(1).
  prev: Item | undefined;
  next: Item | undefined;
}

interface Destination {
  readonly key: string;
  readonly kind: IntegrationKind;
  /** Items in line, oldest first; the one being delivered is no longer in it. */
  first: Item | undefined;
  last: Item | undefined;
}

const KINDS: readonly IntegrationKind[] = ['webhook', 'pagerduty', 'slack'];
const KEY_CACHE_MAX = 4096;

function unlink(dest: Destination, item: Item): void {
  if (item.prev) item.prev.next = item.next;
  else dest.first = item.next;
  if (item.next) item.next.prev = item.prev;
  else dest.last = item.prev;
  item.prev = item.next = undefined;
}

function emptyStats(): KindStats {
  return { queued: 0, inFlight: 0, delivered: 0, failed: 0, dropped: 0, attempts: 0 };
}

export class Outbox implements Transport {
  private readonly clock: Clock;
  private readonly maxQueued: number;
  private readonly concurrency: number;
  private readonly deliver: Deliver;
  private readonly limiter: RateLimiter;
  private readonly random: () => number;
  private readonly backoff: Partial<BackoffPolicy>;
  private readonly observer: DeliveryObserver | undefined;
  private readonly destinations = new Map<string, Destination>();
  private readonly keyCache = new Map<string, string>();
  private readonly counters: Record<IntegrationKind, KindStats> = {
    webhook: emptyStats(),
    pagerduty: emptyStats(),
    slack: emptyStats(),
  };
  private pendingCount = 0;
  // Global slots: `active` HTTP requests, FIFO waiters for the next free slot.
  private active = 0;
  private readonly waiters: (() => void)[] = [];
  private waitersHead = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(opts: OutboxOptions) {
    this.clock = opts.clock;
    this.maxQueued = opts.maxQueued ?? 10_000;
    this.concurrency = opts.concurrency ?? 16;
    if (!(Number.isInteger(this.maxQueued) && this.maxQueued >= 1)) throw new RangeError('maxQueued must be a positive integer');
    if (!(Number.isInteger(this.concurrency) && this.concurrency >= 1)) throw new RangeError('concurrency must be a positive integer');
    this.deliver = opts.deliver ?? httpDeliver();
    this.limiter = new RateLimiter(() => this.clock.now(), opts.rateLimits);
    this.random = opts.random ?? Math.random;
    this.backoff = opts.backoff ?? {};
    this.observer = opts.observer;
  }

  /**
   * Queues `req` behind earlier requests to the same destination and answers when it was delivered,
   * failed for good, or `deadline` (epoch ms on the clock) passed. Answers at once when full.
   */
  send(req: OutboundRequest, deadline: number): Promise<DeliveredResult> {
    const kind = req.integration;
    const key = this.destinationKey(req);
    const destinationId = key.slice(0, 8);
    if (this.pendingCount >= this.maxQueued) {
      this.counters[kind].dropped++;
      return Promise.resolve(this.answerAtOnce(req, destinationId, OUTBOX_FULL));
    }
    if (this.clock.now() >= deadline) {
      this.counters[kind].failed++;
      return Promise.resolve(this.answerAtOnce(req, destinationId, 'the deadline had passed before the request was queued'));
    }
    return new Promise<DeliveredResult>((resolve) => {
      const item: Item = {
        req,
        deadline,
        destinationId,
        resolve,
        timer: undefined,
        state: 'queued',
        summary: undefined,
        prev: undefined,
        next: undefined,
      };
      let dest = this.destinations.get(key);
      const start = dest === undefined;
      if (!dest) {
        dest = { key, kind, first: undefined, last: undefined };
        this.destinations.set(key, dest);
      }
      item.prev = dest.last;
      if (dest.last) dest.last.next = item;
      else dest.first = item;
      dest.last = item;
      this.pendingCount++;
      this.counters[kind].queued++;
      item.timer = this.clock.schedule(deadline, () => this.expire(dest, item));
      if (start) void this.run(dest);
    });
  }

  /** Requests accepted and not yet answered. */
  pending(): number {
    return this.pendingCount;
  }

  stats(): OutboxStats {
    const total = emptyStats();
    const byKind = {} as Record<IntegrationKind, KindStats>;
    for (const k of KINDS) {
      const c = this.counters[k];
      byKind[k] = { ...c };
      for (const f of Object.keys(total) as (keyof KindStats)[]) total[f] += c[f];
    }
    return { total, byKind, destinations: this.destinations.size };
  }

  /** Resolves when nothing is pending (at once if nothing is). */
  idle(): Promise<void> {
    if (this.pendingCount === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  // ---- internals ----

  private destinationKey(req: OutboundRequest): string {
    const identity = destinationIdentity(req);
    let key = this.keyCache.get(identity);
    if (key === undefined) {
      if (this.keyCache.size >= KEY_CACHE_MAX) this.keyCache.clear();
      key = shortHash(identity, 16);
      this.keyCache.set(identity, key);
    }
    return key;
  }

  private summaryOf(item: Item): RequestSummary {
    return (item.summary ??= describeRequest(item.req, item.destinationId));
  }

  private answerAtOnce(req: OutboundRequest, destinationId: string, reason: string): DeliveredFailure {
    const result: DeliveredFailure = { ok: false, attempts: 0, retriable: true, reason };
    if (this.observer) this.notify(describeRequest(req, destinationId), 0, { phase: 'done', result });
    return result;
  }

  /** The deadline passed while `item` waited in line. */
  private expire(dest: Destination, item: Item): void {
    if (item.state !== 'queued') return;
    let ahead = 0;
    for (let p = item.prev; p; p = p.prev) ahead++;
    unlink(dest, item);
    this.finish(item, {
      ok: false,
      attempts: 0,
      retriable: true,
      reason: `${formatSummary(this.summaryOf(item))}: the deadline passed while queued (${ahead} earlier request${ahead === 1 ? '' : 's'} to the same destination still in line, one being delivered)`,
    });
  }

  /** Works through one destination's queue, one request at a time, then forgets the destination. */
  private async run(dest: Destination): Promise<void> {
    for (;;) {
      const item = dest.first;
      if (!item) break;
      unlink(dest, item);
      item.state = 'active';
      if (item.timer) this.clock.cancel(item.timer);
      item.timer = undefined;
      let result: DeliveredResult;
      try {
        result = await this.deliverOne(dest, item);
      } catch (err) {
        // deliverOne does not throw; if it ever does, answer rather than leave the caller hanging.
        result = { ok: false, attempts: 0, retriable: true, reason: `internal error (${(err as Error)?.name ?? 'unknown'})` };
      }
      this.finish(item, result);
    }
    this.destinations.delete(dest.key);
  }

  private finish(item: Item, result: DeliveredResult): void {
    if (item.state === 'done') return;
    const c = this.counters[item.req.integration];
    if (item.state === 'queued' || item.state === 'active') c.queued--;
    item.state = 'done';
    if (result.ok) c.delivered++;
    else c.failed++;
    this.pendingCount--;
    if (this.observer) this.notify(this.summaryOf(item), result.attempts, { phase: 'done', result });
    item.resolve(result);
    if (this.pendingCount === 0 && this.idleWaiters.length > 0) {
      const ws = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of ws) w();
    }
  }

  private async deliverOne(dest: Destination, item: Item): Promise<DeliveredResult> {
    const { req, deadline } = item;
    const kind = req.integration;
    const c = this.counters[kind];
    const clock = this.clock;
    const sleep = (ms: number) => new Promise<void>((r) => clock.schedule(clock.now() + ms, r));
    const payload = JSON.stringify(req.body) + '\n';
    const scrub = scrubber(req);
    let lastDuration = 0;

    const attempt = async (call: number): Promise<Attempt<Accepted>> => {
      // Local rate limit: wait for the destination's next slot, unless that is past the deadline.
      for (;;) {
        const d = this.limiter.delay(kind, dest.key);
        if (d === 0) break;
        if (clock.now() + d >= deadline) {
          return { ok: false, retriable: true, notSent: true, retryAfterMs: d, reason: `local rate limit: next slot in ${d} ms` };
        }
        await sleep(d);
      }
      const slot = this.acquire();
      if (slot) await slot;
      if (clock.now() >= deadline) {
        this.release();
        return { ok: false, retriable: true, notSent: true, reason: 'the deadline passed waiting for a free connection slot' };
      }
      this.limiter.take(kind, dest.key);
      c.queued--;
      c.inFlight++;
      c.attempts++;
      const started = clock.now();
      const budget = deadline - started;
      const timeout = req.timeoutMs > 0 ? Math.min(req.timeoutMs, budget) : budget;
      let verdict: Verdict;
      try {
        const raw = await this.deliver(req, payload, timeout);
        verdict = classify(kind, req.url, raw, clock.now(), scrub);
      } finally {
        c.inFlight--;
        c.queued++;
        this.release();
      }
      lastDuration = clock.now() - started;
      if (verdict.ok && this.observer) {
        this.notify(this.summaryOf(item), call, {
          phase: 'attempt',
          ok: true,
          retriable: false,
          reason: 'delivered',
          status: verdict.value.status,
          durationMs: lastDuration,
        });
      }
      return verdict;
    };

    const onFailure = this.observer
      ? (f: AttemptFailure, attempts: number, waitMs: number | undefined) => {
          if (f.notSent) return;
          this.notify(this.summaryOf(item), attempts, {
            phase: 'attempt',
            ok: false,
            retriable: f.retriable,
            reason: f.reason,
            ...(f.status !== undefined ? { status: f.status } : {}),
            ...(f.code !== undefined ? { code: f.code } : {}),
            durationMs: lastDuration,
            ...(waitMs !== undefined ? { retryInMs: waitMs } : {}),
          });
        }
      : undefined;

    const r = await retry(attempt, {
      deadline,
      now: () => clock.now(),
      sleep,
      random: this.random,
      policy: this.backoff,
      what: () => formatSummary(this.summaryOf(item)),
      ...(onFailure ? { onFailure } : {}),
    });
    if (r.ok) {
      return { ok: true, attempts: r.attempts, status: r.value.status, ...(r.value.response ? { response: r.value.response } : {}) };
    }
    const e = r.error;
    return {
      ok: false,
      attempts: r.attempts,
      retriable: e.retriable,
      reason: e.message,
      ...(e.cause.status !== undefined ? { status: e.cause.status } : {}),
      error: e,
    };
  }

  /** Takes a global slot: undefined when one was free, else a promise for the next one (FIFO). */
  private acquire(): Promise<void> | undefined {
    if (this.active < this.concurrency) {
      this.active++;
      return undefined;
    }
    return new Promise<void>((r) => this.waiters.push(r));
  }

  private release(): void {
    if (this.waitersHead < this.waiters.length) {
      const next = this.waiters[this.waitersHead]!;
      this.waiters[this.waitersHead++] = undefined as unknown as () => void;
      if (this.waitersHead > 1024 && this.waitersHead * 2 > this.waiters.length) {
        this.waiters.splice(0, this.waitersHead);
        this.waitersHead = 0;
      }
      next(); // the slot passes straight to the next waiter
      return;
    }
    this.active--;
  }

  private notify(summary: RequestSummary, attempt: number, outcome: ObservedOutcome): void {
    try {
      this.observer?.(summary, attempt, outcome);
    } catch {
      // An observer must not break delivery.
    }
  }
}
