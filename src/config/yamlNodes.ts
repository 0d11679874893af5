/**
 * Reading a YAML node tree with positions: the primitives both node-walking loaders share (the
 * Alertmanager configuration in load.ts, the correlation rules in correlate/rules.ts). Each keeps its own
 * field readers; what is here is where a node is, what it is, and how to report a problem with it.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { ConfigError } from './load.js';

/** A scalar's text as written (`1.0` stays `1.0`), as Go's yaml.v2 hands it to a string field. */
export function scalarText(node: Node): string {
  if (!isScalar(node)) return '';
  const v = node.value;
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (node.type === 'PLAIN' && typeof node.source === 'string') return node.source;
  return String(v);
}

export class YamlNodeReader {
  readonly errors: ConfigError[] = [];

  constructor(
    readonly file: string,
    readonly lc: LineCounter,
    readonly doc: Document,
  ) {}

  protected position(node: Node | null | undefined): { line: number; column: number } {
    const { line, col } = this.lc.linePos(node?.range?.[0] ?? 0);
    return { line, column: col };
  }

  error(node: Node | null | undefined, path: string, message: string): void {
    this.errors.push({ file: this.file, ...this.position(node), path, message });
  }

  errorAt(offset: number, path: string, message: string): void {
    const { line, col } = this.lc.linePos(offset);
    this.errors.push({ file: this.file, line, column: col, path, message });
  }

  /**
   * Records the document's parse errors: a repeated key by its name (the error marks where the key
   * starts; it runs to the colon), anything else as a syntax error summarized by `summarize`. Returns
   * true when there was a syntax error: the tree is then a guess, and validating it would report noise.
   */
  reportParseErrors(text: string, summarize: (message: string) => string): boolean {
    let fatal = false;
    for (const e of this.doc.errors) {
      if (e.code === 'DUPLICATE_KEY') {
        const key = (/^[^:\n]*/.exec(text.slice(e.pos[0]))?.[0] ?? '').trim();
        this.errorAt(e.pos[0], '', key && key.length <= 60 ? `duplicate key ${JSON.stringify(key)}` : 'duplicate key');
        continue;
      }
      fatal = true;
      this.errorAt(e.pos[0], '', `YAML syntax error: ${summarize(e.message)}`);
    }
    return fatal;
  }

  /** Follows aliases; a missing value or an explicit null both read as null. */
  deref(node: unknown): Node | null {
    let n = node;
    for (let i = 0; i < 100 && isAlias(n); i++) n = n.resolve(this.doc);
    if (n === undefined || n === null) return null;
    if (isScalar(n) && n.value === null) return null;
    return n as Node;
  }

  /** Describes a value for a type error; scalars of secret fields are not shown. */
  got(node: Node | null, secret = false): string {
    if (node === null) return 'nothing';
    if (isMap(node)) return 'a mapping';
    if (isSeq(node)) return 'a list';
    if (isScalar(node)) {
      if (secret) return 'a value that is not shown';
      const text = scalarText(node);
      return JSON.stringify(text.length > 60 ? text.slice(0, 57) + '...' : text);
    }
    return 'an unsupported value';
  }

  /** The items of a list; null reads as an empty list. */
  list(e: { readonly value: unknown; readonly path: string } | undefined): { node: Node | null; raw: Node; path: string }[] | undefined {
    if (!e) return [];
    const v = this.deref(e.value);
    if (v === null) return [];
    if (!isSeq(v)) {
      this.error(v, e.path, `expected a list, got ${this.got(v)}`);
      return undefined;
    }
    return v.items.map((item, i) => ({ node: this.deref(item), raw: (item as Node | null) ?? v, path: `${e.path}[${i}]` }));
  }
}
