/**
 * The `alertmanager.yml` that goes with a topology: a routing tree of a few dozen routes (a Watchdog
 * route, a critical audit route with `continue: true`, a staging catch-all, then per team a ticket
 * route with pager and digest children), webhook receivers only, and the inhibition rules real estates
 * run (kube-prometheus' critical→warning→info rules with `cluster` added to `equal`, and a NodeDown rule
 * muting every lower-severity alert of a down instance).
 *
 * `timeScale` divides every timer (group_wait, group_interval, repeat_interval, resolve_timeout) so a
 * stream compressed by the same factor behaves the same in a real Alertmanager on the wall clock.
 */
import { stringify } from 'yaml';
import type { Topology } from './topology.js';

export interface ConfigOptions {
  /** Base URL of the webhook sink; each receiver posts to `<url>/<receiver>/<index>`. */
  readonly webhookUrl: string;
  /** Divide every timer by this factor (1 = production values). */
  readonly timeScale: number;
  readonly inhibition: boolean;
}

type Op = '=' | '=~';
interface MatcherSpec {
  readonly name: string;
  readonly op: Op;
  readonly value: string;
}

/** A route as this module writes it: also evaluated here to count groups (see `countGroups`). */
export interface RouteSpec {
  readonly receiver?: string;
  readonly matchers: readonly MatcherSpec[];
  readonly groupBy?: readonly string[];
  readonly continue?: boolean;
  readonly groupWaitMs?: number;
  readonly groupIntervalMs?: number;
  readonly repeatIntervalMs?: number;
  readonly routes: readonly RouteSpec[];
}

interface ReceiverSpec {
  readonly name: string;
  readonly webhooks: number;
  readonly sendResolved: boolean;
}

const S = 1000;
const M = 60 * S;
const H = 60 * M;

export const ROOT_TIMERS = { groupWaitMs: 30 * S, groupIntervalMs: 5 * M, repeatIntervalMs: 4 * H };
const PAGER_TIMERS = { groupWaitMs: 10 * S, groupIntervalMs: 1 * M, repeatIntervalMs: 1 * H };
const DIGEST_TIMERS = { groupWaitMs: 1 * M, groupIntervalMs: 30 * M, repeatIntervalMs: 24 * H };
const STAGING_TIMERS = { groupWaitMs: 1 * M, groupIntervalMs: 10 * M, repeatIntervalMs: 12 * H };
const WATCHDOG_TIMERS = { groupWaitMs: 0, groupIntervalMs: 1 * M, repeatIntervalMs: 1 * M };
export const RESOLVE_TIMEOUT_MS = 5 * M;

const PAGE = 'critical|page';
const LOWER = 'warning|task|info';

function m(name: string, op: Op, value: string): MatcherSpec {
  return { name, op, value };
}

/** Teams that group by service rather than namespace (the two coincide in this estate; the key differs). */
const GROUP_BY_SERVICE = new Set(['data-platform', 'traffic', 'wmcs']);

export function buildRouteTree(topology: Topology): { root: RouteSpec; receivers: ReceiverSpec[] } {
  const receivers: ReceiverSpec[] = [
    { name: 'default', webhooks: 1, sendResolved: true },
    { name: 'deadmansswitch', webhooks: 1, sendResolved: false },
    { name: 'critical-audit', webhooks: 1, sendResolved: true },
    { name: 'staging', webhooks: 1, sendResolved: false },
    { name: 'k8s-platform-chat', webhooks: 1, sendResolved: true },
  ];
  const teamRoutes: RouteSpec[] = [];
  for (const team of topology.teams) {
    receivers.push(
      { name: `${team}-ticket`, webhooks: 1, sendResolved: true },
      // A pager bridge and a chat-ops hook: two webhook configs, indexes 0 and 1.
      { name: `${team}-pager`, webhooks: 2, sendResolved: true },
      { name: `${team}-digest`, webhooks: 1, sendResolved: false },
    );
    const children: RouteSpec[] = [];
    if (team === 'sre') {
      children.push({ receiver: 'k8s-platform-chat', matchers: [m('alertname', '=~', 'Kube.*')], continue: true, routes: [] });
    }
    children.push(
      { receiver: `${team}-pager`, matchers: [m('severity', '=~', PAGE)], ...PAGER_TIMERS, routes: [] },
      { receiver: `${team}-digest`, matchers: [m('severity', '=', 'info')], groupBy: ['alertname', 'cluster'], ...DIGEST_TIMERS, routes: [] },
    );
    teamRoutes.push({
      receiver: `${team}-ticket`,
      matchers: [m('team', '=', team)],
      groupBy: GROUP_BY_SERVICE.has(team) ? ['alertname', 'cluster', 'service'] : ['alertname', 'cluster', 'namespace'],
      routes: children,
    });
  }
  const root: RouteSpec = {
    receiver: 'default',
    matchers: [],
    groupBy: ['alertname', 'cluster', 'namespace'],
    ...ROOT_TIMERS,
    routes: [
      { receiver: 'deadmansswitch', matchers: [m('alertname', '=', 'Watchdog')], groupBy: ['cluster'], ...WATCHDOG_TIMERS, routes: [] },
      { receiver: 'critical-audit', matchers: [m('severity', '=~', PAGE)], groupBy: ['alertname', 'cluster'], continue: true, routes: [] },
      { receiver: 'staging', matchers: [m('cluster', '=~', 'staging-.*')], groupBy: ['alertname', 'cluster'], ...STAGING_TIMERS, routes: [] },
      ...teamRoutes,
    ],
  };
  return { root, receivers };
}

export function countRoutes(r: RouteSpec): number {
  return 1 + r.routes.reduce((n, c) => n + countRoutes(c), 0);
}

/** Prometheus `model.Duration` text for a millisecond count (`4h`, `1m30s`, `333ms`, `0s`). */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  let rest = Math.max(1, Math.round(ms));
  let out = '';
  for (const [unit, size] of [['h', H], ['m', M], ['s', S], ['ms', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

function matcherText(x: MatcherSpec): string {
  return `${x.name}${x.op}${JSON.stringify(x.value)}`;
}

export function buildConfigObject(topology: Topology, opts: ConfigOptions): Record<string, unknown> {
  const { root, receivers } = buildRouteTree(topology);
  const scale = (ms: number | undefined) => (ms === undefined ? undefined : formatDuration(ms / opts.timeScale));
  const toYaml = (r: RouteSpec, isRoot: boolean): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    if (r.receiver) o['receiver'] = r.receiver;
    if (!isRoot && r.matchers.length > 0) o['matchers'] = r.matchers.map(matcherText);
    if (r.groupBy) o['group_by'] = [...r.groupBy];
    if (r.continue) o['continue'] = true;
    if (r.groupWaitMs !== undefined) o['group_wait'] = scale(r.groupWaitMs);
    if (r.groupIntervalMs !== undefined) o['group_interval'] = scale(r.groupIntervalMs);
    if (r.repeatIntervalMs !== undefined) o['repeat_interval'] = scale(r.repeatIntervalMs);
    if (r.routes.length > 0) o['routes'] = r.routes.map((c) => toYaml(c, false));
    return o;
  };
  const base = opts.webhookUrl.replace(/\/$/, '');
  const config: Record<string, unknown> = {
    global: { resolve_timeout: scale(RESOLVE_TIMEOUT_MS) },
    route: toYaml(root, true),
    receivers: receivers.map((r) => ({
      name: r.name,
      webhook_configs: Array.from({ length: r.webhooks }, (_, i) => ({
        url: `${base}/${r.name}/${i}`,
        send_resolved: r.sendResolved,
      })),
    })),
  };
  if (opts.inhibition) {
    config['inhibit_rules'] = [
      {
        source_matchers: [matcherText(m('severity', '=~', PAGE))],
        target_matchers: [matcherText(m('severity', '=~', LOWER))],
        equal: ['alertname', 'cluster', 'namespace'],
      },
      {
        source_matchers: [matcherText(m('severity', '=', 'warning'))],
        target_matchers: [matcherText(m('severity', '=', 'info'))],
        equal: ['alertname', 'cluster', 'namespace'],
      },
      {
        source_matchers: [matcherText(m('alertname', '=', 'NodeDown'))],
        target_matchers: [matcherText(m('severity', '=~', LOWER))],
        equal: ['cluster', 'instance'],
      },
    ];
  }
  return config;
}

export function buildConfigYaml(topology: Topology, opts: ConfigOptions): string {
  const header =
    `# Generated by benchmarks/generator for scenario ${topology.scenario.id} (seed ${topology.scenario.seed}); ` +
    `timers divided by ${opts.timeScale}.\n# Do not edit: regenerate.\n`;
  return header + stringify(buildConfigObject(topology, opts), { lineWidth: 0 });
}

function matches(ms: readonly MatcherSpec[], labels: Readonly<Record<string, string>>): boolean {
  for (const x of ms) {
    const v = labels[x.name] ?? '';
    if (x.op === '=' ? v !== x.value : !new RegExp(`^(?:${x.value})$`).test(v)) return false;
  }
  return true;
}

/**
 * Alertmanager's route matching (first matching child wins unless it has `continue`; no matching child
 * means the node itself): the list of (route path, group_by) an alert with these labels lands on.
 */
export function matchRoutes(root: RouteSpec, labels: Readonly<Record<string, string>>): { path: string; groupBy: readonly string[] }[] {
  const out: { path: string; groupBy: readonly string[] }[] = [];
  const walk = (r: RouteSpec, path: string, groupBy: readonly string[]) => {
    let matchedChild = false;
    r.routes.forEach((c, i) => {
      if (matchedChild) return;
      if (!matches(c.matchers, labels)) return;
      walk(c, `${path}/${i}`, c.groupBy ?? groupBy);
      if (!c.continue) matchedChild = true;
    });
    // A node is a match only when no child matched (continue children count as matched but do not stop).
    if (!r.routes.some((c) => matches(c.matchers, labels))) out.push({ path, groupBy });
  };
  walk(root, '', root.groupBy ?? []);
  return out;
}
