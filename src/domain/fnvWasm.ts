/**
 * FNV-1a 64 of a label set through a tiny WebAssembly function (source: fnv.wat beside this file).
 * JavaScript lacks a native 64-bit multiply; WebAssembly has one, so the per-byte loop is several times
 * faster there.
 *
 * The function hashes a list of byte ranges, which lets a label set's names and values stay apart: the
 * sorted names of each known shape (the names of a set in the order the sender writes them) are written
 * into the module's memory once, with a table of ranges `name 0xFF value 0xFF` in sorted order. Hashing a
 * set of that shape then walks it once in its own order (`for in`, which V8 reads by field index: no
 * keyed lookup per name), checks its names against the shape's, and copies only the values, each into
 * its sorted place in the table. Values are copied by a plain JavaScript loop (ASCII) or
 * `TextEncoder.encodeInto` (anything else). Measured on label sets of the 100k stream: 520 ns per
 * fingerprint instead of 665 ns when names and values were copied in sorted order, a keyed lookup each.
 */
const WASM_BASE64 =
  'AGFzbQEAAAABBgFgAn9/AAMCAQAFAwEAAQcQAgZtZW1vcnkCAANmbnYAAAp4AXYCAX4Ef0KlxoihyJyn+UshAiAAIQMgACABQQN0aiEEAkADQCADIARPDQEgAygCACEFIAUgAygCBGohBgJAA0AgBSAGTw0BIAIgBTEAAIVCs4OAgIAgfiECIAVBAWohBQwACwsgA0EIaiEDDAALC0EAIAI3AwAL';

const instance = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64')));
const exports = instance.exports as { memory: WebAssembly.Memory; fnv: (table: number, count: number) => void };
const memory = new Uint8Array(exports.memory.buffer);
/** The same memory as 32-bit words: the range tables, and the result in words 0 and 1. */
const words = new Uint32Array(exports.memory.buffer);
const encoder = new TextEncoder();
const SEPARATOR = 0xff;

/** Most names a shape may have to be prepared. */
export const MAX_SHAPE_NAMES = 32;
/** Shapes prepared at a time (slots are reused by the caller's own cache). */
export const SHAPE_SLOTS = 8;
// Memory layout (one 64 KiB page): [0, 8) the result; then SHAPE_SLOTS slots, each a table of
// 2 * MAX_SHAPE_NAMES ranges (offset, length) followed by its names' bytes; then the values of the set
// being hashed.
const SLOTS_START = 64;
const TABLE_BYTES = 2 * MAX_SHAPE_NAMES * 8;
const SLOT_BYTES = 2048;
const VALUES_START = SLOTS_START + SHAPE_SLOTS * SLOT_BYTES;

/** A shape prepared in the module's memory. */
export interface WasmShape {
  /** The names in the sender's order: a set is of this shape when its `for in` yields exactly these. */
  readonly keys: readonly string[];
  /** For each name in the sender's order, the word index of its value's range in the table. */
  readonly valueRange: Int32Array;
  /** Byte offset of the table. */
  readonly table: number;
}

/**
 * Writes the sorted names of a shape into slot `slot` (replacing what was there); undefined when they do
 * not fit, and then sets of that shape are hashed some other way.
 */
export function prepareShape(slot: number, keys: readonly string[], sorted: readonly string[]): WasmShape | undefined {
  const n = sorted.length;
  if (n > MAX_SHAPE_NAMES || keys.length !== n) return undefined;
  const table = SLOTS_START + slot * SLOT_BYTES;
  const end = table + SLOT_BYTES;
  let pos = table + TABLE_BYTES;
  const tableWord = table >>> 2;
  for (let j = 0; j < n; j++) {
    const start = pos;
    pos = put(sorted[j]!, pos, end);
    if (pos < 0) return undefined;
    words[tableWord + 4 * j] = start;
    words[tableWord + 4 * j + 1] = pos - start;
  }
  const valueRange = new Int32Array(n);
  for (let i = 0; i < n; i++) valueRange[i] = tableWord + 4 * sorted.indexOf(keys[i]!) + 2;
  return { keys: keys.slice(), valueRange, table };
}

/** `fnvShape`: the set was hashed; read the hash with `fnvHigh` and `fnvLow`. */
export const HASHED = 0;
/** `fnvShape`: the set's names are not the shape's (nothing was hashed). */
export const OTHER_SHAPE = 1;
/** `fnvShape`: the values do not fit in the buffer (nothing was hashed). */
export const TOO_LARGE = 2;

/**
 * Hashes `labels` if it is of `shape`. The caller has checked that `labels` is a plain object, so `for in`
 * yields exactly its own names. No array per call: this runs once per received alert.
 */
export function fnvShape(labels: Readonly<Record<string, string>>, shape: WasmShape): number {
  const keys = shape.keys;
  const valueRange = shape.valueRange;
  const n = keys.length;
  let pos = VALUES_START;
  let i = 0;
  for (const name in labels) {
    if (i === n || keys[i] !== name) return OTHER_SHAPE;
    const start = pos;
    pos = put(labels[name]!, pos, memory.length);
    if (pos < 0) return TOO_LARGE;
    const range = valueRange[i]!;
    words[range] = start;
    words[range + 1] = pos - start;
    i++;
  }
  if (i !== n) return OTHER_SHAPE;
  exports.fnv(shape.table, 2 * n);
  return HASHED;
}

/** Writes `str` and a separator at `pos`; returns the next position, or -1 when it might not fit before `end`. */
function put(str: string, pos: number, end: number): number {
  const n = str.length;
  if (pos + n * 3 + 1 > end) return -1;
  for (let i = 0; i < n; i++) {
    const c = str.charCodeAt(i);
    if (c > 0x7f) {
      const { written } = encoder.encodeInto(str.slice(i), memory.subarray(pos, end));
      pos += written;
      break;
    }
    memory[pos++] = c;
  }
  memory[pos++] = SEPARATOR;
  return pos;
}

/** High 32 bits of the last hash. */
export function fnvHigh(): number {
  return words[1]!;
}

/** Low 32 bits of the last hash. */
export function fnvLow(): number {
  return words[0]!;
}
