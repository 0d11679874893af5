/**
 * The one retrier: calls an attempt function until it succeeds, fails for good, or the deadline would
 * pass, sleeping between attempts with exponential backoff and full jitter. Every notifier goes through
 * it; whether a failure is worth retrying is decided by the attempt (from `retryTables.ts`), never here.
 *
 * Wait before attempt n+1 (n = attempts made so far, from 1):
 *
 *     cap(n)  = min(maxMs, initialMs * multiplier^(n-1))
 *     wait(n) = max(retryAfterMs, random() * cap(n))          random() uniform in [0, 1)
 *
 * The jitter is "full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015): it
 * spreads retries of many senders evenly instead of letting them march in step. A `Retry-After` from
 * the vendor (or a local rate limit) is a floor, never shortened by the jitter. Nothing sleeps past the
 * deadline: when now + wait reaches it the retrier gives up at once with a retriable error, so the
 * caller (the dispatcher) keeps its state and tries again on its next flush.
 *
 * Time comes from injected `now()` and `sleep()`, so tests run on a virtual clock.
 */

export interface BackoffPolicy {
  /** Cap of the first wait (ms). */
  readonly initialMs: number;
  /** Growth of the cap per attempt. */
  readonly multiplier: number;
  /** Largest cap (ms). */
  readonly maxMs: number;
  /** Give up after this many attempts; 0 = only the deadline bounds them (Alertmanager's behaviour). */
  readonly maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({
  initialMs: 250,
  multiplier: 2,
  // PagerDuty suggests retrying a 429 about 30 s apart (developer-docs, events-API-v2/05-Rate-Limits.md).
  maxMs: 30_000,
  maxAttempts: 0,
});

/** The jittered backoff before attempt `attempt + 1`, without any Retry-After floor. */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number): number {
  const cap = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** Math.max(0, attempt - 1));
  return Math.floor(random() * cap);
}

/** A failed attempt, as the attempt function reports it. `reason` must already be free of secrets. */
export interface AttemptFailure {
  readonly ok: false;
  readonly retriable: boolean;
  readonly reason: string;
  /** HTTP status, when the attempt got an answer. */
  readonly status?: number;
  /** Network error code (`ECONNREFUSED`, `TIMEOUT`, …), when it did not. */
  readonly code?: string;
  /** Minimum wait before the next attempt: the vendor's Retry-After, or a local rate limit. */
  readonly retryAfterMs?: number;
  /** Nothing went on the wire (e.g. a local rate limit left no time): not counted as an attempt. */
  readonly notSent?: boolean;
}

export type Attempt<T> = { readonly ok: true; readonly value: T } | AttemptFailure;

export type GiveUpReason = 'fatal' | 'deadline' | 'max-attempts';

/**
 * The retrier's final error: the last attempt's failure as `cause`, the number of attempts made, and
 * whether a later try might succeed (`retriable`: false only when the last failure was non-retriable).
 */
export class RetryError extends Error {
  override readonly name = 'RetryError';
  override readonly cause: AttemptFailure;
  readonly attempts: number;
  readonly retriable: boolean;
  readonly why: GiveUpReason;

  constructor(message: string, cause: AttemptFailure, attempts: number, why: GiveUpReason) {
    super(message);
    this.cause = cause;
    this.attempts = attempts;
    this.why = why;
    this.retriable = why !== 'fatal';
  }
}

export interface RetryOptions {
  /** Epoch ms on the injected clock; no attempt starts and no wait ends at or after it. */
  readonly deadline: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1); defaults to Math.random. */
  readonly random?: () => number;
  readonly policy?: Partial<BackoffPolicy>;
  /** What is being retried, already redacted; prefixes the final error message. A function is called only then. */
  readonly what?: string | (() => string);
  /** After each failed attempt: the wait chosen before the next one, or undefined when giving up. */
  readonly onFailure?: (failure: AttemptFailure, attempts: number, waitMs: number | undefined) => void;
}

export type RetryResult<T> =
  | { readonly ok: true; readonly value: T; readonly attempts: number }
  | { readonly ok: false; readonly error: RetryError; readonly attempts: number };

const NOT_STARTED: AttemptFailure = { ok: false, retriable: true, reason: 'the deadline passed before the first attempt' };

/**
 * Runs `attempt(call)` (call = 1, 2, …) until it succeeds or the retrier gives up. Never throws: an
 * exception from `attempt` counts as a non-retriable failure named after the exception's class (its
 * message could carry secrets, so it is not used).
 */
export async function retry<T>(attempt: (call: number) => Promise<Attempt<T>>, opts: RetryOptions): Promise<RetryResult<T>> {
  const policy: BackoffPolicy = { ...DEFAULT_BACKOFF, ...opts.policy };
  const random = opts.random ?? Math.random;
  const { now, deadline } = opts;
  let attempts = 0;
  let last: AttemptFailure = NOT_STARTED;
  const giveUp = (why: GiveUpReason, detail?: string): RetryResult<T> => {
    if (last !== NOT_STARTED) opts.onFailure?.(last, attempts, undefined);
    const what0 = typeof opts.what === 'function' ? opts.what() : opts.what;
    const head = what0 ? `${what0}: ` : '';
    const what =
      why === 'fatal'
        ? 'not retriable'
        : why === 'max-attempts'
          ? `gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}`
          : `gave up at the deadline after ${attempts} attempt${attempts === 1 ? '' : 's'}`;
    const message = `${head}${what}: ${last.reason}${detail ? ` (${detail})` : ''}`;
    return { ok: false, attempts, error: new RetryError(message, last, attempts, why) };
  };

  for (let call = 1; ; call++) {
    if (now() >= deadline) return giveUp('deadline');
    let r: Attempt<T>;
    try {
      r = await attempt(call);
    } catch (err) {
      r = { ok: false, retriable: false, reason: `unexpected ${(err as Error)?.name ?? 'error'} in the attempt` };
    }
    if (r.ok) return { ok: true, value: r.value, attempts: attempts + 1 };
    if (!r.notSent) attempts++;
    last = r;
    if (!r.retriable) return giveUp('fatal');
    if (policy.maxAttempts > 0 && attempts >= policy.maxAttempts) return giveUp('max-attempts');
    const floor = r.retryAfterMs ?? 0;
    const wait = Math.max(floor, backoffDelay(policy, Math.max(call, 1), random));
    if (now() + wait >= deadline) {
      return giveUp('deadline', floor > 0 && now() + floor >= deadline ? `asked to wait ${fmtMs(floor)}, past the deadline` : undefined);
    }
    opts.onFailure?.(r, attempts, wait);
    await opts.sleep(wait);
  }
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s` : `${ms} ms`;
}

/**
 * `Retry-After` (RFC 9110 §10.2.3) in ms from `now`: delay-seconds or an HTTP-date. Undefined when
 * absent or unreadable; never negative.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // Not in the RFC, but seen in the wild (and harmless to accept): fractional seconds.
  if (/^\d+\.\d+$/.test(v)) return Math.ceil(Number(v) * 1000);
  // HTTP-date in any of its three forms (IMF-fixdate, RFC 850, asctime) starts with the day name; this
  // also keeps Date.parse's lenient guesses ("-5" is a year to V8) out.
  if (!/^[A-Za-z]{3}/.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
