/**
 * Per-destination send limits that make requests wait rather than drop them. The outbox asks `delay()`
 * before each attempt (retries count: the vendor counts every request), sleeps that long if it must,
 * then `take()`s the slot as the request goes out. Time comes from an injected `now()`, so the limiter
 * is deterministic under a virtual clock.
 *
 * Two shapes, after what the vendors document:
 * - a sliding window (PagerDuty Events v2: "approximately 120 calls/minute per integration key ...
 *   calculated over a 60 second window looking back from the current time", developer-docs
 *   events-API-v2/05-Rate-Limits.md): at most `limit` sends in any `windowMs`;
 * - a token bucket (Slack: "1 per second ... short bursts >1 allowed", https://api.slack.com/docs/rate-limits,
 *   per channel for chat.postMessage and incoming webhooks): `perSecond` refill, `burst` capacity.
 */
import type { IntegrationKind } from '../transport.js';

export type RateLimitSpec =
  | { readonly type: 'window'; readonly limit: number; readonly windowMs: number }
  | { readonly type: 'bucket'; readonly perSecond: number; readonly burst: number };

/** `null`: no limit for that kind. */
export type RateLimits = { readonly [K in IntegrationKind]: RateLimitSpec | null };

export const DEFAULT_RATE_LIMITS: RateLimits = Object.freeze({
  pagerduty: { type: 'window', limit: 120, windowMs: 60_000 },
  slack: { type: 'bucket', perSecond: 1, burst: 3 },
  // Alertmanager imposes nothing on webhooks; neither do we.
  webhook: null,
});

interface WindowState {
  readonly spec: Extract<RateLimitSpec, { type: 'window' }>;
  /** Ring buffer of the last `limit` send times. */
  readonly times: Float64Array;
  /** Index of the oldest entry. */
  head: number;
  size: number;
}

interface BucketState {
  readonly spec: Extract<RateLimitSpec, { type: 'bucket' }>;
  tokens: number;
  at: number;
}

type State = WindowState | BucketState;

export class RateLimiter {
  private readonly limits: RateLimits;
  private readonly states = new Map<string, State>();
  private takes = 0;

  constructor(
    private readonly now: () => number,
    limits: Partial<RateLimits> = {},
  ) {
    this.limits = { ...DEFAULT_RATE_LIMITS, ...limits };
    for (const [kind, spec] of Object.entries(this.limits)) validate(kind, spec);
  }

  /** Milliseconds until `key` may send one more request; 0 when it may send now. Takes nothing. */
  delay(kind: IntegrationKind, key: string): number {
    const s = this.state(kind, key);
    if (!s) return 0;
    const now = this.now();
    if ('times' in s) {
      this.expire(s, now);
      if (s.size < s.spec.limit) return 0;
      return Math.max(1, Math.ceil(s.times[s.head]! + s.spec.windowMs - now));
    }
    this.refill(s, now);
    if (s.tokens >= 1) return 0;
    return Math.max(1, Math.ceil(((1 - s.tokens) * 1000) / s.spec.perSecond));
  }

  /** Records a send for `key` now. Call it only after `delay()` returned 0. */
  take(kind: IntegrationKind, key: string): void {
    const s = this.state(kind, key);
    if (!s) return;
    const now = this.now();
    if ('times' in s) {
      this.expire(s, now);
      const cap = s.times.length;
      if (s.size === cap) {
        s.head = (s.head + 1) % cap;
        s.size--;
      }
      s.times[(s.head + s.size) % cap] = now;
      s.size++;
    } else {
      this.refill(s, now);
      s.tokens -= 1;
    }
    // Forget idle destinations now and then, so memory follows the active ones only.
    if (++this.takes % 1024 === 0) this.sweep();
  }

  /** Number of destinations with live limiter state. */
  size(): number {
    return this.states.size;
  }

  /** Drops the state of destinations whose limit no longer constrains anything. */
  sweep(): void {
    const now = this.now();
    for (const [key, s] of this.states) {
      if ('times' in s) {
        this.expire(s, now);
        if (s.size === 0) this.states.delete(key);
      } else {
        this.refill(s, now);
        if (s.tokens >= s.spec.burst) this.states.delete(key);
      }
    }
  }

  private state(kind: IntegrationKind, key: string): State | undefined {
    const spec = this.limits[kind];
    if (!spec) return undefined;
    const id = kind + '\0' + key;
    let s = this.states.get(id);
    if (!s) {
      s =
        spec.type === 'window'
          ? { spec, times: new Float64Array(spec.limit), head: 0, size: 0 }
          : { spec, tokens: spec.burst, at: this.now() };
      this.states.set(id, s);
    }
    return s;
  }

  private expire(s: WindowState, now: number): void {
    const cap = s.times.length;
    while (s.size > 0 && s.times[s.head]! + s.spec.windowMs <= now) {
      s.head = (s.head + 1) % cap;
      s.size--;
    }
  }

  private refill(s: BucketState, now: number): void {
    if (now > s.at) {
      s.tokens = Math.min(s.spec.burst, s.tokens + ((now - s.at) * s.spec.perSecond) / 1000);
      s.at = now;
    }
  }
}

function validate(kind: string, spec: RateLimitSpec | null): void {
  if (!spec) return;
  const bad =
    spec.type === 'window'
      ? !(Number.isInteger(spec.limit) && spec.limit >= 1 && spec.windowMs > 0)
      : !(spec.perSecond > 0 && spec.burst >= 1);
  if (bad) throw new RangeError(`invalid rate limit for ${kind}: ${JSON.stringify(spec)}`);
}
