/**
 * Label sets and their identities, exactly as Prometheus and Alertmanager compute them.
 *
 * A fingerprint is FNV-1a 64-bit over the label names sorted ascending, each written as
 * `name 0xFF value 0xFF`, printed as 16 lowercase hex digits (prometheus/common model/signature.go).
 * JavaScript has no cheap 64-bit integer multiply, so the hash is kept in four 16-bit limbs:
 * this avoids BigInt on the hot path (it runs once per received alert).
 */

import { HASHED, SHAPE_SLOTS, TOO_LARGE, type WasmShape, fnvHigh, fnvLow, fnvShape, prepareShape } from './fnvWasm.js';

export type Labels = Readonly<Record<string, string>>;

/** Prometheus label name grammar (model.LabelNameRE). */
export const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

// FNV-1a 64: offset basis 0xcbf29ce484222325, prime 0x100000001b3 = 2^40 + 0x1b3. The state is four
// 16-bit limbs (least significant first): small integers that V8 never boxes, and no BigInt. (Measured
// against two 32-bit halves, which V8 boxes as heap numbers: twice as slow.)
const encoder = new TextEncoder();
const SEPARATOR = 0xff;

// Character codes of the hex digits.
const HEX = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

let h0 = 0;
let h1 = 0;
let h2 = 0;
let h3 = 0;

function fnvByte(byte: number): void {
  const x0 = h0 ^ byte;
  // x · 0x1b3 plus x << 40 ((x << 8) two limbs up); what spills past limb 3 is dropped (mod 2^64).
  let t0 = x0 * 0x1b3;
  let t1 = h1 * 0x1b3;
  let t2 = h2 * 0x1b3 + (x0 << 8);
  let t3 = h3 * 0x1b3 + (h1 << 8);
  t1 += t0 >>> 16;
  t0 &= 0xffff;
  t2 += t1 >>> 16;
  t1 &= 0xffff;
  t3 += t2 >>> 16;
  t2 &= 0xffff;
  h0 = t0;
  h1 = t1;
  h2 = t2;
  h3 = t3 & 0xffff;
}

function fnvString(str: string): void {
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    if (c > 0x7f) {
      // Not ASCII: hash the UTF-8 bytes of the rest of the string.
      const bytes = encoder.encode(str.slice(i));
      for (let j = 0; j < bytes.length; j++) fnvByte(bytes[j]!);
      return;
    }
    fnvByte(c);
  }
}

/**
 * The sorted label names of a set. Sorting is by UTF-16 code unit, which equals byte order for ASCII
 * names. A sender sends its label sets with the same names in the same order every time (Go's JSON
 * encoder sorts them; other senders keep their order), so the order of the last few shapes seen is
 * remembered and only checked. The array returned is the caller's.
 */
export function sortedNames(labels: Labels): string[] {
  const names = Object.keys(labels);
  const n = names.length;
  for (let s = 0; s < shapes.length; s++) {
    const shape = shapes[s]!;
    const keys = shape.keys;
    if (keys.length !== n) continue;
    let i = 0;
    while (i < n && keys[i] === names[i]) i++;
    if (i < n) continue;
    const sorted = shape.sorted;
    for (let j = 0; j < n; j++) names[j] = sorted[j]!;
    return names;
  }
  const keys = names.slice();
  if (n > 32) names.sort();
  else {
    // Insertion sort: label sets are small, often already sorted, and this avoids the generic sort path.
    for (let i = 1; i < n; i++) {
      const x = names[i]!;
      let j = i - 1;
      while (j >= 0 && names[j]! > x) {
        names[j + 1] = names[j]!;
        j--;
      }
      names[j + 1] = x;
    }
  }
  if (n <= 32) {
    // The slot of the shape it replaces in the ring is its slot in the WebAssembly memory too.
    shapes[nextShape] = { keys, sorted: names.slice(), wasm: prepareShape(nextShape, keys, names) };
    nextShape = (nextShape + 1) % SHAPES;
  }
  return names;
}

const SHAPES = SHAPE_SLOTS;
const shapes: { readonly keys: readonly string[]; readonly sorted: readonly string[]; readonly wasm: WasmShape | undefined }[] = [];
let nextShape = 0;
/** The shape the last fingerprint matched: tried first, as a sender's sets come in runs of one shape. */
let lastShape = 0;

/**
 * The fingerprint of a plain object whose names, in their own order, are those of a shape seen before;
 * undefined otherwise.
 */
function fingerprintOfKnownShape(labels: Labels): string | undefined {
  for (let t = 0; t < shapes.length; t++) {
    const s = (lastShape + t) % shapes.length;
    const wasm = shapes[s]!.wasm;
    if (wasm === undefined) continue;
    const result = fnvShape(labels, wasm);
    if (result === HASHED) {
      lastShape = s;
      return hex16(fnvHigh(), fnvLow());
    }
    if (result === TOO_LARGE) return undefined;
  }
  return undefined;
}

/** Alertmanager's fingerprint of a label set (`%016x` of FNV-1a 64). */
export function fingerprint(labels: Labels): string {
  // `for in` also walks inherited properties: only plain objects, whose prototype has none.
  const plain = Object.getPrototypeOf(labels) === Object.prototype;
  if (plain) {
    const known = fingerprintOfKnownShape(labels);
    if (known !== undefined) return known;
  }
  // A shape not seen lately: learning it (sortedNames) prepares it for the next sets.
  const names = sortedNames(labels);
  return (plain ? fingerprintOfKnownShape(labels) : undefined) ?? fingerprintJs(labels, names);
}

/**
 * `%08x%08x` of two 32-bit words, as one flat string: fingerprints are map keys everywhere, and a string
 * built by concatenation is a rope that every map lookup has to walk to hash and compare.
 */
function hex16(hi: number, lo: number): string {
  return String.fromCharCode(
    HEX[hi >>> 28]!,
    HEX[(hi >>> 24) & 15]!,
    HEX[(hi >>> 20) & 15]!,
    HEX[(hi >>> 16) & 15]!,
    HEX[(hi >>> 12) & 15]!,
    HEX[(hi >>> 8) & 15]!,
    HEX[(hi >>> 4) & 15]!,
    HEX[hi & 15]!,
    HEX[lo >>> 28]!,
    HEX[(lo >>> 24) & 15]!,
    HEX[(lo >>> 20) & 15]!,
    HEX[(lo >>> 16) & 15]!,
    HEX[(lo >>> 12) & 15]!,
    HEX[(lo >>> 8) & 15]!,
    HEX[(lo >>> 4) & 15]!,
    HEX[lo & 15]!,
  );
}

/** The same hash in plain JavaScript, for label sets too large for the WebAssembly buffer (and tests). */
export function fingerprintJs(labels: Labels, names: readonly string[] = sortedNames(labels)): string {
  h0 = 0x2325;
  h1 = 0x8422;
  h2 = 0x9ce4;
  h3 = 0xcbf2;
  for (const name of names) {
    fnvString(name);
    fnvByte(SEPARATOR);
    fnvString(labels[name]!);
    fnvByte(SEPARATOR);
  }
  return hex16(((h3 << 16) | h2) >>> 0, ((h1 << 16) | h0) >>> 0);
}

/**
 * `model.LabelSet.String()`: `{a="x", b="y"}` with names sorted and values quoted the way Go's
 * `strconv.Quote` does for printable text.
 */
export function labelSetString(labels: Labels): string {
  const parts: string[] = [];
  for (const name of sortedNames(labels)) parts.push(`${name}=${goQuote(labels[name]!)}`);
  return `{${parts.join(', ')}}`;
}

/** Go `strconv.Quote` for the characters that occur in label values. */
export function goQuote(s: string): string {
  let needsEscape = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x7f) {
      needsEscape = true;
      break;
    }
  }
  if (!needsEscape) return `"${s}"`;
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** Labels shared by every set in the list (name and value equal in all), in the first set's order. */
export function commonLabels(sets: readonly Labels[]): Record<string, string> {
  const first = sets[0];
  const common: Record<string, string> = {};
  if (!first) return common;
  // Built by adding what is shared rather than deleting what is not: an object that had properties
  // deleted turns into a slow dictionary, and these objects go straight to JSON.stringify.
  for (const name of Object.keys(first)) {
    const value = first[name]!;
    let shared = true;
    for (let i = 1; i < sets.length; i++) {
      if (sets[i]![name] !== value) {
        shared = false;
        break;
      }
    }
    if (!shared) continue;
    if (name === '__proto__') Object.defineProperty(common, name, { value, enumerable: true, writable: true, configurable: true });
    else common[name] = value;
  }
  return common;
}

/**
 * Equality of two string records (label sets, annotations) without allocating: every entry of `a` is
 * in `b` with the same value, and `b` has no more entries. Own enumerable keys only, as JSON gives.
 */
export function sameStrings(a: Labels, b: Labels): boolean {
  let n = 0;
  for (const k in a) {
    if (a[k] !== b[k]) return false;
    n++;
  }
  for (const k in b) {
    void k;
    if (--n < 0) return false;
  }
  return n === 0;
}

/** Equality of two label sets. */
export function labelsEqual(a: Labels, b: Labels): boolean {
  const ak = Object.keys(a);
  if (ak.length !== Object.keys(b).length) return false;
  for (const k of ak) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * Go's `LabelSet.Before` ordering, used to sort alerts and groups: compare names in sorted order, then
 * values; a set that is a prefix of another sorts first.
 */
export function compareLabelSets(a: Labels, b: Labels): number {
  const an = sortedNames(a);
  const bn = sortedNames(b);
  const n = Math.min(an.length, bn.length);
  for (let i = 0; i < n; i++) {
    const x = an[i]!;
    const y = bn[i]!;
    if (x !== y) return x < y ? -1 : 1;
    const xv = a[x]!;
    const yv = b[y]!;
    if (xv !== yv) return xv < yv ? -1 : 1;
  }
  return an.length - bn.length;
}

/**
 * Go compares strings bytewise, which for UTF-8 is code point order. UTF-16 code unit order differs only
 * when an astral character (a surrogate pair) meets a BMP character at or above U+E000.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
