import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VirtualClock } from '../../../src/state/clock.js';
import {
  type Attempt,
  DEFAULT_BACKOFF,
  RetryError,
  backoffDelay,
  parseRetryAfter,
  retry,
} from '../../../src/notify/delivery/retrier.js';
import { runUntil, virtualSleep } from './helpers.js';

const T0 = Date.parse('2026-11-28T12:00:00Z');

function scripted(outcomes: Attempt<string>[], clock: VirtualClock, calls: number[]) {
  return async (call: number): Promise<Attempt<string>> => {
    calls.push(clock.now() - T0);
    return outcomes[Math.min(call - 1, outcomes.length - 1)]!;
  };
}

async function drive<T>(clock: VirtualClock, p: Promise<T>): Promise<T> {
  let out: T | undefined;
  let done = false;
  void p.then((v) => {
    out = v;
    done = true;
  });
  await runUntil(clock, () => done);
  return out as T;
}

const fail500 = { ok: false, retriable: true, reason: 'HTTP 500 server error', status: 500 } as const;

describe('backoffDelay (full jitter)', () => {
  it('caps grow by the multiplier up to maxMs; the wait is random() * cap', () => {
    const p = { initialMs: 100, multiplier: 2, maxMs: 1000, maxAttempts: 0 };
    const almostOne = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(p, n, almostOne))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(p, 3, () => 0)).toBe(0);
    expect(backoffDelay(p, 3, () => 0.5)).toBe(200);
  });

  it('never exceeds the cap nor goes negative (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 0.9999999, noNaN: true }), (n, r) => {
        const d = backoffDelay(DEFAULT_BACKOFF, n, () => r);
        return d >= 0 && d <= DEFAULT_BACKOFF.maxMs;
      }),
    );
  });
});

describe('retry', () => {
  it('retries retriable failures with the jittered backoff, then succeeds', async () => {
    const clock = new VirtualClock(T0);
    const calls: number[] = [];
    const r = await drive(
      clock,
      retry(scripted([fail500, fail500, { ok: true, value: 'done' }], clock, calls), {
        deadline: T0 + 60_000,
        now: () => clock.now(),
        sleep: virtualSleep(clock),
        random: () => 0.5,
        policy: { initialMs: 1000, multiplier: 2, maxMs: 10_000 },
      }),
    );
    expect(r).toEqual({ ok: true, value: 'done', attempts: 3 });
    // waits: 0.5 * 1000, then 0.5 * 2000
    expect(calls).toEqual([0, 500, 1500]);
  });

  it('honours Retry-After as a floor that jitter never shortens', async () => {
    const clock = new VirtualClock(T0);
    const calls: number[] = [];
    const r = await drive(
      clock,
      retry(
        scripted([{ ok: false, retriable: true, reason: 'HTTP 429', status: 429, retryAfterMs: 7000 }, { ok: true, value: 'ok' }], clock, calls),
        { deadline: T0 + 60_000, now: () => clock.now(), sleep: virtualSleep(clock), random: () => 0.99 },
      ),
    );
    expect(r.ok).toBe(true);
    expect(calls).toEqual([0, 7000]);
  });

  it('bails out at once on a non-retriable failure, with the cause and attempt count', async () => {
    const clock = new VirtualClock(T0);
    const calls: number[] = [];
    const fatal = { ok: false, retriable: false, reason: 'HTTP 400 invalid event', status: 400 } as const;
    const r = await drive(
      clock,
      retry(scripted([fatal], clock, calls), { deadline: T0 + 60_000, now: () => clock.now(), sleep: virtualSleep(clock), what: 'pagerduty[0]' }),
    );
    expect(calls).toEqual([0]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBeInstanceOf(RetryError);
    expect(r.error).toBeInstanceOf(Error);
    expect(r.error.retriable).toBe(false);
    expect(r.error.why).toBe('fatal');
    expect(r.error.attempts).toBe(1);
    expect(r.error.cause).toBe(fatal);
    expect(r.error.message).toBe('pagerduty[0]: not retriable: HTTP 400 invalid event');
  });

  it('never sleeps past the deadline: gives up early with a retriable error', async () => {
    const clock = new VirtualClock(T0);
    const calls: number[] = [];
    const r = await drive(
      clock,
      retry(scripted([fail500], clock, calls), {
        deadline: T0 + 10_000,
        now: () => clock.now(),
        sleep: virtualSleep(clock),
        random: () => 0.999,
        policy: { initialMs: 1000, multiplier: 2, maxMs: 60_000 },
      }),
    );
    // waits ~999, ~1998, ~3996 → attempts at 0, 999, 2997, 6993; the next wait (7992) would cross 10 000.
    expect(calls).toEqual([0, 999, 2997, 6993]);
    expect(clock.now()).toBe(T0 + 6993);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.retriable).toBe(true);
    expect(r.error.why).toBe('deadline');
    expect(r.attempts).toBe(4);
    expect(r.error.message).toContain('gave up at the deadline after 4 attempts: HTTP 500 server error');
  });

  it('gives up at once when Retry-After points past the deadline', async () => {
    const clock = new VirtualClock(T0);
    const calls: number[] = [];
    const r = await drive(
      clock,
      retry(scripted([{ ok: false, retriable: true, reason: 'HTTP 429', retryAfterMs: 120_000 }], clock, calls), {
        deadline: T0 + 60_000,
        now: () => clock.now(),
        sleep: virtualSleep(clock),
      }),
    );
    expect(calls).toEqual([0]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain('asked to wait 120 s, past the deadline');
  });

  it('stops after maxAttempts when set', async () => {
    const clock = new VirtualClock(T0);
    const calls: number[] = [];
    const r = await drive(
      clock,
      retry(scripted([fail500], clock, calls), {
        deadline: T0 + 3600_000,
        now: () => clock.now(),
        sleep: virtualSleep(clock),
        policy: { maxAttempts: 3 },
      }),
    );
    expect(calls.length).toBe(3);
    expect(!r.ok && r.error.why).toBe('max-attempts');
  });

  it('does not count attempts that sent nothing', async () => {
    const clock = new VirtualClock(T0);
    const calls: number[] = [];
    const r = await drive(
      clock,
      retry(scripted([fail500, { ok: false, retriable: true, notSent: true, reason: 'local rate limit', retryAfterMs: 999_999 }], clock, calls), {
        deadline: T0 + 60_000,
        now: () => clock.now(),
        sleep: virtualSleep(clock),
        random: () => 0,
      }),
    );
    expect(calls.length).toBe(2);
    expect(r.attempts).toBe(1);
  });

  it('turns an exception into a fatal failure without quoting its message', async () => {
    const clock = new VirtualClock(T0);
    const r = await retry(
      async () => {
        throw new Error('https://hooks.slack.com/services/T000/B000/SECRET');
      },
      { deadline: T0 + 1000, now: () => clock.now(), sleep: virtualSleep(clock) },
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.retriable).toBe(false);
    expect(r.error.message).not.toContain('SECRET');
  });

  it('makes no attempt when the deadline has already passed', async () => {
    const clock = new VirtualClock(T0);
    let called = false;
    const r = await retry(
      async () => {
        called = true;
        return { ok: true as const, value: 1 };
      },
      { deadline: T0, now: () => clock.now(), sleep: virtualSleep(clock) },
    );
    expect(called).toBe(false);
    expect(r).toMatchObject({ ok: false, attempts: 0 });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('Sat, 28 Nov 2026 12:00:00 GMT');
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
  });
  it('reads an HTTP-date relative to now, never negative', () => {
    expect(parseRetryAfter('Sat, 28 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 28 Nov 2026 11:59:00 GMT', now)).toBe(0);
  });
  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});
