/**
 * Durations as Alertmanager reads them.
 *
 * Most Alertmanager durations are Prometheus `model.Duration` (`30s`, `1h30m`, `1d`, `1w`, `1y`): whole
 * numbers only, units from largest to smallest, each unit at most once, `0` allowed without a unit, a year is
 * 365 days. A few fields (webhook `timeout`) are Go `time.Duration`, which has a different grammar
 * (fractions, `us`/`ns`, no `d`), so both parsers are here. All results are milliseconds.
 */

const MS = 1;
const SECOND = 1000 * MS;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const YEAR = 365 * DAY;

// Position encodes the order units must appear in (prometheus/common model.ParseDuration).
const PROM_UNITS: Readonly<Record<string, { readonly mult: number; readonly pos: number }>> = {
  y: { mult: YEAR, pos: 1 },
  w: { mult: WEEK, pos: 2 },
  d: { mult: DAY, pos: 3 },
  h: { mult: HOUR, pos: 4 },
  m: { mult: MINUTE, pos: 5 },
  s: { mult: SECOND, pos: 6 },
  ms: { mult: MS, pos: 7 },
};

/**
 * Go's time.Duration is an int64 of nanoseconds, so Prometheus refuses anything above ~292 years. We keep
 * the same bound so a config that Alertmanager refuses is refused here too.
 */
const MAX_DURATION_MS = Math.floor(9223372036854775807 / 1e6);

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Prometheus `model.ParseDuration`, in milliseconds; undefined when the text is not a valid duration. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (text === '') return undefined;
  let total = 0;
  let lastPos = 0;
  let i = 0;
  while (i < text.length) {
    const numStart = i;
    while (i < text.length && isDigit(text.charCodeAt(i))) i++;
    if (i === numStart) return undefined;
    const value = Number(text.slice(numStart, i));
    const unitStart = i;
    while (i < text.length && !isDigit(text.charCodeAt(i))) i++;
    const unit = PROM_UNITS[text.slice(unitStart, i)];
    if (!unit || unit.pos <= lastPos) return undefined;
    lastPos = unit.pos;
    total += value * unit.mult;
    if (!Number.isSafeInteger(total) || total > MAX_DURATION_MS) return undefined;
  }
  return total;
}

/**
 * Prometheus `model.Duration.String()`: years and weeks only when they divide the value exactly (`90d`
 * rather than `12w6d`), then days, hours, minutes, seconds, milliseconds. Fractions of a millisecond are
 * dropped, as Go's integer division drops them.
 */
export function formatDuration(ms: number): string {
  let rest = Math.trunc(ms);
  if (rest === 0) return '0s';
  let sign = '';
  if (rest < 0) {
    sign = '-';
    rest = -rest;
  }
  let out = '';
  const unit = (name: string, mult: number, exact: boolean): void => {
    if (exact && rest % mult !== 0) return;
    const v = Math.floor(rest / mult);
    if (v > 0) {
      out += `${v}${name}`;
      rest -= v * mult;
    }
  };
  unit('y', YEAR, true);
  unit('w', WEEK, true);
  unit('d', DAY, false);
  unit('h', HOUR, false);
  unit('m', MINUTE, false);
  unit('s', SECOND, false);
  unit('ms', MS, false);
  return sign + out;
}

const GO_UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3, // U+00B5 micro sign
  'μs': 1e-3, // U+03BC Greek mu
  ms: 1,
  s: SECOND,
  m: MINUTE,
  h: HOUR,
};

/**
 * Go `time.ParseDuration` (`1.5s`, `300ms`, `1h30m`, `-2m`), in milliseconds (possibly fractional).
 * Used for the fields Alertmanager declares as `time.Duration` rather than `model.Duration`.
 */
export function parseGoDuration(text: string): number | undefined {
  let s = text;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0;
  let i = 0;
  while (i < s.length) {
    const numStart = i;
    while (i < s.length && isDigit(s.charCodeAt(i))) i++;
    const intPart = s.slice(numStart, i);
    let fracPart = '';
    if (s[i] === '.') {
      i++;
      const fracStart = i;
      while (i < s.length && isDigit(s.charCodeAt(i))) i++;
      fracPart = s.slice(fracStart, i);
    }
    if (intPart === '' && fracPart === '') return undefined;
    const unitStart = i;
    while (i < s.length && s[i] !== '.' && !isDigit(s.charCodeAt(i))) i++;
    const mult = GO_UNITS[s.slice(unitStart, i)];
    if (mult === undefined) return undefined;
    total += Number(`${intPart || '0'}.${fracPart || '0'}`) * mult;
    if (total > MAX_DURATION_MS) return undefined;
  }
  return negative ? -total : total;
}

/** `formatDuration` in whole seconds (`7m28s`, not `7m28s410ms`), for text people read: hints, timelines. */
export function formatDurationSeconds(ms: number): string {
  return formatDuration(ms >= 1000 ? Math.round(ms / 1000) * 1000 : ms);
}
