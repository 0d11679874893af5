/**
 * Tokenizer for Go `text/template` source, following the rules of Go's `text/template/parse` lexer:
 *
 * - text runs until `{{`; `{{- ` trims the white space before the action and ` -}}` the white space after
 *   (the marker needs the space, so `{{-3}}` is the number -3);
 * - `{{/* … *\/}}` is a comment and must touch both delimiters (trim markers allowed);
 * - inside an action: fields (`.A`), variables (`$x`, `$`), identifiers (function names), keywords,
 *   strings (interpreted `"…"` and raw backquoted), character constants, numbers, `|`, `(`, `)`, `:=`,
 *   `=`, `,`; new lines are allowed inside actions;
 * - a field, variable or identifier must be followed by a terminator (space, `.`, `,`, `|`, `:`, `(`,
 *   `)` or the closing delimiter), so `.foo-bar` is an error and needs `index .Labels "foo-bar"`.
 *
 * The whole source is tokenized up front: templates are small and compiled once, and an array of tokens
 * makes the parser's look-ahead trivial.
 */

export type TokenType =
  | 'text'
  | 'leftDelim'
  | 'rightDelim'
  | 'space'
  | 'identifier'
  | 'keyword'
  | 'field'
  | 'variable'
  | 'dot'
  | 'string'
  | 'rawString'
  | 'charConstant'
  | 'char'
  | 'number'
  | 'bool'
  | 'nil'
  | 'pipe'
  | 'leftParen'
  | 'rightParen'
  | 'declare'
  | 'assign'
  | 'eof'
  | 'error';

export interface Token {
  readonly type: TokenType;
  /** The token as written (for text: after trimming; for errors: the message). */
  readonly val: string;
  /** Offset in the source. */
  readonly pos: number;
}

export const KEYWORDS: ReadonlySet<string> = new Set([
  'block',
  'break',
  'continue',
  'define',
  'else',
  'end',
  'if',
  'range',
  'template',
  'with',
]);

const LEFT = '{{';
const RIGHT = '}}';

/** Go's template lexer treats exactly these as space (not Unicode spaces). */
export function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

/** Letter, digit or underscore, Unicode-aware, as Go's `isAlphaNumeric`. */
const ALNUM = /[\p{L}\p{Nd}_]/u;
export function isAlphaNumeric(c: string | undefined): boolean {
  if (c === undefined) return false;
  const code = c.charCodeAt(0);
  if (code < 128) {
    return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
  }
  return ALNUM.test(c);
}

/** Go's `%#U` rendering of a character, used in "bad character" messages. */
export function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return `U+${hex} '${ch}'`;
}

function trimRightSpace(s: string): string {
  let end = s.length;
  while (end > 0 && isSpace(s[end - 1])) end--;
  return s.slice(0, end);
}

/** Tokenizes `src`; the last token is always `eof` or `error`. */
export function lex(src: string): Token[] {
  const out: Token[] = [];
  let pos = 0;
  // Set by a ` -}}`: the next text starts after the white space.
  let trimNextText = false;

  const error = (msg: string, at: number): Token[] => {
    out.push({ type: 'error', val: msg, pos: at });
    return out;
  };

  for (;;) {
    // Text up to the next action.
    if (trimNextText) {
      while (pos < src.length && isSpace(src[pos])) pos++;
      trimNextText = false;
    }
    const open = src.indexOf(LEFT, pos);
    const textEnd = open < 0 ? src.length : open;
    let text = src.slice(pos, textEnd);
    let afterDelim = textEnd + LEFT.length;
    let leftTrim = false;
    if (open >= 0 && src[afterDelim] === '-' && isSpace(src[afterDelim + 1])) {
      leftTrim = true;
      text = trimRightSpace(text);
    }
    if (text.length > 0) out.push({ type: 'text', val: text, pos });
    if (open < 0) {
      out.push({ type: 'eof', val: '', pos: src.length });
      return out;
    }
    if (leftTrim) afterDelim += 2;
    pos = afterDelim;

    // Comment: must start right after the delimiter (and trim marker) and end right before the closing one.
    if (src.startsWith('/*', pos)) {
      const close = src.indexOf('*/', pos + 2);
      if (close < 0) return error('unclosed comment', open);
      pos = close + 2;
      if (isSpace(src[pos]) && src[pos + 1] === '-' && src.startsWith(RIGHT, pos + 2)) {
        trimNextText = true;
        pos += 2 + RIGHT.length;
      } else if (src.startsWith(RIGHT, pos)) {
        pos += RIGHT.length;
      } else {
        return error('comment ends before closing delimiter', open);
      }
      continue;
    }

    out.push({ type: 'leftDelim', val: LEFT, pos: open });
    let parenDepth = 0;
    // Inside the action.
    for (;;) {
      // A trim-marked closing delimiter (` -}}`) or a plain one.
      if (isSpace(src[pos]) && src[pos + 1] === '-' && src.startsWith(RIGHT, pos + 2)) {
        if (parenDepth > 0) return error('unclosed left paren', pos);
        out.push({ type: 'rightDelim', val: RIGHT, pos: pos + 2 });
        pos += 2 + RIGHT.length;
        trimNextText = true;
        break;
      }
      if (src.startsWith(RIGHT, pos)) {
        if (parenDepth > 0) return error('unclosed left paren', pos);
        out.push({ type: 'rightDelim', val: RIGHT, pos });
        pos += RIGHT.length;
        break;
      }
      if (pos >= src.length) return error('unclosed action', open);
      const start = pos;
      const c = src[pos]!;
      if (isSpace(c)) {
        while (pos < src.length && isSpace(src[pos])) {
          // Leave a space that begins a trim-marked closing delimiter to the check above.
          if (src[pos + 1] === '-' && src.startsWith(RIGHT, pos + 2)) break;
          pos++;
        }
        if (pos > start) out.push({ type: 'space', val: src.slice(start, pos), pos: start });
        continue;
      }
      if (c === '=') {
        out.push({ type: 'assign', val: '=', pos });
        pos++;
        continue;
      }
      if (c === ':') {
        if (src[pos + 1] !== '=') return error('expected :=', pos);
        out.push({ type: 'declare', val: ':=', pos });
        pos += 2;
        continue;
      }
      if (c === '|') {
        out.push({ type: 'pipe', val: '|', pos });
        pos++;
        continue;
      }
      if (c === '"') {
        const end = scanQuoted(src, pos, '"');
        if (end < 0) return error('unterminated quoted string', start);
        pos = end;
        out.push({ type: 'string', val: src.slice(start, pos), pos: start });
        continue;
      }
      if (c === '`') {
        const close = src.indexOf('`', pos + 1);
        if (close < 0) return error('unterminated raw quoted string', start);
        pos = close + 1;
        out.push({ type: 'rawString', val: src.slice(start, pos), pos: start });
        continue;
      }
      if (c === "'") {
        const end = scanQuoted(src, pos, "'");
        if (end < 0) return error('unterminated character constant', start);
        pos = end;
        out.push({ type: 'charConstant', val: src.slice(start, pos), pos: start });
        continue;
      }
      if (c === '$' || (c === '.' && !(src[pos + 1]! >= '0' && src[pos + 1]! <= '9'))) {
        // Field, variable, `.` or `$`.
        pos++;
        if (atTerminator(src, pos)) {
          out.push(c === '.' ? { type: 'dot', val: '.', pos: start } : { type: 'variable', val: '$', pos: start });
          continue;
        }
        while (pos < src.length && isAlphaNumeric(charAt(src, pos))) pos += charAt(src, pos).length;
        if (!atTerminator(src, pos)) return error(`bad character ${describeChar(charAt(src, pos))}`, pos);
        out.push({ type: c === '.' ? 'field' : 'variable', val: src.slice(start, pos), pos: start });
        continue;
      }
      if (c === '.' || c === '+' || c === '-' || (c >= '0' && c <= '9')) {
        pos = scanNumber(src, pos);
        if (pos < 0) {
          const bad = -pos - 1;
          return error(`bad number syntax: ${JSON.stringify(src.slice(start, bad))}`, start);
        }
        out.push({ type: 'number', val: src.slice(start, pos), pos: start });
        continue;
      }
      if (isAlphaNumeric(charAt(src, pos))) {
        while (pos < src.length && isAlphaNumeric(charAt(src, pos))) pos += charAt(src, pos).length;
        if (!atTerminator(src, pos)) return error(`bad character ${describeChar(charAt(src, pos))}`, pos);
        const word = src.slice(start, pos);
        let type: TokenType = 'identifier';
        if (KEYWORDS.has(word)) type = 'keyword';
        else if (word === 'true' || word === 'false') type = 'bool';
        else if (word === 'nil') type = 'nil';
        out.push({ type, val: word, pos: start });
        continue;
      }
      if (c === '(') {
        parenDepth++;
        out.push({ type: 'leftParen', val: '(', pos });
        pos++;
        continue;
      }
      if (c === ')') {
        parenDepth--;
        if (parenDepth < 0) return error('unexpected right paren', pos);
        out.push({ type: 'rightParen', val: ')', pos });
        pos++;
        continue;
      }
      const ch = charAt(src, pos);
      const code = ch.codePointAt(0)!;
      if (code < 128 && code >= 0x20 && code !== 0x7f) {
        out.push({ type: 'char', val: ch, pos });
        pos++;
        continue;
      }
      return error(`unrecognized character in action: ${describeChar(ch)}`, pos);
    }
  }
}

/** The whole code point at `i` (one or two UTF-16 units). */
function charAt(src: string, i: number): string {
  const cp = src.codePointAt(i);
  return cp === undefined ? '' : String.fromCodePoint(cp);
}

function atTerminator(src: string, pos: number): boolean {
  const c = src[pos];
  if (c === undefined || isSpace(c)) return true;
  if (c === '.' || c === ',' || c === '|' || c === ':' || c === ')' || c === '(') return true;
  return src.startsWith(RIGHT, pos);
}

/** Returns the end of the number starting at `pos`, or -(end + 1) when it is malformed. */
function scanNumber(src: string, pos: number): number {
  const accept = (set: string): boolean => {
    const c = src[pos];
    if (c !== undefined && set.includes(c)) {
      pos++;
      return true;
    }
    return false;
  };
  const acceptRun = (set: string): void => {
    while (accept(set));
  };
  accept('+-');
  let digits = '0123456789_';
  if (accept('0')) {
    if (accept('xX')) digits = '0123456789abcdefABCDEF_';
    else if (accept('oO')) digits = '01234567_';
    else if (accept('bB')) digits = '01_';
  }
  acceptRun(digits);
  if (accept('.')) acceptRun(digits);
  if (digits.length === 11 && accept('eE')) {
    accept('+-');
    acceptRun('0123456789_');
  }
  if (digits.length === 23 && accept('pP')) {
    accept('+-');
    acceptRun('0123456789_');
  }
  accept('i');
  if (isAlphaNumeric(charAt(src, pos))) return -(pos + charAt(src, pos).length + 1);
  return pos;
}

/**
 * The end (one past the closing quote) of a quoted literal that opens at `open`, skipping backslash
 * escapes; -1 when the line or the input ends first.
 */
function scanQuoted(src: string, open: number, quote: string): number {
  let pos = open + 1;
  for (;;) {
    const ch = src[pos];
    if (ch === '\\') {
      pos += 2;
      continue;
    }
    if (ch === undefined || ch === '\n') return -1;
    pos++;
    if (ch === quote) return pos;
  }
}
