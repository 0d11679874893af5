/**
 * A seeded incident scenario with ground truth: faults injected at root components and propagated along
 * dependencies and the §4.2 causal chains (faults.ts), rendered as what production sends —
 * Alertmanager API v2 alerts from an HA pair of Prometheus servers (prometheus.ts), model signals from
 * monitors on their window cadence, change events from CI — plus noise: long-lived info/warning chatter,
 * transient blips, flapping alerts, single-window drift false alarms and unrelated changes. Faults that
 * overlap in time are in unrelated parts of the topology (no affected component of one is upstream or
 * downstream of an affected component of the other), so every alert has one true owner.
 *
 * Everything is a pure function of (size, seed): same inputs, byte-identical stream and truth.
 */
import { fingerprintJs } from '../../src/domain/labels.js';
import { Rng, hash32 } from '../generator/prng.js';
import { RULES, alertLabels, renderSummary, runbookUrl, signalAlertLabels, type RuleDef, type RuleName, type SignalIdentity, type SignalKind } from './catalog.js';
import { FAULT_TYPES, monitorKey, propagate, symptomsOf, type ChangeKind, type FaultType, type Impairment, type Mode } from './faults.js';
import { phaseOf, sendsOf, type Episode } from './prometheus.js';
import { buildTopology, reachable, SIZES, type Component, type SizeName, type SizeSpec, type Topology } from './topology.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;

/** Start of virtual time for every incident scenario. */
export const INCIDENT_START = Date.parse('2026-11-30T08:00:00.000Z');
export const TRUTH_VERSION = 1;

export interface GenerateOptions {
  readonly size: SizeName | SizeSpec;
  readonly seed: number;
  readonly startMs?: number;
}

// --- truth -------------------------------------------------------------------------------------------

export interface TruthMember {
  readonly fingerprint: string;
  readonly labels: Record<string, string>;
  readonly component: string;
  readonly kind: 'alert' | 'signal';
  readonly severity: string;
  /** When the component's condition began (alerts: the rule's condition; signals: the effect). */
  readonly conditionOnset: string;
  /** First firing send (alerts, either replica) or first breach signal. */
  readonly firstSentAt: string;
  /** Earliest startsAt sent (alerts) / window start of the first breach (signals). */
  readonly startsAt: string;
  /** Last send of any status. */
  readonly lastSentAt: string;
  /** When it stopped firing (resolved send / first ok signal), if within the stream. */
  readonly resolvedAt?: string;
  readonly flapping: boolean;
}

export interface TruthAffected {
  readonly component: string;
  readonly kind: string;
  readonly mode: Mode;
  /** The component it was reached from (undefined at the root). */
  readonly parent?: string;
  readonly via?: string;
  readonly onset: string;
  readonly end: string;
  readonly lagMs: number;
}

export interface TruthChange {
  readonly id: string;
  readonly kind: ChangeKind;
  readonly at: string;
  readonly labels: Record<string, string>;
  readonly component: string;
  readonly summary: string;
  /** The fault this change caused, or undefined for a distractor. */
  readonly causes?: string;
}

export interface TruthFault {
  readonly id: string;
  readonly type: string;
  readonly chain: string;
  readonly root: string;
  readonly rootKind: string;
  readonly mode: Mode;
  readonly onset: string;
  readonly end: string;
  readonly change?: TruthChange;
  /** At least one member is critical: a responder must be paged. */
  readonly expectPage: boolean;
  /** First send of any member (the first signal of the incident). */
  readonly firstSignalAt?: string;
  /** First send of a critical member. */
  readonly firstCriticalAt?: string;
  readonly affected: TruthAffected[];
  readonly members: TruthMember[];
}

export type NoiseKind = 'chatter' | 'transient' | 'flapping' | 'drift_blip';

export interface TruthNoise {
  readonly id: string;
  readonly kind: NoiseKind;
  readonly fingerprint: string;
  readonly labels: Record<string, string>;
  readonly component: string;
  readonly severity: string;
  readonly firstSentAt: string;
  readonly lastSentAt: string;
}

export interface TruthComponent {
  readonly name: string;
  readonly kind: string;
  readonly domain: string;
  readonly dependsOn: readonly string[];
  readonly selectors: readonly (readonly string[])[];
}

export interface StreamStats {
  lines: number;
  alertLines: number;
  signalLines: number;
  changeLines: number;
  /** Alerts in `alerts` lines (every re-send and both replicas counted). */
  alertSends: number;
  signals: number;
  changes: number;
  /** Raw records = alertSends + signals + changes. */
  rawRecords: number;
  /** Distinct alert identities (fingerprints) sent, plus signal monitors that ever breached. */
  distinctAlerts: number;
  distinctPrometheusAlerts: number;
  distinctSignalAlerts: number;
  /** Sends of the second replica of an alert whose first replica also sent it (HA duplicates). */
  duplicateSends: number;
  resolvedSends: number;
}

export interface Truth {
  readonly version: number;
  readonly scenario: {
    readonly size: SizeName;
    readonly seed: number;
    readonly components: number;
    readonly start: string;
    readonly end: string;
    readonly durationMs: number;
    readonly clusters: readonly string[];
  };
  readonly components: TruthComponent[];
  readonly faults: TruthFault[];
  readonly noise: TruthNoise[];
  readonly changes: TruthChange[];
  readonly stats: StreamStats;
}

// --- stream records ----------------------------------------------------------------------------------

export interface AlertPayload {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly generatorURL: string;
}

export interface SignalPayload {
  readonly identity: SignalIdentity;
  readonly value: number;
  readonly threshold: { lower?: number; upper?: number };
  readonly pValue?: number;
  readonly sampleSize?: { reference: number; current: number };
  readonly window: { start: number; end: number };
  readonly status: 'ok' | 'warn' | 'breach' | 'no_data' | 'insufficient_sample';
}

export type StreamRecord =
  | { readonly at: number; readonly kind: 'alerts'; readonly order: string; readonly alerts: AlertPayload[] }
  | { readonly at: number; readonly kind: 'signal'; readonly order: string; readonly signal: SignalPayload }
  | { readonly at: number; readonly kind: 'change'; readonly order: string; readonly change: TruthChange };

export interface Scenario {
  readonly topology: Topology;
  readonly records: StreamRecord[];
  readonly truth: Truth;
}

// --- internal state ----------------------------------------------------------------------------------

interface OwnedEpisode extends Episode {
  readonly owner: string;
  readonly flapping: boolean;
  /** Condition onset of the symptom (the first segment's start for a flapping one). */
  readonly onset: number;
}

interface SeriesRec {
  readonly fp: string;
  readonly labels: Record<string, string>;
  readonly rule: RuleDef;
  readonly component: string;
  readonly cluster: string;
  readonly episodes: OwnedEpisode[];
}

interface MonitorEffect {
  readonly start: number;
  readonly end: number;
  readonly owner: string;
  readonly smallSample: boolean;
  readonly onset: number;
}

interface MonitorRec {
  readonly key: string;
  readonly identity: SignalIdentity;
  readonly fp: string;
  readonly labels: Record<string, string>;
  readonly component: string;
  readonly cadenceMs: number;
  readonly phaseMs: number;
  readonly delayMs: number;
  readonly threshold: { lower?: number; upper?: number };
  /** Baseline (ok) and breach value ranges. */
  readonly ok: readonly [number, number];
  readonly bad: readonly [number, number];
  readonly withPValue: boolean;
  readonly alwaysNoData: boolean;
  readonly effects: MonitorEffect[];
}

/** Two owners must not share one alert identity within this gap (keeps the truth unambiguous). */
const OWNER_GAP_MS = H;

class Generator {
  readonly rng: Rng;
  readonly topo: Topology;
  readonly start: number;
  readonly end: number;
  readonly series = new Map<string, SeriesRec>();
  readonly monitors = new Map<string, MonitorRec>();
  readonly faults: {
    id: string;
    type: FaultType;
    root: Component;
    onset: number;
    end: number;
    activeFrom: number;
    activeTo: number;
    affected: TruthAffected[];
    change?: TruthChange;
    affectedSet: Set<string>;
  }[] = [];
  readonly noise: { id: string; kind: NoiseKind; fp: string; component: string }[] = [];
  readonly changes: TruthChange[] = [];
  private readonly up = new Map<string, Set<string>>();
  private readonly down = new Map<string, Set<string>>();

  constructor(size: SizeSpec, readonly seed: number, startMs: number) {
    this.topo = buildTopology(size, seed);
    this.rng = new Rng(seed ^ 0x1c1d);
    this.start = startMs;
    this.end = startMs + size.durationMs;
    for (const c of this.topo.components) this.createMonitors(c);
  }

  // --- relations -------------------------------------------------------------------------------------

  ancestors(n: string): Set<string> {
    let s = this.up.get(n);
    if (!s) this.up.set(n, (s = reachable(n, (x) => this.topo.byName.get(x)!.dependsOn)));
    return s;
  }

  descendants(n: string): Set<string> {
    let s = this.down.get(n);
    if (!s) this.down.set(n, (s = reachable(n, (x) => this.topo.dependents.get(x) ?? [])));
    return s;
  }

  /** True when some component of `a` equals, or is upstream or downstream of, some component of `b`. */
  related(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
    for (const x of a) {
      if (b.has(x)) return true;
      const up = this.ancestors(x);
      const down = this.descendants(x);
      for (const y of b) if (up.has(y) || down.has(y)) return true;
    }
    return false;
  }

  // --- identities --------------------------------------------------------------------------------------

  /** May `owner` use identity `fp` during [start, end)? */
  private free(episodes: readonly { start: number; end: number; owner: string }[], owner: string, start: number, end: number): boolean {
    for (const e of episodes) {
      if (e.owner === owner) continue;
      if (start < e.end + OWNER_GAP_MS && e.start < end + OWNER_GAP_MS) return false;
    }
    return true;
  }

  addAlert(rule: RuleName, c: Component, which: number, eps: { start: number; end: number }[], owner: string, flapping: boolean): SeriesRec | undefined {
    const labels = alertLabels(rule, c, which);
    const fp = fingerprintJs(labels);
    let rec = this.series.get(fp);
    const start = eps[0]!.start;
    const end = eps[eps.length - 1]!.end;
    if (rec && !this.free(rec.episodes, owner, start, end)) return undefined;
    if (rec) {
      // The same owner again (two symptoms mapping to one identity): keep the first.
      if (rec.episodes.some((e) => e.owner === owner && start < e.end + 5 * M && e.start < end + 5 * M)) return undefined;
    } else {
      rec = { fp, labels, rule: RULES[rule], component: c.name, cluster: c.cluster, episodes: [] };
      this.series.set(fp, rec);
    }
    for (const e of eps) rec.episodes.push({ start: e.start, end: e.end, owner, flapping, onset: start });
    rec.episodes.sort((x, y) => x.start - y.start);
    return rec;
  }

  addEffect(key: string, start: number, end: number, owner: string, smallSample: boolean): MonitorRec | undefined {
    const m = this.monitors.get(key);
    if (!m) return undefined;
    if (!this.free(m.effects, owner, start, end)) return undefined;
    if (m.effects.some((e) => e.owner === owner && start < e.end && e.start < end)) return undefined;
    m.effects.push({ start, end, owner, smallSample, onset: start });
    m.effects.sort((x, y) => x.start - y.start);
    return m;
  }

  // --- monitors ----------------------------------------------------------------------------------------

  private createMonitors(c: Component): void {
    const rng = new Rng(this.seed ^ hash32(c.name));
    const add = (
      key: string,
      identity: SignalIdentity,
      cadenceMs: number,
      threshold: { lower?: number; upper?: number },
      ok: [number, number],
      bad: [number, number],
      opts: { pValue?: boolean; noData?: boolean } = {},
    ) => {
      const labels = signalAlertLabels(identity);
      this.monitors.set(key, {
        key,
        identity,
        fp: fingerprintJs(labels),
        labels,
        component: c.name,
        cadenceMs,
        phaseMs: rng.int(cadenceMs / M) * M,
        delayMs: 20 * S + rng.int(cadenceMs >= 30 * M ? 5 * M : 60 * S),
        threshold,
        ok,
        bad,
        withPValue: opts.pValue ?? false,
        alwaysNoData: opts.noData ?? false,
        effects: [],
      });
    };
    const team = { team: c.team };
    if (c.kind === 'feature_pipeline') {
      const ttl = (c.ttlMs ?? 2 * H) / 1000;
      add(monitorKey('freshness', c.name), { source: 'feast', kind: 'freshness', pipeline: c.name, method: 'age_seconds', severity: 'critical', labels: team }, 5 * M, { upper: ttl },
        c.pipelineMode === 'batch' ? [0.3 * ttl, 0.6 * ttl] : [0.05 * ttl, 0.3 * ttl], [1.05 * ttl, 2.5 * ttl]);
      add(monitorKey('dq', c.name), { source: 'great_expectations', kind: 'data_quality', pipeline: c.name, method: 'null_rate', severity: 'critical', labels: team },
        c.pipelineMode === 'batch' ? H : 15 * M, { upper: 0.05 }, [0.001, 0.01], [0.2, 0.9]);
    } else if (c.kind === 'data_source') {
      add(monitorKey('ih', c.name), { source: 'whylabs', kind: 'integration_health', pipeline: c.name, method: 'profile_rows', severity: 'warning', labels: team }, 15 * M,
        { lower: 10_000 }, [40_000, 90_000], [0, 3_000]);
    } else if (c.kind === 'model') {
      const src = rng.chance(0.5) ? 'evidently' : 'nannyml';
      const method = src === 'evidently' ? rng.pick(['wasserstein', 'psi', 'ks']) : 'jensen_shannon';
      const thr = method === 'psi' ? 0.2 : method === 'ks' ? 0.05 : 0.1;
      const mteam = { team: 'ml' };
      for (const f of [...(c.features ?? []).map((x) => x.name), 'prediction']) {
        if (method === 'ks') {
          add(monitorKey('drift', c.name, f), { source: src, kind: 'drift', modelId: c.name, modelVersion: c.modelVersion, feature: f, method, severity: 'warning', labels: mteam }, 30 * M,
            { upper: thr }, [0.3, 0.9], [0.0001, 0.01], { pValue: true });
        } else {
          add(monitorKey('drift', c.name, f), { source: src, kind: 'drift', modelId: c.name, modelVersion: c.modelVersion, feature: f, method, severity: 'warning', labels: mteam }, 30 * M,
            { upper: thr }, [0.1 * thr, 0.5 * thr], [1.3 * thr, 4 * thr]);
        }
        if (f !== 'prediction') {
          add(monitorKey('skew', c.name, f), { source: 'tfdv', kind: 'skew', modelId: c.name, modelVersion: c.modelVersion, feature: f, method: 'jensen_shannon', severity: 'warning', labels: mteam }, H,
            { upper: 0.1 }, [0.005, 0.04], [0.15, 0.45]);
        }
      }
      add(monitorKey('perf', c.name), { source: 'nannyml', kind: 'perf_estimated', modelId: c.name, modelVersion: c.modelVersion, method: 'cbpe_roc_auc', severity: 'critical', labels: mteam }, 30 * M,
        { lower: 0.8 }, [0.86, 0.93], [0.6, 0.77]);
      add(monitorKey('realized', c.name), { source: 'nannyml', kind: 'perf_realized', modelId: c.name, modelVersion: c.modelVersion, method: 'roc_auc', severity: 'critical', labels: mteam }, H,
        { lower: 0.8 }, [0.86, 0.93], [0.6, 0.77], { noData: true });
    }
  }

  // --- faults ------------------------------------------------------------------------------------------

  /** Spreads a symptom's condition into on/off segments when it flaps. */
  private segments(start: number, end: number, flap: boolean): { start: number; end: number }[] {
    if (!flap) return [{ start, end }];
    const out: { start: number; end: number }[] = [];
    let t = start;
    while (t < end) {
      const on = this.rng.range(3, 8) * M + this.rng.int(50) * S;
      out.push({ start: t, end: Math.min(end, t + on) });
      t += on + this.rng.range(1, 4) * M + this.rng.int(50) * S;
    }
    return out;
  }

  private trySchedule(type: FaultType, id: string, root: Component, onset: number): boolean {
    const rng = this.rng;
    const duration = rng.range(type.durationMs[0] / M, type.durationMs[1] / M) * M;
    // Propagate (breadth first, each component once).
    interface Node { c: Component; imp: Impairment & { smallSample?: boolean }; onset: number; end: number; parent?: string; lag: number }
    const queue: Node[] = [{ c: root, imp: { mode: type.mode }, onset, end: onset + duration, lag: 0 }];
    const seen = new Set<string>([root.name]);
    const nodes: Node[] = [];
    while (queue.length > 0) {
      const n = queue.shift()!;
      nodes.push(n);
      if (nodes.length > 60) break; // a blast radius larger than this is not one incident any more
      for (const dn of this.topo.dependents.get(n.c.name) ?? []) {
        if (seen.has(dn)) continue;
        const child = this.topo.byName.get(dn)!;
        const edge = propagate(n.c, n.imp, child);
        if (!edge || !rng.chance(edge.p)) continue;
        seen.add(dn);
        const lag = rng.range(edge.lag[0] / S, edge.lag[1] / S) * S;
        const recover = rng.range(1, 10) * M;
        const small = n.imp.smallSample === true || n.imp.mode === 'volume_drop';
        queue.push({
          c: child,
          imp: { mode: edge.mode, ...(edge.via ? { via: edge.via } : {}), ...(small ? { smallSample: true } : {}) },
          onset: n.onset + lag,
          end: n.end + lag + recover,
          parent: n.c.name,
          lag,
        });
      }
    }
    const affectedSet = new Set(nodes.map((n) => n.c.name));
    // Draw every symptom first, so the fault's active window is known before anything is committed.
    const planned = nodes.map((n, i) => ({
      n,
      syms: symptomsOf(n.c, n.imp, rng, i === 0).map((s) => {
        const st = n.onset + s.delayMs;
        const en = Math.max(st + 2 * M, n.end + s.tailMs);
        const flap = s.type === 'alert' && RULES[s.rule].forMs <= 5 * M && rng.chance(0.12);
        return { s, st, en, flap };
      }),
    }));
    let lastEnd = onset + duration;
    for (const p of planned) for (const x of p.syms) lastEnd = Math.max(lastEnd, x.en);
    const activeFrom = onset - (type.change ? type.change.lead[1] : 0) - 20 * M;
    // Signals are quantized to windows of up to an hour; resolved alerts are re-sent for 15 minutes.
    const activeTo = lastEnd + 75 * M;
    for (const f of this.faults) {
      if (activeFrom < f.activeTo && f.activeFrom < activeTo && this.related(affectedSet, f.affectedSet)) return false;
    }
    // Commit.
    let emitted = 0;
    const affected: TruthAffected[] = [];
    for (const { n, syms } of planned) {
      for (const { s, st, en, flap } of syms) {
        if (st >= this.end) continue;
        if (s.type === 'alert') {
          if (this.addAlert(s.rule, n.c, s.which, this.segments(st, en, flap), id, flap)) emitted++;
        } else if (this.addEffect(s.monitor, st, en, id, s.smallSample === true || n.imp.smallSample === true)) {
          emitted++;
        }
      }
      affected.push({
        component: n.c.name,
        kind: n.c.kind,
        mode: n.imp.mode,
        ...(n.parent ? { parent: n.parent } : {}),
        ...(n.imp.via ? { via: n.imp.via } : {}),
        onset: iso(n.onset),
        end: iso(n.end),
        lagMs: n.lag,
      });
    }
    if (emitted === 0 && !type.change) return false;
    const f: (typeof this.faults)[number] = { id, type, root, onset, end: onset + duration, activeFrom, activeTo, affected, affectedSet };
    if (type.change && rng.chance(type.change.p)) {
      const lead = rng.range(type.change.lead[0] / S, type.change.lead[1] / S) * S;
      f.change = this.makeChange(type.change.kind, root, Math.max(this.start + 30 * S, onset - lead), id);
      this.changes.push(f.change);
    }
    this.faults.push(f);
    return true;
  }

  scheduleFaults(): void {
    const size = this.topo.size;
    const weights = FAULT_TYPES.map((t) => t.weight);
    const total = weights.reduce((x, y) => x + y, 0);
    let made = 0;
    for (let attempt = 0; made < size.faults && attempt < size.faults * 40; attempt++) {
      let x = this.rng.next() * total;
      let type = FAULT_TYPES[0]!;
      for (const t of FAULT_TYPES) {
        x -= t.weight;
        if (x < 0) {
          type = t;
          break;
        }
      }
      const roots = this.topo.components.filter(type.rootFilter);
      if (roots.length === 0) continue;
      const root = this.rng.pick(roots);
      // Long chains (batch staleness, skew) start early enough to unfold inside the stream.
      const tail = type.durationMs[1] + (type.mode === 'failed' || type.mode === 'skew' ? 2 * H : 45 * M);
      const latest = Math.max(30 * M, size.durationMs - tail);
      const id = `F${String(made + 1).padStart(3, '0')}`;
      // A conflict with a concurrent related fault moves this one in time before giving up on its root,
      // so that conflicts do not bias the mix toward faults with small blast radii.
      for (let t = 0; t < 12; t++) {
        const onset = this.start + 15 * M + this.rng.int(Math.max(1, (latest - 15 * M) / S)) * S;
        if (this.trySchedule(type, id, root, onset)) {
          made++;
          break;
        }
      }
    }
  }

  makeChange(kind: ChangeKind, c: Component, at: number, causes?: string): TruthChange {
    const n = this.changes.length + 1;
    const id = `${kind.replace('_', '-')}-${String(4000 + n)}`;
    let labels: Record<string, string>;
    let summary: string;
    const ver = `v${1 + this.rng.int(4)}.${this.rng.int(30)}.${this.rng.int(10)}`;
    switch (c.kind) {
      case 'model':
        labels = { model: c.name, model_version: `v${Number((c.modelVersion ?? 'v1').slice(1)) + 1}`, namespace: c.namespace };
        summary = kind === 'model_rollout' ? `${c.name} ${labels.model_version} rollout (canary 25% → 100%)` : `${c.name} serving config ${ver}`;
        break;
      case 'feature_pipeline':
        labels = { pipeline: c.name, namespace: c.namespace };
        summary = kind === 'feature_change' ? `${c.name}: feature transform change ${ver}` : `${c.name} ${ver}`;
        break;
      case 'data_source':
        labels = { stream: c.name };
        summary = kind === 'schema_change' ? `${c.name} schema ${ver}: rename field user_ctx.country → user_ctx.country_code` : `${c.name} producer ${ver}`;
        break;
      case 'gpu':
        labels = { node_pool: c.name };
        summary = `${c.name}: NVIDIA driver 550.${this.rng.range(40, 127)} rollout`;
        break;
      case 'node':
        labels = { node: c.name };
        summary = `${c.name}: kernel 6.1.0-${this.rng.range(20, 30)} reboot`;
        break;
      case 'queue':
        labels = { kafka_cluster: c.name };
        summary = `${c.name}: broker config push (num.replica.fetchers, log.retention)`;
        break;
      case 'database':
        labels = { database: c.name };
        summary = `${c.name}: parameter change (max_connections, work_mem)`;
        break;
      default:
        labels = { service: c.name, namespace: c.namespace };
        summary = `${c.name} ${ver}`;
    }
    return {
      id,
      kind,
      at: iso(at),
      labels,
      component: c.name,
      summary,
      ...(causes ? { causes } : {}),
    };
  }

  // --- noise -------------------------------------------------------------------------------------------

  private noiseCount(per30: number): number {
    return Math.max(1, Math.round((per30 * this.topo.components.length) / 30));
  }

  private pickComponent(kinds: readonly string[]): Component {
    const list = this.topo.components.filter((c) => kinds.includes(c.kind));
    return this.rng.pick(list);
  }

  addNoise(): void {
    const rng = this.rng;
    let n = 0;
    const nid = (k: string) => `N${String(++n).padStart(4, '0')}-${k}`;
    const record = (id: string, kind: NoiseKind, fp: string, component: string) => this.noise.push({ id, kind, fp, component });

    // Chatter: long-lived info/warning alerts, many already firing when the stream starts.
    const chatter: [RuleName, string[]][] = [
      ['HostHighCPULoad', ['node', 'gpu']],
      ['HostMemoryIsUnderutilized', ['node', 'gpu']],
      ['NodeClockNotSynchronising', ['node']],
      ['CPUThrottlingHigh', ['service', 'model', 'feature_store']],
      ['KubeHpaMaxedOut', ['service', 'feature_store']],
      ['KubeQuotaAlmostFull', ['service', 'model']],
      ['KubeContainerWaiting', ['service', 'model']],
      ['PostgresqlTableNotAutoVacuumed', ['database']],
      ['KubePersistentVolumeFillingUp', ['database']],
      ['ProbeSlow', ['service']],
    ];
    const nChatter = this.noiseCount(7);
    for (let i = 0; i < nChatter; i++) {
      const [rule, kinds] = rng.pick(chatter);
      const c = rule === 'PostgresqlTableNotAutoVacuumed' ? this.rng.pick(this.topo.components.filter((x) => x.dbEngine === 'postgres')) : this.pickComponent(kinds);
      if (rule === 'ProbeSlow' && !c.userFacing) continue;
      const before = rng.chance(0.5);
      const st = before ? this.start - rng.range(1, 12 * 60) * M : this.start + rng.int(this.topo.size.durationMs / M - 30) * M;
      const en = before && rng.chance(0.6) ? this.end + 6 * H : st + rng.range(30, 180) * M + (before ? this.start - st : 0);
      const id = nid('chatter');
      const rec = this.addAlert(rule, c, rng.int(4), [{ start: st, end: en }], id, false);
      // A namespace quota belongs to no single component.
      if (rec) record(id, 'chatter', rec.fp, rule === 'KubeQuotaAlmostFull' ? `namespace/${c.namespace}` : c.name);
    }
    // One cluster-wide overcommit warning per cluster, firing throughout.
    for (const cl of this.topo.clusters) {
      const c = this.topo.components.find((x) => x.cluster === cl && x.kind === 'node')!;
      const id = nid('chatter');
      const rec = this.addAlert('KubeCPUOvercommit', c, 0, [{ start: this.start - 20 * H, end: this.end + 6 * H }], id, false);
      if (rec) record(id, 'chatter', rec.fp, 'cluster');
    }

    // Transient blips: `for: 0` rules whose condition holds for less than a minute.
    const blips: [RuleName, string[]][] = [
      ['HostNodeOvertemperatureAlarm', ['node', 'gpu']],
      ['KubernetesContainerOomKiller', ['service', 'model', 'feature_store']],
      ['RedisRejectedConnections', ['database']],
      ['EventgateValidationErrors', ['data_source']],
      ['HostMemoryUnderMemoryPressure', ['node']],
    ];
    const nBlips = this.noiseCount(6);
    for (let i = 0; i < nBlips; i++) {
      const [rule, kinds] = rng.pick(blips);
      const c = this.pickComponent(kinds);
      if (rule === 'RedisRejectedConnections' && c.dbEngine !== 'redis') continue;
      if (rule === 'EventgateValidationErrors' && !c.name.endsWith('-events')) continue;
      const st = this.start + rng.int(this.topo.size.durationMs / S - 600) * S;
      const id = nid('transient');
      const rec = this.addAlert(rule, c, rng.int(3), [{ start: st, end: st + rng.range(10, 50) * S }], id, false);
      if (rec) record(id, 'transient', rec.fp, c.name);
    }

    // Flapping warnings: thresholds crossed back and forth for an hour or so.
    const flappers: [RuleName, string[]][] = [
      ['KafkaConsumerGroupLag', ['feature_pipeline', 'service']],
      ['IstioLatency99Percentile', ['service', 'model']],
      ['RedisOutOfConfiguredMaxmemory', ['database']],
    ];
    const nFlap = this.noiseCount(2);
    for (let i = 0; i < nFlap; i++) {
      const [rule, kinds] = rng.pick(flappers);
      const c =
        rule === 'KafkaConsumerGroupLag'
          ? rng.pick(this.topo.components.filter((x) => kinds.includes(x.kind) && x.dependsOn.some((d) => this.topo.byName.get(d)!.kind === 'queue')))
          : this.pickComponent(kinds);
      if (rule === 'RedisOutOfConfiguredMaxmemory' && c.dbEngine !== 'redis') continue;
      const st = this.start + rng.int(this.topo.size.durationMs / M - 100) * M;
      const id = nid('flapping');
      const rec = this.addAlert(rule, c, 0, this.segments(st, st + rng.range(40, 100) * M, true), id, true);
      if (rec) record(id, 'flapping', rec.fp, c.name);
    }

    // Drift false alarms: one window over threshold on one feature (small samples, seasonal traffic).
    const driftKeys = [...this.monitors.values()].filter((m) => m.identity.kind === 'drift');
    const nDrift = this.noiseCount(3);
    for (let i = 0; i < nDrift && driftKeys.length > 0; i++) {
      const m = rng.pick(driftKeys);
      const k = rng.range(1, Math.floor(this.topo.size.durationMs / m.cadenceMs) - 1);
      const we = this.start + m.phaseMs + k * m.cadenceMs;
      const id = nid('drift_blip');
      if (this.addEffect(m.key, we - 0.8 * m.cadenceMs, we, id, false)) record(id, 'drift_blip', m.fp, m.component);
    }

    // Unrelated changes: deploys, config pushes and rollouts that cause nothing.
    const nChanges = this.noiseCount(8);
    const kindsFor: Record<string, ChangeKind[]> = {
      service: ['deploy', 'deploy', 'config_push'],
      model: ['model_rollout', 'config_push'],
      feature_pipeline: ['deploy', 'feature_change'],
      data_source: ['schema_change', 'deploy'],
      feature_store: ['deploy'],
      gpu: ['infra_change'],
      node: ['infra_change'],
      database: ['config_push'],
      queue: ['config_push'],
    };
    for (let i = 0; i < nChanges; i++) {
      const c = rng.pick(this.topo.components);
      const kind: ChangeKind = rng.pick(kindsFor[c.kind] ?? (['deploy'] as ChangeKind[]));
      const at = this.start + rng.int(this.topo.size.durationMs / S - 60) * S;
      this.changes.push(this.makeChange(kind, c, at));
    }
  }

  // --- emission ----------------------------------------------------------------------------------------

  emit(): { records: StreamRecord[]; stats: StreamStats; alertStats: Map<string, OwnerStats>; signalStats: Map<string, OwnerStats> } {
    const buckets = new Map<string, { at: number; order: string; alerts: AlertPayload[] }>();
    const alertStats = new Map<string, OwnerStats>();
    const stats: StreamStats = {
      lines: 0, alertLines: 0, signalLines: 0, changeLines: 0, alertSends: 0, signals: 0, changes: 0, rawRecords: 0,
      distinctAlerts: 0, distinctPrometheusAlerts: 0, distinctSignalAlerts: 0, duplicateSends: 0, resolvedSends: 0,
    };
    const series = [...this.series.values()].sort((a, b) => (a.fp < b.fp ? -1 : a.fp > b.fp ? 1 : 0));
    for (const s of series) {
      const eps = mergeEpisodes(s.episodes);
      const annotations: Record<string, string> = { summary: renderSummary(s.rule, s.labels) };
      const rb = runbookUrl(s.rule);
      if (rb) annotations.runbook_url = rb;
      const gen = `http://prometheus-k8s.monitoring.svc:9090/graph?g0.expr=ALERTS%7Balertname%3D%22${s.rule.alertname}%22%7D&g0.tab=1`;
      let sentAny = false;
      for (let replica = 0; replica < 2; replica++) {
        const phase = phaseOf(s.cluster, replica, s.rule.group, s.rule.intervalMs);
        for (const snd of sendsOf(eps, s.rule.forMs, s.rule.intervalMs, phase, replica, this.start, this.end)) {
          const ep = eps[snd.episode]!;
          const key = `${snd.at}|${s.cluster}|${replica}|${s.rule.group}`;
          let b = buckets.get(key);
          if (!b) buckets.set(key, (b = { at: snd.at, order: `a|${s.cluster}|${replica}|${s.rule.group}`, alerts: [] }));
          b.alerts.push({ labels: s.labels, annotations, startsAt: snd.startsAt, endsAt: snd.endsAt, generatorURL: gen });
          stats.alertSends++;
          if (snd.resolved) stats.resolvedSends++;
          sentAny = true;
          const st = ownerStats(alertStats, `${s.fp}|${ep.owner}`);
          if (!snd.resolved) {
            st.firstSent = Math.min(st.firstSent, snd.at);
            st.startsAt = Math.min(st.startsAt, snd.startsAt);
          } else {
            st.resolvedAt = Math.max(st.resolvedAt ?? 0, snd.endsAt);
          }
          st.lastSent = Math.max(st.lastSent, snd.at);
          st.onset = Math.min(st.onset, ep.onset);
          st.flapping ||= ep.flapping;
          st.replicas.add(replica);
        }
      }
      if (sentAny) stats.distinctPrometheusAlerts++;
    }
    // Duplicate sends: every send of the second replica is a duplicate of a first-replica identity.
    for (const b of buckets.values()) if (b.order.includes('|1|')) stats.duplicateSends += b.alerts.length;

    const records: StreamRecord[] = [];
    for (const b of buckets.values()) {
      // Prometheus' notifier sends at most 256 alerts per POST.
      for (let i = 0; i < b.alerts.length; i += 256) {
        records.push({ at: b.at, kind: 'alerts', order: `${b.order}|${i}`, alerts: b.alerts.slice(i, i + 256) });
      }
    }

    // Signals.
    const signalStats = new Map<string, OwnerStats>();
    const monitors = [...this.monitors.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
    for (const m of monitors) {
      const rng = new Rng(this.seed ^ hash32(m.key) ^ 0x5151);
      let breached = false;
      let openOwner: string | undefined;
      for (let we = this.start + m.phaseMs + m.cadenceMs; we + m.delayMs < this.end; we += m.cadenceMs) {
        const ws = we - m.cadenceMs;
        const at = we + m.delayMs + rng.int(20) * S;
        let eff: MonitorEffect | undefined;
        for (const e of m.effects) {
          const overlap = Math.min(we, e.end) - Math.max(ws, e.start);
          if (overlap >= 0.3 * m.cadenceMs) {
            eff = e;
            break;
          }
        }
        const value = eff ? between(rng, m.bad) : between(rng, m.ok);
        let status: SignalPayload['status'] = eff ? 'breach' : 'ok';
        if (m.alwaysNoData) status = 'no_data';
        const small = eff?.smallSample === true;
        const sample = m.identity.kind === 'drift' || m.identity.kind === 'skew' || m.identity.kind === 'perf_estimated'
          ? { reference: 50_000, current: small ? rng.range(60, 300) : rng.range(4_000, 20_000) }
          : undefined;
        const payload: SignalPayload = {
          identity: m.identity,
          value: round4(value),
          threshold: m.threshold,
          ...(m.withPValue ? { pValue: round4(eff ? between(rng, [0.0001, 0.01]) : between(rng, [0.2, 0.9])) } : {}),
          ...(sample ? { sampleSize: sample } : {}),
          window: { start: ws, end: we },
          status,
        };
        if (m.alwaysNoData) {
          delete (payload as { sampleSize?: unknown }).sampleSize;
        }
        records.push({ at, kind: 'signal', order: `s|${m.key}`, signal: payload });
        stats.signals++;
        if (eff) {
          breached = true;
          const st = ownerStats(signalStats, `${m.fp}|${eff.owner}`);
          st.firstSent = Math.min(st.firstSent, at);
          st.startsAt = Math.min(st.startsAt, ws);
          st.lastSent = Math.max(st.lastSent, at);
          st.onset = Math.min(st.onset, eff.onset);
          openOwner = eff.owner;
        } else if (openOwner !== undefined) {
          const st = ownerStats(signalStats, `${m.fp}|${openOwner}`);
          st.resolvedAt ??= at;
          st.lastSent = Math.max(st.lastSent, at);
          openOwner = undefined;
        }
      }
      if (breached) stats.distinctSignalAlerts++;
    }

    for (const ch of this.changes) {
      records.push({ at: Date.parse(ch.at), kind: 'change', order: `c|${ch.id}`, change: ch });
      stats.changes++;
    }

    records.sort((a, b) => a.at - b.at || (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
    stats.lines = records.length;
    stats.alertLines = records.filter((r) => r.kind === 'alerts').length;
    stats.signalLines = records.filter((r) => r.kind === 'signal').length;
    stats.changeLines = records.filter((r) => r.kind === 'change').length;
    stats.rawRecords = stats.alertSends + stats.signals + stats.changes;
    stats.distinctAlerts = stats.distinctPrometheusAlerts + stats.distinctSignalAlerts;
    return { records, stats, alertStats, signalStats };
  }
}

interface OwnerStats {
  firstSent: number;
  startsAt: number;
  lastSent: number;
  resolvedAt?: number;
  onset: number;
  flapping: boolean;
  replicas: Set<number>;
}

function ownerStats(m: Map<string, OwnerStats>, key: string): OwnerStats {
  let s = m.get(key);
  if (!s) m.set(key, (s = { firstSent: Infinity, startsAt: Infinity, lastSent: -Infinity, onset: Infinity, flapping: false, replicas: new Set() }));
  return s;
}

function between(rng: Rng, r: readonly [number, number]): number {
  return r[0] + rng.next() * (r[1] - r[0]);
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Merges overlapping episodes of different owners (should not happen: owners keep a gap). */
function mergeEpisodes(eps: readonly OwnedEpisode[]): OwnedEpisode[] {
  const out: OwnedEpisode[] = [];
  for (const e of [...eps].sort((a, b) => a.start - b.start)) {
    const last = out[out.length - 1];
    if (last && e.start <= last.end) {
      out[out.length - 1] = { ...last, end: Math.max(last.end, e.end) };
    } else out.push(e);
  }
  return out;
}

export function generateScenario(opts: GenerateOptions): Scenario {
  const size = typeof opts.size === 'string' ? SIZES[opts.size] : opts.size;
  const g = new Generator(size, opts.seed, opts.startMs ?? INCIDENT_START);
  g.scheduleFaults();
  g.addNoise();
  const { records, stats, alertStats, signalStats } = g.emit();

  const member = (kind: 'alert' | 'signal', fp: string, labels: Record<string, string>, component: string, st: OwnerStats): TruthMember => ({
    fingerprint: fp,
    labels,
    component,
    kind,
    severity: labels.severity ?? '',
    conditionOnset: iso(st.onset),
    firstSentAt: iso(st.firstSent),
    startsAt: iso(st.startsAt),
    lastSentAt: iso(st.lastSent),
    ...(st.resolvedAt !== undefined ? { resolvedAt: iso(st.resolvedAt) } : {}),
    flapping: st.flapping,
  });

  const faults: TruthFault[] = g.faults.map((f) => {
    const members: TruthMember[] = [];
    for (const s of g.series.values()) {
      const st = alertStats.get(`${s.fp}|${f.id}`);
      if (st && Number.isFinite(st.firstSent)) members.push(member('alert', s.fp, s.labels, s.component, st));
    }
    for (const m of g.monitors.values()) {
      const st = signalStats.get(`${m.fp}|${f.id}`);
      if (st && Number.isFinite(st.firstSent)) members.push(member('signal', m.fp, m.labels, m.component, st));
    }
    members.sort((a, b) => (a.firstSentAt < b.firstSentAt ? -1 : a.firstSentAt > b.firstSentAt ? 1 : a.fingerprint < b.fingerprint ? -1 : 1));
    const crit = members.filter((m) => m.severity === 'critical' || m.severity === 'page');
    return {
      id: f.id,
      type: f.type.name,
      chain: f.type.chain,
      root: f.root.name,
      rootKind: f.root.kind,
      mode: f.type.mode,
      onset: iso(f.onset),
      end: iso(f.end),
      ...(f.change ? { change: f.change } : {}),
      expectPage: crit.length > 0,
      ...(members.length > 0 ? { firstSignalAt: members[0]!.firstSentAt } : {}),
      ...(crit.length > 0 ? { firstCriticalAt: crit.map((m) => m.firstSentAt).sort()[0]! } : {}),
      affected: f.affected,
      members,
    };
  });

  const noise: TruthNoise[] = [];
  for (const n of g.noise) {
    const s = g.series.get(n.fp);
    const m = s ? undefined : [...g.monitors.values()].find((x) => x.fp === n.fp);
    const st = (s ? alertStats : signalStats).get(`${n.fp}|${n.id}`);
    if (!st || !Number.isFinite(st.firstSent)) continue; // never sent (pending only, or outside the stream)
    const labels = s ? s.labels : m!.labels;
    noise.push({
      id: n.id,
      kind: n.kind,
      fingerprint: n.fp,
      labels,
      component: n.component,
      severity: labels.severity ?? '',
      firstSentAt: iso(st.firstSent),
      lastSentAt: iso(st.lastSent),
    });
  }

  const truth: Truth = {
    version: TRUTH_VERSION,
    scenario: {
      size: size.name,
      seed: opts.seed,
      components: g.topo.components.length,
      start: iso(g.start),
      end: iso(g.end),
      durationMs: size.durationMs,
      clusters: g.topo.clusters,
    },
    components: g.topo.components.map((c) => ({ name: c.name, kind: c.kind, domain: c.domain, dependsOn: [...c.dependsOn], selectors: c.selectors })),
    faults,
    noise,
    changes: [...g.changes].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)),
    stats,
  };
  return { topology: g.topo, records, truth };
}

// --- serialization -----------------------------------------------------------------------------------

function sortedLabels(l: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(l).sort()) out[k] = l[k]!;
  return out;
}

/** The wire form of a model signal (snake_case, docs/correlation.md). */
export function signalWire(p: SignalPayload, time: (ms: number) => number = (x) => x): Record<string, unknown> {
  const id = p.identity;
  const o: Record<string, unknown> = { source: id.source, kind: id.kind };
  if (id.modelId !== undefined) o.model_id = id.modelId;
  if (id.modelVersion !== undefined) o.model_version = id.modelVersion;
  if (id.feature !== undefined) o.feature = id.feature;
  if (id.segment !== undefined) o.segment = id.segment;
  if (id.pipeline !== undefined) o.pipeline = id.pipeline;
  o.method = id.method;
  o.value = p.value;
  o.threshold = p.threshold;
  if (p.pValue !== undefined) o.p_value = p.pValue;
  if (p.sampleSize !== undefined) o.sample_size = p.sampleSize;
  o.window = { start: iso(time(p.window.start)), end: iso(time(p.window.end)) };
  o.status = p.status;
  o.severity = id.severity;
  o.labels = id.labels;
  return o;
}

/** One JSONL line of the replay input. `time` maps virtual ms (for time-scaled copies). */
export function recordLine(r: StreamRecord, time: (ms: number) => number = (x) => x): string {
  const at = iso(time(r.at));
  switch (r.kind) {
    case 'alerts':
      return JSON.stringify({
        at,
        alerts: r.alerts.map((a) => ({
          labels: sortedLabels(a.labels),
          annotations: a.annotations,
          startsAt: iso(time(a.startsAt)),
          endsAt: iso(time(a.endsAt)),
          generatorURL: a.generatorURL,
        })),
      });
    case 'signal':
      return JSON.stringify({ at, signal: signalWire(r.signal, time) });
    case 'change': {
      const c = r.change;
      return JSON.stringify({
        at,
        change: {
          id: c.id,
          kind: c.kind,
          at: iso(time(Date.parse(c.at))),
          labels: c.labels,
          summary: c.summary,
          url: `https://ci.example.internal/changes/${c.id}`,
          author: `ci-bot`,
        },
      });
    }
  }
}
