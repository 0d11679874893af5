/**
 * Alertmanager `time_intervals` (timeinterval/timeinterval.go): parsing of one interval definition and
 * evaluation of whether an instant falls inside a list of them.
 *
 * An interval matches when every constrained field matches (fields AND together, ranges inside a field OR
 * together); an empty field means "any". All fields are evaluated on the wall clock of the interval's
 * location, as Go's `t.In(loc)` does, so DST shifts move the instants an interval covers.
 */

export interface TimeRange {
  /** Minutes since midnight, inclusive. */
  readonly startMinute: number;
  /** Minutes since midnight, exclusive; 1440 for `24:00`. */
  readonly endMinute: number;
}

export interface InclusiveRange {
  readonly begin: number;
  readonly end: number;
}

export interface TimeInterval {
  /** Empty = any time of day. */
  readonly times: readonly TimeRange[];
  /** 0 = Sunday … 6 = Saturday. Empty = any day of the week. */
  readonly weekdays: readonly InclusiveRange[];
  /** 1…31, or -1 (last day) … -31 counted from the end of the month. Empty = any day. */
  readonly daysOfMonth: readonly InclusiveRange[];
  /** 1 = January … 12. Empty = any month. */
  readonly months: readonly InclusiveRange[];
  /** Empty = any year. */
  readonly years: readonly InclusiveRange[];
  /** IANA zone name, default `UTC`. */
  readonly location: string;
}

export interface TimeIntervalError {
  /** Full path of the offending value, e.g. `time_intervals[0].time_intervals[1].weekdays[0]`. */
  readonly path: string;
  readonly message: string;
}

export type ParseTimeIntervalResult =
  | { readonly ok: true; readonly interval: TimeInterval }
  | { readonly ok: false; readonly errors: readonly TimeIntervalError[] };

const WEEKDAYS: Readonly<Record<string, number>> = {
  sunday: 0,
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
};

const MONTHS: Readonly<Record<string, number>> = {
  january: 1,
  february: 2,
  march: 3,
  april: 4,
  may: 5,
  june: 6,
  july: 7,
  august: 8,
  september: 9,
  october: 10,
  november: 11,
  december: 12,
};

const MONTH_NAMES = Object.keys(MONTHS);

const KEYS = new Set(['times', 'weekdays', 'days_of_month', 'months', 'years', 'location']);

// HH:MM with a two-digit hour, or exactly 24:00 (timeinterval.go validTime).
const TIME_RE = /^(?:([01][0-9]|2[0-3]):([0-5][0-9])|(24):(00))$/;

/** Go `strconv.Atoi`: optional sign, decimal digits. */
function atoi(s: string): number | undefined {
  return /^[+-]?[0-9]+$/.test(s) ? Number(s) : undefined;
}

function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  return undefined;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}

/**
 * Validates one entry of a named interval's `time_intervals` list (already converted from YAML to plain
 * values). Errors carry full paths so the loader can point at the offending line; nothing is thrown.
 */
export function parseTimeInterval(raw: unknown, path: string): ParseTimeIntervalResult {
  const errors: TimeIntervalError[] = [];
  const err = (p: string, message: string): void => {
    errors.push({ path: p, message });
  };
  if (raw === null || raw === undefined) {
    // An empty entry constrains nothing: it is always active, as in Alertmanager.
    return { ok: true, interval: emptyInterval() };
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    err(path, `expected a mapping, got ${describe(raw)}`);
    return { ok: false, errors };
  }
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!KEYS.has(key)) err(`${path}.${key}`, `unknown key "${key}"`);
  }

  const list = (key: string): unknown[] => {
    const v = obj[key];
    if (v === null || v === undefined) return [];
    if (!Array.isArray(v)) {
      err(`${path}.${key}`, `expected a list, got ${describe(v)}`);
      return [];
    }
    return v;
  };

  const times: TimeRange[] = [];
  list('times').forEach((item, i) => {
    const p = `${path}.times[${i}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      err(p, `expected a mapping with start_time and end_time, got ${describe(item)}`);
      return;
    }
    const t = item as Record<string, unknown>;
    for (const key of Object.keys(t)) {
      if (key !== 'start_time' && key !== 'end_time') err(`${p}.${key}`, `unknown key "${key}"`);
    }
    const start = t['start_time'];
    const end = t['end_time'];
    if (start === undefined || start === null || start === '' || end === undefined || end === null || end === '') {
      err(p, 'both start_time and end_time must be provided');
      return;
    }
    const s = parseClock(start);
    const e = parseClock(end);
    if (s === undefined) err(`${p}.start_time`, `expected a time like 09:30 (HH:MM, 00:00 to 24:00), got ${describe(start)}`);
    if (e === undefined) err(`${p}.end_time`, `expected a time like 17:00 (HH:MM, 00:00 to 24:00), got ${describe(end)}`);
    if (s === undefined || e === undefined) return;
    if (s >= e) {
      err(p, `start_time ${String(start)} must be before end_time ${String(end)}`);
      return;
    }
    times.push({ startMinute: s, endMinute: e });
  });

  const ranges = (
    key: string,
    member: (s: string) => number | undefined,
    what: string,
    check: (r: InclusiveRange, text: string) => string | undefined,
  ): InclusiveRange[] => {
    const out: InclusiveRange[] = [];
    list(key).forEach((item, i) => {
      const p = `${path}.${key}[${i}]`;
      const text = scalarText(item);
      if (text === undefined) {
        err(p, `expected ${what} or a range like ${exampleRange(key)}, got ${describe(item)}`);
        return;
      }
      const lower = text.toLowerCase();
      const parts = lower.includes(':') ? lower.split(':') : [lower, lower];
      if (parts.length !== 2) {
        err(p, `cannot parse range "${text}": expected begin:end`);
        return;
      }
      const begin = member(parts[0]!);
      const end = member(parts[1]!);
      if (begin === undefined || end === undefined) {
        const bad = begin === undefined ? parts[0]! : parts[1]!;
        err(p, `"${bad}" is not ${what}`);
        return;
      }
      const r = { begin, end };
      const problem = check(r, text);
      if (problem) {
        err(p, problem);
        return;
      }
      out.push(r);
    });
    return out;
  };

  const weekdays = ranges(
    'weekdays',
    (s) => WEEKDAYS[s],
    'a weekday name',
    (r, text) => {
      // Ranges do not wrap around the week: Alertmanager refuses saturday:sunday.
      if (r.begin > r.end) return `start day must not be after end day in "${text}"`;
      return undefined;
    },
  );

  const daysOfMonth = ranges('days_of_month', atoi, 'a day of the month', (r, text) => {
    for (const d of [r.begin, r.end]) {
      if (d === 0 || d < -31 || d > 31) return `${d} is not a valid day of the month: out of range (1 to 31 or -1 to -31)`;
    }
    if (r.begin < 0 && r.end > 0) return `end day must be negative if start day is negative in "${text}"`;
    // With negative indices the order depends on the month length; refuse what is wrong even in February.
    const b = r.begin < 0 ? 28 + r.begin : r.begin;
    const e = r.end < 0 ? 28 + r.end : r.end;
    if (b > e) return `end day ${r.end} is always before start day ${r.begin}`;
    return undefined;
  });

  const months = ranges(
    'months',
    (s) => MONTHS[s] ?? atoi(s),
    'a month name or number',
    (r) => {
      // Alertmanager accepts numbers outside 1..12, which can never match; refusing them catches typos.
      for (const m of [r.begin, r.end]) if (m < 1 || m > 12) return `${m} is not a valid month: out of range (1 to 12)`;
      if (r.begin > r.end) return `end month ${MONTH_NAMES[r.end - 1]} is before start month ${MONTH_NAMES[r.begin - 1]}`;
      return undefined;
    },
  );

  const years = ranges('years', atoi, 'a year', (r) =>
    r.begin > r.end ? `end year ${r.end} is before start year ${r.begin}` : undefined,
  );

  let location = 'UTC';
  const loc = obj['location'];
  if (loc !== undefined && loc !== null) {
    if (typeof loc !== 'string') {
      err(`${path}.location`, `expected a time zone name like Europe/Berlin, got ${describe(loc)}`);
    } else {
      const resolved = resolveLocation(loc);
      if (resolved === undefined) err(`${path}.location`, `unknown time zone "${loc}"`);
      else location = resolved;
    }
  }

  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, interval: { times, weekdays, daysOfMonth, months, years, location } };
}

function exampleRange(key: string): string {
  switch (key) {
    case 'weekdays':
      return 'monday:friday';
    case 'months':
      return 'january:march';
    case 'years':
      return '2024:2026';
    default:
      return '1:5 or -3:-1';
  }
}

function emptyInterval(): TimeInterval {
  return { times: [], weekdays: [], daysOfMonth: [], months: [], years: [], location: 'UTC' };
}

function parseClock(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = TIME_RE.exec(v);
  if (!m) return undefined;
  if (m[3] !== undefined) return 24 * 60;
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Validates an IANA zone name; Go's `Local` means the process's zone. */
function resolveLocation(name: string): string | undefined {
  if (name === '' || name === 'UTC') return 'UTC';
  if (name === 'Local') return new Intl.DateTimeFormat().resolvedOptions().timeZone;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return name;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Evaluation

/** Wall-clock fields of an instant in one zone. */
interface WallClock {
  year: number;
  month: number; // 1..12
  day: number; // 1..31
  weekday: number; // 0 = Sunday
  minuteOfDay: number;
  daysInMonth: number;
}

interface ZoneCache {
  readonly fmt: Intl.DateTimeFormat;
  /** The last minute computed, since a flush evaluates many routes against the same instant. */
  minute: number;
  clock: WallClock;
}

const zones = new Map<string, ZoneCache>();

function zoneCache(location: string): ZoneCache {
  let z = zones.get(location);
  if (!z) {
    z = {
      fmt: new Intl.DateTimeFormat('en-US', {
        timeZone: location,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
      }),
      minute: Number.NaN,
      clock: { year: 0, month: 0, day: 0, weekday: 0, minuteOfDay: 0, daysInMonth: 0 },
    };
    zones.set(location, z);
  }
  return z;
}

function wallClock(location: string, atMs: number): WallClock {
  const z = zoneCache(location);
  // Every zone offset in use is a whole number of minutes, so the wall clock is constant within a minute.
  const minute = Math.floor(atMs / 60_000);
  if (minute === z.minute) return z.clock;
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let min = 0;
  for (const part of z.fmt.formatToParts(atMs)) {
    switch (part.type) {
      case 'year':
        year = Number(part.value);
        break;
      case 'month':
        month = Number(part.value);
        break;
      case 'day':
        day = Number(part.value);
        break;
      case 'hour':
        hour = Number(part.value);
        break;
      case 'minute':
        min = Number(part.value);
        break;
      default:
        break;
    }
  }
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  // Calendar days, from the civil calendar. (Go derives this from the elapsed hours between the first of
  // this month and the next, which comes out one short in a month that springs forward; we do not copy that.)
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  z.minute = minute;
  z.clock = { year, month, day, weekday, minuteOfDay: hour * 60 + min, daysInMonth };
  return z.clock;
}

function inRanges(rs: readonly InclusiveRange[], v: number): boolean {
  for (let i = 0; i < rs.length; i++) {
    const r = rs[i]!;
    if (v >= r.begin && v <= r.end) return true;
  }
  return false;
}

function clamp(n: number, min: number, max: number): number {
  return n <= min ? min : n >= max ? max : n;
}

/** Whether one interval contains the instant (Go `TimeInterval.ContainsTime`). */
export function containsTime(ti: TimeInterval, atMs: number): boolean {
  const c = wallClock(ti.location, atMs);
  if (ti.times.length > 0) {
    let inside = false;
    for (const t of ti.times) {
      if (c.minuteOfDay >= t.startMinute && c.minuteOfDay < t.endMinute) {
        inside = true;
        break;
      }
    }
    if (!inside) return false;
  }
  if (ti.daysOfMonth.length > 0) {
    let inside = false;
    const dim = c.daysInMonth;
    for (const r of ti.daysOfMonth) {
      let begin = r.begin < 0 ? dim + r.begin + 1 : r.begin;
      let end = r.end < 0 ? dim + r.end + 1 : r.end;
      // A range starting after the end of this month (e.g. 30:31 in February) does not apply to it.
      if (begin > dim) continue;
      begin = clamp(begin, -dim, dim);
      end = clamp(end, -dim, dim);
      if (c.day >= begin && c.day <= end) {
        inside = true;
        break;
      }
    }
    if (!inside) return false;
  }
  if (ti.months.length > 0 && !inRanges(ti.months, c.month)) return false;
  if (ti.weekdays.length > 0 && !inRanges(ti.weekdays, c.weekday)) return false;
  if (ti.years.length > 0 && !inRanges(ti.years, c.year)) return false;
  return true;
}

/** True if any of the intervals contains the instant. */
export function isActiveAt(intervals: readonly TimeInterval[], atMs: number): boolean {
  for (let i = 0; i < intervals.length; i++) {
    if (containsTime(intervals[i]!, atMs)) return true;
  }
  return false;
}
