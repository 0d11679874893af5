/**
 * Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`): self time and inclusive time per function,
 * so a benchmark can say where the time goes without opening a profiler UI.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './paths.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface FunctionCost {
  readonly name: string;
  readonly location: string;
  readonly selfMs: number;
  readonly totalMs: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly functions: readonly FunctionCost[];
}

function location(cf: CallFrame): string {
  if (!cf.url) return '';
  let file = cf.url;
  try {
    if (file.startsWith('file://')) file = relative(repoRoot(), fileURLToPath(file));
  } catch {
    /* keep the URL */
  }
  // Runs from a snapshot of dist/ (lib/snapshot.ts): show the path as in the repository's dist/.
  file = file.replace(/^\.bench-tmp\/snapshots\/[^/]+\//, '');
  return `${file}:${cf.lineNumber + 1}`;
}

export function summarizeCpuProfile(path: string): ProfileSummary {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  for (const n of p.nodes) byId.set(n.id, n);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    // timeDeltas[i + 1] is the time until the next sample: the time spent in sample i.
    const dt = p.timeDeltas[i + 1] ?? 0;
    const id = p.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  }
  const keyOf = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'}\u0000${location(n.callFrame)}`;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  // Inclusive time per function, counting a function once per stack (recursion).
  const inclusive = new Map<number, number>();
  const incl = (id: number): number => {
    const cached = inclusive.get(id);
    if (cached !== undefined) return cached;
    const n = byId.get(id)!;
    let t = selfUs.get(id) ?? 0;
    for (const c of n.children ?? []) t += incl(c);
    inclusive.set(id, t);
    return t;
  };
  const root = p.nodes[0]!;
  incl(root.id);
  const walk = (id: number, onStack: Set<string>) => {
    const n = byId.get(id)!;
    const k = keyOf(n);
    self.set(k, (self.get(k) ?? 0) + (selfUs.get(id) ?? 0));
    const fresh = !onStack.has(k);
    if (fresh) {
      total.set(k, (total.get(k) ?? 0) + inclusive.get(id)!);
      onStack.add(k);
    }
    for (const c of n.children ?? []) walk(c, onStack);
    if (fresh) onStack.delete(k);
  };
  walk(root.id, new Set());
  const functions = [...self.entries()].map(([k, us]) => {
    const sp = k.indexOf('\u0000');
    return { name: k.slice(0, sp), location: k.slice(sp + 1), selfMs: us / 1000, totalMs: (total.get(k) ?? 0) / 1000 };
  });
  functions.sort((a, b) => b.selfMs - a.selfMs);
  return { totalMs: (p.endTime - p.startTime) / 1000, functions };
}

export function formatProfile(s: ProfileSummary, top = 25): string {
  const lines = [`profiled ${(s.totalMs / 1000).toFixed(1)} s; top ${top} functions by self time:`];
  lines.push('  self ms   self%  total%  function (location)');
  for (const f of s.functions.slice(0, top)) {
    lines.push(
      `  ${f.selfMs.toFixed(0).padStart(7)}  ${((100 * f.selfMs) / s.totalMs).toFixed(1).padStart(5)}%  ${((100 * f.totalMs) / s.totalMs)
        .toFixed(1)
        .padStart(5)}%  ${f.name}${f.location ? ` (${f.location})` : ''}`,
    );
  }
  return lines.join('\n');
}

/** Inclusive time of the functions whose location matches, for "where does the engine spend it". */
export function topInclusive(s: ProfileSummary, match: RegExp, top = 20): FunctionCost[] {
  return [...s.functions].filter((f) => match.test(f.location)).sort((a, b) => b.totalMs - a.totalMs).slice(0, top);
}
