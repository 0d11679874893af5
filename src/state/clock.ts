/**
 * The clock port. Every stage reads time and schedules work through it, so the same code runs on the
 * wall clock (serve) and on a virtual clock (replay, tests, benchmarks).
 */
export interface Clock {
  now(): number;
  /** Runs `fn` at `at` (epoch ms) or as soon as possible after. Returns a handle for `cancel`. */
  schedule(at: number, fn: () => void | Promise<void>): TimerHandle;
  cancel(handle: TimerHandle): void;
}

export interface TimerHandle {
  readonly at: number;
  /** Internal id; do not rely on it. */
  readonly id: number;
}

interface Entry extends TimerHandle {
  fn: () => void | Promise<void>;
  cancelled: boolean;
}

/** The wall clock: `Date.now()` and `setTimeout`. */
export class WallClock implements Clock {
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return Date.now();
  }

  schedule(at: number, fn: () => void | Promise<void>): TimerHandle {
    const id = this.nextId++;
    const delay = Math.max(0, at - Date.now());
    const t = setTimeout(() => {
      this.timers.delete(id);
      void fn();
    }, delay);
    this.timers.set(id, t);
    return { at, id };
  }

  cancel(handle: TimerHandle): void {
    const t = this.timers.get(handle.id);
    if (t) {
      clearTimeout(t);
      this.timers.delete(handle.id);
    }
  }

  /** Cancels every pending timer (shutdown). */
  stopAll(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

/**
 * A virtual clock: time moves only when `advanceTo` is called, and timers run in (time, insertion)
 * order, each awaited before the next, so a replay is deterministic.
 */
export class VirtualClock implements Clock {
  private current: number;
  private nextId = 1;
  // Binary min-heap ordered by (at, id).
  private readonly heap: Entry[] = [];
  private live = 0;

  constructor(start: number) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  schedule(at: number, fn: () => void | Promise<void>): TimerHandle {
    const entry: Entry = { at: Math.max(at, this.current), id: this.nextId++, fn, cancelled: false };
    this.push(entry);
    this.live++;
    return entry;
  }

  cancel(handle: TimerHandle): void {
    const entry = handle as Entry;
    if (!entry.cancelled) {
      entry.cancelled = true;
      this.live--;
    }
  }

  /** Number of timers still pending. */
  pending(): number {
    return this.live;
  }

  /** Time of the earliest pending timer, if any. */
  nextAt(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.at;
  }

  /**
   * Runs every timer due at or before `target`, in order, moving the clock to each timer's time, then
   * sets the clock to `target`. Timers scheduled by timers are honoured if they fall within `target`.
   */
  async advanceTo(target: number): Promise<void> {
    for (;;) {
      this.dropCancelled();
      const top = this.heap[0];
      if (!top || top.at > target) break;
      this.pop();
      this.live--;
      top.cancelled = true;
      if (top.at > this.current) this.current = top.at;
      const r = top.fn();
      if (r) await r;
    }
    if (target > this.current) this.current = target;
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
  }

  private less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.id < b.id);
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Entry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
