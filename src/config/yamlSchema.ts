/**
 * YAML validated by a zod schema, with every problem pointing at its line: the value is parsed to plain
 * data, checked with zod, and each issue's path is looked up in the YAML node tree for its position.
 * (The Alertmanager configuration has its own node-walking loader because it must read scalars as Go's
 * yaml.v2 does; alertsift's own files — SLOs — are plain YAML 1.2.)
 */
import { isMap, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import type { z } from 'zod';
import type { ConfigError } from './load.js';

export type YamlResult<T> = { ok: true; value: T } | { ok: false; errors: ConfigError[] };

export function parseYamlWithSchema<S extends z.ZodType>(text: string, file: string, schema: S): YamlResult<z.output<S>> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => {
    if (offset === undefined) return { line: 0, column: 0 };
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({ file, ...at(e.pos[0]), path: '', message: e.message.split('\n')[0]! })),
    };
  }
  const result = schema.safeParse(doc.toJS() ?? {});
  if (result.success) return { ok: true, value: result.data };
  const errors = result.error.issues.map((issue): ConfigError => {
    // An unknown key is reported at the key, not at the object holding it.
    const issuePath = issue.code === 'unrecognized_keys' && issue.keys.length > 0 ? [...issue.path, issue.keys[0]!] : issue.path;
    const node = deepestNode(doc.contents as Node | null, issuePath);
    const path = issuePath.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('').replace(/^\./, '');
    return { file, ...at(node?.range?.[0]), path, message: issue.message };
  });
  errors.sort((a, b) => a.line - b.line || a.column - b.column);
  return { ok: false, errors };
}

/** The node at `path`, or its deepest existing ancestor (a missing key is reported at its parent). */
function deepestNode(root: Node | null, path: readonly PropertyKey[]): Node | undefined {
  let node: Node | null | undefined = root;
  let found: Node | undefined = root ?? undefined;
  for (const key of path) {
    if (isMap(node)) {
      const pair: Pair<unknown, unknown> | undefined = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
      // An unrecognized key: point at the key itself.
      if (pair && pair.value === null) return (pair.key as Node) ?? found;
      node = (pair?.value as Node | undefined) ?? (pair ? (pair.key as Node) : undefined);
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key] as Node | undefined;
    } else {
      node = undefined;
    }
    if (!node) break;
    found = node;
  }
  return found;
}
