import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/budget/burnRate.js';
import { parseSloSpec, sloSpecSchema } from '../../src/budget/spec.js';

const base = { name: 'ranker-freshness', track: 'model', target: 0.95, period: '28d', sli: 'timeslice', minEvents: 6 };

describe('SLO spec schema', () => {
  it('parses a spec and turns the period into milliseconds', () => {
    expect(parseSloSpec(base)).toEqual({ ...base, period: 28 * DAY_MS });
  });

  it('defaults: 30 d period, no minimum', () => {
    const s = parseSloSpec({ name: 'api', track: 'infra', target: 0.999, sli: 'ratio' });
    expect(s.period).toBe(30 * DAY_MS);
    expect(s.minEvents).toBe(0);
  });

  it.each([
    ['target of 1 (no budget)', { target: 1 }],
    ['target of 0', { target: 0 }],
    ['unknown track', { track: 'db' }],
    ['unknown sli kind', { sli: 'latency' }],
    ['bad period', { period: '30x' }],
    ['zero period', { period: '0' }],
    ['fractional minEvents', { minEvents: 1.5 }],
    ['empty name', { name: '' }],
    ['unknown key', { window: '1h' }],
  ])('rejects %s', (_why, over) => {
    expect(sloSpecSchema.safeParse({ ...base, ...over }).success).toBe(false);
  });
});
