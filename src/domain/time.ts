/**
 * Time on the wire. Internally every instant is epoch milliseconds (a number): cheap to compare and to
 * store. On the wire we print what Go's `time.Time` JSON encoding prints for a UTC time (RFC 3339 with the
 * fraction trimmed of trailing zeros), because Alertmanager-compatible consumers see exactly that.
 */

/** Go's zero time, which Alertmanager prints as the `endsAt` of firing alerts. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** RFC 3339 UTC with the fractional seconds trimmed the way Go's RFC3339Nano layout trims them. */
export function formatTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-08-22T10:00:00.000Z
  if (iso.endsWith('.000Z')) return iso.slice(0, -5) + 'Z';
  if (iso.endsWith('00Z')) return iso.slice(0, -3) + 'Z';
  if (iso.endsWith('0Z')) return iso.slice(0, -2) + 'Z';
  return iso;
}

// RFC 3339 date-time as the OpenAPI `date-time` format accepts it (fraction of any length, Z or offset).
const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Parses an RFC 3339 timestamp to epoch ms, or returns undefined. Sub-millisecond digits are truncated
 * (not rounded) so that ordering is preserved.
 */
export function parseTime(text: string): number | undefined {
  const m = RFC3339_RE.exec(text);
  if (!m) return undefined;
  const frac = m[7] ? m[7].slice(1, 4).padEnd(3, '0') : '000';
  const base = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${frac}${m[8]!.toUpperCase() === 'Z' ? 'Z' : m[8]}`;
  const ms = Date.parse(base);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse accepts 2026-02-30; RFC 3339 does not.
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 60) {
    return undefined;
  }
  return ms;
}

/** Go's zero time (and anything before year 1) means "not set" on the wire. */
export const ZERO_TIME_MS = Date.parse('0001-01-01T00:00:00Z');

export function isZeroTime(ms: number): boolean {
  return ms <= ZERO_TIME_MS;
}
