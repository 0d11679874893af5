import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/domain/labels.js';
import { normalizeApiV2Alerts, type NormalizeContext } from '../../src/normalize/apiV2Alerts.js';

const NOW = Date.parse('2026-08-22T10:00:00Z');
const RT = 5 * 60_000;
const ctx: NormalizeContext = { now: NOW, resolveTimeoutMs: RT, source: 'api' };
const at = (iso: string) => Date.parse(iso);

/** Normalizes a single alert given as JSON text (so `__proto__` and 1e400 survive as JSON means them). */
function one(json: string, c: NormalizeContext = ctx) {
  return normalizeApiV2Alerts(JSON.parse(`[${json}]`), c);
}

describe('normalizeApiV2Alerts defaults', () => {
  const cases: {
    name: string;
    alert: string;
    startsAt: number;
    endsAt: number;
    timeout: boolean;
  }[] = [
    { name: 'no times: now .. now+resolve_timeout', alert: '{"labels":{"a":"b"}}', startsAt: NOW, endsAt: NOW + RT, timeout: true },
    {
      name: 'startsAt only: timeout end',
      alert: '{"labels":{"a":"b"},"startsAt":"2026-08-22T09:00:00Z"}',
      startsAt: at('2026-08-22T09:00:00Z'),
      endsAt: NOW + RT,
      timeout: true,
    },
    {
      name: 'endsAt only: startsAt takes endsAt',
      alert: '{"labels":{"a":"b"},"endsAt":"2026-08-22T09:30:00Z"}',
      startsAt: at('2026-08-22T09:30:00Z'),
      endsAt: at('2026-08-22T09:30:00Z'),
      timeout: false,
    },
    {
      name: 'both given',
      alert: '{"labels":{"a":"b"},"startsAt":"2026-08-22T09:00:00Z","endsAt":"2026-08-22T11:00:00Z"}',
      startsAt: at('2026-08-22T09:00:00Z'),
      endsAt: at('2026-08-22T11:00:00Z'),
      timeout: false,
    },
    {
      name: 'equal start and end is valid',
      alert: '{"labels":{"a":"b"},"startsAt":"2026-08-22T09:00:00Z","endsAt":"2026-08-22T09:00:00Z"}',
      startsAt: at('2026-08-22T09:00:00Z'),
      endsAt: at('2026-08-22T09:00:00Z'),
      timeout: false,
    },
    {
      name: "Go's zero time means missing",
      alert: '{"labels":{"a":"b"},"startsAt":"0001-01-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z"}',
      startsAt: NOW,
      endsAt: NOW + RT,
      timeout: true,
    },
    {
      name: 'null means missing',
      alert: '{"labels":{"a":"b"},"startsAt":null,"endsAt":null,"annotations":null,"generatorURL":null}',
      startsAt: NOW,
      endsAt: NOW + RT,
      timeout: true,
    },
    {
      name: 'offsets are converted and sub-millisecond digits truncated',
      alert: '{"labels":{"a":"b"},"startsAt":"2026-08-22T05:00:00.123456789-05:00","endsAt":"2026-08-22T10:00:00.9999Z"}',
      startsAt: at('2026-08-22T10:00:00.123Z'),
      endsAt: at('2026-08-22T10:00:00.999Z'),
      timeout: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = one(c.alert);
      expect(r.errors).toEqual([]);
      expect(r.invalid).toBe(0);
      expect(r.alerts).toHaveLength(1);
      const a = r.alerts[0]!;
      expect({ startsAt: a.startsAt, endsAt: a.endsAt, timeout: a.timeout }).toEqual({
        startsAt: c.startsAt,
        endsAt: c.endsAt,
        timeout: c.timeout,
      });
      expect(a.updatedAt).toBe(NOW);
      expect(a.source).toBe('api');
    });
  }

  it('fills every canonical field, fingerprint included', () => {
    const r = one('{"labels":{"job":"foo","severity":"warning"},"annotations":{"summary":"s"},"generatorURL":"http://p:9090/graph"}');
    expect(r.alerts[0]).toEqual({
      labels: { job: 'foo', severity: 'warning' },
      annotations: { summary: 's' },
      startsAt: NOW,
      endsAt: NOW + RT,
      generatorURL: 'http://p:9090/graph',
      updatedAt: NOW,
      timeout: true,
      fingerprint: '9266ef3da838ad95', // Alertmanager template_test.go vector
      source: 'api',
    });
  });

  it('defaults annotations to {} and generatorURL to ""', () => {
    const a = one('{"labels":{"a":"b"}}').alerts[0]!;
    expect(a.annotations).toEqual({});
    expect(a.generatorURL).toBe('');
  });

  it('drops empty label values before fingerprinting, keeps empty annotation values', () => {
    const a = one('{"labels":{"job":"foo","severity":"critical","empty":""},"annotations":{"x":""}}').alerts[0]!;
    expect(a.labels).toEqual({ job: 'foo', severity: 'critical' });
    expect(a.fingerprint).toBe('3b15fd163d36582e');
    expect(a.annotations).toEqual({ x: '' });
  });

  it('ignores unknown fields (OpenAPI postableAlert allows additional properties)', () => {
    const r = one('{"labels":{"a":"b"},"status":"firing","fingerprint":"0000000000000000","receivers":[1]}');
    expect(r.errors).toEqual([]);
    expect(r.alerts[0]!.fingerprint).toBe(fingerprint({ a: 'b' }));
    expect(Object.keys(r.alerts[0]!)).not.toContain('status');
  });

  it('keeps a label named __proto__ as a real label', () => {
    const a = one('{"labels":{"__proto__":"x","a":"b"}}').alerts[0]!;
    expect(Object.keys(a.labels).sort()).toEqual(['__proto__', 'a']);
    expect(a.fingerprint).toBe(fingerprint(JSON.parse('{"__proto__":"x","a":"b"}') as Record<string, string>));
    expect(a.fingerprint).not.toBe(fingerprint({ a: 'b' }));
  });

  it("replaces lone surrogates with U+FFFD, as Go's JSON decoder does", () => {
    const a = one('{"labels":{"a":"x\\ud800y"}}').alerts[0]!;
    expect(a.labels['a']).toBe('x\uFFFDy');
  });

  it('uses the source and clock of the context', () => {
    const a = one('{"labels":{"a":"b"}}', { now: 1000, resolveTimeoutMs: 10, source: 'replay' }).alerts[0]!;
    expect([a.startsAt, a.endsAt, a.updatedAt, a.source]).toEqual([1000, 1010, 1000, 'replay']);
  });
});

describe('normalizeApiV2Alerts errors', () => {
  const cases: { name: string; alert: string; errors: string[]; labelNames?: 'classic' | 'utf8' }[] = [
    // Shape and types: never coerced, the field is named.
    { name: 'element null', alert: 'null', errors: ['alerts[0]: expected object, got null'] },
    { name: 'element number', alert: '3', errors: ['alerts[0]: expected object, got number'] },
    { name: 'element array', alert: '[]', errors: ['alerts[0]: expected object, got array'] },
    { name: 'element string', alert: '"x"', errors: ['alerts[0]: expected object, got string'] },
    { name: 'labels missing', alert: '{}', errors: ['alerts[0].labels in body is required'] },
    { name: 'labels null', alert: '{"labels":null}', errors: ['alerts[0].labels in body is required'] },
    { name: 'labels array', alert: '{"labels":["a"]}', errors: ['alerts[0].labels: expected object of strings, got array'] },
    { name: 'labels string', alert: '{"labels":"a=b"}', errors: ['alerts[0].labels: expected object of strings, got string'] },
    { name: 'label value number', alert: '{"labels":{"a":1}}', errors: ['alerts[0].labels.a: expected string, got number'] },
    { name: 'label value boolean', alert: '{"labels":{"a":true}}', errors: ['alerts[0].labels.a: expected string, got boolean'] },
    { name: 'label value null', alert: '{"labels":{"a":null}}', errors: ['alerts[0].labels.a: expected string, got null'] },
    { name: 'label value object', alert: '{"labels":{"a":{}}}', errors: ['alerts[0].labels.a: expected string, got object'] },
    {
      name: 'oversized number as a label value',
      alert: '{"labels":{"a":1e400}}',
      errors: ['alerts[0].labels.a: expected string, got number'],
    },
    {
      name: 'label key that is not an identifier is quoted in the path',
      alert: '{"labels":{"a-b":1}}',
      errors: ['alerts[0].labels["a-b"]: expected string, got number'],
    },
    {
      name: 'annotations not an object',
      alert: '{"labels":{"a":"b"},"annotations":"x"}',
      errors: ['alerts[0].annotations: expected object of strings, got string'],
    },
    {
      name: 'annotation value number',
      alert: '{"labels":{"a":"b"},"annotations":{"n":2}}',
      errors: ['alerts[0].annotations.n: expected string, got number'],
    },
    { name: 'startsAt number', alert: '{"labels":{"a":"b"},"startsAt":1787392800}', errors: ['alerts[0].startsAt: expected string, got number'] },
    {
      name: 'startsAt oversized number',
      alert: '{"labels":{"a":"b"},"startsAt":99999999999999999999999}',
      errors: ['alerts[0].startsAt: expected string, got number'],
    },
    { name: 'endsAt boolean', alert: '{"labels":{"a":"b"},"endsAt":false}', errors: ['alerts[0].endsAt: expected string, got boolean'] },
    {
      name: 'startsAt not RFC 3339',
      alert: '{"labels":{"a":"b"},"startsAt":"yesterday"}',
      errors: ['alerts[0].startsAt in body must be of type date-time: "yesterday"'],
    },
    {
      name: 'startsAt date only',
      alert: '{"labels":{"a":"b"},"startsAt":"2026-08-22"}',
      errors: ['alerts[0].startsAt in body must be of type date-time: "2026-08-22"'],
    },
    {
      name: 'endsAt impossible date',
      alert: '{"labels":{"a":"b"},"endsAt":"2026-02-30T00:00:00Z"}',
      errors: ['alerts[0].endsAt in body must be of type date-time: "2026-02-30T00:00:00Z"'],
    },
    {
      name: 'endsAt five-digit year',
      alert: '{"labels":{"a":"b"},"endsAt":"10000-01-01T00:00:00Z"}',
      errors: ['alerts[0].endsAt in body must be of type date-time: "10000-01-01T00:00:00Z"'],
    },
    { name: 'startsAt empty string', alert: '{"labels":{"a":"b"},"startsAt":""}', errors: ['alerts[0].startsAt in body must be of type date-time: ""'] },
    { name: 'generatorURL number', alert: '{"labels":{"a":"b"},"generatorURL":42}', errors: ['alerts[0].generatorURL: expected string, got number'] },
    {
      name: 'generatorURL not a URI',
      alert: '{"labels":{"a":"b"},"generatorURL":"not a url"}',
      errors: ['alerts[0].generatorURL in body must be of type uri: "not a url"'],
    },
    {
      name: 'every field problem of one alert is reported',
      alert: '{"labels":{"a":1},"startsAt":2}',
      errors: ['alerts[0].labels.a: expected string, got number', 'alerts[0].startsAt: expected string, got number'],
    },
    // Alertmanager's alert.Validate, with its wording and order.
    {
      name: 'start after end',
      alert: '{"labels":{"a":"b"},"startsAt":"2026-08-22T10:00:01Z","endsAt":"2026-08-22T10:00:00Z"}',
      errors: ['alerts[0]: start time must be before end time'],
    },
    {
      name: 'start later than the timeout end (Alertmanager applies the default before validating)',
      alert: '{"labels":{"a":"b"},"startsAt":"2026-08-22T11:00:00Z"}',
      errors: ['alerts[0]: start time must be before end time'],
    },
    { name: 'no labels', alert: '{"labels":{}}', errors: ['alerts[0]: at least one label pair required'] },
    { name: 'only empty label values', alert: '{"labels":{"a":""}}', errors: ['alerts[0]: at least one label pair required'] },
    {
      name: 'only the first Validate error is reported',
      alert: '{"labels":{},"startsAt":"2026-08-22T10:00:01Z","endsAt":"2026-08-22T10:00:00Z"}',
      errors: ['alerts[0]: start time must be before end time'],
    },
    { name: 'label name with a dash', alert: '{"labels":{"a-b":"x"}}', errors: ['alerts[0]: invalid label set: invalid name "a-b"'] },
    { name: 'label name with a leading digit', alert: '{"labels":{"1a":"x"}}', errors: ['alerts[0]: invalid label set: invalid name "1a"'] },
    { name: 'empty label name', alert: '{"labels":{"":"x"}}', errors: ['alerts[0]: invalid label set: invalid name ""'] },
    { name: 'non-ASCII label name', alert: '{"labels":{"é":"x"}}', errors: ['alerts[0]: invalid label set: invalid name "é"'] },
    {
      name: 'the first invalid name in sorted order',
      alert: '{"labels":{"z-z":"x","a-a":"y"}}',
      errors: ['alerts[0]: invalid label set: invalid name "a-a"'],
    },
    {
      name: 'label name is Go-quoted',
      alert: '{"labels":{"a\\"b":"x"}}',
      errors: ['alerts[0]: invalid label set: invalid name "a\\"b"'],
    },
    {
      name: 'invalid annotation name',
      alert: '{"labels":{"a":"b"},"annotations":{"runbook-url":"x"}}',
      errors: ['alerts[0]: invalid annotations: invalid name "runbook-url"'],
    },
    { name: 'utf8 mode still refuses an empty name', alert: '{"labels":{"":"x"}}', errors: ['alerts[0]: invalid label set: invalid name ""'], labelNames: 'utf8' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = one(c.alert, { ...ctx, labelNames: c.labelNames ?? 'classic' });
      expect(r.errors).toEqual(c.errors);
      expect(r.alerts).toEqual([]);
      expect(r.invalid).toBe(1);
    });
  }

  it('utf8 label names (Alertmanager 0.34 fallback mode) accept dashes and non-ASCII', () => {
    const r = one('{"labels":{"a-b":"x","é":"y"},"annotations":{"runbook-url":"u"}}', { ...ctx, labelNames: 'utf8' });
    expect(r.errors).toEqual([]);
    expect(r.alerts[0]!.labels).toEqual({ 'a-b': 'x', é: 'y' });
  });

  it('accepts relative-path and empty generator URLs, as go-openapi does', () => {
    expect(one('{"labels":{"a":"b"},"generatorURL":"/graph?g0.expr=up"}').errors).toEqual([]);
    expect(one('{"labels":{"a":"b"},"generatorURL":""}').errors).toEqual([]);
  });

  const bodies: [string, unknown, string][] = [
    ['object', { labels: { a: 'b' } }, 'body: expected an array of alerts, got object'],
    ['string', 'x', 'body: expected an array of alerts, got string'],
    ['null', null, 'body: expected an array of alerts, got null'],
    ['no body', undefined, 'body: expected an array of alerts, got nothing'],
  ];
  for (const [name, body, error] of bodies) {
    it(`rejects a body that is not an array (${name})`, () => {
      expect(normalizeApiV2Alerts(body, ctx)).toEqual({ alerts: [], errors: [error], invalid: 0 });
    });
  }

  it('an empty array is fine and yields nothing', () => {
    expect(normalizeApiV2Alerts([], ctx)).toEqual({ alerts: [], errors: [], invalid: 0 });
  });

  it('is best effort: valid alerts survive, errors name each failing index', () => {
    const body = JSON.parse(`[
      {"labels":{"alertname":"ok1"}},
      {"labels":{}},
      {"labels":{"alertname":"ok2"},"startsAt":12},
      {"labels":{"alertname":"ok3"}},
      {"labels":{"bad-name":"x"}}
    ]`) as unknown;
    const r = normalizeApiV2Alerts(body, ctx);
    expect(r.alerts.map((a) => a.labels['alertname'])).toEqual(['ok1', 'ok3']);
    expect(r.errors).toEqual([
      'alerts[1]: at least one label pair required',
      'alerts[2].startsAt: expected string, got number',
      'alerts[4]: invalid label set: invalid name "bad-name"',
    ]);
    expect(r.invalid).toBe(3);
  });

  it('does not keep references to the caller labels object', () => {
    const labels = { a: 'b', e: '' };
    const r = normalizeApiV2Alerts([{ labels }], ctx);
    expect(labels).toEqual({ a: 'b', e: '' });
    expect(r.alerts[0]!.labels).not.toBe(labels);
  });
});
