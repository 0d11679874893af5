import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseGoDuration } from '../../src/config/duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration (Prometheus model.Duration)', () => {
  it.each([
    ['30s', 30 * S],
    ['1h30m', H + 30 * M],
    ['500ms', 500],
    ['4900ms', 4900],
    ['1d', D],
    ['1w', 7 * D],
    ['1y', 365 * D],
    ['0', 0],
    ['0s', 0],
    ['1m1ms', M + 1],
    ['1y2w3d4h5m6s7ms', 365 * D + 14 * D + 3 * D + 4 * H + 5 * M + 6 * S + 7],
    ['01s', S],
    ['72h', 72 * H],
    ['292y', 292 * 365 * D],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['', 'empty'],
    ['abc', 'no number'],
    ['30', 'no unit'],
    ['1.5h', 'fractions are Go syntax, not Prometheus'],
    ['-1s', 'negative'],
    ['30m1h', 'units out of order'],
    ['1h1h', 'unit repeated'],
    ['1H', 'units are lower case'],
    [' 1s', 'leading space'],
    ['1s ', 'trailing space'],
    ['1x', 'unknown unit'],
    ['1us', 'Go-only unit'],
    ['s', 'unit without number'],
    ['300y', 'beyond the int64 nanosecond range'],
  ])('refuses %j (%s)', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration (Prometheus model.Duration.String)', () => {
  it.each([
    [0, '0s'],
    [30 * S, '30s'],
    [H + 30 * M, '1h30m'],
    [4900, '4s900ms'],
    [5 * M, '5m'],
    [4 * H, '4h'],
    [14 * D, '2w'],
    [90 * D, '90d'], // not 12w6d: weeks only when exact
    [365 * D, '1y'],
    [366 * D, '366d'],
    [730 * D + H, '730d1h'], // years only when exact, too
    [1.7, '1ms'],
    [-30 * S, '-30s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips with parseDuration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 * 365 * D }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });
});

describe('parseGoDuration (Go time.ParseDuration)', () => {
  it.each([
    ['10s', 10 * S],
    ['1.5s', 1500],
    ['300ms', 300],
    ['1h30m', H + 30 * M],
    ['30m1h', H + 30 * M],
    ['2us', 0.002],
    ['1000000ns', 1],
    ['0', 0],
    ['-2m', -2 * M],
    ['.5s', 500],
  ])('%s → %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each(['', '1d', '10', 'abc', '1.s.', '-', 's'])('refuses %j', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});
