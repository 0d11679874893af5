/**
 * FNV-1a 64 of a label set through a tiny WebAssembly function (source: fnv.wat beside this file).
 * JavaScript lacks a native 64-bit multiply; WebAssembly has one, so the per-byte loop is several times
 * faster there. Label bytes are copied into the module's memory by a plain JavaScript loop (ASCII) or
 * `TextEncoder.encodeInto` (anything else); sets that do not fit return undefined and the caller uses
 * the pure JavaScript implementation.
 */
const WASM_BASE64 =
  'AGFzbQEAAAABBQFgAX8AAwIBAAUDAQABBxACBm1lbW9yeQIAA2ZudgAACk4BTAIBfgJ/QqXGiKHInKf5SyEBQQghAiAAQQhqIQMCQANAIAIgA08NASABIAIxAACFQrODgICAIH4hASACQQFqIQIMAAsLQQAgATcDAAs=';

const instance = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64')));
const exports = instance.exports as { memory: WebAssembly.Memory; fnv: (len: number) => void };
const memory = new Uint8Array(exports.memory.buffer);
const words = new Uint32Array(exports.memory.buffer, 0, 2);
const encoder = new TextEncoder();
const START = 8;
const SEPARATOR = 0xff;

/** Writes `str` at `pos`; returns the next position, or -1 when it does not fit. */
function put(str: string, pos: number): number {
  const n = str.length;
  if (pos + n * 3 + 1 > memory.length) return -1;
  for (let i = 0; i < n; i++) {
    const c = str.charCodeAt(i);
    if (c > 0x7f) {
      const { written } = encoder.encodeInto(str.slice(i), memory.subarray(pos));
      pos += written;
      break;
    }
    memory[pos++] = c;
  }
  memory[pos++] = SEPARATOR;
  return pos;
}

/**
 * Hashes the set (names in the order given); false when it is too large for the buffer. The hash is then
 * read with `fnvHigh` and `fnvLow` (no array per call: this runs once per received alert).
 */
export function fnvLabelsWasm(labels: Readonly<Record<string, string>>, names: readonly string[]): boolean {
  let pos = START;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    pos = put(name, pos);
    if (pos < 0) return false;
    pos = put(labels[name]!, pos);
    if (pos < 0) return false;
  }
  exports.fnv(pos - START);
  return true;
}

/** High 32 bits of the last hash. */
export function fnvHigh(): number {
  return words[1]!;
}

/** Low 32 bits of the last hash. */
export function fnvLow(): number {
  return words[0]!;
}
