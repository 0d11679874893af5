/**
 * The topology at run time: which component an alert (or a change) maps to, and which components are
 * connected by a dependency path of at most `max_hops` edges.
 *
 * Reachability is a breadth-first search per component and direction, computed the first time it is asked
 * for and cached: the topology is fixed for the correlator's life, so each search runs once.
 */
import type { Labels } from '../domain/labels.js';
import { MatcherIndex } from './matcherIndex.js';
import type { Component, Topology } from './rules.js';

/** One component reachable from another: how many edges away, and the neighbour it was reached from. */
interface Reach {
  readonly hops: number;
  readonly via: string;
}

export type Direction = 'upstream' | 'downstream';

export interface Connection {
  /** `upstream`: the second component is something the first depends on. */
  readonly direction: Direction;
  readonly hops: number;
}

export class TopologyIndex {
  readonly components: ReadonlyMap<string, Component>;
  private readonly selectors = new MatcherIndex<string>();
  private readonly identityLabels: readonly string[];
  private readonly dependents = new Map<string, string[]>();
  private readonly upCache = new Map<string, ReadonlyMap<string, Reach>>();
  private readonly downCache = new Map<string, ReadonlyMap<string, Reach>>();

  constructor(
    topology: Topology,
    readonly maxHops: number,
  ) {
    const byName = new Map<string, Component>();
    for (const c of topology.components) {
      byName.set(c.name, c);
      for (const s of c.selectors) this.selectors.add(c.name, s);
      for (const d of c.dependsOn) {
        let list = this.dependents.get(d);
        if (!list) this.dependents.set(d, (list = []));
        list.push(c.name);
      }
    }
    this.components = byName;
    this.identityLabels = topology.identityLabels;
  }

  get isEmpty(): boolean {
    return this.components.size === 0;
  }

  /** The first component whose selector matches; else the first identity label whose value names one. */
  componentOf(labels: Labels): string | undefined {
    if (this.components.size === 0) return undefined;
    const bySelector = this.selectors.first(labels);
    if (bySelector !== undefined) return bySelector;
    for (const name of this.identityLabels) {
      const v = labels[name];
      if (typeof v === 'string' && this.components.has(v)) return v;
    }
    return undefined;
  }

  /** Components `c` depends on, directly or through others, within max_hops. */
  upstream(c: string): ReadonlyMap<string, Reach> {
    let r = this.upCache.get(c);
    if (!r) this.upCache.set(c, (r = this.bfs(c, (n) => this.components.get(n)?.dependsOn ?? [])));
    return r;
  }

  /** Components that depend on `c`, directly or through others, within max_hops. */
  downstream(c: string): ReadonlyMap<string, Reach> {
    let r = this.downCache.get(c);
    if (!r) this.downCache.set(c, (r = this.bfs(c, (n) => this.dependents.get(n) ?? [])));
    return r;
  }

  /** How `b` is connected to `a` along dependencies (one direction throughout), if at all. */
  connection(a: string, b: string): Connection | undefined {
    if (a === b) return undefined;
    const up = this.upstream(a).get(b);
    if (up) return { direction: 'upstream', hops: up.hops };
    const down = this.downstream(a).get(b);
    if (down) return { direction: 'downstream', hops: down.hops };
    return undefined;
  }

  /** True when `downstreamComponent` depends on `upstreamComponent` (transitively, within max_hops). */
  dependsOn(downstreamComponent: string, upstreamComponent: string): boolean {
    return downstreamComponent !== upstreamComponent && this.upstream(downstreamComponent).has(upstreamComponent);
  }

  /** The chain of names from `from` to `to` along dependencies, e.g. `fraud-scorer → user-stats-job`. */
  pathText(from: string, to: string): string {
    const conn = this.connection(from, to);
    if (!conn) return `${from} — ${to}`;
    const reach = conn.direction === 'upstream' ? this.upstream(from) : this.downstream(from);
    const names = [to];
    let cur = to;
    for (let i = 0; i <= this.maxHops && cur !== from; i++) {
      cur = reach.get(cur)?.via ?? from;
      names.push(cur);
    }
    names.reverse();
    // Always print in the direction of dependency: dependent → dependency.
    if (conn.direction === 'downstream') names.reverse();
    return names.join(' → ');
  }

  private bfs(start: string, next: (n: string) => readonly string[]): ReadonlyMap<string, Reach> {
    const out = new Map<string, Reach>();
    if (this.maxHops <= 0) return out;
    let frontier = [start];
    for (let hops = 1; hops <= this.maxHops && frontier.length > 0; hops++) {
      const following: string[] = [];
      for (const n of frontier) {
        for (const m of next(n)) {
          if (m === start || out.has(m)) continue;
          out.set(m, { hops, via: n });
          following.push(m);
        }
      }
      frontier = following;
    }
    return out;
  }
}
