/**
 * The estate behind a scenario: clusters, hosts, teams and their services, and the "seeds" — one seed
 * is one set of alerts that share every grouping label (team, alert name, severity, cluster, namespace),
 * so each seed lands in exactly one aggregation group per matching route. Seeds are sized with a long
 * tail (weight ∝ rank^-0.5): most groups small, the largest ~20x the mean, as in real estates where
 * one rule over one cluster dominates a storm.
 */
import { cumulativeWeights, hash32, Rng } from './prng.js';
import type { Scenario } from './scenarios.js';
import { loadVocabulary, ownerOf, type VocabularyRule } from './vocabulary.js';

export const CLUSTER_NAMES = ['eqiad', 'codfw', 'esams', 'ulsfo', 'eqsin', 'drmrs', 'magru', 'staging-eqiad', 'staging-codfw'];

export type AlertKind = 'pod' | 'host';

export interface Seed {
  readonly id: number;
  readonly team: string;
  readonly rule: VocabularyRule;
  readonly cluster: string;
  readonly clusterIndex: number;
  readonly service: string;
  readonly namespace: string;
  readonly job: string;
  readonly kind: AlertKind;
  /** Firing alerts at the start of the stream. */
  size: number;
  /** Prometheus rule group: alerts of one rule group on one cluster are evaluated and sent together. */
  readonly bucket: string;
  /** First host index and stride through the cluster's host pool (distinct instances per alert). */
  readonly hostOffset: number;
  /** The warning seed this critical twin shadows (same targets, same grouping labels). */
  readonly twinOf?: number;
  /** Stable short id used in pod names. */
  readonly tag: string;
}

export interface Topology {
  readonly scenario: Scenario;
  readonly clusters: readonly string[];
  /** Host pool size per cluster (instances are node-exporter style `10.<site>.<x>.<y>:9100`). */
  readonly hostsPerCluster: readonly number[];
  readonly teams: readonly string[];
  readonly seeds: readonly Seed[];
  /** Hosts down at the start, per cluster (host indices). */
  readonly downHosts: readonly (readonly number[])[];
  readonly vocabularySha: string;
}

const GROUPS_PER_SEED = 1.28;
const HOST_STRIDE = 7919; // a prime: stepping through a host pool by it visits every host once

/** The `instance` label of host `index` on cluster number `clusterIndex`. */
export function hostName(clusterIndex: number, index: number): string {
  return `10.${64 + clusterIndex}.${(index >>> 8) & 255}.${index & 255}:9100`;
}

function strideFor(pool: number): number {
  return pool % HOST_STRIDE === 0 ? 7907 : HOST_STRIDE;
}

/** Host index of the `j`-th alert of a seed. */
export function hostIndexOf(seed: Seed, j: number, pool: number): number {
  return (seed.hostOffset + j * strideFor(pool)) % pool;
}

function kindOf(rule: VocabularyRule): AlertKind {
  return /kube|kubernetes|container|k8s|docker|pod/i.test(`${rule.category} ${rule.alertname}`) ? 'pod' : 'host';
}

function jobOf(rule: VocabularyRule, service: string): string {
  const c = rule.category;
  if (/node-exporter|node-network|Host and hardware/i.test(c)) return 'node';
  if (/kube-state-metrics|kubernetes-apps|kubernetes-resources|kubernetes-storage/i.test(c)) return 'kube-state-metrics';
  if (/kubelet/i.test(c)) return 'kubelet';
  if (/^(prometheus|alertmanager)/i.test(c)) return c.split(/[.\s-]/)[0]!;
  return service;
}

export function buildTopology(scenario: Scenario): Topology {
  const { vocab, sha } = loadVocabulary();
  const rng = new Rng(scenario.seed);
  const clusters = CLUSTER_NAMES.slice(0, scenario.clusters);
  const teams = Object.keys(vocab.teams).sort();

  // Each team's rules: its own wikimedia rules plus the generic rules it owns. Watchdog-style rules
  // (severity none) are not drawn: the stream adds one Watchdog per Prometheus by name.
  const rulesByTeam = new Map<string, VocabularyRule[]>(teams.map((t) => [t, []]));
  for (const r of vocab.rules) {
    if (r.severity === 'none' || r.alertname === 'NodeDown') continue;
    const owner = ownerOf(r, hash32);
    rulesByTeam.get(rulesByTeam.has(owner) ? owner : 'sre')!.push(r);
  }
  const criticalByName = new Map<string, VocabularyRule>();
  for (const r of vocab.rules) if (r.severity === 'critical' && !criticalByName.has(r.alertname)) criticalByName.set(r.alertname, r);

  // Bigger teams own more groups: weight by the number of rules they own.
  const teamWeights = cumulativeWeights(teams.map((t) => Math.sqrt(rulesByTeam.get(t)!.length)));

  const seeds: Seed[] = [];
  const taken = new Set<string>();
  // Critical seeds also land in the audit route's groups and staging seeds share the staging route's
  // groups: about 1.28 groups per seed in this routing tree, calibrated so the total is near the target.
  const baseGroups = Math.max(1, Math.min(Math.round(scenario.groups / GROUPS_PER_SEED), Math.floor(scenario.activeAlerts * 0.97)));
  let attempts = 0;
  while (seeds.length < baseGroups && attempts < baseGroups * 50) {
    attempts++;
    const team = rng.pickWeighted(teams, teamWeights);
    const rule = rng.pick(rulesByTeam.get(team)!);
    const clusterIndex = rng.int(clusters.length);
    const cluster = clusters[clusterIndex]!;
    const services = vocab.teams[team]!;
    // Service names from wikimedia's rule file names, cut to two words ("rdf-streaming-updater-global"
    // becomes "rdf-streaming"); the namespace is named after the service.
    const service = services.length > 0 ? rng.pick(services).split('-').slice(0, 2).join('-') : team;
    const namespace = service;
    const key = `${team}|${rule.alertname}|${rule.severity}|${cluster}|${namespace}`;
    if (taken.has(key)) continue;
    taken.add(key);
    const id = seeds.length;
    seeds.push({
      id,
      team,
      rule,
      cluster,
      clusterIndex,
      service,
      namespace,
      job: jobOf(rule, service),
      kind: kindOf(rule),
      size: 1,
      bucket: `${cluster}|${rule.category}`,
      hostOffset: rng.int(1 << 30),
      tag: (hash32(key) & 0xfffff).toString(16).padStart(5, '0'),
    });
  }

  // Long-tail sizes: every seed fires at least one alert; the rest is shared by rank^-0.5.
  const reserve = Math.round(scenario.activeAlerts * 0.012); // twins and NodeDown alerts, added below
  const extra = Math.max(0, scenario.activeAlerts - reserve - seeds.length);
  const order = rng.shuffle(seeds.map((s) => s.id));
  const weights = order.map((_, rank) => 1 / Math.sqrt(rank + 1));
  const wsum = weights.reduce((a, b) => a + b, 0);
  let given = 0;
  order.forEach((id, rank) => {
    const n = Math.floor((extra * weights[rank]!) / wsum);
    seeds[id]!.size += n;
    given += n;
  });
  for (let i = 0; given < extra; i++, given++) seeds[order[i % order.length]!]!.size++;

  // Critical twins: a warning rule whose alert name also has a critical rule fires both on the worst
  // targets (e.g. NodeFilesystemSpaceFillingUp at 15% and at 10%). The critical one inhibits the
  // warning group (kube-prometheus' default inhibit rule).
  const baseCount = seeds.length;
  for (let i = 0; i < baseCount; i++) {
    const s = seeds[i]!;
    if (s.rule.severity !== 'warning') continue;
    const crit = criticalByName.get(s.rule.alertname);
    if (!crit || !rng.chance(scenario.criticalTwinShare)) continue;
    seeds.push({
      ...s,
      id: seeds.length,
      rule: crit,
      size: Math.max(1, Math.round(s.size * 0.1)),
      bucket: `${s.cluster}|${crit.category}`,
      twinOf: s.id,
    });
  }

  // Host pools: about 16 alerts per host, at least 64 hosts per cluster, and never fewer hosts than
  // the largest host-kind seed on the cluster (so its alerts have distinct instances).
  const perCluster = clusters.map(() => 0);
  const largest = clusters.map(() => 0);
  for (const s of seeds) {
    perCluster[s.clusterIndex]! += s.size;
    if (s.kind === 'host') largest[s.clusterIndex] = Math.max(largest[s.clusterIndex]!, s.size * 2);
  }
  // Capped at 65536 so that instance addresses stay distinct (10.<site>.<x>.<y>).
  const hostsPerCluster = perCluster.map((n, i) => Math.min(65_536, Math.max(64, Math.ceil(n / 16), largest[i]!)));

  const downHosts = hostsPerCluster.map((pool) => {
    const n = Math.max(1, Math.round(pool * scenario.hostsDownShare));
    const set = new Set<number>();
    while (set.size < n) set.add(rng.int(pool));
    return [...set].sort((a, b) => a - b);
  });

  return { scenario, clusters, hostsPerCluster, teams, seeds, downHosts, vocabularySha: sha };
}
