/**
 * Alertmanager label matchers: parsing, printing, ordering and compiled evaluation.
 *
 * Parsing follows Alertmanager's default "fallback" mode (matcher/compat): the classic parser
 * (matcher/oldparse) decides whenever it accepts the input, because that is the result Alertmanager keeps
 * when the two parsers disagree; only input the classic parser refuses is given to the UTF-8 parser
 * (matcher/parse), which adds quoted and non-ASCII label names. When both refuse, the classic error wins,
 * as in Alertmanager.
 *
 * Regular expressions are Go RE2. They are translated to JavaScript (Unicode mode) construct by construct;
 * constructs whose meaning differs (`.` and `\s` are narrower in Go, `$` is end-of-text, POSIX classes,
 * `\Q…\E`, `(?s)`/`(?m)`/`(?U)` flags) are rewritten to the Go meaning, and what cannot be expressed
 * faithfully (a case-insensitive flag that does not cover the whole pattern) is refused rather than
 * approximated. Lookarounds and backreferences, which RE2 does not have, are refused as Alertmanager does.
 */
import { compareCodePoints, goQuote } from '../domain/labels.js';

export type MatchType = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  readonly name: string;
  readonly type: MatchType;
  readonly value: string;
}

export class MatcherParseError extends Error {
  /** The text that could not be parsed. */
  readonly input: string;
  constructor(message: string, input: string) {
    super(message);
    this.name = 'MatcherParseError';
    this.input = input;
  }
}

/** Go's `MatchType` numbering, which `Matchers.Less` uses as the last sort key. */
const TYPE_ORDER: Readonly<Record<MatchType, number>> = { '=': 0, '!=': 1, '=~': 2, '!~': 3 };

export function isMatchType(s: string): s is MatchType {
  return s === '=' || s === '!=' || s === '=~' || s === '!~';
}

/**
 * Builds a matcher, checking that a regex value compiles (Alertmanager's `labels.NewMatcher`).
 * Throws MatcherParseError.
 */
export function newMatcher(type: MatchType, name: string, value: string): Matcher {
  if (type === '=~' || type === '!~') {
    try {
      compileGoRegex(value);
    } catch (e) {
      throw new MatcherParseError(
        `invalid regular expression ${goQuote(value)} in matcher for label ${goQuote(name)}: ${(e as Error).message}`,
        value,
      );
    }
  }
  return { name, type, value };
}

// ---------------------------------------------------------------------------------------------------------
// Parsing

/**
 * Parses a comma-separated list of matchers, optionally wrapped in `{…}`: the syntax of `matchers:` lists in
 * the configuration, of `filter=` query parameters and of amtool. Throws MatcherParseError.
 */
export function parseMatchers(text: string): Matcher[] {
  let classicError: MatcherParseError;
  try {
    return parseClassic(text);
  } catch (e) {
    if (!(e instanceof MatcherParseError)) throw e;
    classicError = e;
  }
  try {
    return parseUtf8(text);
  } catch (e) {
    // A regex that fails to compile is reported the same by both parsers; otherwise the classic message
    // describes the more familiar syntax.
    if (e instanceof MatcherParseError) throw classicError;
    throw e;
  }
}

/** Parses exactly one matcher (no braces), like `compat.Matcher`. Throws MatcherParseError. */
export function parseMatcher(text: string): Matcher {
  if (text.startsWith('{') || text.endsWith('}')) {
    throw new MatcherParseError(`unexpected open or close brace: ${JSON.stringify(text)}`, text);
  }
  const ms = parseMatchers(text);
  if (ms.length !== 1) {
    throw new MatcherParseError(
      ms.length === 0 ? `no matcher in ${JSON.stringify(text)}` : `expected 1 matcher, found ${ms.length} in ${JSON.stringify(text)}`,
      text,
    );
  }
  return ms[0]!;
}

// The classic parser's grammar (matcher/oldparse): Prometheus label name, operator, then anything, with
// surrounding whitespace dropped. `=~` must be tried before `=`.
const CLASSIC_RE = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*([\s\S]*?)\s*$/;

function parseClassic(input: string): Matcher[] {
  let s = input;
  if (s.startsWith('{')) s = s.slice(1);
  if (s.endsWith('}')) s = s.slice(0, -1);
  // Split on commas outside double quotes; a backslash-escaped quote does not toggle quoting.
  const tokens: string[] = [];
  let token = '';
  let insideQuotes = false;
  let escaped = false;
  for (const ch of s) {
    if (ch === ',') {
      if (!insideQuotes) {
        tokens.push(token);
        token = '';
        continue;
      }
    } else if (ch === '"') {
      if (!escaped) insideQuotes = !insideQuotes;
      else escaped = false;
    } else if (ch === '\\') {
      escaped = !escaped;
    } else {
      escaped = false;
    }
    token += ch;
  }
  const last = token.trim();
  if (last !== '') tokens.push(last);
  return tokens.map(parseClassicOne);
}

function parseClassicOne(s: string): Matcher {
  const m = CLASSIC_RE.exec(s);
  if (!m) throw new MatcherParseError(`bad matcher format: ${JSON.stringify(s)}`, s);
  const name = m[1]!;
  const type = m[2] as MatchType;
  const raw = m[3]!;
  let rawValue = raw;
  let expectTrailingQuote = false;
  if (rawValue.startsWith('"')) {
    rawValue = rawValue.slice(1);
    expectTrailingQuote = true;
  }
  // OpenMetrics-style unescaping: \" \\ \n; any other backslash is literal.
  let value = '';
  let escaped = false;
  const chars = Array.from(rawValue);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (escaped) {
      escaped = false;
      if (ch === 'n') value += '\n';
      else if (ch === '"' || ch === '\\') value += ch;
      else value += '\\' + ch;
      continue;
    }
    if (ch === '\\') {
      if (i < chars.length - 1) escaped = true;
      else value += '\\';
    } else if (ch === '"') {
      if (!expectTrailingQuote || i < chars.length - 1) {
        throw new MatcherParseError(`matcher value contains unescaped double quote: ${raw}`, s);
      }
      expectTrailingQuote = false;
    } else {
      value += ch;
    }
  }
  if (expectTrailingQuote) {
    throw new MatcherParseError(`matcher value contains unescaped double quote: ${raw}`, s);
  }
  return newMatcher(type, name, value);
}

// --- the UTF-8 parser (matcher/parse) ---

const enum Tok {
  EOF,
  OpenBrace,
  CloseBrace,
  Comma,
  Equals,
  NotEquals,
  Matches,
  NotMatches,
  Quoted,
  Unquoted,
}

interface Token {
  readonly kind: Tok;
  readonly value: string;
  readonly start: number;
}

/** Go's `unicode.IsSpace`. */
function isGoSpace(c: number): boolean {
  switch (c) {
    case 0x09:
    case 0x0a:
    case 0x0b:
    case 0x0c:
    case 0x0d:
    case 0x20:
    case 0x85:
    case 0xa0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202f:
    case 0x205f:
    case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200a;
  }
}

const RESERVED = '{}!=~,\\"\'`';

/** Characters that force a label name to be quoted when printed (matcher/parse lexer `isReserved`). */
function isReserved(c: number): boolean {
  return isGoSpace(c) || RESERVED.includes(String.fromCharCode(c));
}

function lexUtf8(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (msg: string): never => {
    throw new MatcherParseError(`${msg} at column ${i + 1} of ${JSON.stringify(input)}`, input);
  };
  while (i < input.length) {
    const c = input.charCodeAt(i);
    if (isGoSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    switch (input[i]) {
      case '{':
        tokens.push({ kind: Tok.OpenBrace, value: '{', start });
        i++;
        continue;
      case '}':
        tokens.push({ kind: Tok.CloseBrace, value: '}', start });
        i++;
        continue;
      case ',':
        tokens.push({ kind: Tok.Comma, value: ',', start });
        i++;
        continue;
      case '=':
        if (input[i + 1] === '~') {
          tokens.push({ kind: Tok.Matches, value: '=~', start });
          i += 2;
        } else {
          tokens.push({ kind: Tok.Equals, value: '=', start });
          i++;
        }
        continue;
      case '!':
        if (input[i + 1] === '=') tokens.push({ kind: Tok.NotEquals, value: '!=', start });
        else if (input[i + 1] === '~') tokens.push({ kind: Tok.NotMatches, value: '!~', start });
        else fail("expected one of '!=' or '!~'");
        i += 2;
        continue;
      case '"': {
        i++;
        let escaped = false;
        for (;;) {
          if (i >= input.length) fail('unterminated quoted string');
          const ch = input[i]!;
          i++;
          if (escaped) escaped = false;
          else if (ch === '\\') escaped = true;
          else if (ch === '"') break;
        }
        tokens.push({ kind: Tok.Quoted, value: input.slice(start, i), start });
        continue;
      }
      default:
        if (isReserved(c)) fail(`unexpected ${JSON.stringify(input[i])}`);
        while (i < input.length && !isReserved(input.charCodeAt(i))) i++;
        tokens.push({ kind: Tok.Unquoted, value: input.slice(start, i), start });
    }
  }
  tokens.push({ kind: Tok.EOF, value: '', start: input.length });
  return tokens;
}

function parseUtf8(input: string): Matcher[] {
  const tokens = lexUtf8(input);
  let p = 0;
  const peek = (): Token => tokens[p]!;
  const fail = (t: Token, expected: string): never => {
    const what = t.kind === Tok.EOF ? 'end of input' : JSON.stringify(t.value);
    throw new MatcherParseError(`${expected}, got ${what} at column ${t.start + 1} of ${JSON.stringify(input)}`, input);
  };
  const text = (t: Token): string => (t.kind === Tok.Quoted ? goUnquote(t.value, input) : t.value);
  const out: Matcher[] = [];
  const open = peek().kind === Tok.OpenBrace;
  if (open) p++;
  for (;;) {
    const t = peek();
    if (t.kind === Tok.EOF || t.kind === Tok.CloseBrace) break;
    if (t.kind !== Tok.Quoted && t.kind !== Tok.Unquoted) fail(t, 'expected label name');
    p++;
    const name = text(t);
    const op = peek();
    let type: MatchType;
    switch (op.kind) {
      case Tok.Equals:
        type = '=';
        break;
      case Tok.NotEquals:
        type = '!=';
        break;
      case Tok.Matches:
        type = '=~';
        break;
      case Tok.NotMatches:
        type = '!~';
        break;
      default:
        return fail(op, "expected an operator such as '=', '!=', '=~' or '!~'");
    }
    p++;
    const v = peek();
    if (v.kind !== Tok.Quoted && v.kind !== Tok.Unquoted) fail(v, 'expected label value');
    p++;
    out.push(newMatcher(type, name, text(v)));
    const sep = peek();
    if (sep.kind === Tok.Comma) {
      p++;
      continue;
    }
    if (sep.kind !== Tok.EOF && sep.kind !== Tok.CloseBrace) fail(sep, 'expected a comma or close brace');
  }
  const end = peek();
  if (open) {
    if (end.kind !== Tok.CloseBrace) fail(end, 'expected close brace');
    p++;
  } else if (end.kind === Tok.CloseBrace) {
    fail(end, 'expected opening brace');
  }
  if (peek().kind !== Tok.EOF) fail(peek(), 'expected end of input');
  return out;
}

/** Go `strconv.Unquote` for a double-quoted literal. */
function goUnquote(quoted: string, input: string): string {
  const bad = (): never => {
    throw new MatcherParseError(`invalid quoted string ${quoted} in ${JSON.stringify(input)}`, input);
  };
  const body = quoted.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === '\n') bad();
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const e = body[++i];
    switch (e) {
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
        out += '"';
        break;
      case 'x':
      case 'u':
      case 'U': {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = body.slice(i + 1, i + 1 + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) bad();
        const cp = parseInt(hex, 16);
        if (e === 'x') {
          // \x is a byte in Go; only ASCII bytes form valid UTF-8 on their own.
          if (cp > 0x7f) bad();
        } else if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
          bad();
        }
        out += String.fromCodePoint(cp);
        i += len;
        break;
      }
      default: {
        if (e !== undefined && e >= '0' && e <= '7') {
          const oct = body.slice(i, i + 3);
          if (!/^[0-7]{3}$/.test(oct)) bad();
          const cp = parseInt(oct, 8);
          if (cp > 0x7f) bad();
          out += String.fromCharCode(cp);
          i += 2;
          break;
        }
        bad();
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Printing and ordering

function openMetricsEscape(s: string): string {
  let needs = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c || c === 0x0a || c === 0x22) {
      needs = true;
      break;
    }
  }
  if (!needs) return s;
  return s.replace(/[\\\n"]/g, (c) => (c === '\n' ? '\\n' : '\\' + c));
}

/**
 * `Matcher.String()`: `name`, operator, value in double quotes with OpenMetrics escaping (`\\`, `\n`, `\"`
 * only). A name that the classic parser could not have produced is printed Go-quoted, value too.
 */
export function matcherString(m: Matcher): string {
  for (let i = 0; i < m.name.length; i++) {
    if (isReserved(m.name.charCodeAt(i))) return `${goQuote(m.name)}${m.type}${goQuote(m.value)}`;
  }
  return `${m.name}${m.type}"${openMetricsEscape(m.value)}"`;
}

export { compareCodePoints };

/** Alertmanager's `Matchers.Less`: by name, then value, then operator. */
export function compareMatchers(a: Matcher, b: Matcher): number {
  return compareCodePoints(a.name, b.name) || compareCodePoints(a.value, b.value) || TYPE_ORDER[a.type] - TYPE_ORDER[b.type];
}

/** `{` + matcher strings sorted by `Matchers.Less`, joined by `,` + `}`: one segment of a route key. */
export function matchersKey(ms: readonly Matcher[]): string {
  if (ms.length === 0) return '{}';
  const sorted = ms.slice().sort(compareMatchers);
  let out = '{';
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0) out += ',';
    out += matcherString(sorted[i]!);
  }
  return out + '}';
}

// ---------------------------------------------------------------------------------------------------------
// Evaluation

export type LabelPredicate = (labels: Readonly<Record<string, string>>) => boolean;
export type ValuePredicate = (value: string) => boolean;

const ALWAYS: LabelPredicate = () => true;

// Pattern made only of characters that are literal in RE2, possibly split by `|`: matched with a Set.
const LITERAL_ALTERNATION_RE = /^[A-Za-z0-9_\-:/@ ,;=!%&'"<>#~`]*(?:\|[A-Za-z0-9_\-:/@ ,;=!%&'"<>#~`]*)*$/;

function regexPredicate(pattern: string): ValuePredicate {
  if (LITERAL_ALTERNATION_RE.test(pattern)) {
    const alternatives = pattern.split('|');
    if (alternatives.length === 1) return (v) => v === pattern;
    const set = new Set(alternatives);
    return (v) => set.has(v);
  }
  const re = compileGoRegex(pattern);
  return (v) => re.test(v);
}

/** A predicate on one label value, regex compiled once. */
export function compileMatcher(m: Matcher): ValuePredicate {
  const value = m.value;
  switch (m.type) {
    case '=':
      return (v) => v === value;
    case '!=':
      return (v) => v !== value;
    case '=~':
      return regexPredicate(value);
    case '!~': {
      const p = regexPredicate(value);
      return (v) => !p(v);
    }
  }
}

/**
 * Whether a label set satisfies every matcher. A missing label reads as the empty string, so `foo!="x"` and
 * `foo=""` match when foo is absent. Equality tests run before regexes since they are cheaper and either may
 * reject.
 */
export function compileMatchers(ms: readonly Matcher[]): LabelPredicate {
  if (ms.length === 0) return ALWAYS;
  const ordered = ms.slice().sort((a, b) => Number(a.type.endsWith('~')) - Number(b.type.endsWith('~')));
  const names = ordered.map((m) => m.name);
  const preds = ordered.map(compileMatcher);
  const n = ordered.length;
  if (n === 1) {
    const name = names[0]!;
    const pred = preds[0]!;
    return (labels) => pred(labelValue(labels, name));
  }
  return (labels) => {
    for (let i = 0; i < n; i++) {
      if (!preds[i]!(labelValue(labels, names[i]!))) return false;
    }
    return true;
  };
}

function labelValue(labels: Readonly<Record<string, string>>, name: string): string {
  // typeof guards against inherited Object.prototype members (`constructor`, `__proto__`).
  const v = labels[name];
  return typeof v === 'string' ? v : '';
}

/** Matches one label set with a list of matchers without keeping the compiled form (not for hot paths). */
export function matchesAll(ms: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  return compileMatchers(ms)(labels);
}

// ---------------------------------------------------------------------------------------------------------
// Go RE2 → JavaScript

/** The JavaScript form of a Go regex, anchored the way Alertmanager anchors it: `^(?:re)$`. */
export function compileGoRegex(pattern: string): RegExp {
  const { source, ignoreCase } = translateGoRegex(pattern);
  try {
    return new RegExp(`^(?:${source})$`, ignoreCase ? 'iu' : 'u');
  } catch (e) {
    throw new Error(String((e as Error).message).replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, ''));
  }
}

interface Flags {
  s: boolean; // dot matches \n
  m: boolean; // ^ and $ at line boundaries
  U: boolean; // swap greedy and lazy
}

type Range = readonly [number, number];

// Go's Perl classes are ASCII-only.
const SPACE_RANGES: readonly Range[] = [
  [0x09, 0x0a],
  [0x0c, 0x0d],
  [0x20, 0x20],
];

const POSIX: Readonly<Record<string, readonly Range[]>> = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  ascii: [[0x00, 0x7f]],
  blank: [
    [0x09, 0x09],
    [0x20, 0x20],
  ],
  cntrl: [
    [0x00, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [0x09, 0x0d],
    [0x20, 0x20],
  ],
  upper: [[0x41, 0x5a]],
  word: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
};

const GENERAL_CATEGORIES = new Set(
  'L Lu Ll Lt Lm Lo M Mn Mc Me N Nd Nl No P Pc Pd Ps Pe Pi Pf Po S Sm Sc Sk So Z Zs Zl Zp Cc Cf Co Cs'.split(' '),
);

function complement(ranges: readonly Range[]): Range[] {
  const sorted = ranges.slice().sort((a, b) => a[0] - b[0]);
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= 0x10ffff) out.push([next, 0x10ffff]);
  return out;
}

function classChar(cp: number): string {
  if (cp === 0x5c || cp === 0x5d || cp === 0x5b || cp === 0x5e || cp === 0x2d) return '\\' + String.fromCharCode(cp);
  if (cp < 0x20 || cp === 0x7f || (cp >= 0xd800 && cp <= 0xdfff)) return `\\u{${cp.toString(16)}}`;
  return String.fromCodePoint(cp);
}

function rangesToClassBody(ranges: readonly Range[]): string {
  let out = '';
  for (const [lo, hi] of ranges) out += lo === hi ? classChar(lo) : `${classChar(lo)}-${classChar(hi)}`;
  return out;
}

const SYNTAX_CHARS = '^$\\.*+?()[]{}|/';

function literal(cp: number): string {
  const ch = String.fromCodePoint(cp);
  if (SYNTAX_CHARS.includes(ch)) return '\\' + ch;
  if (cp < 0x20 || cp === 0x7f) return `\\u{${cp.toString(16)}}`;
  return ch;
}

class GoRegexTranslator {
  private pos = 0;
  private out = '';
  private flags: Flags = { s: false, m: false, U: false };
  private readonly stack: Flags[] = [];
  private ignoreCase = false;
  /** Stack depth of a `(?i:…)` group opened at the start of the pattern, or -1. */
  private ignoreCaseGroupDepth = -1;
  private readonly names = new Set<string>();

  constructor(private readonly src: string) {}

  private fail(msg: string): never {
    throw new Error(msg);
  }

  private take(): number {
    const c = this.src.codePointAt(this.pos);
    if (c === undefined) this.fail('unexpected end of pattern');
    this.pos += c > 0xffff ? 2 : 1;
    return c;
  }

  translate(): { source: string; ignoreCase: boolean } {
    const src = this.src;
    while (this.pos < src.length) {
      const ch = src[this.pos]!;
      switch (ch) {
        case '\\':
          this.escapeOutside();
          break;
        case '[':
          this.pos++;
          this.out += this.charClass();
          break;
        case '(':
          this.group();
          break;
        case ')':
          if (this.stack.length === 0) this.fail('unexpected )');
          if (this.stack.length === this.ignoreCaseGroupDepth && this.pos + 1 < src.length) {
            this.fail('(?i:…) is only supported when it spans the whole pattern');
          }
          this.flags = this.stack.pop()!;
          this.out += ')';
          this.pos++;
          break;
        case '.':
          this.out += this.flags.s ? '[\\s\\S]' : '[^\\n]';
          this.pos++;
          break;
        case '^':
          this.out += this.flags.m ? '(?<![^\\n])' : '^';
          this.pos++;
          break;
        case '$':
          this.out += this.flags.m ? '(?![^\\n])' : '$';
          this.pos++;
          break;
        case '*':
        case '+':
        case '?':
          this.pos++;
          this.quantifier(ch);
          break;
        case '{': {
          const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(this.pos));
          if (!m) {
            this.out += '\\{';
            this.pos++;
            break;
          }
          const min = Number(m[1]);
          const max = m[3] === undefined || m[3] === '' ? undefined : Number(m[3]);
          if (min > 1000 || (max !== undefined && (max > 1000 || max < min))) {
            this.fail(`invalid repeat count: ${m[0]}`);
          }
          this.pos += m[0].length;
          this.quantifier(m[0]);
          break;
        }
        case '|':
          this.out += '|';
          this.pos++;
          break;
        default:
          this.out += literal(this.take());
      }
    }
    if (this.stack.length > 0) this.fail('missing closing )');
    return { source: this.out, ignoreCase: this.ignoreCase };
  }

  private quantifier(q: string): void {
    let lazy = false;
    if (this.src[this.pos] === '?') {
      lazy = true;
      this.pos++;
    }
    if (this.flags.U) lazy = !lazy;
    this.out += q + (lazy ? '?' : '');
  }

  private group(): void {
    const rest = this.src.slice(this.pos);
    if (!rest.startsWith('(?')) {
      this.stack.push({ ...this.flags });
      this.out += '(';
      this.pos++;
      return;
    }
    const named = /^\(\?P?<([^>]*)>/.exec(rest);
    if (named) {
      const name = named[1]!;
      if (!/^[A-Za-z0-9_]+$/.test(name)) this.fail(`invalid named capture: ${named[0]}`);
      if (this.names.has(name)) this.fail(`duplicate capture group name: ${name}`);
      this.names.add(name);
      // Names carry no meaning for matching, and Go allows names JavaScript does not (leading digits).
      this.stack.push({ ...this.flags });
      this.out += '(';
      this.pos += named[0].length;
      return;
    }
    if (/^\(\?(=|!|<=|<!)/.test(rest)) {
      this.fail('lookahead and lookbehind are not supported by Go regular expressions');
    }
    const fl = /^\(\?([imsU]*)(?:-([imsU]*))?(:|\))/.exec(rest);
    if (!fl || (fl[1] === '' && fl[2] === undefined && fl[3] === ')') || fl[2] === '') {
      this.fail(`invalid or unsupported Perl syntax: ${rest.slice(0, 3)}`);
    }
    const on = fl[1]!;
    const off = fl[2] ?? '';
    const next: Flags = { ...this.flags };
    for (const f of on) {
      if (f === 'i') {
        this.caseInsensitive();
        if (fl[3] === ':') this.ignoreCaseGroupDepth = 1;
      } else {
        next[f as keyof Flags] = true;
      }
    }
    for (const f of off) {
      if (f === 'i') this.fail('turning off (?i) is not supported');
      next[f as keyof Flags] = false;
    }
    this.pos += fl[0].length;
    if (fl[3] === ':') {
      this.stack.push({ ...this.flags });
      this.flags = next;
      this.out += '(?:';
    } else {
      this.flags = next;
    }
  }

  private caseInsensitive(): void {
    // JavaScript (Node 20) has no inline modifiers, so (?i) is only faithful when it governs the whole
    // pattern: at the very start, outside any group.
    if (this.out !== '' || this.stack.length > 0) {
      this.fail('(?i) is only supported at the start of the pattern');
    }
    this.ignoreCase = true;
  }

  /** An escape outside a class. */
  private escapeOutside(): void {
    const next = this.src[this.pos + 1];
    switch (next) {
      case 'A':
        this.out += '(?<![\\s\\S])';
        this.pos += 2;
        return;
      case 'z':
        this.out += '(?![\\s\\S])';
        this.pos += 2;
        return;
      case 'b':
      case 'B':
        this.out += '\\' + next;
        this.pos += 2;
        return;
      case 'Q': {
        this.pos += 2;
        const end = this.src.indexOf('\\E', this.pos);
        const lit = end < 0 ? this.src.slice(this.pos) : this.src.slice(this.pos, end);
        for (const c of lit) this.out += literal(c.codePointAt(0)!);
        this.pos = end < 0 ? this.src.length : end + 2;
        return;
      }
      case 'd':
      case 'D':
      case 'w':
      case 'W':
        this.out += '\\' + next;
        this.pos += 2;
        return;
      case 's':
        this.out += `[${rangesToClassBody(SPACE_RANGES)}]`;
        this.pos += 2;
        return;
      case 'S':
        this.out += `[^${rangesToClassBody(SPACE_RANGES)}]`;
        this.pos += 2;
        return;
      case 'p':
      case 'P': {
        const { body, negated } = this.unicodeClass();
        this.out += `[${negated ? '^' : ''}${body}]`;
        return;
      }
      default:
        this.out += literal(this.escapedChar());
    }
  }

  /** `\pN`, `\p{Greek}`, `\P{L}`, `\p{^Greek}` at pos; returns the class body and whether it is negated. */
  private unicodeClass(): { body: string; negated: boolean } {
    let negated = this.src[this.pos + 1] === 'P';
    this.pos += 2;
    let name: string;
    if (this.src[this.pos] === '{') {
      const end = this.src.indexOf('}', this.pos);
      if (end < 0) this.fail('invalid character class range: missing }');
      name = this.src.slice(this.pos + 1, end);
      this.pos = end + 1;
    } else {
      const c = this.take();
      name = String.fromCodePoint(c);
    }
    if (name.startsWith('^')) {
      negated = !negated;
      name = name.slice(1);
    }
    let body: string;
    if (name === 'Any') body = '\\u{0}-\\u{10ffff}';
    else if (name === 'C') body = '\\p{Cc}\\p{Cf}\\p{Co}\\p{Cs}'; // Go's C excludes unassigned (Cn)
    else if (GENERAL_CATEGORIES.has(name)) body = `\\p{${name}}`;
    else {
      body = `\\p{Script=${name}}`;
      try {
        new RegExp(body, 'u');
      } catch {
        this.fail(`invalid character class range: \\p{${name}}`);
      }
    }
    return { body, negated };
  }

  /** One escaped character (not a class) at pos, which is the backslash. Go `parseEscape`. */
  private escapedChar(): number {
    this.pos++;
    if (this.pos >= this.src.length) this.fail('trailing backslash at end of expression');
    const c = this.take();
    if (c < 0x80 && !/[0-9A-Za-z]/.test(String.fromCharCode(c))) return c; // escaped punctuation
    const ch = String.fromCodePoint(c);
    switch (ch) {
      case 'a':
        return 0x07;
      case 'f':
        return 0x0c;
      case 't':
        return 0x09;
      case 'n':
        return 0x0a;
      case 'r':
        return 0x0d;
      case 'v':
        return 0x0b;
      case 'x': {
        if (this.src[this.pos] === '{') {
          const m = /^\{([0-9A-Fa-f]+)\}/.exec(this.src.slice(this.pos));
          if (!m) this.fail('invalid escape sequence: \\x{');
          const v = parseInt(m[1]!, 16);
          if (v > 0x10ffff) this.fail(`invalid escape sequence: \\x${m[0]}`);
          this.pos += m[0].length;
          return v;
        }
        const hex = this.src.slice(this.pos, this.pos + 2);
        if (!/^[0-9A-Fa-f]{2}$/.test(hex)) this.fail(`invalid escape sequence: \\x${hex}`);
        this.pos += 2;
        return parseInt(hex, 16);
      }
      default:
        break;
    }
    if (ch >= '1' && ch <= '7') {
      // A lone digit is a backreference, which RE2 does not have; otherwise it is octal.
      const nxt = this.src[this.pos];
      if (nxt === undefined || nxt < '0' || nxt > '7') this.fail(`invalid escape sequence: \\${ch} (backreferences are not supported)`);
    }
    if (ch >= '0' && ch <= '7') {
      let digits = ch;
      while (digits.length < 3 && /[0-7]/.test(this.src[this.pos] ?? '')) digits += this.src[this.pos++];
      return parseInt(digits, 8);
    }
    return this.fail(`invalid escape sequence: \\${ch}`);
  }

  /** A bracketed class; pos is just after `[`. Go `parseClass`. */
  private charClass(): string {
    let negated = false;
    if (this.src[this.pos] === '^') {
      negated = true;
      this.pos++;
    }
    let body = '';
    let first = true;
    for (;;) {
      if (this.pos >= this.src.length) this.fail('missing closing ]');
      if (this.src[this.pos] === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      const rest = this.src.slice(this.pos);
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(rest);
      if (posix) {
        const ranges = POSIX[posix[2]!];
        if (!ranges) this.fail(`invalid character class range: ${posix[0]}`);
        body += rangesToClassBody(posix[1] ? complement(ranges) : ranges);
        this.pos += posix[0].length;
        continue;
      }
      if (rest.startsWith('\\p') || rest.startsWith('\\P')) {
        const { body: b, negated: n } = this.unicodeClass();
        if (n) {
          if (b.startsWith('\\p{') && !b.includes('\\p{', 1)) body += '\\P' + b.slice(2);
          else if (b.startsWith('\\u{0}')) this.fail('\\P{Any} inside a class is not supported');
          else this.fail('negated \\P{C} inside a class is not supported');
        } else {
          body += b;
        }
        continue;
      }
      if (/^\\[dDwW]/.test(rest)) {
        body += rest.slice(0, 2);
        this.pos += 2;
        continue;
      }
      if (rest.startsWith('\\s') || rest.startsWith('\\S')) {
        body += rangesToClassBody(rest[1] === 's' ? SPACE_RANGES : complement(SPACE_RANGES));
        this.pos += 2;
        continue;
      }
      const lo = this.classCharAt();
      let hi = lo;
      if (this.src[this.pos] === '-' && this.pos + 1 < this.src.length && this.src[this.pos + 1] !== ']') {
        this.pos++;
        hi = this.classCharAt();
        if (hi < lo) this.fail(`invalid character class range: ${String.fromCodePoint(lo)}-${String.fromCodePoint(hi)}`);
      }
      body += lo === hi ? classChar(lo) : `${classChar(lo)}-${classChar(hi)}`;
    }
    return `[${negated ? '^' : ''}${body}]`;
  }

  private classCharAt(): number {
    if (this.src[this.pos] === '\\') return this.escapedChar();
    if (this.pos >= this.src.length) this.fail('missing closing ]');
    return this.take();
  }
}

/** Translates Go RE2 syntax to an equivalent JavaScript `u`-mode source. Throws on unsupported syntax. */
export function translateGoRegex(pattern: string): { source: string; ignoreCase: boolean } {
  return new GoRegexTranslator(pattern).translate();
}
