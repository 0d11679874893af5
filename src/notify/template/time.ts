/**
 * Go's `time.Time` and `time.Duration` for templates: `{{ .StartsAt }}` prints like Go's `Time.String()`
 * (`2026-08-22 10:00:00 +0000 UTC`), `.StartsAt.Format "15:04"` and the `date` function take Go layout
 * strings (the reference time `Mon Jan 2 15:04:05 MST 2006`), and `tz` moves a time into an IANA zone.
 *
 * Precision is the millisecond (alertsift's clock), so fractional layouts (`.000000`) print zeros past it.
 * Offsets come from the ICU data built into Node (the IANA database, as Go's); abbreviations (`CEST`,
 * `+04`) from the system's zoneinfo files, which is where Go reads them, else from ICU's names.
 */
import { readFileSync } from 'node:fs';
import { GoError } from './errors.js';
import { GoFloat, GoNamedInt, GoStruct, NO_FIELD, type GoMethod } from './values.js';

// ---- zones ----------------------------------------------------------------------------------------

export interface Zone {
  /** IANA name ('UTC' for UTC). */
  readonly name: string;
  /** Offset east of UTC in seconds and the abbreviation at instant `ms`. */
  at(ms: number): { offset: number; abbr: string };
}

export const UTC: Zone = { name: 'UTC', at: () => ({ offset: 0, abbr: 'UTC' }) };

const zones = new Map<string, Zone>();

function numericAbbr(offset: number): string {
  const sign = offset < 0 ? '-' : '+';
  const m = Math.floor(Math.abs(offset) / 60);
  const hh = String(Math.floor(m / 60)).padStart(2, '0');
  const mm = m % 60;
  return sign + hh + (mm !== 0 ? String(mm).padStart(2, '0') : '');
}

/**
 * Abbreviations by UTC offset from the system's compiled zoneinfo (the files Go itself reads): the
 * latest abbreviation used with each offset, with the footer rule (current and future time) last so it
 * wins. `undefined` when the file is not there.
 */
function zoneinfoAbbreviations(name: string): Map<number, string> | undefined {
  if (!/^[A-Za-z0-9_+\-]+(\/[A-Za-z0-9_+\-]+)*$/.test(name)) return undefined;
  let buf: Buffer;
  try {
    buf = readFileSync(`/usr/share/zoneinfo/${name}`);
  } catch {
    return undefined;
  }
  if (buf.length < 44 || buf.toString('latin1', 0, 4) !== 'TZif') return undefined;
  const counts = (at: number): number[] => [0, 1, 2, 3, 4, 5].map((i) => buf.readUInt32BE(at + 20 + i * 4));
  let at = 0;
  let [isut, isstd, leap, timecnt, typecnt, charcnt] = counts(0) as [number, number, number, number, number, number];
  let timeSize = 4;
  if (buf[4]! >= 0x32) {
    // Skip the version 1 block to the 64-bit one.
    at = 44 + timecnt * 4 + timecnt + typecnt * 6 + charcnt + leap * 8 + isstd + isut;
    [isut, isstd, leap, timecnt, typecnt, charcnt] = counts(at) as [number, number, number, number, number, number];
    timeSize = 8;
  }
  const typesAt = at + 44 + timecnt * timeSize + timecnt;
  const charsAt = typesAt + typecnt * 6;
  const types: { off: number; abbr: string }[] = [];
  for (let i = 0; i < typecnt; i++) {
    const off = buf.readInt32BE(typesAt + i * 6);
    const idx = buf[typesAt + i * 6 + 5]!;
    const end = buf.indexOf(0, charsAt + idx);
    types.push({ off, abbr: buf.toString('latin1', charsAt + idx, end < 0 ? charsAt + charcnt : end) });
  }
  const out = new Map<number, string>();
  for (const t of types) if (!out.has(t.off)) out.set(t.off, t.abbr);
  const transTypesAt = at + 44 + timecnt * timeSize;
  for (let i = 0; i < timecnt; i++) {
    const t = types[buf[transTypesAt + i]!];
    if (t) out.set(t.off, t.abbr);
  }
  if (timeSize === 8) {
    const footerAt = charsAt + charcnt + leap * 12 + isstd + isut;
    const footer = buf.toString('latin1', footerAt).split('\n')[1] ?? '';
    // POSIX TZ: std offset [dst [offset]] [,rules]; offsets count west of UTC.
    const m = /^(<[^>]+>|[A-Za-z]+)([+-]?\d+(?::\d+){0,2})(<[^>]+>|[A-Za-z]+)?([+-]?\d+(?::\d+){0,2})?/.exec(footer);
    if (m) {
      const secs = (t: string): number => {
        const sign = t.startsWith('-') ? -1 : 1;
        const [h = 0, mi = 0, se = 0] = t.replace(/^[+-]/, '').split(':').map(Number);
        return sign * (h * 3600 + mi * 60 + se);
      };
      const clean = (a: string): string => a.replace(/^<|>$/g, '');
      const std = -secs(m[2]!);
      out.set(std, clean(m[1]!));
      if (m[3] !== undefined) out.set(m[4] !== undefined ? -secs(m[4]) : std + 3600, clean(m[3]));
    }
  }
  return out;
}

function ianaZone(name: string): Zone {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: name,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    era: 'short',
  });
  const abbrUS = new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'short' });
  const nameOf = (f: Intl.DateTimeFormat, d: Date): string => f.formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '';
  const system = zoneinfoAbbreviations(name);
  const cache = new Map<number, { offset: number; abbr: string }>();
  return {
    name,
    at(ms: number) {
      // Offsets change at most on the hour boundary in practice; cache per hour.
      const hourKey = Math.floor(ms / 3_600_000);
      const hit = cache.get(hourKey);
      if (hit) return hit;
      const d = new Date(ms);
      const f: Record<string, string> = {};
      for (const p of parts.formatToParts(d)) f[p.type] = p.value;
      let year = Number(f.year);
      if (f.era === 'BC' || f.era === 'B') year = 1 - year;
      const wallDate = new Date(0);
      wallDate.setUTCFullYear(year, Number(f.month) - 1, Number(f.day));
      wallDate.setUTCHours(Number(f.hour), Number(f.minute), Number(f.second), 0);
      const offset = Math.round((wallDate.getTime() - (ms - (((ms % 1000) + 1000) % 1000))) / 1000);
      let abbr = system?.get(offset);
      if (abbr === undefined) {
        // No zoneinfo on this machine: ICU's American English names where they are abbreviations.
        abbr = nameOf(abbrUS, d);
        if (/^(GMT|UTC)[+-]/.test(abbr) || abbr === '' || (abbr === 'GMT' && offset !== 0)) abbr = numericAbbr(offset);
      }
      const r = { offset, abbr };
      if (cache.size > 4096) cache.clear();
      cache.set(hourKey, r);
      return r;
    },
  };
}

/** time.LoadLocation: "" and "UTC" are UTC, "Local" is this process's zone, else an IANA name. */
export function loadLocation(name: string): Zone {
  if (name === '' || name === 'UTC') return UTC;
  const real = name === 'Local' ? Intl.DateTimeFormat().resolvedOptions().timeZone : name;
  let z = zones.get(real);
  if (z === undefined) {
    try {
      z = ianaZone(real);
      z.at(0);
    } catch {
      throw new GoError(`unknown time zone ${name}`);
    }
    zones.set(real, z);
  }
  return z;
}

// ---- Duration, Month, Weekday ---------------------------------------------------------------------

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export class GoMonth extends GoNamedInt {
  readonly goType = 'time.Month';
  constructor(readonly value: number) {
    super();
  }
  override goString(): string {
    return MONTHS[this.value - 1] ?? `%!Month(${this.value})`;
  }
}

export class GoWeekday extends GoNamedInt {
  readonly goType = 'time.Weekday';
  constructor(readonly value: number) {
    super();
  }
  override goString(): string {
    return DAYS[this.value] ?? `%!Weekday(${this.value})`;
  }
}

const DURATION_METHODS = new Map<string, GoMethod<GoDuration>>([
  ['String', { params: [], call: (d) => d.goString() }],
  ['Seconds', { params: [], call: (d) => new GoFloat(d.ms / 1000) }],
  ['Minutes', { params: [], call: (d) => new GoFloat(d.ms / 60_000) }],
  ['Hours', { params: [], call: (d) => new GoFloat(d.ms / 3_600_000) }],
  ['Milliseconds', { params: [], call: (d) => Math.trunc(d.ms) }],
]);

/** time.Duration, held in milliseconds; `value` is nanoseconds as Go's int64 would be. */
export class GoDuration extends GoNamedInt {
  readonly goType = 'time.Duration';
  constructor(readonly ms: number) {
    super();
  }
  get value(): number {
    return this.ms * 1e6;
  }
  override goMethod(name: string): GoMethod | undefined {
    return DURATION_METHODS.get(name);
  }
  /** Duration.String: 72h3m0.5s, 1.5s, 250ms, 0s. */
  override goString(): string {
    let ms = this.ms;
    if (ms === 0) return '0s';
    const neg = ms < 0;
    ms = Math.abs(ms);
    let s: string;
    if (ms < 1000) {
      s = `${Math.round(ms * 1000) / 1000}ms`;
    } else {
      const totalSec = Math.floor(ms / 1000);
      const frac = Math.round(ms - totalSec * 1000);
      const sec = totalSec % 60;
      const min = Math.floor(totalSec / 60) % 60;
      const hours = Math.floor(totalSec / 3600);
      const secText = `${sec}${frac > 0 ? '.' + String(frac).padStart(3, '0').replace(/0+$/, '') : ''}s`;
      if (hours > 0) s = `${hours}h${min}m${secText}`;
      else if (min > 0) s = `${min}m${secText}`;
      else s = secText;
    }
    return (neg ? '-' : '') + s;
  }
}


// ---- Time -----------------------------------------------------------------------------------------

/** Broken-down wall clock of a time in its zone. */
interface Wall {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  weekday: number; // 0 = Sunday
  yday: number; // 1-366
  offset: number; // seconds east of UTC
  abbr: string;
}

const TIME_METHODS = new Map<string, GoMethod<GoTime>>([
  ['Format', { params: ['string'], call: (t, [layout]) => t.format(layout as string) }],
  ['String', { params: [], call: (t) => t.goString() }],
  ['UTC', { params: [], call: (t) => new GoTime(t.ms, UTC) }],
  ['Local', { params: [], call: (t) => new GoTime(t.ms, loadLocation('Local')) }],
  ['Unix', { params: [], call: (t) => Math.floor(t.ms / 1000) }],
  ['UnixMilli', { params: [], call: (t) => Math.floor(t.ms) }],
  ['IsZero', { params: [], call: (t) => t.isZero() }],
  ['Year', { params: [], call: (t) => t.wall().year }],
  ['Month', { params: [], call: (t) => new GoMonth(t.wall().month) }],
  ['Day', { params: [], call: (t) => t.wall().day }],
  ['Hour', { params: [], call: (t) => t.wall().hour }],
  ['Minute', { params: [], call: (t) => t.wall().minute }],
  ['Second', { params: [], call: (t) => t.wall().second }],
  ['Weekday', { params: [], call: (t) => new GoWeekday(t.wall().weekday) }],
  ['YearDay', { params: [], call: (t) => t.wall().yday }],
  ['Before', { params: ['time'], call: (t, [u]) => t.ms < (u as GoTime).ms }],
  ['After', { params: ['time'], call: (t, [u]) => t.ms > (u as GoTime).ms }],
  ['Equal', { params: ['time'], call: (t, [u]) => t.ms === (u as GoTime).ms }],
  ['Sub', { params: ['time'], call: (t, [u]) => new GoDuration(t.ms - (u as GoTime).ms) }],
  ['Add', { params: ['duration'], call: (t, [d]) => new GoTime(t.ms + (d as GoDuration).ms, t.zone) }],
]);

/** Go's zero time, 0001-01-01 00:00:00 UTC, in epoch milliseconds. */
export const ZERO_TIME_MS = -62_135_596_800_000;

export class GoTime extends GoStruct {
  readonly goType = 'time.Time';
  private cachedWall: Wall | undefined;

  constructor(
    /** Epoch milliseconds. */
    readonly ms: number,
    readonly zone: Zone = UTC,
  ) {
    super();
  }

  goFieldNames(): readonly string[] {
    return [];
  }
  goField(): unknown {
    return NO_FIELD;
  }
  override goMethod(name: string): GoMethod | undefined {
    return TIME_METHODS.get(name);
  }
  override goEquals(other: GoStruct): boolean | undefined {
    return other instanceof GoTime && other.ms === this.ms && other.zone.name === this.zone.name;
  }
  /** Time.String. */
  override goString(): string {
    return this.format('2006-01-02 15:04:05.999999999 -0700 MST');
  }
  /** encoding/json: RFC 3339 with trimmed fractional seconds. */
  goJSON(): unknown {
    return this.format('2006-01-02T15:04:05.999999999Z07:00');
  }

  isZero(): boolean {
    return this.ms === ZERO_TIME_MS;
  }

  wall(): Wall {
    if (this.cachedWall) return this.cachedWall;
    const { offset, abbr } = this.zone.at(this.ms);
    const d = new Date(this.ms + offset * 1000);
    const year = d.getUTCFullYear();
    const startOfYear = new Date(0);
    startOfYear.setUTCFullYear(year, 0, 1);
    startOfYear.setUTCHours(0, 0, 0, 0);
    const dayStart = new Date(d.getTime());
    dayStart.setUTCHours(0, 0, 0, 0);
    this.cachedWall = {
      year,
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      ms: d.getUTCMilliseconds(),
      weekday: d.getUTCDay(),
      yday: Math.round((dayStart.getTime() - startOfYear.getTime()) / 86_400_000) + 1,
      offset,
      abbr,
    };
    return this.cachedWall;
  }

  /** Time.Format with a Go layout. */
  format(layout: string): string {
    const w = this.wall();
    let out = '';
    let i = 0;
    while (i < layout.length) {
      const chunk = nextChunk(layout, i);
      if (chunk === undefined) {
        out += layout[i];
        i++;
        continue;
      }
      out += formatChunk(chunk.std, chunk.len, w, layout[i]!);
      i += chunk.len;
    }
    return out;
  }
}

type Std =
  | 'longMonth'
  | 'month'
  | 'numMonth'
  | 'zeroMonth'
  | 'longWeekDay'
  | 'weekDay'
  | 'day'
  | 'underDay'
  | 'zeroDay'
  | 'underYearDay'
  | 'zeroYearDay'
  | 'hour'
  | 'hour12'
  | 'zeroHour12'
  | 'minute'
  | 'zeroMinute'
  | 'second'
  | 'zeroSecond'
  | 'longYear'
  | 'year'
  | 'PM'
  | 'pm'
  | 'tz'
  | 'iso8601TZ'
  | 'iso8601SecondsTZ'
  | 'iso8601ShortTZ'
  | 'iso8601ColonTZ'
  | 'iso8601ColonSecondsTZ'
  | 'numTZ'
  | 'numSecondsTz'
  | 'numShortTZ'
  | 'numColonTZ'
  | 'numColonSecondsTZ'
  | 'fracSecond0'
  | 'fracSecond9';

/** The layout element starting at `i`, following the precedence of Go's `nextStdChunk`. */
function nextChunk(l: string, i: number): { std: Std; len: number } | undefined {
  const at = (s: string): boolean => l.startsWith(s, i);
  switch (l[i]) {
    case 'J':
      if (at('January')) return { std: 'longMonth', len: 7 };
      if (at('Jan')) return { std: 'month', len: 3 };
      return undefined;
    case 'M':
      if (at('Monday')) return { std: 'longWeekDay', len: 6 };
      if (at('Mon')) return { std: 'weekDay', len: 3 };
      if (at('MST')) return { std: 'tz', len: 3 };
      return undefined;
    case '0':
      if (at('002')) return { std: 'zeroYearDay', len: 3 };
      switch (l[i + 1]) {
        case '1':
          return { std: 'zeroMonth', len: 2 };
        case '2':
          return { std: 'zeroDay', len: 2 };
        case '3':
          return { std: 'zeroHour12', len: 2 };
        case '4':
          return { std: 'zeroMinute', len: 2 };
        case '5':
          return { std: 'zeroSecond', len: 2 };
        case '6':
          return { std: 'year', len: 2 };
      }
      return undefined;
    case '1':
      if (at('15')) return { std: 'hour', len: 2 };
      return { std: 'numMonth', len: 1 };
    case '2':
      if (at('2006')) return { std: 'longYear', len: 4 };
      return { std: 'day', len: 1 };
    case '_':
      if (at('_2')) {
        // `_2006` is a literal underscore followed by the year.
        if (at('_2006')) return undefined;
        return { std: 'underDay', len: 2 };
      }
      if (at('__2')) return { std: 'underYearDay', len: 3 };
      return undefined;
    case '3':
      return { std: 'hour12', len: 1 };
    case '4':
      return { std: 'minute', len: 1 };
    case '5':
      return { std: 'second', len: 1 };
    case 'P':
      return at('PM') ? { std: 'PM', len: 2 } : undefined;
    case 'p':
      return at('pm') ? { std: 'pm', len: 2 } : undefined;
    case '-':
      if (at('-070000')) return { std: 'numSecondsTz', len: 7 };
      if (at('-07:00:00')) return { std: 'numColonSecondsTZ', len: 9 };
      if (at('-0700')) return { std: 'numTZ', len: 5 };
      if (at('-07:00')) return { std: 'numColonTZ', len: 6 };
      if (at('-07')) return { std: 'numShortTZ', len: 3 };
      return undefined;
    case 'Z':
      if (at('Z070000')) return { std: 'iso8601SecondsTZ', len: 7 };
      if (at('Z07:00:00')) return { std: 'iso8601ColonSecondsTZ', len: 9 };
      if (at('Z0700')) return { std: 'iso8601TZ', len: 5 };
      if (at('Z07:00')) return { std: 'iso8601ColonTZ', len: 6 };
      if (at('Z07')) return { std: 'iso8601ShortTZ', len: 3 };
      return undefined;
    case '.':
    case ',': {
      const ch = l[i + 1];
      if (ch !== '0' && ch !== '9') return undefined;
      let j = i + 1;
      while (l[j] === ch) j++;
      // Only a fractional second if the run of digits ends here.
      if (l[j] !== undefined && l[j]! >= '0' && l[j]! <= '9') return undefined;
      return { std: ch === '0' ? 'fracSecond0' : 'fracSecond9', len: j - i };
    }
  }
  return undefined;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

function formatChunk(std: Std, len: number, w: Wall, first: string): string {
  switch (std) {
    case 'longYear': {
      const y = Math.abs(w.year);
      return (w.year < 0 ? '-' : '') + String(y).padStart(4, '0');
    }
    case 'year':
      return pad2(((w.year % 100) + 100) % 100);
    case 'longMonth':
      return MONTHS[w.month - 1]!;
    case 'month':
      return MONTHS[w.month - 1]!.slice(0, 3);
    case 'numMonth':
      return String(w.month);
    case 'zeroMonth':
      return pad2(w.month);
    case 'longWeekDay':
      return DAYS[w.weekday]!;
    case 'weekDay':
      return DAYS[w.weekday]!.slice(0, 3);
    case 'day':
      return String(w.day);
    case 'underDay':
      return String(w.day).padStart(2, ' ');
    case 'zeroDay':
      return pad2(w.day);
    case 'underYearDay':
      return String(w.yday).padStart(3, ' ');
    case 'zeroYearDay':
      return String(w.yday).padStart(3, '0');
    case 'hour':
      return pad2(w.hour);
    case 'hour12':
      return String(w.hour % 12 === 0 ? 12 : w.hour % 12);
    case 'zeroHour12':
      return pad2(w.hour % 12 === 0 ? 12 : w.hour % 12);
    case 'minute':
      return String(w.minute);
    case 'zeroMinute':
      return pad2(w.minute);
    case 'second':
      return String(w.second);
    case 'zeroSecond':
      return pad2(w.second);
    case 'PM':
      return w.hour >= 12 ? 'PM' : 'AM';
    case 'pm':
      return w.hour >= 12 ? 'pm' : 'am';
    case 'tz':
      return w.abbr !== '' ? w.abbr : offsetText(w.offset, false, false, false);
    case 'iso8601TZ':
    case 'iso8601SecondsTZ':
    case 'iso8601ShortTZ':
    case 'iso8601ColonTZ':
    case 'iso8601ColonSecondsTZ':
      if (w.offset === 0) return 'Z';
      return offsetText(w.offset, std.includes('Colon'), std.includes('Seconds'), std === 'iso8601ShortTZ');
    case 'numTZ':
    case 'numSecondsTz':
    case 'numShortTZ':
    case 'numColonTZ':
    case 'numColonSecondsTZ':
      return offsetText(w.offset, std.includes('Colon'), std.includes('Seconds') || std === 'numSecondsTz', std === 'numShortTZ');
    case 'fracSecond0': {
      const digits = len - 1;
      const frac = String(w.ms).padStart(3, '0').padEnd(9, '0').slice(0, digits);
      return first + frac;
    }
    case 'fracSecond9': {
      const digits = len - 1;
      const frac = String(w.ms).padStart(3, '0').padEnd(9, '0').slice(0, digits).replace(/0+$/, '');
      return frac === '' ? '' : first + frac;
    }
  }
}

function offsetText(offset: number, colon: boolean, seconds: boolean, short: boolean): string {
  const sign = offset < 0 ? '-' : '+';
  const a = Math.abs(offset);
  const hh = pad2(Math.floor(a / 3600));
  const mm = pad2(Math.floor(a / 60) % 60);
  const ss = pad2(a % 60);
  if (short) return sign + hh;
  let s = sign + hh + (colon ? ':' : '') + mm;
  if (seconds) s += (colon ? ':' : '') + ss;
  return s;
}
