import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../src/notify/delivery/rateLimiter.js';

describe('RateLimiter', () => {
  it('PagerDuty default: 120 per sliding 60 s window per routing key', () => {
    let now = 0;
    const rl = new RateLimiter(() => now);
    for (let i = 0; i < 120; i++) {
      expect(rl.delay('pagerduty', 'k1')).toBe(0);
      rl.take('pagerduty', 'k1');
      now += 100; // 120 sends over 12 s
    }
    // now = 12 000; the oldest send (t=0) leaves the window at 60 000.
    expect(rl.delay('pagerduty', 'k1')).toBe(48_000);
    // another key is independent
    expect(rl.delay('pagerduty', 'k2')).toBe(0);
    now = 60_000;
    expect(rl.delay('pagerduty', 'k1')).toBe(0);
    rl.take('pagerduty', 'k1');
    // sliding: the second oldest (t=100) frees the next slot
    expect(rl.delay('pagerduty', 'k1')).toBe(100);
  });

  it('Slack default: 1 per second per channel after a burst of 3', () => {
    let now = 1_000_000;
    const rl = new RateLimiter(() => now);
    const starts: number[] = [];
    for (let i = 0; i < 6; i++) {
      const d = rl.delay('slack', 'C1');
      now += d;
      expect(rl.delay('slack', 'C1')).toBe(0);
      rl.take('slack', 'C1');
      starts.push(now - 1_000_000);
    }
    expect(starts).toEqual([0, 0, 0, 1000, 2000, 3000]);
  });

  it('webhooks are unlimited by default; limits are configurable per kind', () => {
    let now = 0;
    const rl = new RateLimiter(() => now, { webhook: { type: 'bucket', perSecond: 10, burst: 1 }, pagerduty: null });
    rl.take('webhook', 'u');
    expect(rl.delay('webhook', 'u')).toBe(100);
    for (let i = 0; i < 1000; i++) rl.take('pagerduty', 'k');
    expect(rl.delay('pagerduty', 'k')).toBe(0);
    now += 100;
    expect(rl.delay('webhook', 'u')).toBe(0);
  });

  it('forgets idle destinations (bounded memory)', () => {
    let now = 0;
    const rl = new RateLimiter(() => now);
    for (let i = 0; i < 50; i++) rl.take('pagerduty', `k${i}`);
    for (let i = 0; i < 50; i++) rl.take('slack', `c${i}`);
    expect(rl.size()).toBe(100);
    now = 61_000;
    rl.sweep();
    expect(rl.size()).toBe(0);
  });

  it('rejects nonsense limits', () => {
    expect(() => new RateLimiter(() => 0, { pagerduty: { type: 'window', limit: 0, windowMs: 1000 } })).toThrow(RangeError);
    expect(() => new RateLimiter(() => 0, { slack: { type: 'bucket', perSecond: 0, burst: 1 } })).toThrow(RangeError);
  });
});
