/**
 * The function map: Go's built-in template functions (text/template funcs.go) and Alertmanager's
 * `DefaultFuncs` (template/template.go), with Go's argument types and error messages.
 *
 * Built-ins: and or not len index slice eq ne lt le gt ge print printf println html js urlquery.
 * Alertmanager: toUpper toLower title trimSpace join match safeHtml safeUrl urlUnescape reReplaceAll
 * stringSlice date tz since humanizeDuration toJson.
 */
import { GoError } from './errors.js';
import type { FuncMap, GoFunc } from './exec.js';
import { formatFloat, formatValue, sprint, sprintf, sprintln } from './fmt.js';
import { goMatch, goReplaceAll } from './regexp.js';
import { GoDuration, GoTime, loadLocation } from './time.js';
import {
  GoFloat,
  GoMap,
  GoNamedInt,
  GoSlice,
  GoStringSlice,
  GoStruct,
  JSONFields,
  compareStrings,
  isTrue,
  kindOf,
  lengthOf,
  mapLookup,
  mapSortedKeys,
  mapZero,
  numberOf,
  sliceItems,
  typeName,
} from './values.js';

// ---- comparison -----------------------------------------------------------------------------------

type BasicKind = 'bool' | 'int' | 'float' | 'string' | 'invalid' | 'other';

function basicKind(v: unknown): BasicKind {
  const k = kindOf(v);
  switch (k) {
    case 'bool':
    case 'int':
    case 'float':
    case 'string':
      return k;
    case 'invalid':
    case 'nil':
      return 'invalid';
    default:
      return 'other';
  }
}

const errBadComparisonType = 'invalid type for comparison';
const errBadComparison = 'incompatible types for comparison';
const errNoComparison = 'missing argument for comparison';

function isNilish(v: unknown): boolean {
  return v === undefined || v === null;
}

/** eq arg1 arg2...: true when arg1 equals any of the others. */
function eq(arg1: unknown, rest: readonly unknown[]): boolean {
  if (rest.length === 0) throw new GoError(errNoComparison);
  const k1 = basicKind(arg1);
  for (const arg of rest) {
    const k2 = basicKind(arg);
    let truth = false;
    if (k1 !== k2) {
      if (!isNilish(arg1) && !isNilish(arg)) throw new GoError(`${errBadComparison}: ${typeName(arg1)} and ${typeName(arg)}`);
    } else {
      switch (k1) {
        case 'bool':
        case 'string':
          truth = arg1 === arg;
          break;
        case 'int':
        case 'float':
          truth = numberOf(arg1) === numberOf(arg);
          break;
        case 'invalid':
          truth = true;
          break;
        default:
          if (arg1 instanceof GoStruct && arg instanceof GoStruct) {
            const r = arg1.goEquals(arg);
            if (r === undefined) throw new GoError(`non-comparable type ${formatValue(arg1)}: ${typeName(arg1)}`);
            truth = r;
          } else {
            throw new GoError(`non-comparable types ${formatValue(arg1)}: ${typeName(arg1)}, ${typeName(arg)}: ${formatValue(arg)}`);
          }
      }
    }
    if (truth) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  if (k1 === 'invalid' || k1 === 'other') throw new GoError(errBadComparisonType);
  const k2 = basicKind(b);
  if (k2 === 'invalid' || k2 === 'other') throw new GoError(errBadComparisonType);
  if (k1 !== k2) throw new GoError(`${errBadComparison}: ${typeName(a)} and ${typeName(b)}`);
  switch (k1) {
    case 'bool':
      throw new GoError(errBadComparisonType);
    case 'string':
      return compareStrings(a as string, b as string) < 0;
    default:
      return numberOf(a) < numberOf(b);
  }
}

function le(a: unknown, b: unknown): boolean {
  return lt(a, b) || eq(a, [b]);
}

// ---- index and slice ------------------------------------------------------------------------------

function indexArg(index: unknown, cap: number): number {
  const k = kindOf(index);
  if (k === 'invalid' || k === 'nil') throw new GoError('cannot index slice/array with nil');
  if (k !== 'int') throw new GoError(`cannot index slice/array with type ${typeName(index)}`);
  const x = numberOf(index);
  if (x < 0 || x > cap) throw new GoError(`index out of range: ${x}`);
  return x;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function index(item: unknown, indexes: readonly unknown[]): unknown {
  if (isNilish(item)) throw new GoError('index of untyped nil');
  for (const ix of indexes) {
    if (isNilish(item)) throw new GoError('index of nil pointer');
    switch (kindOf(item)) {
      case 'slice': {
        const items = sliceItems(item)!;
        const x = indexArg(ix, items.length);
        if (x === items.length) throw new GoError(`index out of range: ${x}`);
        item = items[x] ?? null;
        break;
      }
      case 'string': {
        const bytes = encoder.encode(item as string);
        const x = indexArg(ix, bytes.length);
        if (x === bytes.length) throw new GoError(`index out of range: ${x}`);
        item = bytes[x]!;
        break;
      }
      case 'map': {
        if (typeof ix !== 'string') {
          throw new GoError(isNilish(ix) ? 'value is nil; should be of type string' : `value has type ${typeName(ix)}; should be string`);
        }
        const v = mapLookup(item, ix);
        item = v !== undefined ? v : mapZero(item);
        break;
      }
      default:
        throw new GoError(`can't index item of type ${typeName(item)}`);
    }
  }
  return item;
}

function slice(item: unknown, indexes: readonly unknown[]): unknown {
  if (isNilish(item)) throw new GoError('slice of untyped nil');
  if (indexes.length > 3) throw new GoError(`too many slice indexes: ${indexes.length}`);
  const k = kindOf(item);
  if (k === 'string') {
    if (indexes.length === 3) throw new GoError('cannot 3-index slice a string');
    const bytes = encoder.encode(item as string);
    const idx = [0, bytes.length];
    indexes.forEach((ix, i) => (idx[i] = indexArg(ix, bytes.length)));
    if (idx[0]! > idx[1]!) throw new GoError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
    return decoder.decode(bytes.subarray(idx[0], idx[1]));
  }
  if (k !== 'slice') throw new GoError(`can't slice item of type ${typeName(item)}`);
  const items = sliceItems(item)!;
  const idx = [0, items.length, items.length];
  indexes.forEach((ix, i) => (idx[i] = indexArg(ix, items.length)));
  if (idx[0]! > idx[1]!) throw new GoError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1]! > idx[2]!) throw new GoError(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  const part = items.slice(idx[0], idx[1]);
  return item instanceof GoSlice ? item.withItems(part) : part;
}

// ---- escaping -------------------------------------------------------------------------------------

/** html/js/urlquery take any arguments: one string as is, otherwise fmt.Sprint of them. */
function evalArgs(args: readonly unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === undefined || a === null ? '<no value>' : a)));
}

/** template.HTMLEscapeString. */
export function htmlEscape(s: string): string {
  return s.replace(/[<>&'"\0]/g, (c) => {
    switch (c) {
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '&':
        return '&amp;';
      case "'":
        return '&#39;';
      case '"':
        return '&#34;';
      default:
        return '\uFFFD';
    }
  });
}

const JS_PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]$/u;

/** template.JSEscapeString. */
export function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '\\':
        out += '\\\\';
        continue;
      case "'":
        out += "\\'";
        continue;
      case '"':
        out += '\\"';
        continue;
      case '<':
        out += '\\u003C';
        continue;
      case '>':
        out += '\\u003E';
        continue;
      case '&':
        out += '\\u0026';
        continue;
      case '=':
        out += '\\u003D';
        continue;
    }
    if (cp < 0x20) out += '\\u00' + cp.toString(16).toUpperCase().padStart(2, '0');
    else if (cp < 0x80) out += ch;
    else if (JS_PRINTABLE.test(ch)) out += ch;
    else out += '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
  }
  return out;
}

/** url.QueryEscape: only A-Z a-z 0-9 - _ . ~ are kept; space becomes +. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of encoder.encode(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (b === 0x20) out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** url.QueryUnescape. */
export function queryUnescape(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%') {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) {
        throw new GoError(`invalid URL escape ${JSON.stringify(s.slice(i, Math.min(s.length, i + 3)))}`);
      }
      bytes.push(parseInt(h, 16));
      i += 2;
    } else if (c === '+') {
      bytes.push(0x20);
    } else {
      for (const b of encoder.encode(String.fromCodePoint(s.codePointAt(i)!))) bytes.push(b);
      if (s.codePointAt(i)! > 0xffff) i++;
    }
  }
  return decoder.decode(new Uint8Array(bytes));
}

// ---- strings --------------------------------------------------------------------------------------

/** strings.ToUpper/ToLower map rune by rune (no multi-rune expansions such as ß → SS). */
function mapRunes(s: string, upper: boolean): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return upper ? s.toUpperCase() : s.toLowerCase();
  let out = '';
  for (const ch of s) {
    if (!upper && ch === '\u0130') {
      out += 'i';
      continue;
    }
    const m = upper ? ch.toUpperCase() : ch.toLowerCase();
    out += [...m].length === 1 ? m : ch;
  }
  return out;
}

const CASED = /[\p{Lu}\p{Ll}\p{Lt}]/u;
// Word-break MidLetter / MidNumLet / Single_Quote: stay inside a word (o'neil, e.g).
const MID = new Set(["'", '.', ':', '\u00b7', '\u0387', '\u05f4', '\u2018', '\u2019', '\u2024', '\u2027', '\ufe13', '\ufe52', '\ufe55', '\uff07', '\uff0e', '\uff1a']);
const WORDISH = /[\p{L}\p{M}\p{Nd}\p{Pc}]/u;

/**
 * cases.Title(language.AmericanEnglish): the first cased letter of each word is title-cased, the
 * rest of the word lower-cased. Words break on anything but letters, digits, `_` and mid-word
 * punctuation (an apostrophe or a dot between letters); two mid-word marks in a row break too.
 */
export function titleCase(s: string): string {
  let out = '';
  let midWord = false;
  let prevMid = false;
  for (const ch of s) {
    const isMid = MID.has(ch);
    if (prevMid && isMid) midWord = false;
    if (CASED.test(ch)) {
      if (!midWord) {
        const up = ch.toUpperCase();
        out += [...up].length === 1 ? up : up[0] + up.slice(1).toLowerCase();
        midWord = true;
      } else {
        out += ch.toLowerCase();
      }
    } else {
      out += ch;
      if (!isMid && !WORDISH.test(ch)) midWord = false;
    }
    prevMid = isMid;
  }
  return out;
}

const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/** strings.TrimSpace (Unicode white space; unlike String.prototype.trim, not U+FEFF). */
export function trimSpace(s: string): string {
  return s.replace(GO_SPACE, '');
}

// ---- JSON -----------------------------------------------------------------------------------------

/** encoding/json.Marshal: sorted map keys, HTML-safe escaping, Go's float format, errors for NaN/Inf. */
export function goJSON(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
    case 'bigint': {
      const n = Number(v);
      if (!Number.isFinite(n)) throw new GoError(`json: unsupported value: ${formatFloat(n, 'g', -1)}`);
      return Number.isSafeInteger(n) ? formatValue(n) : JSON.stringify(n);
    }
    case 'object':
      break;
    default:
      throw new GoError(`json: unsupported type: ${typeName(v)}`);
  }
  if (v instanceof GoFloat) {
    if (!Number.isFinite(v.value)) throw new GoError(`json: unsupported value: ${formatFloat(v.value, 'g', -1)}`);
    return JSON.stringify(v.value);
  }
  if (v instanceof GoStruct || v instanceof GoMap || v instanceof GoSlice || v instanceof GoNamedInt) {
    const inner = v.goJSON();
    if (v instanceof GoMap) {
      return '{' + v.sortedKeys().map((k) => `${goJSON(k)}:${goJSON(v.lookup(k))}`).join(',') + '}';
    }
    return goJSON(inner);
  }
  if (v instanceof JSONFields) return '{' + v.entries.map(([k, x]) => `${goJSON(k)}:${goJSON(x)}`).join(',') + '}';
  if (Array.isArray(v)) return '[' + v.map(goJSON).join(',') + ']';
  if (kindOf(v) === 'map') return '{' + mapSortedKeys(v).map((k) => `${goJSON(k)}:${goJSON(mapLookup(v, k))}`).join(',') + '}';
  throw new GoError(`json: unsupported type: ${typeName(v)}`);
}

// ---- humanizeDuration -----------------------------------------------------------------------------

/** prometheus/common HumanizeDuration: seconds (number, numeric string or Duration) to "1d 2h 3m 4s". */
export function humanizeDuration(i: unknown): string {
  let v: number;
  if (typeof i === 'string') {
    const t = i.trim() === i ? Number(i) : NaN;
    if (i === '' || Number.isNaN(t)) throw new GoError(`strconv.ParseFloat: parsing ${JSON.stringify(i)}: invalid syntax`);
    v = t;
  } else if (i instanceof GoDuration) {
    v = i.ms / 1000;
  } else if (typeof i === 'number' || i instanceof GoFloat) {
    v = numberOf(i);
  } else {
    throw new GoError(`can't convert ${i === null || i === undefined ? '<nil>' : typeName(i)} to float`);
  }
  const g4 = (x: number): string => formatFloat(x, 'g', 4);
  if (Number.isNaN(v) || !Number.isFinite(v)) return g4(v);
  if (v === 0) return `${g4(v)}s`;
  if (Math.abs(v) >= 1) {
    let sign = '';
    if (v < 0) {
      sign = '-';
      v = -v;
    }
    const duration = Math.trunc(v);
    const seconds = duration % 60;
    const minutes = Math.trunc(duration / 60) % 60;
    const hours = Math.trunc(duration / 3600) % 24;
    const days = Math.trunc(duration / 86400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${g4(v)}s`;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${g4(v)}${prefix}s`;
}

// ---- the map --------------------------------------------------------------------------------------

const f = (fn: GoFunc): GoFunc => fn;

/** Go's built-in template functions. */
export const BUILTIN_FUNCS: FuncMap = new Map<string, GoFunc>([
  ['and', f({ params: ['value'], variadic: 'value', lazy: 'and', call: () => undefined })],
  ['or', f({ params: ['value'], variadic: 'value', lazy: 'or', call: () => undefined })],
  ['not', f({ params: ['value'], call: ([a]) => !isTrue(a) })],
  ['len', f({ params: ['value'], call: ([a]) => lengthOf(a) })],
  ['index', f({ params: ['value'], variadic: 'value', call: ([item, ...ix]) => index(item, ix) })],
  ['slice', f({ params: ['value'], variadic: 'value', call: ([item, ...ix]) => slice(item, ix) })],
  ['eq', f({ params: ['value'], variadic: 'value', call: ([a, ...rest]) => eq(a, rest) })],
  ['ne', f({ params: ['value', 'value'], call: ([a, b]) => !eq(a, [b]) })],
  ['lt', f({ params: ['value', 'value'], call: ([a, b]) => lt(a, b) })],
  ['le', f({ params: ['value', 'value'], call: ([a, b]) => le(a, b) })],
  ['gt', f({ params: ['value', 'value'], call: ([a, b]) => !le(a, b) })],
  ['ge', f({ params: ['value', 'value'], call: ([a, b]) => !lt(a, b) })],
  ['print', f({ params: [], variadic: 'any', call: (args) => sprint(args) })],
  ['printf', f({ params: ['string'], variadic: 'any', call: ([fmt, ...args]) => sprintf(fmt as string, args) })],
  ['println', f({ params: [], variadic: 'any', call: (args) => sprintln(args) })],
  ['html', f({ params: [], variadic: 'any', call: (args) => htmlEscape(evalArgs(args)) })],
  ['js', f({ params: [], variadic: 'any', call: (args) => jsEscape(evalArgs(args)) })],
  ['urlquery', f({ params: [], variadic: 'any', call: (args) => queryEscape(evalArgs(args)) })],
]);

/** Alertmanager's DefaultFuncs (template/template.go). */
export const ALERTMANAGER_FUNCS: FuncMap = new Map<string, GoFunc>([
  ['toUpper', f({ params: ['string'], call: ([s]) => mapRunes(s as string, true) })],
  ['toLower', f({ params: ['string'], call: ([s]) => mapRunes(s as string, false) })],
  ['title', f({ params: ['string'], call: ([s]) => titleCase(s as string) })],
  ['trimSpace', f({ params: ['string'], call: ([s]) => trimSpace(s as string) })],
  // join takes the separator first so that it pipelines: {{ .Values | join ", " }}.
  ['join', f({ params: ['string', 'stringSlice'], call: ([sep, list]) => ((list as string[] | null) ?? []).join(sep as string) })],
  ['match', f({ params: ['string', 'string'], call: ([re, s]) => goMatch(re as string, s as string) })],
  // In Alertmanager these return html/template's HTML and URL types; in a text template they print as strings.
  ['safeHtml', f({ params: ['string'], call: ([s]) => s })],
  ['safeUrl', f({ params: ['string'], call: ([s]) => s })],
  ['urlUnescape', f({ params: ['string'], call: ([s]) => queryUnescape(s as string) })],
  [
    'reReplaceAll',
    f({
      params: ['string', 'string', 'string'],
      call: ([re, repl, s]) => {
        try {
          return goReplaceAll(re as string, repl as string, s as string);
        } catch (e) {
          // Alertmanager compiles with regexp.MustCompile: its panic message names the pattern.
          throw new GoError(`regexp: Compile(\`${re as string}\`): ${(e as Error).message}`);
        }
      },
    }),
  ],
  ['stringSlice', f({ params: [], variadic: 'string', call: (args) => new GoStringSlice(args as string[]) })],
  ['date', f({ params: ['string', 'time'], call: ([layout, t]) => (t as GoTime).format(layout as string) })],
  ['tz', f({ params: ['string', 'time'], call: ([name, t]) => new GoTime((t as GoTime).ms, loadLocation(name as string)) })],
  ['since', f({ params: ['time'], call: ([t], ctx) => new GoDuration(ctx.now() - (t as GoTime).ms) })],
  ['humanizeDuration', f({ params: ['any'], call: ([v]) => humanizeDuration(v) })],
  ['toJson', f({ params: ['any'], call: ([v]) => goJSON(v) })],
]);

/** Built-ins plus Alertmanager's functions (Alertmanager's win on a clash, as in Alertmanager). */
export function defaultFuncs(extra?: FuncMap): FuncMap {
  const m = new Map<string, GoFunc>(BUILTIN_FUNCS);
  if (extra) for (const [k, v] of extra) m.set(k, v);
  for (const [k, v] of ALERTMANAGER_FUNCS) m.set(k, v);
  return m;
}
