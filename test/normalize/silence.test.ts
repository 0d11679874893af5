import { describe, expect, it } from 'vitest';
import { matcherType, parsePostableSilence } from '../../src/normalize/silence.js';

const NOW = Date.parse('2026-08-22T10:00:00Z');
const ctx = { now: NOW };

function silence(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    matchers: [{ name: 'alertname', value: 'test1', isRegex: false }],
    startsAt: '2026-08-22T10:00:00Z',
    endsAt: '2026-08-22T12:00:00Z',
    createdBy: 'admin@example.com',
    comment: 'some comment',
    ...overrides,
  };
}

describe('parsePostableSilence: valid silences', () => {
  it('builds a PostableSilence; isEqual defaults to true', () => {
    expect(parsePostableSilence(silence(), ctx)).toEqual({
      ok: true,
      silence: {
        matchers: [{ name: 'alertname', type: '=', value: 'test1' }],
        startsAt: NOW,
        endsAt: Date.parse('2026-08-22T12:00:00Z'),
        createdBy: 'admin@example.com',
        comment: 'some comment',
      },
    });
  });

  const types: [boolean, boolean | undefined | null, string][] = [
    [false, true, '='],
    [false, false, '!='],
    [true, true, '=~'],
    [true, false, '!~'],
    [false, undefined, '='],
    [true, null, '=~'],
  ];
  for (const [isRegex, isEqual, type] of types) {
    it(`isRegex=${isRegex} isEqual=${String(isEqual)} → ${type}`, () => {
      const m: Record<string, unknown> = { name: 'a', value: 'x', isRegex };
      if (isEqual !== undefined) m['isEqual'] = isEqual;
      // A second matcher that does not match the empty string keeps the silence valid for every operator.
      const r = parsePostableSilence(silence({ matchers: [m, { name: 'b', value: 'y', isRegex: false }] }), ctx);
      expect(r.ok && r.silence.matchers[0]!.type).toBe(type);
    });
  }

  it('matcherType covers the four combinations', () => {
    expect([matcherType(true, false), matcherType(false, false), matcherType(true, true), matcherType(false, true)]).toEqual([
      '=',
      '!=',
      '=~',
      '!~',
    ]);
  });

  it('keeps an id (update) and treats an empty id as new', () => {
    const withId = parsePostableSilence(silence({ id: 'b6b2b5c6-2b8e-4a6e-9a56-7d1f0d2c3b4a' }), ctx);
    expect(withId.ok && withId.silence.id).toBe('b6b2b5c6-2b8e-4a6e-9a56-7d1f0d2c3b4a');
    const empty = parsePostableSilence(silence({ id: '' }), ctx);
    expect(empty.ok && 'id' in empty.silence).toBe(false);
  });

  it('a zero startsAt means now', () => {
    const r = parsePostableSilence(silence({ startsAt: '0001-01-01T00:00:00Z' }), ctx);
    expect(r.ok && r.silence.startsAt).toBe(NOW);
  });

  it('a startsAt in the past is accepted (the store moves it to now)', () => {
    const r = parsePostableSilence(silence({ startsAt: '2026-08-22T09:00:00Z' }), ctx);
    expect(r.ok && r.silence.startsAt).toBe(Date.parse('2026-08-22T09:00:00Z'));
  });

  it('a lone != matcher is allowed: Alertmanager only counts = and =~ as matching the empty string', () => {
    const r = parsePostableSilence(silence({ matchers: [{ name: 'a', value: 'x', isRegex: false, isEqual: false }] }), ctx);
    expect(r.ok).toBe(true);
  });

  it('accepts Go RE2 regexes, and ignores unknown fields', () => {
    const r = parsePostableSilence(
      silence({ matchers: [{ name: 'instance', value: 'db-[0-9]+\\z', isRegex: true }], annotations: { x: 'y' } }),
      ctx,
    );
    expect(r.ok).toBe(true);
  });

  it('without a clock, leaves the past check to the store', () => {
    const r = parsePostableSilence(silence({ startsAt: '2020-01-01T00:00:00Z', endsAt: '2020-01-02T00:00:00Z' }));
    expect(r.ok).toBe(true);
  });
});

describe('parsePostableSilence: errors', () => {
  const cases: [string, unknown, string[]][] = [
    ['body not an object', [], ['body: expected a silence object, got array']],
    ['no body', undefined, ['body: expected a silence object, got nothing']],
    ['matchers missing', silence({ matchers: undefined }), ['matchers in body is required']],
    ['matchers empty', silence({ matchers: [] }), ['matchers in body should have at least 1 items']],
    ['matchers not an array', silence({ matchers: { name: 'a' } }), ['matchers: expected array, got object']],
    ['matcher not an object', silence({ matchers: ['a="b"'] }), ['matchers[0]: expected object, got string']],
    ['matcher isRegex missing', silence({ matchers: [{ name: 'a', value: 'b' }] }), ['matchers[0].isRegex in body is required']],
    ['matcher isRegex a string', silence({ matchers: [{ name: 'a', value: 'b', isRegex: 'false' }] }), ['matchers[0].isRegex: expected boolean, got string']],
    ['matcher name a number', silence({ matchers: [{ name: 1, value: 'b', isRegex: false }] }), ['matchers[0].name: expected string, got number']],
    ['createdBy missing', silence({ createdBy: undefined }), ['createdBy in body is required']],
    ['createdBy null', silence({ createdBy: null }), ['createdBy in body is required']],
    ['createdBy a number', silence({ createdBy: 7 }), ['createdBy: expected string, got number']],
    ['comment missing', silence({ comment: undefined }), ['comment in body is required']],
    ['startsAt missing', silence({ startsAt: undefined }), ['startsAt in body is required']],
    ['endsAt not a date-time', silence({ endsAt: 'tomorrow' }), ['endsAt in body must be of type date-time: "tomorrow"']],
    ['endsAt a number', silence({ endsAt: 1e400 }), ['endsAt: expected string, got number']],
    [
      'end before start',
      silence({ startsAt: '2026-08-22T12:00:00Z', endsAt: '2026-08-22T11:00:00Z' }),
      ['Failed to create silence: start time must be before end time'],
    ],
    [
      'end equal to start',
      silence({ startsAt: '2026-08-22T12:00:00Z', endsAt: '2026-08-22T12:00:00Z' }),
      ['Failed to create silence: start time must be before end time'],
    ],
    ['zero end', silence({ endsAt: '0001-01-01T00:00:00Z' }), ['Failed to create silence: start time must be before end time']],
    [
      'end in the past',
      silence({ startsAt: '2026-08-22T08:00:00Z', endsAt: '2026-08-22T09:00:00Z' }),
      ["Failed to create silence: end time can't be in the past"],
    ],
    [
      'invalid label name',
      silence({ matchers: [{ name: 'a-b', value: 'x', isRegex: false }] }),
      ['invalid silence: invalid label matcher 0: invalid label name "a-b"'],
    ],
    [
      'matcher matching the empty string only',
      silence({ matchers: [{ name: 'a', value: '', isRegex: false }] }),
      ['invalid silence: at least one matcher must not match the empty string'],
    ],
    [
      'regex matching the empty string only',
      silence({ matchers: [{ name: 'a', value: '.*', isRegex: true }, { name: 'b', value: 'x?', isRegex: true }] }),
      ['invalid silence: at least one matcher must not match the empty string'],
    ],
  ];
  for (const [name, body, errors] of cases) {
    it(name, () => {
      expect(parsePostableSilence(body, ctx)).toEqual({ ok: false, errors });
    });
  }

  it('reports an invalid regex with the matcher index', () => {
    const r = parsePostableSilence(
      silence({ matchers: [{ name: 'a', value: 'x', isRegex: false }, { name: 'b', value: '(', isRegex: true }] }),
      ctx,
    );
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toHaveLength(1);
    expect(!r.ok && r.errors[0]).toMatch(/^invalid silence: invalid label matcher 1: invalid regular expression "\(": \S/);
  });

  it('refuses regex syntax Go does not have (lookahead)', () => {
    const r = parsePostableSilence(silence({ matchers: [{ name: 'a', value: 'x(?=y)', isRegex: true }] }), ctx);
    expect(!r.ok && r.errors[0]).toMatch(/^invalid silence: invalid label matcher 0: invalid regular expression/);
  });

  it('reports every problem, in Alertmanager order (handler checks first, then the store)', () => {
    const r = parsePostableSilence(
      silence({
        startsAt: '2026-08-22T12:00:00Z',
        endsAt: '2026-08-22T11:00:00Z',
        matchers: [{ name: '1x', value: 'x', isRegex: false }],
      }),
      ctx,
    );
    expect(r).toEqual({
      ok: false,
      errors: [
        'Failed to create silence: start time must be before end time',
        'invalid silence: invalid label matcher 0: invalid label name "1x"',
      ],
    });
  });

  it('reports every schema problem at once', () => {
    const r = parsePostableSilence({ matchers: [], startsAt: 1 }, ctx);
    expect(r).toEqual({
      ok: false,
      errors: [
        'matchers in body should have at least 1 items',
        'startsAt: expected string, got number',
        'endsAt in body is required',
        'createdBy in body is required',
        'comment in body is required',
      ],
    });
  });
});
