import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTime, GO_ZERO_TIME, isZeroTime, parseTime } from '../../src/domain/time.js';

describe('parseTime (RFC 3339)', () => {
  it('parses UTC, offsets and fractions, truncating below a millisecond', () => {
    expect(parseTime('2026-08-22T10:00:00Z')).toBe(Date.parse('2026-08-22T10:00:00Z'));
    expect(parseTime('2026-08-22T10:00:00.5Z')).toBe(Date.parse('2026-08-22T10:00:00.500Z'));
    expect(parseTime('2026-08-22T10:00:00.123456789Z')).toBe(Date.parse('2026-08-22T10:00:00.123Z'));
    expect(parseTime('2026-08-22T12:30:00+02:30')).toBe(Date.parse('2026-08-22T10:00:00Z'));
    expect(parseTime('2026-08-22t10:00:00z')).toBe(Date.parse('2026-08-22T10:00:00Z'));
    expect(isZeroTime(parseTime(GO_ZERO_TIME)!)).toBe(true);
  });
  it('refuses what is not RFC 3339 or not a real day', () => {
    for (const bad of [
      'yesterday',
      '2026-08-22',
      '2026-08-22 10:00:00Z',
      '2026-08-22T10:00:00',
      '2026-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-08-22T24:00:00Z',
      '2026-08-22T10:00:00.Z',
      '2026-08-22T10:00:00+0200',
      '2026-08-22T10:00:00Zjunk',
    ]) {
      expect(parseTime(bad), bad).toBeUndefined();
    }
    expect(parseTime('2024-02-29T00:00:00Z')).toBe(Date.parse('2024-02-29T00:00:00Z'));
  });
  it('agrees with Date.parse on generated valid times, and formatTime round-trips', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true }), (d) => {
        const iso = d.toISOString();
        expect(parseTime(iso)).toBe(d.getTime());
        expect(parseTime(formatTime(d.getTime()))).toBe(d.getTime());
      }),
    );
  });
  it('formats like Go: fraction trimmed of trailing zeros', () => {
    expect(formatTime(Date.parse('2026-08-22T10:00:00.000Z'))).toBe('2026-08-22T10:00:00Z');
    expect(formatTime(Date.parse('2026-08-22T10:00:00.500Z'))).toBe('2026-08-22T10:00:00.5Z');
    expect(formatTime(Date.parse('2026-08-22T10:00:00.120Z'))).toBe('2026-08-22T10:00:00.12Z');
    expect(formatTime(Date.parse('2026-08-22T10:00:00.123Z'))).toBe('2026-08-22T10:00:00.123Z');
  });
});
