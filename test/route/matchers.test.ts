import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileGoRegex,
  compileMatcher,
  compileMatchers,
  compareMatchers,
  matchersKey,
  matcherString,
  MatcherParseError,
  parseMatcher,
  parseMatchers,
  type Matcher,
  type MatchType,
} from '../../src/route/matchers.js';

const m = (name: string, type: MatchType, value: string): Matcher => ({ name, type, value });

describe('parseMatchers', () => {
  it.each<[string, Matcher[]]>([
    ['foo="bar"', [m('foo', '=', 'bar')]],
    ['foo=bar', [m('foo', '=', 'bar')]],
    ['foo!~"a|b"', [m('foo', '!~', 'a|b')]],
    ['foo!=bar', [m('foo', '!=', 'bar')]],
    ['{a="b", c=~"d.*"}', [m('a', '=', 'b'), m('c', '=~', 'd.*')]],
    ['{foo = "bar", dings != "bums", }', [m('foo', '=', 'bar'), m('dings', '!=', 'bums')]],
    ['foo=bar,dings!=bums', [m('foo', '=', 'bar'), m('dings', '!=', 'bums')]],
    ['foo=bar, dings!=bums', [m('foo', '=', 'bar'), m('dings', '!=', 'bums')]],
    ['statuscode=~"5.."', [m('statuscode', '=~', '5..')]],
    ['alertname = Watchdog', [m('alertname', '=', 'Watchdog')]],
    ['severity =~ warning|info', [m('severity', '=~', 'warning|info')]],
    ['foo=', [m('foo', '=', '')]],
    ['foo=""', [m('foo', '=', '')]],
    ['foo=bar baz', [m('foo', '=', 'bar baz')]],
    ['foo="  padded  "', [m('foo', '=', '  padded  ')]],
    ['foo="a,b"', [m('foo', '=', 'a,b')]],
    ['ns:sub_1="x"', [m('ns:sub_1', '=', 'x')]],
    // Escapes: \" \\ \n, and a spurious backslash stays literal.
    ['quote="She said: \\"Hi, ladies!\\""', [m('quote', '=', 'She said: "Hi, ladies!"')]],
    ['foo="a\\nb"', [m('foo', '=', 'a\nb')]],
    ['foo="a\\\\b"', [m('foo', '=', 'a\\b')]],
    ['foo=a\\b', [m('foo', '=', 'a\\b')]],
    ['foo="trailing\\\\"', [m('foo', '=', 'trailing\\')]],
    // UTF-8 values.
    ['city="Zürich"', [m('city', '=', 'Zürich')]],
    ['mood="🔥 on fire"', [m('mood', '=', '🔥 on fire')]],
    // Names the classic parser refuses go to the UTF-8 parser, as in Alertmanager's fallback mode.
    ['"foo.bar"="x"', [m('foo.bar', '=', 'x')]],
    ['{"service name"=~"a.*", env="prod"}', [m('service name', '=~', 'a.*'), m('env', '=', 'prod')]],
    ['föö="bär"', [m('föö', '=', 'bär')]],
    ['"tab\\there"="\\u00e9"', [m('tab\there', '=', 'é')]],
    ['', []],
    ['{}', []],
  ])('%s', (text, expected) => {
    expect(parseMatchers(text)).toEqual(expected);
  });

  it.each([
    ['foo', /bad matcher format: "foo"/],
    ['=bar', /bad matcher format: "=bar"/],
    ['foo="bar', /unescaped double quote/],
    ['foo="a"b"', /unescaped double quote/],
    ['a=b,,c=d', /bad matcher format: ""/],
    ['foo=~"("', /invalid regular expression "\(" in matcher for label "foo"/],
    ['foo=~"(?=x)"', /lookahead and lookbehind/],
    ['foo=~"(a)\\\\1"', /backreferences are not supported/],
    ['foo=~"x(?i)y"', /\(\?i\) is only supported at the start/],
    ['foo=~"a{2,1}"', /invalid repeat count/],
    ['foo=~"a**"', /invalid regular expression/],
    ['{"unterminated=x}', /bad matcher format/],
  ])('refuses %s', (text, message) => {
    let caught: unknown;
    try {
      parseMatchers(text);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(MatcherParseError);
    expect((caught as Error).message).toMatch(message);
  });

  it('parseMatcher takes exactly one matcher without braces', () => {
    expect(parseMatcher('a="b"')).toEqual(m('a', '=', 'b'));
    expect(() => parseMatcher('{a="b"}')).toThrow(/unexpected open or close brace/);
    expect(() => parseMatcher('a="b",c="d"')).toThrow(/expected 1 matcher, found 2/);
  });

  it('round-trips through matcherString for any value', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,10}$/),
        fc.constantFrom<MatchType>('=', '!='),
        fc.string({ unit: 'binary', maxLength: 30 }),
        (name, type, value) => {
          const matcher = m(name, type, value);
          expect(parseMatchers(matcherString(matcher))).toEqual([matcher]);
          expect(parseMatchers(`{${matcherString(matcher)}, other="x"}`)).toEqual([matcher, m('other', '=', 'x')]);
        },
      ),
    );
  });
});

describe('matcherString (Matcher.String)', () => {
  it.each<[Matcher, string]>([
    [m('foo', '=', 'bar'), 'foo="bar"'],
    [m('foo', '!=', 'bar'), 'foo!="bar"'],
    [m('foo', '=~', 'a|b'), 'foo=~"a|b"'],
    [m('foo', '!~', ''), 'foo!~""'],
    [m('q', '=', 'a"b\\c\nd'), 'q="a\\"b\\\\c\\nd"'],
    // OpenMetrics escaping only: a tab is printed as is (Go's %q would print \t).
    [m('t', '=', 'a\tb'), 't="a\tb"'],
    [m('city', '=', 'Zürich'), 'city="Zürich"'],
    // A name the classic parser could not have produced is quoted, and then the value is Go-quoted.
    [m('foo.bar', '=', 'x'), 'foo.bar="x"'],
    [m('service name', '=', 'a\tb'), '"service name"="a\\tb"'],
    [m('a,b', '=~', 'x'), '"a,b"=~"x"'],
  ])('%j → %s', (matcher, text) => {
    expect(matcherString(matcher)).toBe(text);
  });
});

describe('matchersKey (route key segments)', () => {
  it.each<[Matcher[], string]>([
    [[], '{}'],
    [[m('env', '=', 'prod')], '{env="prod"}'],
    [[m('kafka', '=', 'yes')], '{kafka="yes"}'],
    [[m('service', '=', 'api'), m('env', '=', 'prod')], '{env="prod",service="api"}'],
    // Same name: by value, then by operator (=, !=, =~, !~).
    [[m('a', '=', 'y'), m('a', '=~', 'x')], '{a=~"x",a="y"}'],
    [[m('a', '!~', 'x'), m('a', '!=', 'x'), m('a', '=~', 'x'), m('a', '=', 'x')], '{a="x",a!="x",a=~"x",a!~"x"}'],
    // Byte (code point) order, as Go compares strings: U+FFFD sorts before U+1F600.
    [[m('a', '=', '😀'), m('a', '=', '\uFFFD')], '{a="\uFFFD",a="😀"}'],
    [[m('B', '=', '1'), m('a', '=', '1')], '{B="1",a="1"}'],
  ])('%j → %s', (ms, key) => {
    expect(matchersKey(ms)).toBe(key);
  });

  it('does not reorder its input', () => {
    const ms = [m('b', '=', '1'), m('a', '=', '1')];
    matchersKey(ms);
    expect(ms.map((x) => x.name)).toEqual(['b', 'a']);
  });

  it('compareMatchers is a total order consistent with the key', () => {
    expect(compareMatchers(m('a', '=', 'x'), m('a', '=', 'x'))).toBe(0);
    expect(compareMatchers(m('a', '=', 'x'), m('b', '=', 'a'))).toBeLessThan(0);
    expect(compareMatchers(m('a', '!=', 'x'), m('a', '=', 'x'))).toBeGreaterThan(0);
  });
});

describe('compileMatcher: anchoring and Go regex semantics', () => {
  const cases: [string, MatchType, string, string[], string[]][] = [
    // [description, type, pattern, values that match, values that do not]
    ['equality', '=', 'bar', ['bar'], ['', 'Bar', 'bars']],
    ['inequality', '!=', 'bar', ['', 'baz'], ['bar']],
    ['anchored at both ends', '=~', 'bar', ['bar'], ['foobar', 'barx', 'xbarx', '']],
    ['alternation is anchored as a whole', '=~', 'a|b', ['a', 'b'], ['ab', 'xa', 'b ', '']],
    ['regex alternation is anchored as a whole', '=~', 'a.|b', ['ax', 'b'], ['axb', 'bb', 'xb']],
    ['empty alternative', '=~', 'a|', ['a', ''], ['b']],
    ['negated regex', '!~', 'foo.*', ['', 'bar', 'xfoo'], ['foo', 'foobar']],
    ['dot does not match newline', '=~', '.*', ['', 'abc', 'a\rb'], ['a\nb']],
    ['(?s) lets dot match newline', '=~', '(?s).*', ['a\nb'], []],
    ['dot matches one code point', '=~', '.', ['😀', 'é'], ['ab', '']],
    ['\\s is ASCII whitespace only', '=~', 'a\\sb', ['a b', 'a\tb', 'a\nb'], ['a\u00a0b', 'a\vb']],
    ['\\S excludes only ASCII whitespace', '=~', '\\S+', ['abc', '\u00a0', '\v'], ['a b']],
    ['\\d is ASCII', '=~', '\\d+', ['0123'], ['٣', '1a']],
    ['case-insensitive flag at the start', '=~', '(?i)prod', ['prod', 'PROD', 'Prod'], ['production']],
    ['(?i:…) covering the whole pattern', '=~', '(?i:a|b)', ['A', 'b'], ['c']],
    ['POSIX class', '=~', '[[:alpha:]]+', ['abcXYZ'], ['ab1', '']],
    ['negated POSIX class', '=~', '[[:^digit:]]', ['a', ' '], ['1']],
    ['Unicode letter class', '=~', '\\pL+', ['Zürich', 'αβγ'], ['a1']],
    ['Unicode script', '=~', '\\p{Greek}+', ['αβγ'], ['abc']],
    ['negated Unicode class', '=~', '\\PL', ['1', '-'], ['a']],
    ['counted repetition', '=~', 'a{2,3}', ['aa', 'aaa'], ['a', 'aaaa']],
    ['brace that is not a repetition is literal', '=~', 'a{,3}', ['a{,3}'], ['aaa']],
    ['\\Q…\\E quotes', '=~', '\\Q.*+\\E', ['.*+'], ['abc', '']],
    ['escaped punctuation', '=~', '\\-\\#\\:\\.', ['-#:.'], ['-#:x']],
    ['hex escapes', '=~', '\\x41\\x{1F600}', ['A😀'], ['A']],
    ['octal escape', '=~', '\\101', ['A'], ['a']],
    ['$ is end of text; (?m) makes it end of line', '=~', '(?m)a$\\nb', ['a\nb'], ['ab']],
    ['$ without (?m) never matches before a newline', '=~', 'a$\\nb', [], ['a\nb']],
    ['\\A and \\z', '=~', '\\Aab\\z', ['ab'], ['abc']],
    ['named groups in Go syntax', '=~', '(?P<code>5)(?<rest>\\d\\d)', ['503'], ['403']],
    ['class with ] first and - last', '=~', '[]a-]+', [']a-'], ['b']],
    ['(?U) swaps greediness', '=~', '(?U)(a+)(a*)', ['aaa'], ['b']],
    ['lazy quantifier', '=~', 'a+?b', ['aab'], ['aa']],
  ];
  it.each(cases)('%s: %s %j', (_d, type, pattern, yes, no) => {
    const pred = compileMatcher(m('x', type, pattern));
    for (const v of yes) expect(pred(v), `${JSON.stringify(v)} should match`).toBe(true);
    for (const v of no) expect(pred(v), `${JSON.stringify(v)} should not match`).toBe(false);
  });

  it('an escaped literal matches exactly itself (Go regexp.QuoteMeta)', () => {
    const quoteMeta = (s: string): string => s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 5 }), (s, other) => {
        const pred = compileMatcher(m('x', '=~', quoteMeta(s)));
        expect(pred(s)).toBe(true);
        if (other !== '') expect(pred(s + other)).toBe(false);
      }),
    );
  });

  it.each([
    ['(?<=a)b', /lookahead and lookbehind/],
    ['\\Z', /invalid escape sequence/],
    ['\\C', /invalid escape sequence/],
    ['[[:nope:]]', /invalid character class/],
    ['\\p{Klingon}', /invalid character class/],
    ['(a', /missing closing \)/],
    ['a)', /unexpected \)/],
    ['[a', /missing closing \]/],
    ['[z-a]', /invalid character class range/],
    ['a{1001}', /invalid repeat count/],
    ['(?x)a', /invalid or unsupported Perl syntax/],
    ['(?P<a>x)(?P<a>y)', /duplicate capture group name/],
    ['(?i:a)b', /only supported when it spans the whole pattern/],
    ['(?-i)a', /turning off \(\?i\) is not supported/],
    ['\\', /trailing backslash/],
  ])('compileGoRegex refuses %s', (pattern, message) => {
    expect(() => compileGoRegex(pattern)).toThrow(message);
  });
});

describe('compileMatchers', () => {
  it.each<[string, Matcher[], Record<string, string>, boolean]>([
    ['no matchers match everything', [], {}, true],
    ['!= matches when the label is absent', [m('foo', '!=', 'x')], {}, true],
    ['= "" matches when the label is absent', [m('foo', '=', '')], {}, true],
    ['= "" does not match a present label', [m('foo', '=', '')], { foo: 'a' }, false],
    ['=~ ".*" matches an absent label', [m('foo', '=~', '.*')], {}, true],
    ['!~ ".+" matches an absent label', [m('foo', '!~', '.+')], {}, true],
    ['=~ ".+" does not match an absent label', [m('foo', '=~', '.+')], {}, false],
    ['inherited Object members are not labels', [m('constructor', '=', '')], {}, true],
    ['__proto__ is not a label', [m('__proto__', '!~', '.+')], {}, true],
    ['all must match (true)', [m('env', '=', 'prod'), m('svc', '=~', 'api|db')], { env: 'prod', svc: 'db' }, true],
    ['all must match (false)', [m('env', '=', 'prod'), m('svc', '=~', 'api|db')], { env: 'prod', svc: 'web' }, false],
    ['regex first in input, still evaluated', [m('svc', '!~', 'web'), m('env', '=', 'prod')], { env: 'dev', svc: 'api' }, false],
  ])('%s', (_d, ms, labels, expected) => {
    expect(compileMatchers(ms)(labels)).toBe(expected);
  });

  it('compiles each regex once, not per call', () => {
    const pred = compileMatchers([m('svc', '=~', 'a.*'), m('env', '=~', 'p.+')]);
    let constructed = 0;
    const Orig = RegExp;
    // Count RegExp constructions during evaluation.
    globalThis.RegExp = new Proxy(Orig, {
      construct(target, args) {
        constructed++;
        return Reflect.construct(target, args) as RegExp;
      },
    });
    try {
      for (let i = 0; i < 100; i++) pred({ svc: 'api', env: 'prod' });
    } finally {
      globalThis.RegExp = Orig;
    }
    expect(constructed).toBe(0);
    expect(pred({ svc: 'api', env: 'prod' })).toBe(true);
    expect(pred({ svc: 'xapi', env: 'prod' })).toBe(false);
  });
});
