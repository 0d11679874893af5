/**
 * Scores a replay output (`{at, receiver, integration, index, body}` lines) against a scenario's truth.
 *
 * Definitions:
 * - a *page* is a PagerDuty `trigger` event whose `dedup_key` is new, or was resolved since its last
 *   trigger; later triggers with the same key update that page (members, root cause) without counting;
 * - a page *contains* a fault when one of its member alerts (custom_details.alerts, or Alertmanager's
 *   `fingerprints` detail) is a member of that fault; members are attributed by fingerprint, else by
 *   label set, else (model signals) by alertname/model/feature/pipeline/kind, and by time when one
 *   identity belongs to several owners at different times;
 * - *incidents* are the distinct incident ids in any output body (PagerDuty custom_details.incident_id,
 *   an `incident_id` label in webhook bodies, or the notification group when there is none);
 * - *missed page*: a fault with a critical member (expectPage) whose alerts are in no page;
 * - *pages per true incident*: over faults that paged, the mean number of distinct pages containing them;
 * - *false merge*: a page (or incident, where members are visible) containing members of ≥ 2 faults;
 * - *root cause top-k*: at the first page containing a fault, one of the first k `root_cause` hints
 *   names the fault's root component (hint.component, else hint.labels mapped through the topology's
 *   selectors or a label value equal to a component name); also reported for the last update of that page;
 * - *time to page*: from the fault's first sent member (and from its first critical one) to the first
 *   trigger body that contains it.
 */
import { readFileSync } from 'node:fs';
import { compileMatchers, parseMatcher, type Matcher } from '../../src/route/matchers.js';
import { isMain } from '../lib/paths.js';
import type { Truth, TruthFault } from './generate.js';

export interface OutputLine {
  readonly at: string;
  readonly receiver: string;
  readonly integration: string;
  readonly index: number;
  readonly body: unknown;
}

export const TARGETS = {
  missedPageRate: 0,
  pagesPerIncident: 1.1,
  falseMergeRate: 0.02,
  compression: 0.95,
  rootCauseTop1: 0.8,
  rootCauseTop3: 0.95,
};

interface Owner {
  readonly id: string;
  readonly fault: boolean;
  readonly from: number;
  readonly to: number;
}

interface MemberRef {
  readonly fingerprint?: string;
  readonly labels?: Record<string, string>;
  readonly startsAt?: string;
  readonly status?: string;
}

interface Hint {
  readonly component?: string;
  readonly labels?: Record<string, string>;
  readonly score?: number;
  readonly reason?: string;
}

export interface PageRecord {
  readonly key: string;
  readonly at: number;
  readonly incidentId?: string;
  /** Fault id → time of the first trigger body of this page that contained it. */
  readonly faults: Map<string, number>;
  readonly noise: Set<string>;
  /** Member fingerprints attributed to nothing in the truth. */
  readonly unknown: Set<string>;
  readonly members: Map<string, MemberRef>;
  /** Root-cause hints of the first trigger body containing each fault. */
  readonly hintsAtFault: Map<string, Hint[]>;
  lastHints: Hint[];
  triggers: number;
  resolvedAt?: number;
}

export interface IncidentRecord {
  readonly id: string;
  /** Fault id → first time a notification of this incident showed one of its members. */
  readonly faults: Map<string, number>;
  readonly noise: Set<string>;
  hasMembers: boolean;
  readonly receivers: Set<string>;
  readonly firstAt: number;
}

export interface FaultScore {
  readonly id: string;
  readonly type: string;
  readonly root: string;
  readonly expectPage: boolean;
  readonly pages: number;
  readonly firstPageAt?: number;
  readonly timeToPageMs?: number;
  readonly timeFromCriticalMs?: number;
  readonly top1?: boolean;
  readonly top3?: boolean;
  readonly top1Last?: boolean;
  readonly top3Last?: boolean;
  readonly hints?: Hint[];
  readonly mergedWith: string[];
}

export interface ScoreResult {
  readonly funnel: { rawRecords: number; distinctAlerts: number; incidents: number; notifications: number; pages: number };
  readonly faults: number;
  readonly faultsExpectingPage: number;
  readonly missedPages: number;
  readonly missedPageRate: number;
  readonly pagesPerIncident: number;
  readonly pagesWithFault: number;
  /** Pages that contain no fault member (noise or unattributed only). */
  readonly noisePages: number;
  readonly falseMergePages: number;
  readonly falseMergeRate: number;
  readonly incidentsWithMembers: number;
  readonly falseMergeIncidents: number;
  readonly falseMergeIncidentRate: number;
  readonly compression: number;
  readonly compressionVsDistinct: number;
  readonly rootCauseTop1: number;
  readonly rootCauseTop3: number;
  readonly rootCauseTop1Last: number;
  readonly rootCauseTop3Last: number;
  readonly rootCauseScored: number;
  readonly timeToPageMedianMs: number;
  readonly timeToPageP90Ms: number;
  readonly timeFromCriticalMedianMs: number;
  readonly timeFromCriticalP90Ms: number;
  readonly byFault: FaultScore[];
  readonly pagesList: PageRecord[];
  readonly byIntegration: Record<string, number>;
  readonly incidentsList: IncidentRecord[];
  /** Incidents holding members of a fault and noise alerts too. */
  readonly noiseMixedIncidents: number;
}

// --- attribution ---------------------------------------------------------------------------------------

function labelKey(l: Readonly<Record<string, string>>): string {
  return Object.keys(l)
    .filter((k) => k !== 'incident_id')
    .sort()
    .map((k) => `${k}=${l[k]}`)
    .join('\u0001');
}

function looseKey(l: Readonly<Record<string, string>>): string | undefined {
  if (!l.signal_kind && !/^(ModelDrift|ModelSkew|DataQuality|FeatureFreshness|ModelPerformance.*|IntegrationHealth)$/.test(l.alertname ?? '')) return undefined;
  return [l.alertname, l.model ?? '', l.feature ?? '', l.pipeline ?? '', l.segment ?? ''].join('|');
}

export class Attribution {
  private readonly byFp = new Map<string, Owner[]>();
  private readonly byLabels = new Map<string, Owner[]>();
  private readonly byLoose = new Map<string, Owner[]>();

  constructor(truth: Truth) {
    const add = (m: Map<string, Owner[]>, k: string | undefined, o: Owner) => {
      if (k === undefined) return;
      let l = m.get(k);
      if (!l) m.set(k, (l = []));
      l.push(o);
    };
    const reg = (id: string, fault: boolean, fp: string, labels: Record<string, string>, first: string, last: string) => {
      const o: Owner = { id, fault, from: Date.parse(first) - 2 * 3_600_000, to: Date.parse(last) + 20 * 60_000 };
      add(this.byFp, fp, o);
      add(this.byLabels, labelKey(labels), o);
      add(this.byLoose, looseKey(labels), o);
    };
    for (const f of truth.faults) for (const m of f.members) reg(f.id, true, m.fingerprint, m.labels, m.startsAt, m.lastSentAt);
    for (const n of truth.noise) reg(n.id, false, n.fingerprint, n.labels, n.firstSentAt, n.lastSentAt);
  }

  /** The owner of a member seen at `at` (ms), or undefined. */
  owner(m: MemberRef, at: number): Owner | undefined {
    const t = m.startsAt && !m.startsAt.startsWith('0001') ? Date.parse(m.startsAt) : at;
    const pick = (list: Owner[] | undefined) => {
      if (!list || list.length === 0) return undefined;
      if (list.length === 1) return list[0];
      const inside = list.filter((o) => t >= o.from && t <= o.to);
      if (inside.length > 0) return inside.sort((a, b) => b.from - a.from)[0];
      return [...list].sort((a, b) => Math.abs(t - (a.from + a.to) / 2) - Math.abs(t - (b.from + b.to) / 2))[0];
    };
    return (
      (m.fingerprint ? pick(this.byFp.get(m.fingerprint)) : undefined) ??
      (m.labels ? pick(this.byLabels.get(labelKey(m.labels))) : undefined) ??
      (m.labels ? pick(this.byLoose.get(looseKey(m.labels) ?? '')) : undefined)
    );
  }
}

// --- component mapping of root-cause hints ---------------------------------------------------------------

const IDENTITY_LABELS = ['component', 'service', 'job', 'pipeline', 'model', 'node', 'instance'];

export class ComponentMap {
  private readonly names = new Set<string>();
  private readonly selectors: { name: string; match: (l: Readonly<Record<string, string>>) => boolean }[] = [];

  constructor(truth: Truth) {
    const order = ['model', 'feature_store', 'feature_pipeline', 'data_source', 'service', 'database', 'queue', 'gpu', 'node'];
    const comps = [...truth.components].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
    for (const c of comps) {
      this.names.add(c.name);
      for (const sel of c.selectors) {
        const ms: Matcher[] = sel.map((x) => parseMatcher(x));
        const match = compileMatchers(ms);
        this.selectors.push({ name: c.name, match });
      }
    }
  }

  componentOf(h: Hint): string | undefined {
    if (h.component && this.names.has(h.component)) return h.component;
    const l = h.labels ?? {};
    for (const n of IDENTITY_LABELS) {
      const v = l[n];
      if (v !== undefined && this.names.has(v)) return v;
    }
    for (const s of this.selectors) if (s.match(l)) return s.name;
    return h.component;
  }
}

// --- output parsing ---------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

function obj(x: unknown): Json | undefined {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Json) : undefined;
}

function membersOfPagerduty(body: Json): MemberRef[] {
  const cd = obj(obj(body.payload)?.custom_details);
  if (!cd) return [];
  if (Array.isArray(cd.alerts)) {
    return (cd.alerts as unknown[]).map((a) => {
      const o = obj(a) ?? {};
      return {
        fingerprint: typeof o.fingerprint === 'string' ? o.fingerprint : undefined,
        labels: obj(o.labels) as Record<string, string> | undefined,
        startsAt: typeof o.startsAt === 'string' ? o.startsAt : undefined,
        status: typeof o.status === 'string' ? o.status : undefined,
      };
    });
  }
  if (typeof cd.fingerprints === 'string') {
    return cd.fingerprints
      .split(/\s+/)
      .filter((x) => x !== '')
      .map((fingerprint) => ({ fingerprint }));
  }
  return [];
}

function hintsOf(body: Json): Hint[] {
  const cd = obj(obj(body.payload)?.custom_details);
  const rc = cd?.root_cause;
  if (!Array.isArray(rc)) return [];
  return rc.map((h) => {
    const o = obj(h) ?? {};
    return {
      component: typeof o.component === 'string' ? o.component : undefined,
      labels: obj(o.labels) as Record<string, string> | undefined,
      score: typeof o.score === 'number' ? o.score : undefined,
      reason: typeof o.reason === 'string' ? o.reason : undefined,
    };
  });
}

function findIncidentId(x: unknown, depth = 0): string | undefined {
  if (depth > 6) return undefined;
  const o = obj(x);
  if (o) {
    if (typeof o.incident_id === 'string') return o.incident_id;
    for (const v of Object.values(o)) {
      const r = findIncidentId(v, depth + 1);
      if (r) return r;
    }
  } else if (Array.isArray(x)) {
    for (const v of x) {
      const r = findIncidentId(v, depth + 1);
      if (r) return r;
    }
  } else if (typeof x === 'string' && depth > 0) {
    const m = /incident[_ -]?id[=: "]+([0-9A-Za-z][0-9A-Za-z_-]{5,})/.exec(x) ?? /\*Incident ([0-9A-Za-z][0-9A-Za-z_-]{5,})\*/.exec(x);
    if (m) return m[1];
  }
  return undefined;
}

/** Label sets shown in a Slack message as `` `name=value, name=value` `` (alertsift's and Alertmanager's formats). */
function slackLabelSets(x: unknown, out: Record<string, string>[] = [], depth = 0): Record<string, string>[] {
  if (depth > 6) return out;
  if (typeof x === 'string') {
    for (const m of x.matchAll(/`([a-zA-Z_][a-zA-Z0-9_]*=[^`]*)`/g)) {
      const labels: Record<string, string> = {};
      for (const part of m[1]!.split(/, (?=[a-zA-Z_][a-zA-Z0-9_]*=)/)) {
        const i = part.indexOf('=');
        labels[part.slice(0, i)] = part.slice(i + 1);
      }
      if (labels.alertname !== undefined) out.push(labels);
    }
  } else if (Array.isArray(x)) for (const v of x) slackLabelSets(v, out, depth + 1);
  else if (x !== null && typeof x === 'object') for (const v of Object.values(x)) slackLabelSets(v, out, depth + 1);
  return out;
}

function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i]!;
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function readOutput(file: string): OutputLine[] {
  const out: OutputLine[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    out.push(JSON.parse(line) as OutputLine);
  }
  return out;
}

// --- scoring ---------------------------------------------------------------------------------------------

export function score(truth: Truth, output: readonly OutputLine[]): ScoreResult {
  const attr = new Attribution(truth);
  const cmap = new ComponentMap(truth);
  const faultsById = new Map(truth.faults.map((f) => [f.id, f] as const));
  const byIntegration: Record<string, number> = {};

  const open = new Map<string, PageRecord>();
  const pages: PageRecord[] = [];
  const incidents = new Map<string, IncidentRecord>();
  const incident = (id: string, receiver: string, at: number) => {
    let i = incidents.get(id);
    if (!i) incidents.set(id, (i = { id, faults: new Map(), noise: new Set(), hasMembers: false, receivers: new Set(), firstAt: at }));
    i.receivers.add(receiver);
    return i;
  };
  const note = (inc: IncidentRecord, o: Owner | undefined, at: number) => {
    inc.hasMembers = true;
    if (o?.fault) {
      if (!inc.faults.has(o.id)) inc.faults.set(o.id, at);
    } else if (o) inc.noise.add(o.id);
  };

  const sorted = [...output].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  for (const line of sorted) {
    byIntegration[line.integration] = (byIntegration[line.integration] ?? 0) + 1;
    const at = Date.parse(line.at);
    const body = obj(line.body) ?? {};
    if (line.integration === 'pagerduty') {
      const action = body.event_action;
      const key = typeof body.dedup_key === 'string' ? body.dedup_key : undefined;
      if (key === undefined || (action !== 'trigger' && action !== 'resolve')) continue; // change events, acks
      const cd = obj(obj(body.payload)?.custom_details);
      const incidentId = typeof cd?.incident_id === 'string' ? cd.incident_id : key;
      if (action === 'resolve') {
        const p = open.get(key);
        if (p) {
          p.resolvedAt = at;
          open.delete(key);
        }
        continue;
      }
      let page = open.get(key);
      if (!page) {
        page = { key, at, incidentId, faults: new Map(), noise: new Set(), unknown: new Set(), members: new Map(), hintsAtFault: new Map(), lastHints: [], triggers: 0 };
        open.set(key, page);
        pages.push(page);
      }
      page.triggers++;
      const hints = hintsOf(body);
      page.lastHints = hints;
      const inc = incident(incidentId, line.receiver, at);
      for (const m of membersOfPagerduty(body)) {
        const id = m.fingerprint ?? labelKey(m.labels ?? {});
        page.members.set(id, m);
        const o = attr.owner(m, at);
        note(inc, o, at);
        if (!o) page.unknown.add(id);
        else if (o.fault) {
          if (!page.faults.has(o.id)) {
            page.faults.set(o.id, at);
            page.hintsAtFault.set(o.id, hints);
          }
        } else page.noise.add(o.id);
      }
    } else {
      const id = findIncidentId(line.body) ?? (typeof body.groupKey === 'string' ? `${line.receiver}:${body.groupKey}` : undefined);
      if (id === undefined) continue;
      const inc = incident(id, line.receiver, at);
      if (line.integration === 'slack') {
        for (const labels of slackLabelSets(line.body)) {
          if (labels.incident_id !== undefined) continue;
          note(inc, attr.owner({ labels }, at), at);
        }
      }
      if (Array.isArray(body.alerts)) {
        for (const a of body.alerts as unknown[]) {
          const o = obj(a) ?? {};
          const labels = (obj(o.labels) ?? {}) as Record<string, string>;
          if (labels.incident_id !== undefined) continue; // the incident alert itself, not a member
          const owner = attr.owner({ fingerprint: typeof o.fingerprint === 'string' ? o.fingerprint : undefined, labels, startsAt: typeof o.startsAt === 'string' ? o.startsAt : undefined }, at);
          note(inc, owner, at);
        }
      }
    }
  }

  // Per fault.
  const byFault: FaultScore[] = truth.faults.map((f) => {
    const containing = pages.filter((p) => p.faults.has(f.id));
    const first = containing.length > 0 ? containing.reduce((a, b) => (a.faults.get(f.id)! <= b.faults.get(f.id)! ? a : b)) : undefined;
    const firstAt = first?.faults.get(f.id);
    const mergedWith = new Set<string>();
    for (const p of containing) for (const g of p.faults.keys()) if (g !== f.id) mergedWith.add(g);
    const rootOk = (hs: Hint[] | undefined, k: number) => (hs ?? []).slice(0, k).some((h) => cmap.componentOf(h) === f.root);
    const hints = first?.hintsAtFault.get(f.id);
    return {
      id: f.id,
      type: f.type,
      root: f.root,
      expectPage: f.expectPage,
      pages: containing.length,
      ...(firstAt !== undefined ? { firstPageAt: firstAt } : {}),
      ...(firstAt !== undefined && f.firstSignalAt ? { timeToPageMs: firstAt - Date.parse(f.firstSignalAt) } : {}),
      ...(firstAt !== undefined && f.firstCriticalAt ? { timeFromCriticalMs: firstAt - Date.parse(f.firstCriticalAt) } : {}),
      ...(first ? { top1: rootOk(hints, 1), top3: rootOk(hints, 3), top1Last: rootOk(first.lastHints, 1), top3Last: rootOk(first.lastHints, 3), hints } : {}),
      mergedWith: [...mergedWith].sort(),
    };
  });

  const expecting = byFault.filter((f) => f.expectPage);
  const missed = expecting.filter((f) => f.pages === 0);
  const paged = byFault.filter((f) => f.pages > 0);
  const pagesWithFault = pages.filter((p) => p.faults.size > 0).length;
  const falseMergePages = pages.filter((p) => p.faults.size >= 2).length;
  const withMembers = [...incidents.values()].filter((i) => i.hasMembers);
  const falseMergeIncidents = withMembers.filter((i) => i.faults.size >= 2).length;
  const rc = paged.filter((f) => f.top1 !== undefined);
  const ttp = paged.map((f) => f.timeToPageMs).filter((x): x is number => x !== undefined);
  const ttc = paged.map((f) => f.timeFromCriticalMs).filter((x): x is number => x !== undefined);
  const raw = truth.stats.rawRecords;
  const notifications = output.length;
  void faultsById;
  return {
    funnel: { rawRecords: raw, distinctAlerts: truth.stats.distinctAlerts, incidents: incidents.size, notifications, pages: pages.length },
    faults: truth.faults.length,
    faultsExpectingPage: expecting.length,
    missedPages: missed.length,
    missedPageRate: expecting.length > 0 ? missed.length / expecting.length : 0,
    pagesPerIncident: paged.length > 0 ? paged.reduce((n, f) => n + f.pages, 0) / paged.length : NaN,
    pagesWithFault,
    noisePages: pages.length - pagesWithFault,
    falseMergePages,
    falseMergeRate: pages.length > 0 ? falseMergePages / pages.length : 0,
    incidentsWithMembers: withMembers.length,
    falseMergeIncidents,
    falseMergeIncidentRate: withMembers.length > 0 ? falseMergeIncidents / withMembers.length : 0,
    compression: raw > 0 ? 1 - pages.length / raw : NaN,
    compressionVsDistinct: truth.stats.distinctAlerts > 0 ? 1 - pages.length / truth.stats.distinctAlerts : NaN,
    rootCauseTop1: rc.length > 0 ? rc.filter((f) => f.top1).length / rc.length : NaN,
    rootCauseTop3: rc.length > 0 ? rc.filter((f) => f.top3).length / rc.length : NaN,
    rootCauseTop1Last: rc.length > 0 ? rc.filter((f) => f.top1Last).length / rc.length : NaN,
    rootCauseTop3Last: rc.length > 0 ? rc.filter((f) => f.top3Last).length / rc.length : NaN,
    rootCauseScored: rc.length,
    timeToPageMedianMs: median(ttp),
    timeToPageP90Ms: quantile(ttp, 0.9),
    timeFromCriticalMedianMs: median(ttc),
    timeFromCriticalP90Ms: quantile(ttc, 0.9),
    byFault,
    pagesList: pages,
    byIntegration,
    incidentsList: [...incidents.values()],
    noiseMixedIncidents: withMembers.filter((i) => i.faults.size > 0 && i.noise.size > 0).length,
  };
}

// --- reporting -------------------------------------------------------------------------------------------

export function pct(x: number, digits = 1): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : 'n/a';
}

export function mins(ms: number): string {
  return Number.isFinite(ms) ? `${(ms / 60_000).toFixed(1)} min` : 'n/a';
}

export function targetFailures(r: ScoreResult): string[] {
  const out: string[] = [];
  if (r.missedPageRate > TARGETS.missedPageRate) out.push(`missed pages ${r.missedPages}/${r.faultsExpectingPage}`);
  if (r.pagesPerIncident > TARGETS.pagesPerIncident) out.push(`pages per incident ${r.pagesPerIncident.toFixed(2)} > ${TARGETS.pagesPerIncident}`);
  if (r.falseMergeRate > TARGETS.falseMergeRate) out.push(`false merges ${pct(r.falseMergeRate)} > ${pct(TARGETS.falseMergeRate, 0)}`);
  if (r.compression < TARGETS.compression) out.push(`compression ${pct(r.compression)} < ${pct(TARGETS.compression, 0)}`);
  if (!(r.rootCauseTop1 >= TARGETS.rootCauseTop1)) out.push(`root cause top-1 ${pct(r.rootCauseTop1)} < ${pct(TARGETS.rootCauseTop1, 0)}`);
  if (!(r.rootCauseTop3 >= TARGETS.rootCauseTop3)) out.push(`root cause top-3 ${pct(r.rootCauseTop3)} < ${pct(TARGETS.rootCauseTop3, 0)}`);
  return out;
}

export function formatScore(r: ScoreResult): string {
  const f = r.funnel;
  return [
    `funnel: ${f.rawRecords} raw records → ${f.distinctAlerts} distinct alerts → ${f.incidents} incidents → ${f.pages} pages (${f.notifications} notifications in all)`,
    `faults ${r.faults} (${r.faultsExpectingPage} must page); missed pages ${r.missedPages} (${pct(r.missedPageRate)}); pages per true incident ${Number.isFinite(r.pagesPerIncident) ? r.pagesPerIncident.toFixed(2) : 'n/a'}; ` +
      `pages without a true incident ${r.noisePages}`,
    `false merges: ${r.falseMergePages}/${f.pages} pages (${pct(r.falseMergeRate)}), ${r.falseMergeIncidents}/${r.incidentsWithMembers} incidents with visible members (${pct(r.falseMergeIncidentRate)}); ` +
      `${r.noiseMixedIncidents} incidents mix a fault with noise alerts`,
    `compression raw→pages ${pct(r.compression, 2)} (distinct→pages ${pct(r.compressionVsDistinct, 1)})`,
    `root cause (${r.rootCauseScored} paged faults): top-1 ${pct(r.rootCauseTop1)}, top-3 ${pct(r.rootCauseTop3)} at first page; top-1 ${pct(r.rootCauseTop1Last)}, top-3 ${pct(r.rootCauseTop3Last)} at the page's last update`,
    `time to page: from first signal median ${mins(r.timeToPageMedianMs)}, p90 ${mins(r.timeToPageP90Ms)}; from first critical median ${mins(r.timeFromCriticalMedianMs)}, p90 ${mins(r.timeFromCriticalP90Ms)}`,
  ].join('\n');
}

function memberText(m: TruthFault['members'][number]): string {
  const l = m.labels;
  const what = [l.alertname, l.model, l.feature, l.pipeline, l.namespace, l.pod, l.instance, l.node, l.consumergroup, l.kafka_cluster, l.destination_service_name, l.destination_canonical_service]
    .filter((x) => x !== undefined)
    .join(' ');
  return `${what} [${m.severity}] first ${m.firstSentAt.slice(11, 19)}`;
}

function hintText(h: Hint, cmap: ComponentMap): string {
  const comp = cmap.componentOf(h);
  const labels = Object.entries(h.labels ?? {})
    .slice(0, 4)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${comp ?? '?'}${h.score !== undefined ? ` (${h.score.toFixed(2)})` : ''}${labels ? ` {${labels}}` : ''}`;
}

/** The failing cases, with labels and timings, for the engineers who fix the engine. */
export function formatFailures(truth: Truth, r: ScoreResult, limit = 8): string {
  const cmap = new ComponentMap(truth);
  const faults = new Map(truth.faults.map((f) => [f.id, f] as const));
  const out: string[] = [];
  const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 19);
  const missed = r.byFault.filter((f) => f.expectPage && f.pages === 0);
  if (missed.length > 0) {
    out.push(`missed pages (${missed.length}):`);
    for (const fs of missed.slice(0, limit)) {
      const f = faults.get(fs.id)!;
      out.push(`  ${f.id} ${f.type} root ${f.root} onset ${f.onset.slice(11, 19)}${f.change ? ` after ${f.change.kind} ${f.change.id} at ${f.change.at.slice(11, 19)}` : ''}`);
      for (const m of f.members.filter((x) => x.severity === 'critical').slice(0, 4)) out.push(`      critical member: ${memberText(m)}`);
      const seen = r.incidentsList.filter((i) => i.faults.has(f.id));
      out.push(
        seen.length === 0
          ? '      its alerts are in no notification at all'
          : `      its alerts went to: ${seen
              .slice(0, 3)
              .map((i) => `${[...i.receivers].join('+')} incident ${i.id.slice(0, 24)} (first ${hhmm(i.firstAt)}, fault seen ${hhmm(i.faults.get(f.id)!)}${i.noise.size ? `, with ${i.noise.size} noise alerts` : ''}${i.faults.size > 1 ? `, with faults ${[...i.faults.keys()].filter((x) => x !== f.id).join(',')}` : ''})`)
              .join('; ')}`,
      );
    }
  }
  const multi = r.byFault.filter((f) => f.pages > 1);
  if (multi.length > 0) {
    out.push(`faults paged more than once (${multi.length}):`);
    for (const fs of multi.slice(0, limit)) {
      const ps = r.pagesList.filter((p) => p.faults.has(fs.id));
      out.push(`  ${fs.id} ${fs.type} root ${fs.root}: ${ps.length} pages at ${ps.map((p) => `${hhmm(p.at)} (${p.members.size} alerts)`).join(', ')}`);
    }
  }
  const merged = r.pagesList.filter((p) => p.faults.size >= 2);
  if (merged.length > 0) {
    out.push(`false merges (${merged.length} pages):`);
    for (const p of merged.slice(0, limit)) {
      out.push(`  page ${hhmm(p.at)} incident ${p.incidentId ?? p.key.slice(0, 12)} mixes ${[...p.faults.keys()].map((id) => `${id} (${faults.get(id)!.type}, root ${faults.get(id)!.root}, onset ${faults.get(id)!.onset.slice(11, 19)})`).join(' + ')}`);
    }
  }
  const mixedInc = r.incidentsList.filter((i) => i.faults.size >= 2 && ![...r.pagesList].some((p) => p.incidentId === i.id));
  if (mixedInc.length > 0) {
    out.push(`unpaged incidents mixing faults (${mixedInc.length}):`);
    for (const i of mixedInc.slice(0, limit)) out.push(`  ${[...i.receivers].join('+')} incident ${i.id.slice(0, 24)} (first ${hhmm(i.firstAt)}) mixes ${[...i.faults.keys()].map((id) => `${id} (${faults.get(id)!.type}, root ${faults.get(id)!.root})`).join(' + ')}`);
  }
  const noisy = r.pagesList.filter((p) => p.faults.size === 0);
  if (noisy.length > 0) {
    out.push(`pages without a true incident (${noisy.length}):`);
    for (const p of noisy.slice(0, limit)) {
      const names = [...p.members.values()].map((m) => m.labels?.alertname ?? m.fingerprint ?? '?');
      out.push(`  page ${hhmm(p.at)}: ${[...new Set(names)].slice(0, 4).join(', ')} (noise ${[...p.noise].slice(0, 3).join(', ') || 'none'}${p.unknown.size ? `, ${p.unknown.size} unattributed` : ''})`);
    }
  }
  const wrong = r.byFault.filter((f) => f.top1 === false);
  if (wrong.length > 0) {
    out.push(`wrong root cause at first page (${wrong.length}):`);
    for (const fs of wrong.slice(0, limit)) {
      const hs = fs.hints ?? [];
      out.push(`  ${fs.id} ${fs.type}: expected ${fs.root}; got ${hs.length === 0 ? 'no hints' : hs.slice(0, 3).map((h) => hintText(h, cmap)).join(' | ')}${fs.top3 ? ' (in top 3)' : ''}`);
    }
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const get = (n: string) => {
    const i = args.indexOf(n);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const truthFile = get('--truth');
  const outFile = get('--output');
  if (!truthFile || !outFile) {
    console.error('usage: score.js --truth truth.json --output out.jsonl [--json]');
    process.exitCode = 2;
    return;
  }
  const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as Truth;
  const r = score(truth, readOutput(outFile));
  if (args.includes('--json')) {
    console.log(JSON.stringify({ ...r, pagesList: undefined }, null, 1));
    return;
  }
  console.log(formatScore(r));
  const fails = targetFailures(r);
  console.log(fails.length === 0 ? 'targets: all met' : `targets missed: ${fails.join('; ')}`);
  const details = formatFailures(truth, r);
  if (details) console.log(details);
}

if (isMain(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
