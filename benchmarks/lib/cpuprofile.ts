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

/**
 * Pipeline stages of a replay, for `stageBreakdown`: a sample belongs to the stage of the innermost
 * frame on its stack that names one (so `JSON.stringify` inside the recorder counts as the recorder,
 * and a label comparison inside the store as the store). Matched against `location` (`dist/src/...`).
 */
const STAGES: readonly { readonly stage: string; readonly test: (name: string, location: string) => boolean }[] = [
  { stage: 'recorder (JSON.stringify of each request)', test: (n, l) => n === 'send' && l.includes('src/notify/transport.js') },
  { stage: 'body build (webhook payload)', test: (_n, l) => /src\/notify\/(webhook|pagerduty|slack)\/|src\/notify\/integrations\.js/.test(l) },
  { stage: 'notification data (wire forms, commonLabels)', test: (_n, l) => l.includes('src/notify/data.js') },
  { stage: 'virtual clock (timer heap)', test: (n, l) => l.includes('src/state/clock.js') || (n === 'schedule' && l.includes('src/dispatch/dispatcher.js')) },
  {
    stage: 'routing and group insert (dispatcher.process)',
    test: (n, l) => (l.includes('src/dispatch/dispatcher.js') && /^(process|insert|refresh|groupLabelsKey)$/.test(n)) || /src\/route\/(routeTree|matchers)\.js/.test(l),
  },
  {
    stage: 'flush decisions (tick, flush, mute, dedup, nflog, quiet state, order)',
    test: (_n, l) => /src\/dispatch\//.test(l) || /src\/route\/(silences|timeIntervals)\.js/.test(l),
  },
  { stage: 'inhibition (observe at receive, checks at flush)', test: (_n, l) => l.includes('src/route/inhibit.js') },
  { stage: 'store (lookup, merge, in-place extension)', test: (_n, l) => l.includes('src/store/') },
  { stage: 'engine.receiveAlerts (own code)', test: (_n, l) => l.includes('src/engine/engine.js') },
  { stage: 'fingerprint (FNV-1a, WebAssembly)', test: (n, l) => n === 'fingerprint' || n.startsWith('wasm-function') || l.startsWith('wasm:') || l.includes('src/domain/fnvWasm.js') },
  { stage: 'normalize (API v2 fast path, times, validation)', test: (_n, l) => l.includes('src/normalize/') },
  { stage: 'line schema (zod)', test: (n, l) => l.includes('node_modules/zod') || n === 'safeParse' },
  { stage: 'input read (readLines, UTF-8 decoding)', test: (_n, l) => l.includes('src/intake/replay/readLines.js') },
  { stage: 'replay loop (JSON.parse of each line, awaits)', test: (_n, l) => l.includes('src/intake/replay/replay.js') },
];

export interface StageCost {
  readonly stage: string;
  readonly ms: number;
}

/**
 * Time per pipeline stage of the replay (see STAGES), plus the garbage collector (which the profile does
 * not attribute; the floor's share of it is small: its garbage dies young). Timers run from promise
 * continuations, without `replay` on their stack, so every sample in engine code counts; samples under
 * the floor's `parseFloor` are left out, and so are those naming no stage outside a replay (module
 * loading, the benchmark's own code).
 */
export function stageBreakdown(path: string): { readonly totalMs: number; readonly stages: readonly StageCost[] } {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const isFrame = (n: ProfileNode, name: string, file: string) => n.callFrame.functionName === name && location(n.callFrame).includes(file);
  // Per node: the stage its innermost naming frame gives, whether `replay` and the floor are on its stack.
  const memo = new Map<number, { stage: string | undefined; replay: boolean; floor: boolean }>();
  const info = (id: number): { stage: string | undefined; replay: boolean; floor: boolean } => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const n = byId.get(id)!;
    const up = parent.get(id);
    const above = up === undefined ? { stage: undefined, replay: false, floor: false } : info(up);
    const loc = location(n.callFrame) || n.callFrame.url;
    const own = STAGES.find((s) => s.test(n.callFrame.functionName, loc))?.stage;
    const result = {
      stage: own ?? above.stage,
      replay: above.replay || isFrame(n, 'replay', 'src/intake/replay/replay.js'),
      floor: above.floor || isFrame(n, 'parseFloor', 'benchmarks/replay-throughput.js'),
    };
    memo.set(id, result);
    return result;
  };
  const us = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    const n = byId.get(id)!;
    let stage: string | undefined;
    if (n.callFrame.functionName === '(garbage collector)') stage = 'garbage collector';
    else {
      const at = info(id);
      if (!at.floor) stage = at.stage ?? (at.replay ? 'other' : undefined);
    }
    if (stage !== undefined) us.set(stage, (us.get(stage) ?? 0) + (p.timeDeltas[i + 1] ?? 0));
  }
  const stages = [...us].map(([stage, t]) => ({ stage, ms: t / 1000 })).sort((a, b) => b.ms - a.ms);
  return { totalMs: stages.reduce((t, s) => t + s.ms, 0), stages };
}

export function formatStages(b: ReturnType<typeof stageBreakdown>): string {
  const lines = [`replay by pipeline stage (${b.totalMs.toFixed(0)} ms: samples in engine code or under replay(), plus the garbage collector):`];
  for (const s of b.stages) lines.push(`  ${s.ms.toFixed(0).padStart(7)} ms  ${((100 * s.ms) / b.totalMs).toFixed(1).padStart(5)}%  ${s.stage}`);
  return lines.join('\n');
}
