/**
 * Go regular expressions (RE2 syntax) on JavaScript's engine, for `match` and `reReplaceAll`.
 *
 * The common syntax is the same; the differences that matter are translated:
 * - leading flag groups `(?i)`, `(?s)`, `(?m)` become JavaScript flags (flags in the middle are refused);
 * - `(?P<name>…)` becomes `(?<name>…)`; `\z` and `\A` become look-arounds; `\Q…\E` is quoted;
 * - `\s` is ASCII white space in Go (`[\t\n\f\r ]`), and POSIX classes (`[[:alpha:]]`) are expanded;
 * - Go refuses backreferences and look-arounds, so we do too (they would change the meaning);
 * - replacement templates use Go's `$name`/`${name}` rules (`$1x` is the group named "1x").
 *
 * JavaScript's engine backtracks where RE2 does not: a pathological pattern written into a template can
 * be slow. Patterns come from configuration, not from alerts, so this is an operator's concern.
 */
import { GoError } from './errors.js';

const POSIX: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const GO_SPACE = '\\t\\n\\f\\r ';

function escapeLiteral(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, (c) => '\\' + c);
}

/** Translates RE2 syntax to a JavaScript RegExp; throws GoError with Go's message shape. */
export function compileGoRegexp(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit) return hit;
  let flags = 'u';
  let src = pattern;
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1]!) {
      if (f === 'U') throw parseError(pattern, 'ungreedy mode (?U) is not supported');
      if (!flags.includes(f)) flags += f;
    }
    src = src.slice(lead[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const e = src[i + 1];
      if (e === undefined) throw parseError(pattern, 'trailing backslash at end of expression');
      i++;
      if (e === 'Q') {
        const end = src.indexOf('\\E', i + 1);
        const lit = end < 0 ? src.slice(i + 1) : src.slice(i + 1, end);
        out += inClass ? lit.replace(/[\\\]^-]/g, (x) => '\\' + x) : escapeLiteral(lit);
        i = end < 0 ? src.length : end + 1;
        continue;
      }
      if (e === 'z') {
        if (inClass) throw parseError(pattern, 'invalid escape sequence: `\\z`');
        out += '(?![\\s\\S])';
        continue;
      }
      if (e === 'A') {
        if (inClass) throw parseError(pattern, 'invalid escape sequence: `\\A`');
        out += '(?<![\\s\\S])';
        continue;
      }
      if (e === 's') {
        out += inClass ? GO_SPACE : `[${GO_SPACE}]`;
        continue;
      }
      if (e === 'S') {
        if (inClass) throw parseError(pattern, 'negated \\S inside a class is not supported');
        out += `[^${GO_SPACE}]`;
        continue;
      }
      if (e >= '1' && e <= '9') throw parseError(pattern, `invalid escape sequence: \`\\${e}\``);
      if (/[A-Za-z0-9]/.test(e)) {
        // \d \w \b \B \n \t \x.. \p{..} \pL: same meaning in both (with the u flag).
        if ((e === 'p' || e === 'P') && src[i + 1] !== '{') {
          out += `\\${e}{${src[i + 1] ?? ''}}`;
          i++;
          continue;
        }
        out += '\\' + e;
        continue;
      }
      // Escaped punctuation is a literal in Go; the u flag only accepts some escapes, so use \x or \u.
      const cp = e.codePointAt(0)!;
      out += cp < 0x100 ? '\\x' + cp.toString(16).padStart(2, '0') : '\\u{' + cp.toString(16) + '}';
      continue;
    }
    if (inClass) {
      if (c === '[' && src[i + 1] === ':') {
        const end = src.indexOf(':]', i + 2);
        const name = end < 0 ? '' : src.slice(i + 2, end);
        const neg = name.startsWith('^');
        const cls = POSIX[neg ? name.slice(1) : name];
        if (cls === undefined) throw parseError(pattern, `invalid character class range: \`[:${name}:]\``);
        if (neg) throw parseError(pattern, 'negated POSIX classes are not supported');
        out += cls;
        i = end + 1;
        continue;
      }
      if (c === ']') inClass = false;
      out += c === '[' ? '\\[' : c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (src[i + 1] === '^') {
        out += '^';
        i++;
      }
      // A `]` right after `[` or `[^` is a literal in Go.
      if (src[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && src[i + 1] === '?') {
      const rest = src.slice(i + 2);
      if (rest.startsWith('P<')) {
        out += '(?<';
        i += 3;
        continue;
      }
      if (rest.startsWith(':')) {
        out += '(?:';
        i += 2;
        continue;
      }
      if (rest.startsWith('<') && !rest.startsWith('<=') && !rest.startsWith('<!')) {
        out += '(?<';
        i += 2;
        continue;
      }
      throw parseError(pattern, `invalid or unsupported Perl syntax: \`(?${rest.slice(0, 1)}\``);
    }
    out += c;
  }
  let re: RegExp;
  try {
    re = new RegExp(out, flags + 'g');
  } catch (e) {
    throw parseError(pattern, e instanceof Error ? e.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '') : String(e));
  }
  if (cache.size > 256) cache.clear();
  cache.set(pattern, re);
  return re;
}

const cache = new Map<string, RegExp>();

function parseError(pattern: string, msg: string): GoError {
  return new GoError(`error parsing regexp: ${msg}: \`${pattern}\``);
}

/** regexp.MatchString: an unanchored search. */
export function goMatch(pattern: string, s: string): boolean {
  const re = compileGoRegexp(pattern);
  re.lastIndex = 0;
  return re.test(s);
}

/**
 * Regexp.ReplaceAllString with Go's rules: `$1`, `${1}`, `$name`, `${name}`, `$$`; an empty match right
 * after a previous match is not replaced (JavaScript's replace would replace it).
 */
export function goReplaceAll(pattern: string, repl: string, src: string): string {
  const re = compileGoRegexp(pattern);
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= src.length) {
    re.lastIndex = searchPos;
    const m = re.exec(src);
    if (m === null) break;
    const a0 = m.index;
    const a1 = a0 + m[0].length;
    out += src.slice(lastMatchEnd, a0);
    if (a1 > lastMatchEnd || a0 === 0) out += expand(repl, m);
    lastMatchEnd = a1;
    // Advance past this match; always advance at least one character.
    const width = searchPos < src.length ? (src.codePointAt(searchPos)! > 0xffff ? 2 : 1) : 0;
    if (searchPos + width > a1) searchPos += width;
    else if (searchPos + 1 > a1) searchPos++;
    else searchPos = a1;
  }
  return out + src.slice(lastMatchEnd);
}

function expand(template: string, m: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '$') {
      out += c;
      continue;
    }
    if (template[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string;
    let end: number;
    if (template[i + 1] === '{') {
      const close = template.indexOf('}', i + 2);
      name = close < 0 ? '' : template.slice(i + 2, close);
      end = close;
      if (close < 0 || !/^[A-Za-z0-9_]+$/.test(name)) {
        out += '$';
        continue;
      }
    } else {
      const mm = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
      if (!mm) {
        out += '$';
        continue;
      }
      name = mm[0];
      end = i + name.length;
    }
    i = end;
    if (/^[0-9]+$/.test(name)) {
      const n = Number(name);
      out += n < m.length ? m[n] ?? '' : '';
    } else {
      out += m.groups?.[name] ?? '';
    }
  }
  return out;
}
