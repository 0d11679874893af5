/**
 * Silences: matchers plus a time range, states pending / active / expired (Alertmanager `silence`).
 * Few silences exist at once in practice, so matching is a scan over active silences with matchers
 * compiled once per silence.
 */
import type { Labels } from '../domain/labels.js';
import { formatTime } from '../domain/time.js';
import type { PostableSilence, SilenceView } from '../engine/port.js';
import { compileMatchers, type Matcher } from './matchers.js';

export type SilenceState = 'pending' | 'active' | 'expired';

export interface Silence {
  readonly id: string;
  readonly matchers: readonly Matcher[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly updatedAt: number;
  readonly createdBy: string;
  readonly comment: string;
}

interface Compiled {
  silence: Silence;
  matches: (l: Labels) => boolean;
}

export function silenceState(s: Pick<Silence, 'startsAt' | 'endsAt'>, now: number): SilenceState {
  if (now < s.startsAt) return 'pending';
  if (now < s.endsAt) return 'active';
  return 'expired';
}

export type UpsertResult = { ok: true; id: string } | { ok: false; error: string; notFound?: boolean };

export class SilenceRegistry {
  private readonly silences = new Map<string, Compiled>();
  /** Bumped on every change so callers can cache per-alert answers. */
  version = 0;

  constructor(private readonly newId: () => string) {}

  /**
   * Creates a silence, or updates the one named by `id`. Like Alertmanager, a silence whose matchers
   * change, or that has already expired, is not edited in place: the old one is expired and a new id
   * is issued; other edits keep the id.
   */
  upsert(input: PostableSilence, now: number): UpsertResult {
    if (input.endsAt <= input.startsAt) return { ok: false, error: 'start time must be before end time' };
    if (input.endsAt < now) return { ok: false, error: "end time can't be in the past" };
    const startsAt = Math.max(input.startsAt, now);
    let id: string;
    if (input.id) {
      const prior = this.silences.get(input.id);
      if (!prior) return { ok: false, error: 'silence not found', notFound: true };
      const editable =
        silenceState(prior.silence, now) !== 'expired' && sameMatchers(prior.silence.matchers, input.matchers);
      if (editable) {
        id = input.id;
      } else {
        this.expire(input.id, now);
        id = this.newId();
      }
    } else {
      id = this.newId();
    }
    const silence: Silence = {
      id,
      matchers: input.matchers,
      startsAt,
      endsAt: input.endsAt,
      updatedAt: now,
      createdBy: input.createdBy,
      comment: input.comment,
    };
    this.silences.set(id, { silence, matches: compileMatchers(input.matchers) });
    this.version++;
    return { ok: true, id };
  }

  /**
   * Expires a silence now. Expiring an already expired silence changes nothing and succeeds, as in
   * current Alertmanager (older versions answered 500).
   */
  expire(id: string, now: number): { ok: true } | { ok: false; error: string; notFound: boolean } {
    const c = this.silences.get(id);
    if (!c) return { ok: false, error: 'silence not found', notFound: true };
    const s = c.silence;
    const state = silenceState(s, now);
    if (state === 'expired') return { ok: true };
    const updated: Silence =
      state === 'pending' ? { ...s, startsAt: now, endsAt: now, updatedAt: now } : { ...s, endsAt: now, updatedAt: now };
    this.silences.set(id, { silence: updated, matches: c.matches });
    this.version++;
    return { ok: true };
  }

  /**
   * The first instant after `now` at which a silence starts or ends: until then, with `version`
   * unchanged, every `mutedBy` answer stays what it is at `now`. Infinity when none is ahead.
   */
  stableUntil(now: number): number {
    const c = this.boundaryCache;
    // The answer for an earlier instant holds for `now` when no boundary lies between them.
    if (c.version === this.version && c.from <= now && now < c.until) return c.until;
    let until = Infinity;
    for (const { silence: s } of this.silences.values()) {
      if (s.startsAt > now && s.startsAt < until) until = s.startsAt;
      if (s.endsAt > now && s.endsAt < until) until = s.endsAt;
    }
    this.boundaryCache = { version: this.version, from: now, until };
    return until;
  }

  private boundaryCache = { version: -1, from: 0, until: 0 };

  /** Ids of the silences active at `now` that match `labels`. */
  mutedBy(labels: Labels, now: number): string[] {
    let out: string[] | undefined;
    for (const c of this.silences.values()) {
      const s = c.silence;
      if (now < s.startsAt || now >= s.endsAt) continue;
      if (c.matches(labels)) (out ??= []).push(s.id);
    }
    return out ?? EMPTY;
  }

  get(id: string): Silence | undefined {
    return this.silences.get(id)?.silence;
  }

  list(): Silence[] {
    return [...this.silences.values()].map((c) => c.silence);
  }

  /** Drops silences expired for longer than `retentionMs` (Alertmanager keeps them 120h by default). */
  collect(now: number, retentionMs: number): void {
    for (const [id, c] of this.silences) {
      if (c.silence.endsAt + retentionMs < now) {
        this.silences.delete(id);
        this.version++;
      }
    }
  }

  countByState(now: number): Record<SilenceState, number> {
    const counts = { pending: 0, active: 0, expired: 0 };
    for (const c of this.silences.values()) counts[silenceState(c.silence, now)]++;
    return counts;
  }

  /**
   * Puts a silence in as it is: its id, times and matchers, no new id, no clamping (a stored silence on
   * partition reload, or distributed mode's silence broadcast, where every partition's engine must hold
   * the same silence under the same id). Replaces a silence with that id.
   */
  restore(s: Silence): void {
    this.silences.set(s.id, { silence: s, matches: compileMatchers(s.matchers) });
    this.version++;
  }
}

const EMPTY: string[] = [];

function sameMatchers(a: readonly Matcher[], b: readonly Matcher[]): boolean {
  if (a.length !== b.length) return false;
  const key = (m: Matcher) => `${m.name}\x00${m.type}\x00${m.value}`;
  const as = a.map(key).sort();
  const bs = b.map(key).sort();
  return as.every((k, i) => k === bs[i]);
}

/** A matcher in the Alertmanager API v2 shape (`isRegex`, `isEqual`). */
export function apiMatcher(m: Matcher): { name: string; value: string; isRegex: boolean; isEqual: boolean } {
  return { name: m.name, value: m.value, isRegex: m.type === '=~' || m.type === '!~', isEqual: m.type === '=' || m.type === '=~' };
}

export function silenceView(s: Silence, now: number): SilenceView {
  return {
    id: s.id,
    matchers: s.matchers.map(apiMatcher),
    startsAt: formatTime(s.startsAt),
    endsAt: formatTime(s.endsAt),
    updatedAt: formatTime(s.updatedAt),
    createdBy: s.createdBy,
    comment: s.comment,
    status: { state: silenceState(s, now) },
  };
}
