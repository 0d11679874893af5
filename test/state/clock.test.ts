import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/state/clock.js';

describe('VirtualClock', () => {
  it('runs timers in time order, then insertion order, moving time to each', async () => {
    const c = new VirtualClock(0);
    const seen: [string, number][] = [];
    c.schedule(20, () => void seen.push(['b', c.now()]));
    c.schedule(10, () => void seen.push(['a', c.now()]));
    c.schedule(20, () => void seen.push(['c', c.now()]));
    await c.advanceTo(25);
    expect(seen).toEqual([
      ['a', 10],
      ['b', 20],
      ['c', 20],
    ]);
    expect(c.now()).toBe(25);
  });
  it('honours timers scheduled by timers within the target, and cancellation', async () => {
    const c = new VirtualClock(0);
    const seen: number[] = [];
    const tick = () => {
      seen.push(c.now());
      if (c.now() < 50) c.schedule(c.now() + 10, tick);
    };
    c.schedule(10, tick);
    const h = c.schedule(15, () => void seen.push(-1));
    c.cancel(h);
    await c.advanceTo(35);
    expect(seen).toEqual([10, 20, 30]);
    expect(c.pending()).toBe(1);
    expect(c.nextAt()).toBe(40);
  });
  it('awaits asynchronous timers before running the next', async () => {
    const c = new VirtualClock(0);
    const seen: string[] = [];
    c.schedule(1, async () => {
      await new Promise((r) => setTimeout(r, 5));
      seen.push('slow');
    });
    c.schedule(2, () => void seen.push('next'));
    await c.advanceTo(3);
    expect(seen).toEqual(['slow', 'next']);
  });
});
