/**
 * Go's `fmt` as far as templates need it: how `{{ x }}` prints a value (`%v`), `print`, `println` and
 * `printf` with the common verbs (%v %+v %s %q %d %f %e %g %x %X %o %b %c %t %T %%), flags (`-`, `+`,
 * `0`, space) width and precision, and Go's in-band error forms (`%!d(string=x)`, `%!s(MISSING)`,
 * `%!(EXTRA …)`).
 *
 * Floats are printed with Go's rules rather than JavaScript's: `%v` is the shortest representation in
 * `%g` style with a two-digit exponent (1e+06, not 1000000), and rounding to a precision breaks exact
 * ties to even as Go's strconv does (`%.2f` of 0.125 is 0.12).
 */
import {
  GoFloat,
  GoMap,
  GoNamedInt,
  GoSlice,
  GoStruct,
  kindOf,
  mapLookup,
  mapSortedKeys,
  numberOf,
  sliceItems,
  typeName,
} from './values.js';

/** How `{{ pipeline }}` prints its value (text/template's printValue): a missing value is `<no value>`. */
export function printValue(v: unknown): string {
  if (v === undefined || v === null) return '<no value>';
  if (typeof v === 'string') return v;
  return formatValue(v, 'v', false);
}

/** `%v` (and `%+v` with `plus`) of any value. */
export function formatValue(v: unknown, verb: 'v' | 's' = 'v', plus = false): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'object') {
    const s = (v as { goString?: () => string | undefined }).goString?.();
    if (s !== undefined) return s;
  }
  switch (kindOf(v)) {
    case 'bool':
      return v ? 'true' : 'false';
    case 'int':
      return formatInt(numberOf(v));
    case 'float':
      return formatFloat(numberOf(v), 'g', -1);
    case 'slice':
      return '[' + sliceItems(v)!.map((x) => formatValue(x, verb, plus)).join(' ') + ']';
    case 'map':
      return (
        'map[' +
        mapSortedKeys(v)
          .map((k) => `${k}:${formatValue(mapLookup(v, k), verb, plus)}`)
          .join(' ') +
        ']'
      );
    case 'struct': {
      const s = v as GoStruct;
      return (
        '{' +
        s
          .goFieldNames()
          .map((f) => (plus ? `${f}:` : '') + formatValue(s.goField(f), verb, plus))
          .join(' ') +
        '}'
      );
    }
    case 'func':
      return '<func>';
    default:
      return String(v);
  }
}

function formatInt(n: number): string {
  if (Object.is(n, -0)) return '0';
  return Number.isSafeInteger(n) ? String(n) : BigInt(Math.trunc(n)).toString();
}

// ---- floats ---------------------------------------------------------------------------------------

/** Decimal digits `d` (no leading zeros) and point position `dp`: value = 0.d × 10^dp. */
interface Digits {
  d: string;
  dp: number;
}

function shortestDigits(x: number): Digits {
  if (x === 0) return { d: '0', dp: 1 };
  const [mant, exp] = Math.abs(x).toExponential().split('e') as [string, string];
  return { d: mant.replace('.', ''), dp: Number(exp) + 1 };
}

/**
 * Digits rounded to `n` significant digits (n ≥ 0), ties to even. 25 extra digits of JavaScript's exactly
 * rounded expansion tell a true tie (…5000…) from a value just above or below it.
 */
function roundedDigits(x: number, n: number): Digits {
  if (x === 0) return { d: '0', dp: 1 };
  const extra = Math.min(100, Math.max(n, 0) + 25);
  const [mant, exp] = Math.abs(x).toExponential(extra).split('e') as [string, string];
  const all = mant.replace('.', '');
  const dp = Number(exp) + 1;
  if (n <= 0) {
    // Rounding at or before the first digit: the result is 0 or one unit at position n.
    const first = all[0]!;
    const restZero = /^0*$/.test(all.slice(1));
    const up = n === 0 && (first > '5' || (first === '5' && !restZero));
    return up ? { d: '1', dp: dp + 1 } : { d: '0', dp: 1 };
  }
  let d = all.slice(0, n);
  let outDp = dp;
  const next = all[n] ?? '0';
  const rest = all.slice(n + 1);
  let up = next > '5' || (next === '5' && !/^0*$/.test(rest));
  if (next === '5' && /^0*$/.test(rest)) up = (Number(d[d.length - 1]) & 1) === 1;
  if (up) {
    const digits = d.split('').map(Number);
    let i = digits.length - 1;
    while (i >= 0 && digits[i] === 9) digits[i--] = 0;
    if (i < 0) {
      digits.unshift(1);
      digits.pop();
      outDp++;
    } else digits[i]!++;
    d = digits.join('');
  }
  return { d, dp: outDp };
}

function trimZeros(g: Digits): Digits {
  const d = g.d.replace(/0+$/, '');
  return d === '' ? { d: '0', dp: 1 } : { d, dp: g.dp };
}

function expString(e: number): string {
  const sign = e < 0 ? '-' : '+';
  const a = Math.abs(e);
  return 'e' + sign + (a < 10 ? '0' + a : String(a));
}

/** %e from digits: d.ddd e±XX with `prec` decimals. */
function fmtE(g: Digits, prec: number, zero: boolean): string {
  const d = g.d.padEnd(prec + 1, '0');
  const exp = zero ? 0 : g.dp - 1;
  return d[0]! + (prec > 0 ? '.' + d.slice(1, prec + 1) : '') + expString(exp);
}

/** %f from digits with `prec` decimals. */
function fmtF(g: Digits, prec: number): string {
  let int: string;
  let frac: string;
  if (g.dp <= 0) {
    int = '0';
    frac = '0'.repeat(-g.dp) + g.d;
  } else if (g.dp >= g.d.length) {
    int = g.d + '0'.repeat(g.dp - g.d.length);
    frac = '';
  } else {
    int = g.d.slice(0, g.dp);
    frac = g.d.slice(g.dp);
  }
  int = int.replace(/^0+(?=\d)/, '');
  frac = frac.padEnd(prec, '0').slice(0, prec);
  return prec > 0 ? `${int}.${frac}` : int;
}

/**
 * strconv.FormatFloat(x, fmt, prec, 64) for fmt in e/f/g (prec -1: shortest). The sign is included.
 */
export function formatFloat(x: number, fmt: 'e' | 'f' | 'g', prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const sign = neg ? '-' : '';
  const zero = x === 0;
  switch (fmt) {
    case 'e': {
      const g = prec < 0 ? shortestDigits(x) : roundedDigits(x, prec + 1);
      return sign + fmtE(g, prec < 0 ? g.d.length - 1 : prec, zero);
    }
    case 'f': {
      if (prec < 0) {
        const g = shortestDigits(x);
        return sign + fmtF(g, Math.max(g.d.length - g.dp, 0));
      }
      const est = shortestDigits(x).dp;
      const g = zero ? { d: '0', dp: 1 } : roundedDigits(x, est + prec);
      return sign + fmtF(g, prec);
    }
    case 'g': {
      const shortest = prec < 0;
      let p = prec === 0 ? 1 : prec;
      const g = zero ? { d: '0', dp: 1 } : trimZeros(shortest ? shortestDigits(x) : roundedDigits(x, p));
      if (shortest) p = 6;
      let eprec = p;
      if (!shortest && eprec > g.d.length && g.d.length >= g.dp) eprec = g.d.length;
      const exp = g.dp - 1;
      if (!zero && (exp < -4 || exp >= eprec)) return sign + fmtE(g, g.d.length - 1, false);
      return sign + fmtF(g, Math.max(g.d.length - g.dp, 0));
    }
  }
}

// ---- quoting --------------------------------------------------------------------------------------

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}\u0020]$/u;

/** strconv.Quote: a double-quoted Go string literal. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (PRINTABLE.test(ch)) out += ch;
    else if (cp < 0x80) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + '"';
}

// ---- Sprint / Sprintln ----------------------------------------------------------------------------

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(a);
  }
  return out;
}

/** fmt.Sprintln: spaces between all operands and a final new line. */
export function sprintln(args: readonly unknown[]): string {
  return args.map((a) => formatValue(a)).join(' ') + '\n';
}

// ---- Sprintf --------------------------------------------------------------------------------------

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  prec: number | undefined;
  verb: string;
}

function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function pad(s: string, spec: Spec, numeric: boolean): string {
  if (spec.width === undefined) return s;
  const n = runeCount(s);
  if (n >= spec.width) return s;
  const fill = spec.width - n;
  if (spec.minus) return s + ' '.repeat(fill);
  if (spec.zero && numeric) {
    const m = /^[+\- ]/.exec(s);
    const signPart = m ? m[0] : '';
    return signPart + '0'.repeat(fill) + s.slice(signPart.length);
  }
  // Go pads strings with zeros too when asked (%05s).
  if (spec.zero && !numeric) return '0'.repeat(fill) + s;
  return ' '.repeat(fill) + s;
}

function signed(body: string, negative: boolean, spec: Spec): string {
  if (negative) return '-' + body;
  if (spec.plus) return '+' + body;
  if (spec.space) return ' ' + body;
  return body;
}

function badVerb(spec: Spec, v: unknown): string {
  if (v === undefined || v === null) return `%!${spec.verb}(<nil>)`;
  return `%!${spec.verb}(${typeName(v)}=${formatValue(v)})`;
}

function utf8Bytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function fmtInteger(n: number, spec: Spec): string | undefined {
  const neg = n < 0;
  const a = Math.abs(n);
  const big = Number.isSafeInteger(a) ? undefined : BigInt(Math.trunc(a));
  const inBase = (b: number): string => (big !== undefined ? big.toString(b) : a.toString(b));
  let body: string;
  switch (spec.verb) {
    case 'd':
    case 'v':
      body = inBase(10);
      break;
    case 'x':
      body = (spec.sharp ? '0x' : '') + inBase(16);
      break;
    case 'X':
      body = (spec.sharp ? '0X' : '') + inBase(16).toUpperCase();
      break;
    case 'o':
      body = (spec.sharp ? '0' : '') + inBase(8);
      break;
    case 'O':
      body = '0o' + inBase(8);
      break;
    case 'b':
      body = inBase(2);
      break;
    case 'c':
      return String.fromCodePoint(a);
    case 'q':
      return goQuoteRune(n);
    case 'U':
      return 'U+' + inBase(16).toUpperCase().padStart(4, '0');
    default:
      return undefined;
  }
  if (spec.prec !== undefined) {
    body = body.padStart(spec.prec, '0');
    if (spec.prec === 0 && n === 0) body = '';
  }
  return signed(body, neg, spec);
}

function goQuoteRune(n: number): string {
  const ch = String.fromCodePoint(n);
  if (ch === "'") return "'\\''";
  const q = goQuote(ch);
  return "'" + q.slice(1, -1).replace(/\\"/g, '"') + "'";
}

function fmtFloatVerb(x: number, spec: Spec): string | undefined {
  let body: string;
  switch (spec.verb) {
    case 'v':
    case 'g':
      body = formatFloat(x, 'g', spec.prec ?? -1);
      break;
    case 'G':
      body = formatFloat(x, 'g', spec.prec ?? -1).toUpperCase();
      break;
    case 'e':
      body = formatFloat(x, 'e', spec.prec ?? 6);
      break;
    case 'E':
      body = formatFloat(x, 'e', spec.prec ?? 6).toUpperCase();
      break;
    case 'f':
    case 'F':
      body = formatFloat(x, 'f', spec.prec ?? 6);
      break;
    default:
      return undefined;
  }
  if (body.startsWith('-')) return body;
  if (body.startsWith('+')) return spec.plus ? body : body.slice(1) === 'Inf' ? (spec.space ? ' Inf' : '+Inf') : body;
  return signed(body, false, spec);
}

function fmtString(s: string, spec: Spec): string | undefined {
  switch (spec.verb) {
    case 'v':
    case 's':
      if (spec.prec !== undefined) return [...s].slice(0, spec.prec).join('');
      return s;
    case 'q':
      return goQuote(spec.prec !== undefined ? [...s].slice(0, spec.prec).join('') : s);
    case 'x':
    case 'X': {
      let hex = '';
      for (const b of utf8Bytes(s)) hex += b.toString(16).padStart(2, '0');
      return spec.verb === 'X' ? hex.toUpperCase() : hex;
    }
    default:
      return undefined;
  }
}

/** One operand under one verb; `undefined` means a bad verb for this type. */
function formatArg(v: unknown, spec: Spec): string | undefined {
  if (spec.verb === 'T') return typeName(v);
  if (v === undefined || v === null) return spec.verb === 'v' ? '<nil>' : undefined;
  if (typeof v === 'object' && spec.verb !== 'T' && !(v instanceof GoFloat)) {
    // Stringers print themselves for %v and %s (and %q quotes the result).
    const str = (v as { goString?: () => string | undefined }).goString?.();
    if (str !== undefined && (spec.verb === 'v' || spec.verb === 's' || spec.verb === 'q' || spec.verb === 'x' || spec.verb === 'X')) {
      if (!(v instanceof GoNamedInt) || spec.verb !== 'x') return fmtString(str, spec);
    }
  }
  switch (kindOf(v)) {
    case 'string':
      return fmtString(v as string, spec);
    case 'bool':
      return spec.verb === 'v' || spec.verb === 't' ? String(v) : undefined;
    case 'int':
      return fmtInteger(numberOf(v), spec);
    case 'float':
      return fmtFloatVerb(numberOf(v), spec);
    case 'slice': {
      const items = sliceItems(v)!;
      // %s/%q/%d… apply to each element.
      const parts: string[] = [];
      for (const it of items) {
        const p = formatArg(it, { ...spec, width: undefined });
        parts.push(p ?? badVerb(spec, it));
      }
      return '[' + parts.join(' ') + ']';
    }
    case 'map':
    case 'struct':
      if (spec.verb === 'v' || spec.verb === 's') return formatValue(v, 'v', spec.plus);
      if (v instanceof GoMap || v instanceof GoStruct || v instanceof GoSlice) return undefined;
      return formatValue(v, 'v', spec.plus);
    default:
      return spec.verb === 'v' ? formatValue(v) : undefined;
  }
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argi = 0;
  let i = 0;
  const n = format.length;
  while (i < n) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false, width: undefined, prec: undefined, verb: '' };
    for (; i < n; i++) {
      const c = format[i];
      if (c === '-') spec.minus = true;
      else if (c === '+') spec.plus = true;
      else if (c === '#') spec.sharp = true;
      else if (c === ' ') spec.space = true;
      else if (c === '0') spec.zero = !spec.minus;
      else break;
    }
    const readNum = (): number | undefined => {
      if (format[i] === '*') {
        i++;
        const a = args[argi++];
        return typeof a === 'number' && Number.isInteger(a) ? a : undefined;
      }
      const start = i;
      while (i < n && format[i]! >= '0' && format[i]! <= '9') i++;
      return i > start ? Number(format.slice(start, i)) : undefined;
    };
    spec.width = readNum();
    if (spec.width !== undefined && spec.width < 0) {
      spec.minus = true;
      spec.width = -spec.width;
    }
    if (format[i] === '.') {
      i++;
      spec.prec = readNum() ?? 0;
    }
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    spec.verb = verb;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argi++];
    const body = formatArg(arg, spec);
    if (body === undefined) {
      out += badVerb(spec, arg);
      continue;
    }
    const numeric = 'dxXobOeEfFgGv'.includes(verb) && (kindOf(arg) === 'int' || kindOf(arg) === 'float');
    out += pad(body, spec, numeric);
  }
  if (argi < args.length) {
    out += '%!(EXTRA ' + args.slice(argi).map((a) => (a === undefined || a === null ? '<nil>' : `${typeName(a)}=${formatValue(a)}`)).join(', ') + ')';
  }
  return out;
}
