/**
 * When two signals are linked by a causal template. Used by joining (correlator) and by root-cause
 * ranking, so both agree on what a template explains.
 */
import type { Labels } from '../domain/labels.js';
import { scopeAgrees, type StepRef } from './classify.js';
import type { CausalTemplate } from './rules.js';
import type { TopologyIndex } from './topology.js';

/** An alert (member) or a change, as far as linking cares. */
export interface LinkNode {
  readonly labels: Labels;
  readonly component: string | undefined;
  /** Onset: the alert's startsAt, or the change's time. */
  readonly onset: number;
  readonly steps: readonly StepRef[];
}

export interface TemplateLink {
  /** The node on the earlier step. */
  readonly upstreamIsA: boolean;
  readonly earlierStep: number;
  readonly laterStep: number;
  /** How the two are related: `same component x`, `x → y`, or the scope label they share (built on demand). */
  readonly relation: () => string;
}

/** Lag budgets of a template: `prefix[j] - prefix[i]` is the sum of max_lag of steps i+1..j. */
export function lagPrefix(t: CausalTemplate): number[] {
  const out = [0];
  for (let i = 1; i < t.steps.length; i++) out.push(out[i - 1]! + t.steps[i]!.maxLagMs);
  return out;
}

/**
 * Whether two nodes are related for a template: with both on components, the same component or a
 * dependency path (either direction); otherwise agreement on the template's scope labels.
 */
export function related(a: LinkNode, b: LinkNode, scope: readonly string[], topology: TopologyIndex): boolean {
  if (a.component !== undefined && b.component !== undefined) {
    return a.component === b.component || topology.connection(a.component, b.component) !== undefined;
  }
  return scopeAgrees(a.labels, b.labels, scope) !== undefined;
}

/** The relation `related` found, in words. */
export function relationText(a: LinkNode, b: LinkNode, scope: readonly string[], topology: TopologyIndex): string {
  if (a.component !== undefined && b.component !== undefined) {
    return a.component === b.component ? `same component ${a.component}` : topology.pathText(a.component, b.component);
  }
  return `same ${scopeAgrees(a.labels, b.labels, scope) ?? 'scope'}`;
}

/**
 * The template link between `a` and `b` through template number `ti`, if any: one matches an earlier step
 * than the other, the later one's onset is at most the summed max_lag after the earlier one's (and at most
 * `tolerance` before it: senders stamp onsets with different delays), and they are related.
 */
export function templateLink(
  a: LinkNode,
  b: LinkNode,
  ti: number,
  t: CausalTemplate,
  prefix: readonly number[],
  tolerance: number,
  topology: TopologyIndex,
): TemplateLink | undefined {
  let best: { upstreamIsA: boolean; earlierStep: number; laterStep: number } | undefined;
  for (const sa of a.steps) {
    if (sa.template !== ti) continue;
    for (const sb of b.steps) {
      if (sb.template !== ti || sb.step === sa.step) continue;
      const upstreamIsA = sa.step < sb.step;
      const earlierStep = upstreamIsA ? sa.step : sb.step;
      const laterStep = upstreamIsA ? sb.step : sa.step;
      const gap = upstreamIsA ? b.onset - a.onset : a.onset - b.onset;
      if (gap < -tolerance || gap > prefix[laterStep]! - prefix[earlierStep]!) continue;
      // Prefer the closest pair of steps: it describes the link most precisely.
      if (!best || laterStep - earlierStep < best.laterStep - best.earlierStep) best = { upstreamIsA, earlierStep, laterStep };
    }
  }
  if (!best || !related(a, b, t.scope, topology)) return undefined;
  return { ...best, relation: () => relationText(a, b, t.scope, topology) };
}
