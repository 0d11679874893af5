/**
 * The correlation scope: which records share a partition.
 *
 * A record's Kafka key is the values of the configured *scope labels*, in order, joined with `/`
 * (`cluster,namespace` → `prod-eu/payments`; a missing label is an empty value, so `prod-eu/`). Kafka's
 * default partitioner (murmur2 of the key, the same in kafkajs and the Java client) then sends every
 * record of one scope to one partition, hence to one alertsift instance of the consumer group, in order.
 *
 * The trade-off: **correlation only sees alerts of one partition together.** Alerts of different scopes
 * may land on different instances, and an incident can never span two instances; inhibition and grouping
 * likewise only act within an instance. So choose scope labels at the level where incidents form —
 * `cluster` (everything in a cluster can be one incident), or `cluster,namespace` (finer, spreads load
 * better, but a node failure that hits many namespaces becomes one incident per namespace). A coarser
 * scope concentrates load: a single huge cluster is a single partition. Records with none of the scope
 * labels all share the key `/`…`/` (one partition): they still correlate with each other. With an empty
 * list of scope labels every record has the key `""`: one partition, i.e. one active instance (correct,
 * not scalable).
 *
 * The scope must also be compatible with the configuration: every route must group by all scope labels
 * (or by `...`), or one aggregation group can span two partitions — two instances would each hold part of
 * it and both notify; likewise an inhibition rule's `equal` must contain them, or a source on one
 * instance cannot mute a target on another. `scopeProblems` lists the places where that does not hold
 * (`serve` should log them at start).
 *
 * Producers other than alertsift (a Prometheus-to-Kafka bridge, a model monitor) must use the same key
 * to keep the guarantee; `scopeKey` is the definition. The HTTP forwarder splits a body whose alerts
 * belong to several scopes into one record per scope (each still a valid body of the same kind).
 */
import type { Config, RouteConfig } from '../../config/types.js';
import { MODEL_SIGNAL_KINDS } from '../../domain/signal.js';

export type ScopeLabels = readonly string[];

/** The partition key of a label set. */
export function scopeKey(labels: Readonly<Record<string, unknown>> | undefined, scopeLabels: ScopeLabels): string {
  return scopeLabels.map((name) => stringValue(labels?.[name])).join('/');
}

function stringValue(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** A body kind the forwarder knows how to split. */
export type SplittableKind = 'alerts' | 'alertmanager' | 'signal' | 'change';

/**
 * Splits one HTTP body into `{key, body}` parts, one per scope, each a valid body of the same kind, in
 * first-seen order of the scopes. Bodies of an unknown shape are passed through whole under the key of
 * nothing (validation is the caller's job; this only groups).
 */
export function splitByScope(kind: SplittableKind, body: unknown, scopeLabels: ScopeLabels): { key: string; body: unknown }[] {
  switch (kind) {
    case 'alerts':
      return Array.isArray(body) ? groupItems(body, (a) => labelsOf(a), scopeLabels).map(({ key, items }) => ({ key, body: items })) : whole(body, scopeLabels);
    case 'alertmanager': {
      if (!isObject(body) || !Array.isArray(body['alerts'])) return whole(body, scopeLabels);
      const msg = body;
      const parts = groupItems(msg['alerts'] as unknown[], (a) => labelsOf(a), scopeLabels);
      return parts.length <= 1
        ? [{ key: parts[0]?.key ?? scopeKey(undefined, scopeLabels), body }]
        : parts.map(({ key, items }) => ({ key, body: { ...msg, alerts: items } }));
    }
    case 'signal':
      return Array.isArray(body)
        ? groupItems(body, signalLabels, scopeLabels).map(({ key, items }) => ({ key, body: items }))
        : [{ key: scopeKey(signalLabels(body), scopeLabels), body }];
    case 'change':
      return Array.isArray(body)
        ? groupItems(body, (c) => labelsOf(c), scopeLabels).map(({ key, items }) => ({ key, body: items }))
        : [{ key: scopeKey(labelsOf(body), scopeLabels), body }];
  }
}

function whole(body: unknown, scopeLabels: ScopeLabels): { key: string; body: unknown }[] {
  return [{ key: scopeKey(undefined, scopeLabels), body }];
}

function groupItems(
  items: readonly unknown[],
  labels: (item: unknown) => Readonly<Record<string, unknown>> | undefined,
  scopeLabels: ScopeLabels,
): { key: string; items: unknown[] }[] {
  const groups = new Map<string, unknown[]>();
  for (const item of items) {
    const key = scopeKey(labels(item), scopeLabels);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(item);
  }
  if (groups.size === 0) return [{ key: scopeKey(undefined, scopeLabels), items: [] }];
  return [...groups].map(([key, g]) => ({ key, items: g }));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function labelsOf(item: unknown): Readonly<Record<string, unknown>> | undefined {
  if (!isObject(item)) return undefined;
  const labels = item['labels'];
  return isObject(labels) ? labels : undefined;
}

// The derived alert's labels from a model signal's wire fields (docs/correlation.md), so a scope label
// such as `model` or `pipeline` means the same thing for a signal as for the alert it raises.
const SIGNAL_FIELD_LABELS: readonly (readonly [string, string])[] = [
  ['model_id', 'model'],
  ['model_version', 'model_version'],
  ['feature', 'feature'],
  ['segment', 'segment'],
  ['pipeline', 'pipeline'],
  ['source', 'source'],
  ['severity', 'severity'],
];
const SIGNAL_KIND_SET = new Set<string>(MODEL_SIGNAL_KINDS);

function signalLabels(item: unknown): Readonly<Record<string, unknown>> | undefined {
  if (!isObject(item)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [field, label] of SIGNAL_FIELD_LABELS) if (typeof item[field] === 'string') out[label] = item[field];
  if (typeof item['kind'] === 'string' && SIGNAL_KIND_SET.has(item['kind'])) out['signal_kind'] = item['kind'];
  const extra = labelsOf(item);
  // Explicit labels win, as on the derived alert.
  return { ...out, ...(extra ?? {}) };
}

/**
 * Where the configuration and the scope disagree (see the module comment): one message per route whose
 * effective `group_by` lacks a scope label, and per inhibition rule whose `equal` lacks one. Empty when
 * the scope is empty (one partition) or everything groups by the scope.
 */
export function scopeProblems(config: Pick<Config, 'route' | 'inhibitRules'>, scopeLabels: ScopeLabels): string[] {
  if (scopeLabels.length === 0) return [];
  const out: string[] = [];
  const walk = (route: RouteConfig, inherited: readonly string[]) => {
    const groupBy = route.groupBy ?? inherited;
    const all = groupBy.length === 1 && groupBy[0] === '...';
    const missing = all ? [] : scopeLabels.filter((l) => !groupBy.includes(l));
    if (missing.length > 0) {
      out.push(
        `${route.path}: group_by [${groupBy.join(', ')}] lacks the scope label(s) ${missing.join(', ')}: ` +
          'one aggregation group can span two partitions, and two instances would both notify for it',
      );
    }
    for (const child of route.routes) walk(child, groupBy);
  };
  walk(config.route, []);
  for (const rule of config.inhibitRules) {
    const missing = scopeLabels.filter((l) => !rule.equal.includes(l));
    if (missing.length > 0) {
      out.push(
        `${rule.path}: equal [${rule.equal.join(', ')}] lacks the scope label(s) ${missing.join(', ')}: ` +
          'a source alert cannot inhibit a target that another instance holds',
      );
    }
  }
  return out;
}
