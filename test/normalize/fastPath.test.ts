/**
 * The API v2 door has a fast path (`fastPostableAlert`) for well-formed alerts and falls back to the zod
 * schema and `finishAlert` for anything else. For every input, the result must be exactly what the
 * schema path alone gives: same alerts (every field), same errors, same count of invalid entries.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type NormalizeContext,
  normalizeAlertList,
  normalizeApiV2Alerts,
  postableAlertSchema,
} from '../../src/normalize/apiV2Alerts.js';

const NOW = Date.parse('2026-08-22T10:00:00Z');

const name = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('alertname', 'severity', 'job', 'instance', '_x', 'a1', 'team') },
  { weight: 1, arbitrary: fc.constantFrom('1bad', 'bad-name', '', 'ü', '__proto__', 'x\uD800', 'ok\uD83D\uDE00', 'constructor') },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);
const value = fc.oneof(
  { weight: 8, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('', 'x\uD800y', '\uDC00', 'emoji \uD83D\uDE00', 'nul\u0000') },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null), fc.boolean(), fc.constant({})) as fc.Arbitrary<unknown> },
);
const stringMap = fc.oneof(
  { weight: 8, arbitrary: fc.array(fc.tuple(name, value), { maxLength: 5 }).map((entries) => JSON.parse(JSON.stringify(Object.fromEntries(entries))) as unknown) },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, 'x', 3, [], [['a', 'b']]) as fc.Arbitrary<unknown> },
);
const time = fc.oneof(
  fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom(
    '2026-08-22T10:00:00Z',
    '2026-08-22T09:59:59.5+00:00',
    '2026-08-22T12:00:00.123456+02:00',
    '0001-01-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    'yesterday',
    '',
    null,
    undefined,
    12,
  ) as fc.Arbitrary<unknown>,
);
const url = fc.constantFrom('http://prom:9090/graph?g0.expr=up', '/graph', '', 'not a url', 'ht tp://x', 'mailto:a@b', null, undefined, 7) as fc.Arbitrary<unknown>;

const item = fc.oneof(
  {
    weight: 9,
    arbitrary: fc
      .record(
        { labels: stringMap, annotations: stringMap, startsAt: time, endsAt: time, generatorURL: url, status: fc.constantFrom('firing', 7) },
        { requiredKeys: [] },
      )
      .map((o) => JSON.parse(JSON.stringify(o)) as unknown),
  },
  { weight: 1, arbitrary: fc.constantFrom(null, 3, 'alert', [], [{}]) as fc.Arbitrary<unknown> },
);

describe('the fast path of the API v2 door', () => {
  for (const labelNames of ['classic', 'utf8'] as const) {
    it(`gives exactly what the schema path gives (${labelNames} label names)`, () => {
      const ctx: NormalizeContext = { now: NOW, resolveTimeoutMs: 300_000, source: 'api', labelNames };
      fc.assert(
        fc.property(fc.array(item, { maxLength: 6 }), (items) => {
          const fast = normalizeApiV2Alerts(items, ctx);
          const slow = normalizeAlertList(items, 'alerts', postableAlertSchema, ctx);
          expect(fast).toEqual(slow);
          // Key order is visible on the wire.
          for (let i = 0; i < fast.alerts.length; i++) {
            expect(Object.keys(fast.alerts[i]!.labels)).toEqual(Object.keys(slow.alerts[i]!.labels));
            expect(Object.keys(fast.alerts[i]!.annotations)).toEqual(Object.keys(slow.alerts[i]!.annotations));
          }
        }),
        { numRuns: 2000 },
      );
    });
  }

  it('takes the common case (no fallback needed) and agrees with the schema there too', () => {
    const ctx: NormalizeContext = { now: NOW, resolveTimeoutMs: 300_000, source: 'api' };
    const body = [
      {
        labels: { alertname: 'HighLatency', severity: 'warning', instance: 'a:9100' },
        annotations: { summary: 'slow', empty: '' },
        startsAt: '2026-08-22T09:00:00.5Z',
        endsAt: '2026-08-22T10:04:00Z',
        generatorURL: 'http://prom:9090/graph',
      },
      { labels: { alertname: 'NoTimes' } },
    ];
    const fast = normalizeApiV2Alerts(body, ctx);
    expect(fast).toEqual(normalizeAlertList(body, 'alerts', postableAlertSchema, ctx));
    expect(fast.alerts).toHaveLength(2);
    expect(fast.alerts[0]!.startsAt).toBe(Date.parse('2026-08-22T09:00:00.5Z'));
  });
});
