import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTime, GO_ZERO_TIME, isZeroTime, parseTime, parseTimeGeneral } from '../../src/domain/time.js';

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

describe('parseTime fast path for the common UTC shapes', () => {
  const SHAPES = ['2026-08-22T10:00:00Z', '2026-08-22T10:00:00.066Z'];
  it('gives the general parser’s answer, valid or not, for both shapes and single-character changes of them', () => {
    const ALPHABET = '0123456789-:.TtZz+ \u0660\uff10/';
    fc.assert(
      fc.property(
        fc.constantFrom(...SHAPES),
        fc.nat(23),
        fc.nat(ALPHABET.length - 1),
        fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
        (shape, at, ch, d) => {
          // A real instant in the shape, then one character replaced.
          const iso = d.toISOString();
          const text = shape.length === 20 ? iso.slice(0, 19) + 'Z' : iso;
          const changed = text.slice(0, at % text.length) + ALPHABET[ch] + text.slice((at % text.length) + 1);
          expect(parseTime(text)).toBe(parseTimeGeneral(text));
          expect(parseTime(changed), changed).toBe(parseTimeGeneral(changed));
        },
      ),
      { numRuns: 5000 },
    );
  });
  it('checks the days of each month, leap years included, and falls back for what it does not take', () => {
    const cases: [string, number | undefined][] = [
      ['2024-02-29T00:00:00Z', Date.parse('2024-02-29T00:00:00Z')],
      ['2000-02-29T23:59:59.999Z', Date.parse('2000-02-29T23:59:59.999Z')],
      ['1900-02-29T00:00:00Z', undefined],
      ['2026-02-29T00:00:00.000Z', undefined],
      ['2026-04-31T00:00:00Z', undefined],
      ['2026-04-30T00:00:00Z', Date.parse('2026-04-30T00:00:00Z')],
      ['2026-00-10T00:00:00Z', undefined],
      ['2026-08-00T00:00:00Z', undefined],
      ['2026-08-22T10:00:60Z', parseTimeGeneral('2026-08-22T10:00:60Z')],
      ['2026-08-22t10:00:00z', Date.parse('2026-08-22T10:00:00Z')],
      ['2026-08-22T10:00:00.066+00:00', Date.parse('2026-08-22T10:00:00.066Z')],
      ['2026-08-22T12:00:00+02:00', Date.parse('2026-08-22T10:00:00Z')],
      ['2026-08-22T10:00:00.0661Z', Date.parse('2026-08-22T10:00:00.066Z')],
      ['2026-08-22T10:00:00,066Z', undefined],
      ['2026-08-22T10:00:0\uff10Z', undefined],
      ['0001-01-01T00:00:00Z', Date.parse('0001-01-01T00:00:00Z')],
      ['0099-03-01T00:00:00.001Z', Date.parse('0099-03-01T00:00:00.001Z')],
    ];
    for (const [text, ms] of cases) {
      expect(parseTime(text), text).toBe(ms);
      expect(parseTimeGeneral(text), text).toBe(ms);
    }
    // The same date twice (the remembered day), then an invalid day of a remembered month.
    expect(parseTime('2024-02-28T01:00:00Z')).toBe(Date.parse('2024-02-28T01:00:00Z'));
    expect(parseTime('2024-02-28T02:00:00.500Z')).toBe(Date.parse('2024-02-28T02:00:00.500Z'));
    expect(parseTime('2023-02-29T02:00:00Z')).toBeUndefined();
  });
});
