import { describe, expect, it, vi } from 'vitest';
import { VirtualClock } from '../../src/state/clock.js';
import { mulberry32 } from '../drift/prng.js'; // seeded, so failures reproduce

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
  it('matches a sorted-list model under random scheduling, cancellation and nested timers', async () => {
    const sweep = vi.spyOn(VirtualClock.prototype as unknown as { sweep(): void }, 'sweep');
    for (let seed = 1; seed <= 6; seed++) {
      const random = mulberry32(seed);
      const c = new VirtualClock(0);
      type ModelEntry = { at: number; seq: number; label: number; done: boolean };
      let pending: ModelEntry[] = [];
      const handles: { handle: ReturnType<VirtualClock['schedule']>; entry: ModelEntry }[] = [];
      const seen: number[] = [];
      const expected: number[] = [];
      let seq = 0;
      const add = (at: number, nested: boolean) => {
        const entry: ModelEntry = { at: Math.max(at, c.now()), seq, label: seq, done: false };
        seq++;
        pending.push(entry);
        const handle = c.schedule(at, () => {
          expect(c.now()).toBe(entry.at);
          seen.push(entry.label);
          // A timer may schedule another one, due now or later (within or after the target).
          if (nested && random() < 0.3) add(c.now() + Math.floor(random() * 4), false);
        });
        handles.push({ handle, entry });
        return handle;
      };
      const cancel = (k: number) => {
        const h = handles[k]!;
        c.cancel(h.handle);
        if (random() < 0.2) c.cancel(h.handle); // twice: a no-op
        h.entry.done = true;
        handles.splice(k, 1);
      };
      let now = 0;
      for (let step = 0; step < 300; step++) {
        // Many timers on few instants (ties run in insertion order), some in the past.
        const n = Math.floor(random() * 30);
        for (let i = 0; i < n; i++) add(now + Math.floor(random() * 8) - 2, true);
        // Timers far ahead, most of them cancelled again (a group rescheduled): they pile up in the heap
        // until the sweep removes them.
        for (let i = 0; i < 12; i++) add(now + 500 + Math.floor(random() * 500), true);
        for (let i = 0; i < 10; i++) cancel(handles.length - 1 - Math.floor(random() * (12 - i)));
        // And anything at random, handles of timers that already ran included (a no-op).
        const cancels = Math.floor(random() * (n / 2));
        for (let i = 0; i < cancels && handles.length > 0; i++) cancel(Math.floor(random() * handles.length));
        now += Math.floor(random() * 4);
        await c.advanceTo(now);
        // The model: the earliest (at, seq) due entry runs, repeatedly (nested ones were added by then).
        for (;;) {
          let best: ModelEntry | undefined;
          for (const e of pending) {
            if (e.done || e.at > now) continue;
            if (!best || e.at < best.at || (e.at === best.at && e.seq < best.seq)) best = e;
          }
          if (!best) break;
          best.done = true;
          expected.push(best.label);
        }
        pending = pending.filter((e) => !e.done);
        expect(seen).toEqual(expected);
        expect(c.now()).toBe(now);
        expect(c.pending()).toBe(pending.length);
        expect(c.nextAt()).toBe(pending.length === 0 ? undefined : Math.min(...pending.map((e) => e.at)));
      }
    }
    // The bulk removal of cancelled entries ran (it rebuilds the heap).
    expect(sweep).toHaveBeenCalled();
    sweep.mockRestore();
  });
});
