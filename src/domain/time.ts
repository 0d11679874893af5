/**
 * Time on the wire. Internally every instant is epoch milliseconds (a number): cheap to compare and to
 * store. On the wire we print what Go's `time.Time` JSON encoding prints for a UTC time (RFC 3339 with the
 * fraction trimmed of trailing zeros), because Alertmanager-compatible consumers see exactly that.
 */

/** Go's zero time, which Alertmanager prints as the `endsAt` of firing alerts. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

// The same instants are printed again and again (an alert's startsAt in every notification of its group).
const formatted = new Map<number, string>();
const FORMAT_CACHE_MAX = 16_384;

/** RFC 3339 UTC with the fractional seconds trimmed the way Go's RFC3339Nano layout trims them. */
export function formatTime(ms: number): string {
  let text = formatted.get(ms);
  if (text === undefined) {
    text = formatTimeUncached(ms);
    if (formatted.size >= FORMAT_CACHE_MAX) formatted.clear();
    formatted.set(ms, text);
  }
  return text;
}

function formatTimeUncached(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-08-22T10:00:00.000Z
  if (iso.endsWith('.000Z')) return iso.slice(0, -5) + 'Z';
  if (iso.endsWith('00Z')) return iso.slice(0, -3) + 'Z';
  if (iso.endsWith('0Z')) return iso.slice(0, -2) + 'Z';
  return iso;
}

// Senders repeat the same timestamps back to back (the alerts of one batch share their end time), so
// the last two answers are remembered. (A map cache costs more in hashing than it saves.)
let memoText1 = '';
let memoMs1: number | undefined;
let memoText2 = '';
let memoMs2: number | undefined;

/**
 * Parses an RFC 3339 timestamp to epoch ms, or returns undefined. Sub-millisecond digits are truncated
 * (not rounded) so that ordering is preserved. Days that do not exist (2026-02-30) are refused, as Go's
 * `time.Parse` refuses them.
 */
export function parseTime(text: string): number | undefined {
  if (text === memoText1) return memoMs1;
  if (text === memoText2) return memoMs2;
  const ms = parseTimeUncached(text);
  memoText2 = memoText1;
  memoMs2 = memoMs1;
  memoText1 = text;
  memoMs1 = ms;
  return ms;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(text: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

// Hand-written rather than a regular expression and Date.parse: this runs for every time field of every
// received alert.
function parseTimeUncached(text: string): number | undefined {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)
  if (text.length < 20) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  const t = text.charCodeAt(10);
  if (
    year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
    second < 0 || second > 60 || text[4] !== '-' || text[7] !== '-' || (t !== 84 && t !== 116) ||
    text[13] !== ':' || text[16] !== ':'
  ) {
    return undefined;
  }
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)) return undefined;
  let i = 19;
  let millis = 0;
  if (text[i] === '.') {
    i++;
    const start = i;
    while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
    if (i === start) return undefined;
    // Truncate to milliseconds.
    millis = digits(text.slice(start, Math.min(i, start + 3)).padEnd(3, "0"), 0, 3);
  }
  let offsetMinutes = 0;
  const zone = text[i];
  if (zone === 'Z' || zone === 'z') {
    if (i + 1 !== text.length) return undefined;
  } else if (zone === '+' || zone === '-') {
    if (i + 6 !== text.length || text[i + 3] !== ':') return undefined;
    const oh = digits(text, i + 1, 2);
    const om = digits(text, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return undefined;
    offsetMinutes = (zone === '+' ? 1 : -1) * (oh * 60 + om);
  } else {
    return undefined;
  }
  let ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (year < 100) {
    // Date.UTC reads years 0-99 as 1900-1999.
    const d = new Date(ms);
    d.setUTCFullYear(year);
    ms = d.getTime();
  }
  return ms - offsetMinutes * 60_000;
}

/** Go's zero time (and anything before year 1) means "not set" on the wire. */
export const ZERO_TIME_MS = Date.parse('0001-01-01T00:00:00Z');

export function isZeroTime(ms: number): boolean {
  return ms <= ZERO_TIME_MS;
}
