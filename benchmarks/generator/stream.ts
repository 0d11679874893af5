/**
 * Turns a topology into a replay stream: JSON lines `{"at", "alerts": [...]}` in time order, each line
 * one POST /api/v2/alerts as a Prometheus server makes it.
 *
 * The shape follows Prometheus' rule manager and notifier:
 * - every rule group of every Prometheus is evaluated once per round at its own phase in the round
 *   (Prometheus spreads groups over the interval by a hash of their name);
 * - each evaluation sends every firing alert of the group again (so sends ≫ distinct alerts), with
 *   `startsAt` = when it started firing and `endsAt` = evaluation time + 4 × resend period
 *   (Prometheus' `ValidUntil`);
 * - a resolved alert is sent with `endsAt` = the evaluation that saw it resolve, and re-sent on every
 *   evaluation after that for 15 minutes (Prometheus' `resolvedRetention`), i.e. for the rest of these
 *   short streams;
 * - the notifier batches at most 256 alerts per POST (Prometheus' `DefaultMaxBatchSize`).
 * Churn: each round a share of firing alerts resolves and as many new alerts start (new pods or hosts
 * of the same groups), keeping the active count steady. Hosts go down and come back (NodeDown alerts),
 * and every Prometheus sends its always-firing Watchdog.
 */
import { hash32, Rng } from './prng.js';
import { hostIndexOf, hostName, type Seed, type Topology } from './topology.js';

export const BATCH_MAX = 256;
/** Prometheus keeps re-sending resolved alerts this long. */
export const RESOLVED_RETENTION_MS = 15 * 60_000;
/** Start of virtual time for every scenario (the date of the committed results). */
export const DEFAULT_START = Date.parse('2026-11-28T00:00:00.000Z');

export interface StreamOptions {
  /** Virtual time of the first round. */
  readonly startMs?: number;
  /**
   * Divide every offset from `startMs` by this factor (timestamps in lines and in alerts alike), for the
   * time-scaled Alertmanager comparison. 1 = real time.
   */
  readonly timeScale?: number;
}

export interface StreamStats {
  lines: number;
  sends: number;
  /** Distinct alert identities that appear in the stream. */
  distinctAlerts: number;
  /** Firing alerts after the last round. */
  activeAtEnd: number;
  /** Most firing alerts at any round. */
  peakActive: number;
  resolvedSends: number;
  newAlerts: number;
  resolutions: number;
  /** Bytes of all alert objects (JSON), for the mean alert size. */
  alertBytes: number;
  firstAt: string;
  lastAt: string;
}

interface AlertRec {
  /** Cached JSON of the alert up to and including the `startsAt` value. */
  readonly head: string;
  /** Cached tail: `","generatorURL":...}` */
  readonly tail: string;
  /** Epoch ms when it resolved, or 0 while firing. */
  resolvedAt: number;
  /** Epoch-ms `endsAt` text cache for resolved alerts. */
  resolvedText?: string;
}

interface Bucket {
  readonly key: string;
  /** Offset of this rule group's evaluation inside each round, ms. */
  readonly phase: number;
  readonly seeds: Seed[];
  readonly alerts: AlertRec[];
  /** Next index per seed for new alerts. */
  readonly nextIndex: Map<number, number>;
  /** Host-level alerts (NodeDown) keyed by host index, for this bucket only. */
  readonly byHost?: Map<number, AlertRec>;
  readonly cluster?: number;
}

/** Renders the Go-template summary with the alert's labels, roughly as Prometheus would. */
function renderSummary(template: string, labels: Record<string, string>, valueSeed: number): string {
  return template
    // Labels this estate does not carry (proxy, site, backend...) render as the service name.
    .replace(/\{\{-?\s*\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)[^}]*-?\}\}/g, (_, name: string) => labels[name] ?? labels['service'] ?? '')
    .replace(/\{\{-?\s*\$value[^}]*-?\}\}/g, () => ((valueSeed % 9000) / 100 + 1).toFixed(2))
    .replace(/\{\{[^}]*\}\}/g, '')
    .slice(0, 56);
}

export class StreamGenerator {
  readonly stats: StreamStats;
  private readonly rng: Rng;
  private readonly buckets: Bucket[];
  private readonly start: number;
  private readonly scale: number;
  private readonly iso = new Map<number, string>();

  constructor(private readonly topo: Topology, opts: StreamOptions = {}) {
    const sc = topo.scenario;
    this.start = opts.startMs ?? DEFAULT_START;
    this.scale = opts.timeScale ?? 1;
    this.rng = new Rng(sc.seed ^ 0x5eed);
    this.stats = {
      lines: 0,
      sends: 0,
      distinctAlerts: 0,
      activeAtEnd: 0,
      peakActive: 0,
      resolvedSends: 0,
      newAlerts: 0,
      resolutions: 0,
      alertBytes: 0,
      firstAt: '',
      lastAt: '',
    };
    const byKey = new Map<string, Bucket>();
    const bucket = (key: string, extra?: Partial<Bucket>): Bucket => {
      let b = byKey.get(key);
      if (!b) {
        b = { key, phase: hash32(key) % sc.resendMs, seeds: [], alerts: [], nextIndex: new Map(), ...extra };
        byKey.set(key, b);
      }
      return b;
    };
    // Alerts that already fire when the stream starts began at some point in the last six hours.
    for (const s of topo.seeds) {
      const b = bucket(s.bucket);
      b.seeds.push(s);
      for (let j = 0; j < s.size; j++) {
        b.alerts.push(this.makeAlert(s, j, this.start - 1000 * this.rng.int(6 * 3600)));
      }
      b.nextIndex.set(s.id, s.size);
    }
    // One NodeDown rule group and one Watchdog per Prometheus.
    topo.clusters.forEach((cluster, ci) => {
      const nd = bucket(`${cluster}|general_nodes_down`, { byHost: new Map(), cluster: ci });
      for (const h of topo.downHosts[ci]!) {
        const a = this.makeNodeDown(ci, h, this.start - 1000 * this.rng.int(3600));
        nd.alerts.push(a);
        nd.byHost!.set(h, a);
      }
      bucket(`${cluster}|general.rules`).alerts.push(this.makeWatchdog(cluster));
    });
    this.buckets = [...byKey.values()].sort((a, b) => a.phase - b.phase || (a.key < b.key ? -1 : 1));
  }

  /** Virtual ms → the (possibly time-scaled) ms written to the stream. */
  private mapTime(v: number): number {
    return this.scale === 1 ? v : this.start + Math.round((v - this.start) / this.scale);
  }

  private isoOf(v: number): string {
    const t = this.mapTime(v);
    let s = this.iso.get(t);
    if (s === undefined) {
      s = new Date(t).toISOString();
      if (this.iso.size > 100_000) this.iso.clear();
      this.iso.set(t, s);
    }
    return s;
  }

  private build(labels: Record<string, string>, summary: string, startsAt: number, genUrl: string): AlertRec {
    this.stats.distinctAlerts++;
    const head =
      `{"labels":${JSON.stringify(labels)},"annotations":${JSON.stringify({ summary })},` +
      `"startsAt":"${new Date(this.mapTime(startsAt)).toISOString()}","endsAt":"`;
    return { head, tail: `","generatorURL":${JSON.stringify(genUrl)}}`, resolvedAt: 0 };
  }

  private makeAlert(s: Seed, j: number, startsAt: number): AlertRec {
    const pool = this.topo.hostsPerCluster[s.clusterIndex]!;
    const labels: Record<string, string> = {
      alertname: s.rule.alertname,
      severity: s.rule.severity,
      team: s.team,
      service: s.service,
      namespace: s.namespace,
      cluster: s.cluster,
      instance: hostName(s.clusterIndex, hostIndexOf(s, j, pool)),
      job: s.job,
    };
    if (s.kind === 'pod') labels['pod'] = `${s.service.slice(0, 14)}-${s.tag}-${j.toString(36)}`;
    else if (j >= pool) labels['device'] = `sd${String.fromCharCode(97 + (Math.floor(j / pool) % 26))}`;
    const gen = `http://prom-${s.cluster}:9090/graph?g0.expr=ALERTS`;
    return this.build(labels, renderSummary(s.rule.summary, labels, hash32(labels['instance']!) + j), startsAt, gen);
  }

  private makeNodeDown(ci: number, host: number, startsAt: number): AlertRec {
    const cluster = this.topo.clusters[ci]!;
    const instance = hostName(ci, host);
    const labels = {
      alertname: 'NodeDown',
      severity: 'critical',
      team: 'sre',
      service: 'node',
      namespace: 'node',
      cluster,
      instance,
      job: 'node',
    };
    const gen = `http://prom-${cluster}:9090/graph?g0.expr=up+%3D%3D+0`;
    return this.build(labels, `Node ${instance.replace(/:.*/, '')} has been down for long.`, startsAt, gen);
  }

  private makeWatchdog(cluster: string): AlertRec {
    const labels = { alertname: 'Watchdog', severity: 'none', cluster, namespace: 'monitoring', prometheus: `monitoring/${cluster}` };
    const summary = 'An alert that should always be firing to certify that Alertmanager is working properly.';
    return this.build(labels, summary, this.start - 86_400_000, `http://prom-${cluster}:9090/graph?g0.expr=vector%281%29`);
  }

  /** Resolutions and new alerts in one bucket at evaluation time `t` (rounds after the first). */
  private churn(b: Bucket, t: number): void {
    const sc = this.topo.scenario;
    if (b.byHost) {
      // Hosts come back (~20% of down hosts per round) and others go down at the same rate.
      const ci = b.cluster!;
      const pool = this.topo.hostsPerCluster[ci]!;
      for (const a of b.byHost.values()) {
        if (a.resolvedAt === 0 && this.rng.chance(0.2)) this.resolve(a, t);
      }
      const down = this.rng.poisson(this.topo.downHosts[ci]!.length * 0.2);
      for (let i = 0; i < down; i++) {
        const h = this.rng.int(pool);
        // A host that was down earlier in the stream is left alone: Prometheus would re-fire the same
        // identity, and these short streams do not need that case.
        if (b.byHost.has(h)) continue;
        const a = this.makeNodeDown(ci, h, t);
        b.alerts.push(a);
        b.byHost.set(h, a);
        this.stats.newAlerts++;
      }
      return;
    }
    if (b.seeds.length === 0) return; // the Watchdog
    let firing = 0;
    for (const a of b.alerts) {
      if (a.resolvedAt !== 0) continue;
      firing++;
      if (this.rng.chance(sc.churnPerRound)) this.resolve(a, t);
    }
    const born = this.rng.poisson(firing * sc.churnPerRound);
    for (let i = 0; i < born; i++) {
      // A new pod or host in a seed chosen by size: pick a random seed weighted by its alert count.
      const s = b.seeds.length === 1 ? b.seeds[0]! : this.weightedSeed(b);
      const j = b.nextIndex.get(s.id)!;
      b.nextIndex.set(s.id, j + 1);
      b.alerts.push(this.makeAlert(s, j, t));
      this.stats.newAlerts++;
    }
  }

  private weightedSeed(b: Bucket): Seed {
    let total = 0;
    for (const s of b.seeds) total += s.size;
    let x = this.rng.int(total);
    for (const s of b.seeds) {
      x -= s.size;
      if (x < 0) return s;
    }
    return b.seeds[b.seeds.length - 1]!;
  }

  private resolve(a: AlertRec, t: number): void {
    a.resolvedAt = t;
    a.resolvedText = this.isoOf(t);
    this.stats.resolutions++;
  }

  /** Yields the stream's lines (without newline), in time order. */
  *lines(): Generator<string> {
    const sc = this.topo.scenario;
    for (let round = 0; round < sc.rounds; round++) {
      let active = 0;
      for (const b of this.buckets) {
        const t = this.start + round * sc.resendMs + b.phase;
        if (round > 0) this.churn(b, t);
        const at = this.isoOf(t);
        const firingEnds = this.isoOf(t + 4 * sc.resendMs);
        // Drop resolved alerts past Prometheus' retention (not reached in short streams).
        let batch: string[] = [];
        for (const a of b.alerts) {
          let text: string;
          if (a.resolvedAt === 0) {
            active++;
            text = a.head + firingEnds + a.tail;
          } else {
            if (t - a.resolvedAt > RESOLVED_RETENTION_MS) continue;
            this.stats.resolvedSends++;
            text = a.head + a.resolvedText! + a.tail;
          }
          this.stats.alertBytes += text.length;
          batch.push(text);
          if (batch.length === BATCH_MAX) {
            yield this.line(at, batch);
            batch = [];
          }
        }
        if (batch.length > 0) yield this.line(at, batch);
      }
      this.stats.peakActive = Math.max(this.stats.peakActive, active);
      this.stats.activeAtEnd = active;
    }
  }

  private line(at: string, alerts: string[]): string {
    this.stats.lines++;
    this.stats.sends += alerts.length;
    if (this.stats.firstAt === '') this.stats.firstAt = at;
    this.stats.lastAt = at;
    return `{"at":"${at}","alerts":[${alerts.join(',')}]}`;
  }
}
