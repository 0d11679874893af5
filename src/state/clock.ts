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
  // Pending timers as a binary min-heap ordered by (at, id), kept in three parallel arrays: sifting
  // compares numbers read from two contiguous arrays instead of dereferencing an entry object per
  // comparison (a replay pops one timer per group tick, from a heap of one timer per group).
  private readonly heapAt: number[] = [];
  private readonly heapId: number[] = [];
  private readonly heapEntry: Entry[] = [];
  private live = 0;
  /** Cancelled entries still in the heap: skipped when they reach the top, or swept out in bulk. */
  private cancelledInHeap = 0;

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
    if (entry.cancelled) return;
    entry.cancelled = true;
    this.live--;
    this.cancelledInHeap++;
    // Rescheduling leaves the old entry behind; once such leftovers outnumber the live timers, sweep
    // them out so the heap stays proportional to what is pending.
    if (this.cancelledInHeap > SWEEP_MIN && this.cancelledInHeap > this.live) this.sweep();
  }

  /** Number of timers still pending. */
  pending(): number {
    return this.live;
  }

  /** Time of the earliest pending timer, if any. */
  nextAt(): number | undefined {
    this.dropCancelled();
    return this.heapEntry.length > 0 ? this.heapAt[0] : undefined;
  }

  /**
   * Runs every timer due at or before `target`, in order, moving the clock to each timer's time, then
   * sets the clock to `target`. Timers scheduled by timers are honoured if they fall within `target`.
   */
  async advanceTo(target: number): Promise<void> {
    for (;;) {
      this.dropCancelled();
      if (this.heapEntry.length === 0 || this.heapAt[0]! > target) break;
      const top = this.heapEntry[0]!;
      this.pop();
      this.live--;
      // A handle of a timer that ran can still be cancelled: a no-op.
      top.cancelled = true;
      if (top.at > this.current) this.current = top.at;
      const r = top.fn();
      if (r) await r;
    }
    if (target > this.current) this.current = target;
  }

  private dropCancelled(): void {
    const entries = this.heapEntry;
    while (entries.length > 0 && entries[0]!.cancelled) {
      this.pop();
      this.cancelledInHeap--;
    }
  }

  private push(e: Entry): void {
    const at = this.heapAt;
    const id = this.heapId;
    const entries = this.heapEntry;
    // Sift up from the new last position, moving parents down into the hole instead of swapping.
    let i = entries.length;
    at.push(e.at);
    id.push(e.id);
    entries.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (at[p]! < e.at || (at[p] === e.at && id[p]! < e.id)) break;
      at[i] = at[p]!;
      id[i] = id[p]!;
      entries[i] = entries[p]!;
      i = p;
    }
    at[i] = e.at;
    id[i] = e.id;
    entries[i] = e;
  }

  /** Removes the top entry. */
  private pop(): void {
    const at = this.heapAt;
    const id = this.heapId;
    const entries = this.heapEntry;
    const n = entries.length - 1;
    const lastAt = at.pop()!;
    const lastId = id.pop()!;
    const last = entries.pop()!;
    if (n === 0) return;
    this.siftDown(0, lastAt, lastId, last, n);
  }

  /** Places (`keyAt`, `keyId`, `entry`) at hole `i` or below, within the first `n` positions. */
  private siftDown(i: number, keyAt: number, keyId: number, entry: Entry, n: number): void {
    const at = this.heapAt;
    const id = this.heapId;
    const entries = this.heapEntry;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && (at[r]! < at[c]! || (at[r] === at[c] && id[r]! < id[c]!))) c = r;
      if (keyAt < at[c]! || (keyAt === at[c] && keyId < id[c]!)) break;
      at[i] = at[c]!;
      id[i] = id[c]!;
      entries[i] = entries[c]!;
      i = c;
    }
    at[i] = keyAt;
    id[i] = keyId;
    entries[i] = entry;
  }

  /** Drops every cancelled entry and rebuilds the heap (bottom-up, linear time). */
  private sweep(): void {
    const entries = this.heapEntry.filter((e) => !e.cancelled);
    const n = entries.length;
    this.heapAt.length = n;
    this.heapId.length = n;
    this.heapEntry.length = n;
    for (let i = 0; i < n; i++) {
      const e = entries[i]!;
      this.heapAt[i] = e.at;
      this.heapId[i] = e.id;
      this.heapEntry[i] = e;
    }
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i, this.heapAt[i]!, this.heapId[i]!, this.heapEntry[i]!, n);
    this.cancelledInHeap = 0;
  }
}

/** Below this many cancelled entries the heap is never swept (skipping them at the top is cheaper). */
const SWEEP_MIN = 1024;
