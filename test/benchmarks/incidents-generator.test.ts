import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfigFile } from '../../src/config/load.js';
import { fingerprintJs } from '../../src/domain/labels.js';
import { replay } from '../../src/intake/replay/replay.js';
import { compileMatchers, parseMatcher } from '../../src/route/matchers.js';
import { signalAlertLabels, type SignalKind } from '../../benchmarks/incidents/catalog.js';
import { alertmanagerYaml, topologyYaml } from '../../benchmarks/incidents/files.js';
import { generateScenario, recordLine, type Scenario } from '../../benchmarks/incidents/generate.js';
import { sendsOf } from '../../benchmarks/incidents/prometheus.js';
import { buildTopology, reachable, SIZES } from '../../benchmarks/incidents/topology.js';

const dir = mkdtempSync(join(tmpdir(), 'alertsift-incidents-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Line {
  at: string;
  alerts?: { labels: Record<string, string>; startsAt: string; endsAt: string }[];
  signal?: Record<string, unknown> & { status: string; severity: 'info' | 'warning' | 'critical'; labels: Record<string, string>; window: { start: string; end: string } };
  change?: { id: string; kind: string; at: string; labels: Record<string, string> };
}

function linesOf(sc: Scenario): string[] {
  return sc.records.map((r) => recordLine(r));
}

function parsed(sc: Scenario): Line[] {
  return linesOf(sc).map((l) => JSON.parse(l) as Line);
}

/** The labels alertsift derives from a wire signal (docs/correlation.md). */
function wireSignalLabels(s: NonNullable<Line['signal']>): Record<string, string> {
  return signalAlertLabels({
    source: s.source as string,
    kind: s.kind as SignalKind,
    ...(s.model_id !== undefined ? { modelId: s.model_id as string } : {}),
    ...(s.model_version !== undefined ? { modelVersion: s.model_version as string } : {}),
    ...(s.feature !== undefined ? { feature: s.feature as string } : {}),
    ...(s.segment !== undefined ? { segment: s.segment as string } : {}),
    ...(s.pipeline !== undefined ? { pipeline: s.pipeline as string } : {}),
    method: s.method as string,
    severity: s.severity,
    labels: s.labels,
  });
}

const small = generateScenario({ size: 'small', seed: 7 });
const medium = generateScenario({ size: 'medium', seed: 3 });

describe('incident scenario generator', () => {
  it('is deterministic for a seed, and the seed matters', () => {
    const again = generateScenario({ size: 'small', seed: 7 });
    expect(linesOf(again).join('\n')).toBe(linesOf(small).join('\n'));
    expect(JSON.stringify(again.truth)).toBe(JSON.stringify(small.truth));
    const other = generateScenario({ size: 'small', seed: 8 });
    expect(linesOf(other).join('\n')).not.toBe(linesOf(small).join('\n'));
  });

  it('builds the stated sizes, with dependencies that exist', () => {
    for (const [name, want] of [['small', 30], ['medium', 150], ['large', 600]] as const) {
      const t = buildTopology(SIZES[name], 1);
      expect(t.components.length).toBe(want);
      const kinds = new Set(t.components.map((c) => c.kind));
      for (const k of ['service', 'node', 'gpu', 'queue', 'feature_pipeline', 'feature_store', 'model', 'data_source', 'database']) expect(kinds.has(k as never)).toBe(true);
      for (const c of t.components) for (const d of c.dependsOn) expect(t.byName.has(d)).toBe(true);
      // No cycles: nothing is its own ancestor.
      for (const c of t.components) expect(reachable(c.name, (x) => t.byName.get(x)!.dependsOn).has(c.name)).toBe(false);
    }
  });

  it('writes time-ordered lines, each one of alerts, signal or change', () => {
    let prev = -Infinity;
    for (const l of parsed(medium)) {
      const at = Date.parse(l.at);
      expect(at).toBeGreaterThanOrEqual(prev);
      prev = at;
      expect([l.alerts, l.signal, l.change].filter((x) => x !== undefined)).toHaveLength(1);
      for (const a of l.alerts ?? []) {
        expect(Date.parse(a.startsAt)).toBeLessThanOrEqual(Date.parse(a.endsAt));
        expect(a.labels.alertname).toBeTruthy();
        expect(a.labels.severity).toMatch(/^(critical|warning|info|none|page)$/);
      }
    }
  });

  it('has every fault member in the stream, first sent when the truth says', () => {
    const firstFiring = new Map<string, number[]>();
    const note = (fp: string, at: number) => {
      const l = firstFiring.get(fp);
      if (l) l.push(at);
      else firstFiring.set(fp, [at]);
    };
    for (const l of parsed(medium)) {
      const at = Date.parse(l.at);
      for (const a of l.alerts ?? []) if (Date.parse(a.endsAt) > at) note(fingerprintJs(a.labels), at);
      if (l.signal && (l.signal.status === 'breach' || l.signal.status === 'warn')) note(fingerprintJs(wireSignalLabels(l.signal)), at);
    }
    let members = 0;
    for (const f of medium.truth.faults) {
      expect(f.members.length > 0 || f.change !== undefined).toBe(true);
      for (const m of f.members) {
        members++;
        const sends = firstFiring.get(m.fingerprint);
        expect(sends, `${f.id} ${m.labels.alertname}`).toBeDefined();
        expect(sends!).toContain(Date.parse(m.firstSentAt));
        expect(fingerprintJs(m.labels)).toBe(m.fingerprint);
      }
      if (f.expectPage) expect(f.members.some((m) => m.severity === 'critical')).toBe(true);
    }
    expect(members).toBeGreaterThan(20);
  });

  it('propagates downstream only, with lags that respect the chain order', () => {
    const more = [1, 2, 3, 4, 5].map((seed) => generateScenario({ size: 'small', seed }));
    for (const sc of [small, medium, ...more]) {
      const deps = new Map(sc.truth.components.map((c) => [c.name, c.dependsOn] as const));
      for (const f of sc.truth.faults) {
        const onset = new Map(f.affected.map((a) => [a.component, Date.parse(a.onset)] as const));
        expect(f.affected[0]!.component).toBe(f.root);
        for (const a of f.affected) {
          if (a.parent === undefined) continue;
          // The child depends on the parent, and its impairment starts no earlier.
          expect(deps.get(a.component)).toContain(a.parent);
          expect(Date.parse(a.onset)).toBeGreaterThanOrEqual(onset.get(a.parent)!);
        }
        // A member's condition starts no earlier than its component's impairment.
        for (const m of f.members) {
          const o = onset.get(m.component);
          expect(o, `${f.id} ${m.component}`).toBeDefined();
          expect(Date.parse(m.conditionOnset)).toBeGreaterThanOrEqual(o!);
        }
        // §4.2 [1]/[2]: staleness on a pipeline is reported before the drift it causes downstream.
        for (const a of f.affected.filter((x) => x.kind === 'model' && x.via)) {
          const fresh = f.members.find((m) => m.labels.alertname === 'FeatureFreshness' && m.labels.pipeline === a.via);
          if (!fresh) continue;
          for (const d of f.members.filter((m) => m.component === a.component && m.labels.alertname === 'ModelDrift')) {
            expect(Date.parse(d.conditionOnset)).toBeGreaterThanOrEqual(Date.parse(fresh.conditionOnset));
          }
        }
        // A change that causes a fault precedes it.
        if (f.change) expect(Date.parse(f.change.at)).toBeLessThanOrEqual(Date.parse(f.onset));
      }
    }
  });

  it('overlaps faults only in unrelated parts of the topology', () => {
    const t = medium.truth;
    const deps = new Map(t.components.map((c) => [c.name, c.dependsOn] as const));
    const dependents = new Map<string, string[]>();
    for (const c of t.components) for (const d of c.dependsOn) (dependents.get(d) ?? dependents.set(d, []).get(d)!).push(c.name);
    const related = (a: string, b: string) =>
      a === b || reachable(a, (x) => deps.get(x) ?? []).has(b) || reachable(a, (x) => dependents.get(x) ?? []).has(b);
    const span = (f: (typeof t.faults)[number]) => {
      const ends = f.members.map((m) => Date.parse(m.lastSentAt));
      return [Date.parse(f.change?.at ?? f.onset), Math.max(Date.parse(f.end), ...ends)] as const;
    };
    let overlapping = 0;
    for (let i = 0; i < t.faults.length; i++) {
      for (let j = i + 1; j < t.faults.length; j++) {
        const [a0, a1] = span(t.faults[i]!);
        const [b0, b1] = span(t.faults[j]!);
        if (!(a0 < b1 && b0 < a1)) continue;
        overlapping++;
        for (const x of t.faults[i]!.affected) for (const y of t.faults[j]!.affected) expect(related(x.component, y.component)).toBe(false);
      }
    }
    expect(overlapping).toBeGreaterThan(0);
  });

  it('adds the noise production has: HA duplicates, re-sends, blips, flapping, chatter, distractor changes', () => {
    const t = medium.truth;
    const kinds = new Set(t.noise.map((n) => n.kind));
    for (const k of ['chatter', 'transient', 'flapping', 'drift_blip']) expect(kinds.has(k as never)).toBe(true);
    expect(t.changes.some((c) => c.causes === undefined)).toBe(true);
    expect(t.changes.some((c) => c.causes !== undefined)).toBe(true);
    expect(t.stats.duplicateSends).toBeGreaterThan(0);
    expect(t.stats.alertSends).toBeGreaterThan(5 * t.stats.distinctPrometheusAlerts);
    // Transient blips are firing for at most a minute (one evaluation), then resolved.
    const lines = parsed(medium);
    for (const n of t.noise.filter((x) => x.kind === 'transient')) {
      const sends = lines.flatMap((l) => (l.alerts ?? []).filter((a) => fingerprintJs(a.labels) === n.fingerprint).map((a) => ({ at: Date.parse(l.at), a })));
      const resolved = sends.filter((s) => Date.parse(s.a.endsAt) <= s.at);
      expect(resolved.length).toBeGreaterThan(0);
      for (const s of resolved) expect(Date.parse(s.a.endsAt) - Date.parse(s.a.startsAt)).toBeLessThanOrEqual(60_000);
    }
    // Both replicas send the same label set, with their own startsAt.
    const starts = new Map<string, Set<string>>();
    for (const l of lines) for (const a of l.alerts ?? []) (starts.get(fingerprintJs(a.labels)) ?? starts.set(fingerprintJs(a.labels), new Set()).get(fingerprintJs(a.labels))!).add(a.startsAt);
    expect([...starts.values()].some((s) => s.size >= 2)).toBe(true);
  });

  it('is accepted by the replay door without a rejected line', async () => {
    const cfg = join(dir, 'am.yml');
    writeFileSync(cfg, alertmanagerYaml());
    const loaded = loadConfigFile(cfg);
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    const errors: string[] = [];
    const stats = await replay({ config: loaded.config, lines: linesOf(small), output: () => undefined, onError: (e) => errors.push(e), until: Date.parse(small.truth.scenario.end) });
    expect(errors.slice(0, 3)).toEqual([]);
    expect(stats.rejected).toBe(0);
  });

  it('writes a topology file in the rules format, with selectors that map its own alerts', () => {
    let checked = 0;
    for (const sc of [small, medium]) {
      const text = topologyYaml(sc.topology);
      expect(text).toContain('topology:');
      expect(text).toContain('depends_on:');
      expect(text).toContain('selectors:');
      const doc = parseYaml(text) as { topology: { components: { name: string; selectors: string[][] }[] } };
      const compiled = doc.topology.components.map((c) => ({ name: c.name, sels: c.selectors.map((sel) => compileMatchers(sel.map((x) => parseMatcher(x)))) }));
      const componentOf = (labels: Record<string, string>) => compiled.find((c) => c.sels.some((m) => m(labels)))?.name;
      // Aggregated rules (TargetDown: by job/namespace/service; KubeCPUOvercommit: cluster-wide;
      // KubeQuotaAlmostFull: a namespace's quota) name no component, as in production.
      const unmappable = new Set(['TargetDown', 'KubeCPUOvercommit', 'KubeQuotaAlmostFull']);
      for (const f of sc.truth.faults) {
        for (const m of f.members) {
          if (unmappable.has(m.labels.alertname!)) continue;
          expect(componentOf(m.labels), `${m.labels.alertname} ${JSON.stringify(m.labels)}`).toBe(m.component);
          checked++;
        }
        if (f.change) expect(componentOf(f.change.labels)).toBe(f.root);
      }
      for (const n of sc.truth.noise) {
        if (unmappable.has(n.labels.alertname!)) continue;
        expect(componentOf(n.labels), `${n.labels.alertname} ${JSON.stringify(n.labels)}`).toBe(n.component);
      }
      for (const c of sc.truth.changes) expect(componentOf(c.labels)).toBe(c.component);
    }
    expect(checked).toBeGreaterThan(5);
  });
});

describe('Prometheus sending model', () => {
  const M = 60_000;
  it('sends a firing alert after `for`, re-sends when LastSentAt + 1m < eval, endsAt = eval + 4m', () => {
    const s = sendsOf([{ start: 10_000, end: 10 * M }], 2 * M, M, 0, 0, 0, Infinity);
    const firing = s.filter((x) => !x.resolved);
    expect(firing[0]!.at).toBe(M + 2 * M); // active at 1m, fired at 3m
    expect(firing.map((x) => x.at)).toEqual([3 * M, 5 * M, 7 * M, 9 * M]);
    for (const f of firing) {
      expect(f.startsAt).toBe(3 * M);
      expect(f.endsAt).toBe(f.at + 4 * M);
    }
    const resolved = s.filter((x) => x.resolved);
    expect(resolved[0]!.at).toBe(10 * M);
    expect(resolved.every((x) => x.endsAt === 10 * M)).toBe(true);
    expect(resolved[resolved.length - 1]!.at).toBeLessThanOrEqual(25 * M);
    // A 30 s group re-sends every 90 s.
    const t = sendsOf([{ start: 0, end: 10 * M }], 0, 30_000, 0, 0, 0, Infinity).filter((x) => !x.resolved);
    expect(t[1]!.at - t[0]!.at).toBe(90_000);
  });

  it('never sends an alert whose condition ends while pending', () => {
    expect(sendsOf([{ start: 0, end: 5 * M }], 15 * M, 30_000, 0, 0, 0, Infinity)).toEqual([]);
  });
});
