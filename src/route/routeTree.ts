/**
 * The routing tree, compiled once per configuration. Matching follows Alertmanager's `Route.Match`:
 * a node matches when its matchers match; its children are tried in order and matching stops at the
 * first matching child unless that child has `continue: true`; if no child matches, the node itself is
 * the match. Unset options inherit from the parent, except time intervals (as in Alertmanager).
 */
import type { RouteConfig } from '../config/types.js';
import type { Labels } from '../domain/labels.js';
import { compileMatchers, matchersKey } from './matchers.js';

export interface Route {
  /** `{}/{env="prod"}/1`: the key plus the position among siblings (Alertmanager `Route.ID`). */
  readonly id: string;
  /** `{}/{env="prod"}`: parent keys and this node's sorted matchers (Alertmanager `Route.Key`). */
  readonly key: string;
  readonly receiver: string;
  /** Sorted label names to group by; ignored when `groupByAll`. */
  readonly groupBy: readonly string[];
  readonly groupByAll: boolean;
  readonly continue: boolean;
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
  readonly muteTimeIntervals: readonly string[];
  readonly activeTimeIntervals: readonly string[];
  readonly routes: readonly Route[];
  readonly matches: (labels: Labels) => boolean;
}

interface Inherited {
  receiver: string;
  groupBy: readonly string[];
  groupByAll: boolean;
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
}

const ROOT_DEFAULTS: Inherited = {
  receiver: '',
  groupBy: [],
  groupByAll: false,
  groupWaitMs: 30_000,
  groupIntervalMs: 300_000,
  repeatIntervalMs: 4 * 3600_000,
};

export interface RouteTreeOptions {
  /**
   * Label names added to every route's `group_by` (correlation adds `incident_id`). A name absent from
   * an alert adds nothing to its group labels, so alerts without it group exactly as configured.
   */
  readonly extraGroupBy?: readonly string[];
}

export function compileRouteTree(root: RouteConfig, options: RouteTreeOptions = {}): Route {
  return compileNode(root, ROOT_DEFAULTS, undefined, -1, options.extraGroupBy ?? []);
}

function compileNode(
  cfg: RouteConfig,
  parent: Inherited,
  parentKey: string | undefined,
  position: number,
  extraGroupBy: readonly string[],
): Route {
  const groupByAll = cfg.groupBy ? cfg.groupBy.length === 1 && cfg.groupBy[0] === '...' : parent.groupByAll;
  const groupBy = cfg.groupBy
    ? groupByAll
      ? []
      : [...new Set([...cfg.groupBy, ...extraGroupBy])].sort()
    : parent === ROOT_DEFAULTS
      ? [...extraGroupBy].sort()
      : parent.groupBy;
  const opts: Inherited = {
    receiver: cfg.receiver ?? parent.receiver,
    groupBy,
    groupByAll,
    groupWaitMs: cfg.groupWaitMs ?? parent.groupWaitMs,
    groupIntervalMs: cfg.groupIntervalMs ?? parent.groupIntervalMs,
    repeatIntervalMs: cfg.repeatIntervalMs ?? parent.repeatIntervalMs,
  };
  const ownKey = matchersKey(cfg.matchers);
  const key = parentKey === undefined ? ownKey : `${parentKey}/${ownKey}`;
  const id = position >= 0 ? `${key}/${position}` : key;
  const children = cfg.routes.map((child, i) => compileNode(child, opts, key, i, extraGroupBy));
  return Object.freeze({
    id,
    key,
    ...opts,
    continue: cfg.continue,
    muteTimeIntervals: cfg.muteTimeIntervals,
    activeTimeIntervals: cfg.activeTimeIntervals,
    routes: children,
    matches: cfg.matchers.length === 0 ? () => true : compileMatchers(cfg.matchers),
  });
}

/** The routes an alert is delivered to, in tree order. */
export function matchRoutes(route: Route, labels: Labels): Route[] {
  const out: Route[] = [];
  collect(route, labels, out);
  return out;
}

// Returns whether `route` matched (and pushed at least one route).
function collect(route: Route, labels: Labels, out: Route[]): boolean {
  if (!route.matches(labels)) return false;
  const before = out.length;
  for (const child of route.routes) {
    if (collect(child, labels, out) && !child.continue) break;
  }
  if (out.length === before) out.push(route);
  return true;
}

/** Every route of the tree, depth first (for status pages and validation). */
export function allRoutes(route: Route): Route[] {
  const out: Route[] = [route];
  for (const c of route.routes) out.push(...allRoutes(c));
  return out;
}

/** The labels an alert contributes to its aggregation group on `route`. */
export function groupLabelsFor(route: Route, labels: Labels): Record<string, string> {
  if (route.groupByAll) return { ...labels };
  const out: Record<string, string> = {};
  for (const name of route.groupBy) {
    const v = labels[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}
