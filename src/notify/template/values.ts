/**
 * How JavaScript values stand in for Go values inside templates. Go's template semantics depend on the
 * *kind* of a value (truthiness, printing, comparison, what `.Name` means), so every value is classified
 * here, once, for the executor, the printer and the functions alike:
 *
 * | Go                         | JavaScript                                                    |
 * |----------------------------|---------------------------------------------------------------|
 * | invalid (missing value)    | `undefined`                                                   |
 * | nil interface              | `null`                                                        |
 * | string, bool               | string, boolean                                               |
 * | int                        | an integral number                                            |
 * | float64                    | `GoFloat`, or a non-integral number                           |
 * | named int with methods     | `GoNamedInt` (time.Duration, time.Month, time.Weekday)        |
 * | slice                      | an array, or a `GoSlice` (a named slice type with methods)    |
 * | map[string]…               | a plain object or a `Map`, or a `GoMap` (named, with methods) |
 * | struct                     | a `GoStruct`                                                  |
 *
 * Plain objects are read with own-property checks only, so `.constructor` or `.__proto__` in a
 * template can never reach JavaScript internals.
 */
import { compareCodePoints } from '../../domain/labels.js';
import { GoError } from './errors.js';

/** A float64 whose value happens to be integral (a float literal such as `2.0`), kept apart from ints. */
export class GoFloat {
  constructor(readonly value: number) {}
}

/** Parameter types of functions and methods, checked like Go checks assignability. */
export type ParamType = 'any' | 'value' | 'string' | 'int' | 'float' | 'bool' | 'time' | 'duration' | 'stringSlice';

export interface CallContext {
  /** Epoch milliseconds: the executor's clock (injectable for tests). */
  now(): number;
}

/** A method of a Go value. `value` parameters receive `undefined`/`null` as they are. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- receivers differ per method table
export interface GoMethod<R = any> {
  readonly params: readonly ParamType[];
  readonly variadic?: ParamType;
  readonly call: (recv: R, args: unknown[], ctx: CallContext) => unknown;
}

abstract class GoTyped {
  /** The Go type name, for messages and `%T`. */
  abstract readonly goType: string;
  /** Methods (Go looks methods up before fields and map keys). */
  goMethod(_name: string): GoMethod | undefined {
    return undefined;
  }
  /** `String()` for types that implement fmt.Stringer. */
  goString(): string | undefined {
    return undefined;
  }
  /** The value as encoding/json would see it (before encoding). */
  abstract goJSON(): unknown;
}

/** A struct as encoding/json writes it: fields in declaration order under their JSON names. */
export class JSONFields {
  constructor(readonly entries: ReadonlyArray<readonly [string, unknown]>) {}
}

/** What `GoStruct.goField` returns for a name that is not a field. */
export const NO_FIELD: unique symbol = Symbol('no such field');

export abstract class GoStruct extends GoTyped {
  /** Exported field names in declaration order (printing with %v follows this order). */
  abstract goFieldNames(): readonly string[];
  /** A field's value, or `NO_FIELD`. */
  abstract goField(name: string): unknown;
  /** Whether two values are equal under Go's `==` (only for comparable struct types). */
  goEquals(_other: GoStruct): boolean | undefined {
    return undefined;
  }
}

export abstract class GoMap extends GoTyped {
  /** Zero value of the element type (what a missing key yields with missingkey=zero and in `index`). */
  abstract readonly zero: unknown;
  abstract size(): number;
  /** Keys in Go's sorted order (byte order of the UTF-8 encoding). */
  abstract sortedKeys(): readonly string[];
  /** The value for `key`, or `undefined` when absent. */
  abstract lookup(key: string): unknown;
}

export abstract class GoSlice extends GoTyped {
  abstract readonly items: readonly unknown[];
  /** The same type over other items (`slice` keeps the named type, and so its methods). */
  abstract withItems(items: readonly unknown[]): GoSlice;
  override goJSON(): unknown {
    return this.items;
  }
}

/** A `[]string`: what `stringSlice`, `.Names` and `.Values` return. */
export class GoStringSlice extends GoSlice {
  readonly goType = '[]string';
  constructor(readonly items: readonly string[]) {
    super();
  }
  withItems(items: readonly unknown[]): GoStringSlice {
    return new GoStringSlice(items as readonly string[]);
  }
}

/** An integer type with methods, such as time.Duration. */
export abstract class GoNamedInt extends GoTyped {
  abstract readonly value: number;
  override goJSON(): unknown {
    return this.value;
  }
}

export type Kind = 'invalid' | 'nil' | 'bool' | 'int' | 'float' | 'string' | 'slice' | 'map' | 'struct' | 'func' | 'other';

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

export function kindOf(v: unknown): Kind {
  switch (typeof v) {
    case 'undefined':
      return 'invalid';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      // Integers beyond 2^53 are not exact in JavaScript: treat them as the floats they are.
      return Number.isSafeInteger(v) ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'function':
      return 'func';
    case 'object':
      if (v === null) return 'nil';
      if (v instanceof GoFloat) return 'float';
      if (v instanceof GoNamedInt) return 'int';
      if (v instanceof GoStruct) return 'struct';
      if (v instanceof GoMap || v instanceof Map || isPlainObject(v)) return 'map';
      if (v instanceof GoSlice || Array.isArray(v)) return 'slice';
      return 'other';
    default:
      return 'other';
  }
}

/** Numeric value of an int- or float-kind value. */
export function numberOf(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof GoFloat) return v.value;
  if (v instanceof GoNamedInt) return v.value;
  return NaN;
}

/** Go's type name, for error messages and `%T`. */
export function typeName(v: unknown): string {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return '<nil>';
    case 'string':
      return 'string';
    case 'bool':
      return 'bool';
    case 'int':
      return v instanceof GoNamedInt ? v.goType : 'int';
    case 'float':
      return 'float64';
    case 'func':
      return 'func';
    case 'slice':
      return v instanceof GoSlice ? v.goType : '[]interface {}';
    case 'map':
      return v instanceof GoMap ? v.goType : 'map[string]interface {}';
    case 'struct':
      return (v as GoStruct).goType;
    default:
      return 'interface {}';
  }
}

export function sliceItems(v: unknown): readonly unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (v instanceof GoSlice) return v.items;
  return undefined;
}

/** Go orders strings by their UTF-8 bytes, which is code point order (not UTF-16 unit order). */
export const compareStrings = compareCodePoints;

export function mapSize(v: unknown): number {
  if (v instanceof GoMap) return v.size();
  if (v instanceof Map) return v.size;
  return Object.keys(v as object).length;
}

export function mapSortedKeys(v: unknown): readonly string[] {
  if (v instanceof GoMap) return v.sortedKeys();
  const keys = v instanceof Map ? [...v.keys()].map(String) : Object.keys(v as object);
  return keys.sort(compareStrings);
}

/** The value for `key`, or `undefined` when absent. */
export function mapLookup(v: unknown, key: string): unknown {
  if (v instanceof GoMap) return v.lookup(key);
  if (v instanceof Map) return v.has(key) ? (v.get(key) as unknown) ?? null : undefined;
  const o = v as Record<string, unknown>;
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] ?? null : undefined;
}

/** Zero value of a map's element type: "" for `map[string]string`, nil for `map[string]interface{}`. */
export function mapZero(v: unknown): unknown {
  return v instanceof GoMap ? v.zero : null;
}

/** Go's `len` of a string counts UTF-8 bytes. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Go template truthiness: false, 0, "", nil and empty collections are false; structs are true. */
export function isTrue(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return false;
    case 'bool':
      return v as boolean;
    case 'int':
    case 'float':
      return numberOf(v) !== 0;
    case 'string':
      return (v as string).length > 0;
    case 'slice':
      return sliceItems(v)!.length > 0;
    case 'map':
      return mapSize(v) > 0;
    default:
      return true;
  }
}

/** `len` with Go's errors. */
export function lengthOf(v: unknown): number {
  switch (kindOf(v)) {
    case 'string':
      return utf8Length(v as string);
    case 'slice':
      return sliceItems(v)!.length;
    case 'map':
      return mapSize(v);
    case 'invalid':
    case 'nil':
      throw new GoError('len of nil pointer');
    default:
      throw new GoError(`len of type ${typeName(v)}`);
  }
}
