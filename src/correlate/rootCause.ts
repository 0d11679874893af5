/**
 * Root-cause ranking (docs/correlation.md, "Root-cause hints").
 *
 * Candidates are the members' components (a member without one is its own candidate) and attached
 * changes that are not on a member's component. Each candidate gets five kinds of evidence, each a
 * strength in 0..1 times a fixed weight; the score is their sum, so it stays within 0..1 and every
 * `evidence[].weight` is that evidence's share of the score.
 *
 * Weights, and why:
 * - dependency_path 0.30: topology is written by the people who run the system; "everything else that
 *   fired depends on this" is the strongest single argument for a root cause.
 * - causal_template 0.25: known chains (section 4.2 of the drift notes) encode direction between tracks
 *   that timing alone gets wrong (drift alerts often carry earlier window starts than the job failure).
 * - onset_order 0.20: first-to-fire is the classic heuristic but noisy: `for:` durations, scrape and
 *   evaluation intervals and monitor windows shift onsets by minutes.
 * - change_proximity 0.15: a deploy just before onset is a strong hint when present (most incidents
 *   follow a change), but most candidates have none, so it cannot dominate the others.
 * - rarity 0.10: a tie-breaker: an alertname seen in few incidents is more telling than a chronic one.
 *
 * The ranking is a pure function of the members, the changes and the rarity counts, and ties are broken by
 * onset then by key, so it does not depend on the order in which alerts arrived.
 */
import type { Labels } from '../domain/labels.js';
import type { Track } from '../domain/signal.js';
import { formatTime } from '../domain/time.js';
import { formatDurationSeconds as formatDuration } from '../config/duration.js';
import { templateLink, type LinkNode } from './links.js';
import type { CausalTemplate, IncidentSettings } from './rules.js';
import type { TopologyIndex } from './topology.js';
import type { EvidenceKind, RootCauseHint } from './types.js';

export const EVIDENCE_WEIGHTS: Readonly<Record<EvidenceKind, number>> = Object.freeze({
  dependency_path: 0.3,
  causal_template: 0.25,
  onset_order: 0.2,
  change_proximity: 0.15,
  rarity: 0.1,
});

const EVIDENCE_ORDER: readonly EvidenceKind[] = ['dependency_path', 'causal_template', 'onset_order', 'change_proximity', 'rarity'];

/** Past this many nodes in one template, links are counted by step order only (pairwise checks are quadratic). */
const MAX_TEMPLATE_NODES = 120;

export interface RankMember extends LinkNode {
  readonly fingerprint: string;
  readonly track: Track;
  readonly alertname: string;
}

export interface RankChange extends LinkNode {
  readonly id: string;
  readonly kind: string;
  readonly summary: string;
}

export interface ChangeRelation {
  /** What relates them: the same (or an upstream) component, a shared identity label value, a template. */
  readonly via: 'component' | 'identity' | 'template';
  /** How long before the member's onset the change still counts (change_window, or a template's lag budget). */
  readonly horizon: number;
}

export interface RankContext {
  readonly topology: TopologyIndex;
  readonly templates: readonly CausalTemplate[];
  readonly prefixes: readonly (readonly number[])[];
  readonly settings: IncidentSettings;
  /** Incidents other than this one whose members include `key` (an alertname, or `change:<kind>`). */
  priorIncidents(key: string): number;
  changeRelations(change: RankChange, member: RankMember): readonly ChangeRelation[];
  /** A causal template links the change to the member, and the change lies within its lag budget before the onset. */
  templateRelated(change: RankChange, member: RankMember): boolean;
}

export interface RankedHint extends RootCauseHint {
  readonly key: string;
  readonly onset: number;
  readonly track: Track;
}

interface Candidate {
  readonly key: string;
  readonly component: string | undefined;
  /** A shared upstream component that has no alert or change of its own (see addSharedUpstream). */
  readonly inferred?: boolean;
  readonly members: RankMember[];
  readonly changes: RankChange[];
  onset: number;
}

export function rankRootCauses(
  members: readonly RankMember[],
  changes: readonly RankChange[],
  ctx: RankContext,
  limit = 5,
): RankedHint[] {
  const candidates = buildCandidates(members, changes);
  addSharedUpstream(candidates, ctx.topology);
  if (candidates.length === 0) return [];
  const total = members.length;
  const memberCandidate = new Map<string, string>();
  for (const c of candidates) for (const m of c.members) memberCandidate.set(m.fingerprint, c.key);

  // onset_order: among candidates with alerts, the share of the others that started strictly later. A
  // change's time is not compared with alert onsets (changes come first by nature); change_proximity
  // weighs it instead.
  const onsets = candidates.filter((c) => c.members.length > 0).map((c) => c.onset);
  onsets.sort((a, b) => a - b);
  const laterThan = (t: number): number => onsets.length - upperBound(onsets, t);

  // dependency_path: members per component.
  const perComponent = new Map<string, number>();
  for (const m of members) if (m.component !== undefined) perComponent.set(m.component, (perComponent.get(m.component) ?? 0) + 1);

  const { explains: explainedByTemplate, explained: consequences } = templateExplanations(candidates, memberCandidate, ctx);
  const closest = closestChanges(members, changes, ctx);

  // Strengths for every candidate; the human-readable details are built only for the hints kept.
  type Scored = { c: Candidate; score: number; ev: { kind: EvidenceKind; weight: number; detail: () => string }[] };
  const scored: Scored[] = [];
  const n = onsets.length;
  const byOnset = [...members].sort((a, b) => a.onset - b.onset || (a.fingerprint < b.fingerprint ? -1 : 1));
  for (const c of candidates) {
    const others = total - c.members.length;
    const ev: { kind: EvidenceKind; strength: number; detail: () => string }[] = [];

    const later = laterThan(c.onset);
    const onsetStrength = c.members.length === 0 ? 0 : n === 1 ? 1 : later / (n - 1);
    if (onsetStrength > 0) {
      ev.push({
        kind: 'onset_order',
        strength: onsetStrength,
        detail: () => {
          const next = onsets[upperBound(onsets, c.onset)];
          return later === n - 1
            ? `first to fire (${formatTime(c.onset)})${next !== undefined ? `, ${formatDuration(next - c.onset)} before the next` : ''}`
            : `fired ${ordinal(n - later)} of ${n} (${formatTime(c.onset)})`;
        },
      });
    }

    if (c.component !== undefined && others > 0) {
      let explained = 0;
      let example: string | undefined;
      for (const [comp, count] of perComponent) {
        if (comp === c.component || !ctx.topology.dependsOn(comp, c.component)) continue;
        explained += count;
        if (example === undefined || comp < example) example = comp;
      }
      // A component that only changed (no alert of its own) explains its dependents fully only where a
      // causal template links that kind of change to them; otherwise half (something changed upstream,
      // but nothing says the change is what broke them).
      let supported = explained;
      if (explained > 0 && c.inferred) {
        // Nothing fired on it: the topology alone says it sits above what did (a silent or slow-to-alert
        // node, a shared database without its own alert). Strong, but weaker than an observed cause.
        supported = explained * INFERRED_CREDIT;
      } else if (explained > 0 && c.members.length === 0) {
        // Explaining away: a dependent whose closest template-linked change is another one (its own
        // model's rollout, a nearer pipeline's deploy) is explained by that change, not by this one.
        supported = 0;
        for (const m of members) {
          if (m.component === undefined || m.component === c.component || !ctx.topology.dependsOn(m.component, c.component)) continue;
          const own = closest.get(m);
          supported += own !== undefined ? (c.changes.includes(own) ? 1 : 0.25) : c.changes.some((ch) => ctx.changeRelations(ch, m).some((r) => r.via === 'template')) ? 1 : 0.5;
        }
      }
      if (explained > 0) {
        const comp = c.component;
        ev.push({
          kind: 'dependency_path',
          strength: supported / others,
          detail: () => `${explained} of ${others} other alerts depend on it (${ctx.topology.pathText(example!, comp)})`,
        });
      }
    }

    const te = explainedByTemplate.get(c.key);
    if (te && others > 0 && te.count > 0) {
      // A candidate that another one precedes in a template is itself a consequence: half credit. A change
      // that is the closest suspect of none of the alerts it would explain is explained away: half too.
      const consequence = consequences.has(c.key);
      const explainedAway = c.members.length === 0 && closest.size > 0 && !members.some((m) => c.changes.includes(closest.get(m)!));
      ev.push({
        kind: 'causal_template',
        strength: Math.min(1, te.count / others) * (consequence ? 0.5 : 1) * (explainedAway ? 0.5 : 1),
        detail: () => `step ${te.step} of ${te.template} precedes ${te.count} of ${others} other alerts (${te.chain})`,
      });
    } else if (c.members.length > 0 && c.changes.length > 0) {
      // Its own change explains its own alerts (a model's rollout, its output drift): the template evidence
      // other candidates get for explaining the rest, here for the alerts on this component.
      const own = c.members.filter((m) => { const ch = closest.get(m); return ch !== undefined && c.changes.includes(ch); }).length;
      if (own > 0) {
        ev.push({
          kind: 'causal_template',
          strength: own / total,
          detail: () => `its own change ${c.changes[c.changes.length - 1]!.kind} precedes ${own} of its ${c.members.length} alerts in a causal template`,
        });
      }
    }

    const cp = c.changes.length > 0 ? changeProximity(c, byOnset, ctx) : undefined;
    if (cp) ev.push({ kind: 'change_proximity', strength: cp.strength, detail: () => cp.detail });

    const rar = rarity(c, ctx);
    if (rar) ev.push({ kind: 'rarity', strength: rar.strength, detail: rar.detail });

    ev.sort((a, b) => EVIDENCE_ORDER.indexOf(a.kind) - EVIDENCE_ORDER.indexOf(b.kind));
    const weighted = ev.map((e) => ({ kind: e.kind, weight: round3(EVIDENCE_WEIGHTS[e.kind] * e.strength), detail: e.detail }));
    scored.push({ c, ev: weighted, score: Math.min(1, round3(weighted.reduce((sum, e) => sum + e.weight, 0))) });
  }
  scored.sort((a, b) => b.score - a.score || a.c.onset - b.c.onset || (a.c.key < b.c.key ? -1 : a.c.key > b.c.key ? 1 : 0));
  return scored.slice(0, limit).map((x, i) => {
    const rep = representative(x.c);
    const hint: RankedHint = {
      key: x.c.key,
      onset: x.c.onset,
      track: rep.track,
      ...(x.c.component !== undefined ? { component: x.c.component } : {}),
      labels: rep.labels,
      score: x.score,
      reason: '',
      evidence: x.ev.map((e) => ({ kind: e.kind, weight: e.weight, detail: e.detail() })),
    };
    return { ...hint, reason: i === 0 ? topReason(hint, x.c, members, changes) : reasonOf(hint, x.c, false) };
  });
}

/** Past this many member × change pairs, closest suspects are not computed (ranking stays bounded). */
const MAX_CLOSEST_PAIRS = 20_000;

/** Each member's closest suspect among the incident's changes (see `closestSuspect`). */
function closestChanges(members: readonly RankMember[], changes: readonly RankChange[], ctx: RankContext): Map<RankMember, RankChange> {
  const out = new Map<RankMember, RankChange>();
  if (changes.length === 0 || members.length * changes.length > MAX_CLOSEST_PAIRS) return out;
  for (const m of members) {
    const best = closestSuspect(m, changes, ctx.topology, ctx.templateRelated);
    if (best) out.set(m, best);
  }
  return out;
}

/**
 * The change that best explains `m` through a causal template (`templateRelated` decides, lag budget
 * included): on its own component first, then the fewest hops upstream, then the latest. Used to link
 * alerts that share it (the correlator) and to explain away changes farther up (the ranking).
 */
export function closestSuspect<C extends RankChange>(
  m: RankMember,
  changes: Iterable<C>,
  topology: TopologyIndex,
  templateRelated: (change: C, member: RankMember) => boolean,
): C | undefined {
  if (m.steps.length === 0 || m.component === undefined) return undefined;
  const up = topology.upstream(m.component);
  let best: C | undefined;
  let bestHops = Infinity;
  for (const ch of changes) {
    if (ch.component === undefined) continue;
    const hops = ch.component === m.component ? 0 : up.get(ch.component)?.hops;
    if (hops === undefined || hops > bestHops || (hops === bestHops && ch.onset <= best!.onset)) continue;
    if (!templateRelated(ch, m)) continue;
    best = ch;
    bestHops = hops;
  }
  return best;
}

/** Share of dependency credit an inferred (silent) shared upstream gets. */
const INFERRED_CREDIT = 0.75;
/** How far above the alerting components a silent shared upstream may sit. */
const INFERRED_MAX_HOPS = 2;

/**
 * Adds, as candidates, components that nothing fired on but that at least two alerting components depend
 * on (within two hops): the node under several failing pods, the database under several failing services.
 * Root causes are often silent or slow to alert (`for: 15m` on a node), and "they share this" is exactly
 * the inference an on-call engineer makes from a topology.
 */
function addSharedUpstream(candidates: Candidate[], topology: TopologyIndex): void {
  if (topology.isEmpty) return;
  const alerting = new Set<string>();
  for (const c of candidates) if (c.component !== undefined && c.members.length > 0) alerting.add(c.component);
  if (alerting.size < 2) return;
  const known = new Set(candidates.map((c) => c.component).filter((x): x is string => x !== undefined));
  const dependents = new Map<string, { count: number; onset: number }>();
  for (const c of candidates) {
    if (c.component === undefined || c.members.length === 0) continue;
    for (const [u, reach] of topology.upstream(c.component)) {
      if (reach.hops > INFERRED_MAX_HOPS || known.has(u)) continue;
      const d = dependents.get(u);
      if (d) {
        d.count++;
        d.onset = Math.min(d.onset, c.onset);
      } else dependents.set(u, { count: 1, onset: c.onset });
    }
  }
  for (const [u, d] of dependents) {
    if (d.count < 2) continue;
    candidates.push({ key: `c:${u}`, component: u, inferred: true, members: [], changes: [], onset: d.onset });
  }
}

function buildCandidates(members: readonly RankMember[], changes: readonly RankChange[]): Candidate[] {
  const map = new Map<string, Candidate>();
  for (const m of members) {
    const key = m.component !== undefined ? `c:${m.component}` : `m:${m.fingerprint}`;
    let c = map.get(key);
    if (!c) map.set(key, (c = { key, component: m.component, members: [], changes: [], onset: m.onset }));
    c.members.push(m);
    if (m.onset < c.onset) c.onset = m.onset;
  }
  for (const ch of changes) {
    // A change on a member's component is evidence for that component, not a separate suspect.
    const key = ch.component !== undefined ? `c:${ch.component}` : `x:${ch.id}`;
    let c = map.get(key);
    if (!c) map.set(key, (c = { key, component: ch.component, members: [], changes: [], onset: ch.onset }));
    c.changes.push(ch);
    if (c.members.length === 0 && ch.onset < c.onset) c.onset = ch.onset;
  }
  for (const c of map.values()) {
    c.members.sort((a, b) => a.onset - b.onset || (a.fingerprint < b.fingerprint ? -1 : 1));
    c.changes.sort((a, b) => a.onset - b.onset || (a.id < b.id ? -1 : 1));
  }
  return [...map.values()];
}

/** The signal whose labels stand for a candidate: its earliest member, else its most recent change. */
function representative(c: Candidate): { labels: Labels; track: Track } {
  const m = c.members[0];
  if (m) return { labels: m.labels, track: m.track };
  if (c.changes.length === 0) return { labels: { component: c.component ?? '' }, track: 'infra' };
  const ch = c.changes[c.changes.length - 1]!;
  return { labels: { ...ch.labels, change_kind: ch.kind, change_id: ch.id }, track: 'change' };
}

interface TemplateExplanation {
  count: number;
  template: string;
  step: string;
  chain: string;
}

/**
 * For each candidate, the most other members one template explains from it: members reachable along
 * template links that go from an earlier step to a later one (transitively, so a job failure explains the
 * drift that its stale features caused even when job and drift share no label).
 */
function templateExplanations(
  candidates: readonly Candidate[],
  memberCandidate: ReadonlyMap<string, string>,
  ctx: RankContext,
): { explains: Map<string, TemplateExplanation>; explained: Set<string> } {
  const out = new Map<string, TemplateExplanation>();
  /** Candidates that some other candidate precedes in a template (they are consequences). */
  const explainedCands = new Set<string>();
  // A template explains one candidate by another: nothing to do with a single candidate.
  if (candidates.length < 2) return { explains: out, explained: explainedCands };
  // One pass over members and changes files each under the templates it matches (with its earliest step).
  type TNode = { node: LinkNode; cand: string; fp: string | undefined; minStep: number };
  const perTemplate = new Map<number, TNode[]>();
  const file = (node: LinkNode, cand: string, fp: string | undefined): void => {
    for (const s of node.steps) {
      let list = perTemplate.get(s.template);
      if (!list) perTemplate.set(s.template, (list = []));
      const last = list[list.length - 1];
      if (last && last.node === node) {
        if (s.step < last.minStep) last.minStep = s.step;
      } else {
        list.push({ node, cand, fp, minStep: s.step });
      }
    }
  };
  for (const c of candidates) {
    for (const m of c.members) file(m, c.key, m.fingerprint);
    for (const ch of c.changes) file(ch, c.key, undefined);
  }
  ctx.templates.forEach((t, ti) => {
    const nodes = perTemplate.get(ti) ?? [];
    if (nodes.length < 2) return;
    const candidatesHere = new Set(nodes.map((n) => n.cand));
    if (candidatesHere.size < 2) return;
    const record = (cand: string, own: number, explained: number, laterSteps: Iterable<number>): void => {
      const prev = out.get(cand);
      if (explained === 0 || (prev && prev.count >= explained)) return;
      const chain = [own, ...[...new Set(laterSteps)].filter((s) => s > own).sort((a, b) => a - b)]
        .map((s) => t.steps[s]!.name)
        .join(' → ');
      out.set(cand, { count: explained, template: t.name, step: t.steps[own]!.name, chain });
    };
    const own = new Map<string, number>();
    for (const n of nodes) if (n.minStep < (own.get(n.cand) ?? Infinity)) own.set(n.cand, n.minStep);
    if (nodes.length > MAX_TEMPLATE_NODES) {
      // Coarse: every member on a later step counts, related or not (pairwise checks would be quadratic).
      // Counted with a sorted list of the members' steps, so this stays O(n log n).
      const memberSteps = nodes.filter((n) => n.fp !== undefined).map((n) => n.minStep);
      memberSteps.sort((a, b) => a - b);
      const ownLater = new Map<string, number>();
      for (const n of nodes) if (n.fp !== undefined && n.minStep > own.get(n.cand)!) ownLater.set(n.cand, (ownLater.get(n.cand) ?? 0) + 1);
      const present = [...new Set(memberSteps)];
      let first = Infinity;
      for (const o of own.values()) first = Math.min(first, o);
      for (const cand of candidatesHere) {
        const o = own.get(cand)!;
        const later = memberSteps.length - upperBound(memberSteps, o) - (ownLater.get(cand) ?? 0);
        record(cand, o, later, present);
        if (o > first) explainedCands.add(cand);
      }
      return;
    }
    const prefix = ctx.prefixes[ti]!;
    const tolerance = ctx.settings.joinWindowMs;
    // Forward edges: earlier step → later step, between nodes of different candidates.
    const edges: number[][] = nodes.map(() => []);
    for (let i = 0; i < nodes.length; i++) {
      for (let j = 0; j < nodes.length; j++) {
        if (i === j || nodes[i]!.cand === nodes[j]!.cand || nodes[i]!.minStep >= maxStep(nodes[j]!.node.steps, ti)) continue;
        const link = templateLink(nodes[i]!.node, nodes[j]!.node, ti, t, prefix, tolerance, ctx.topology);
        if (link && link.upstreamIsA) {
          edges[i]!.push(j);
          explainedCands.add(nodes[j]!.cand);
        }
      }
    }
    for (const cand of candidatesHere) {
      const starts: number[] = [];
      nodes.forEach((n, i) => {
        if (n.cand === cand) starts.push(i);
      });
      const seen = new Set<number>(starts);
      const queue = [...starts];
      const reachedSteps: number[] = [];
      const explained = new Set<string>();
      while (queue.length > 0) {
        const i = queue.shift()!;
        for (const j of edges[i]!) {
          if (seen.has(j)) continue;
          seen.add(j);
          queue.push(j);
          const nj = nodes[j]!;
          reachedSteps.push(nj.minStep);
          if (nj.fp !== undefined && memberCandidate.get(nj.fp) !== cand) explained.add(nj.fp);
        }
      }
      record(cand, own.get(cand)!, explained.size, reachedSteps);
    }
  });
  return { explains: out, explained: explainedCands };
}

function maxStep(steps: LinkNode['steps'], ti: number): number {
  let best = -1;
  for (const s of steps) if (s.template === ti && s.step > best) best = s.step;
  return best;
}

/** 1 for a change at or just before onset, falling linearly to 0 at `horizon` before it. */
function proximity(gap: number, s: IncidentSettings, horizon: number): number {
  // A change a little after the recorded onset still counts: onsets come from senders' clocks and windows.
  if (gap < -s.holdDownMs) return 0;
  if (gap <= 0) return 1;
  if (horizon <= 0 || gap > horizon) return 0;
  return 1 - gap / horizon;
}

/**
 * The closest change of this candidate (each change is evidence for one candidate only: its component's,
 * or its own), measured against the onsets of the members it relates to: the candidate's own members when
 * the change is on their component, otherwise the incident's members it relates to.
 */
function changeProximity(
  c: Candidate,
  members: readonly RankMember[],
  ctx: RankContext,
): { strength: number; detail: string } | undefined {
  let best: { strength: number; detail: string } | undefined;
  // Members by onset: a change is measured against the first symptom it relates to.
  const targets = c.members.length === 0 ? members : c.members;
  for (const ch of c.changes) {
    for (const m of targets) {
      const rels = ctx.changeRelations(ch, m);
      if (rels.length === 0) continue;
      const gap = m.onset - ch.onset;
      let v = 0;
      for (const r of rels) v = Math.max(v, proximity(gap, ctx.settings, r.horizon));
      if (v <= 0) continue;
      if (!best || v > best.strength) {
        const how = c.members.length > 0 ? 'on this component, ' : '';
        best = { strength: v, detail: `${ch.kind} ${JSON.stringify(ch.summary)} (${ch.id}) ${how}${gap > 0 ? `${formatDuration(gap)} before onset` : 'at onset'}` };
      }
      break;
    }
  }
  return best;
}

function rarity(c: Candidate, ctx: RankContext): { strength: number; detail: () => string } | undefined {
  const keys = new Set<string>();
  for (const m of c.members) if (m.alertname !== '') keys.add(m.alertname);
  for (const ch of c.changes) keys.add(`change:${ch.kind}`);
  let best: { key: string; count: number } | undefined;
  for (const k of [...keys].sort()) {
    const n = ctx.priorIncidents(k);
    if (!best || n < best.count) best = { key: k, count: n };
  }
  if (!best) return undefined;
  const { key, count } = best;
  return {
    strength: 1 / (1 + count),
    detail: () => {
      if (key.startsWith('change:')) {
        const kind = key.slice(7);
        const a = /^[aeiou]/.test(kind) ? 'an' : 'a';
        return count === 0 ? `no other incident has ${a} ${kind} change` : `${count} other incident${count === 1 ? ' has' : 's have'} ${a} ${kind} change`;
      }
      return count === 0 ? `${key} is in no other incident` : `${key} was in ${count} other incident${count === 1 ? '' : 's'}`;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Sentences

/** What the sentence is about: the component (and its first alert), the alert, or the change. */
function subjectOf(c: Candidate): string {
  const m = c.members[0];
  if (c.component !== undefined) return m ? `${c.component} (${m.alertname || 'alert'})` : c.component;
  if (m) {
    const name = ['feature', 'service', 'instance', 'pipeline', 'model'].find((l) => m.labels[l]);
    return name ? `${m.alertname || 'alert'} (${name} ${m.labels[name]})` : m.alertname || m.fingerprint;
  }
  const ch = c.changes[c.changes.length - 1]!;
  return `${ch.kind} ${JSON.stringify(ch.summary)}`;
}

/** One piece of evidence as a clause of the reason sentence (details without their parenthesized extras). */
function clause(kind: EvidenceKind, detail: string): string {
  const short = detail.replace(/ \([^()]*\)$/, '');
  switch (kind) {
    case 'onset_order':
      return detail.startsWith('first') ? 'it fired first' : `it ${short}`;
    case 'dependency_path':
      return short;
    case 'causal_template': {
      const m = /^step (\S+) of (\S+) precedes (.*)$/.exec(short);
      return m ? `it is the ${m[1]} step of ${m[2]}, which precedes ${m[3]}` : short;
    }
    case 'change_proximity':
      return `the ${detail}`;
    case 'rarity':
      return detail;
  }
}

function reasonOf(h: RankedHint, c: Candidate, top: boolean): string {
  const parts = h.evidence
    .slice()
    .sort((a, b) => b.weight - a.weight || EVIDENCE_ORDER.indexOf(a.kind) - EVIDENCE_ORDER.indexOf(b.kind))
    .filter((e) => e.weight > 0)
    .slice(0, 3)
    .map((e) => clause(e.kind, e.detail));
  const subject = subjectOf(c);
  if (parts.length === 0) return `${subject} is a possible cause.`;
  return `${subject} is ${top ? 'the likely root cause' : 'a possible cause'}: ${joinClauses(parts)}.`;
}

/** What chain 15's negative control found: drift on `features` features of (at most) one model. */
export interface PopulationShift {
  readonly features: number;
  readonly model: string | undefined;
}

/**
 * The negative control of the causal-chain notes (chain 15): every member is model-track, three or more
 * features of at most one model drift, and no change is attached — no infrastructure, data-pipeline or change
 * signal, so a population or traffic-mix shift is the likely explanation. Used for the top hint's sentence
 * and, by the correlator, to keep such an incident from paging while nothing else is harmed.
 */
export function populationShift(members: Iterable<Pick<RankMember, 'track' | 'labels'>>, changeCount: number): PopulationShift | undefined {
  if (changeCount > 0) return undefined;
  const features = new Set<string>();
  const models = new Set<string>();
  for (const m of members) {
    if (m.track !== 'model') return undefined;
    const f = m.labels['feature'];
    if (f) features.add(f);
    const model = m.labels['model'];
    if (model) models.add(model);
  }
  if (features.size < 3 || models.size > 1) return undefined;
  return { features: features.size, model: [...models][0] };
}

/**
 * The top hint's sentence. One special case follows the negative control of the causal-chain notes (chain
 * 15): drift on several features of one model with no infrastructure, data-pipeline or change signal in the
 * incident points at a population or traffic-mix shift, and saying so keeps infra from being blamed.
 */
function topReason(h: RankedHint, c: Candidate, members: readonly RankMember[], changes: readonly RankChange[]): string {
  const shift = populationShift(members, changes.length);
  if (shift) {
    return (
      `Drift on ${shift.features} features${shift.model ? ` of model ${shift.model}` : ''} with no infrastructure, data-pipeline or change signal: ` +
      'likely a traffic-mix or population shift rather than an infrastructure fault.'
    );
  }
  return reasonOf(h, c, true);
}

function joinClauses(parts: string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Index of the first element greater than `x` in a sorted array. */
function upperBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
