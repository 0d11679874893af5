/**
 * The estate behind an incident scenario: infrastructure (Kubernetes worker nodes, GPU pools, Kafka
 * clusters, Postgres and Redis) shared by product *domains*, each with its own data sources, feature
 * pipelines (streaming and batch), an online feature store, models and services. Components carry what
 * the generator needs to render realistic alert labels (namespaces, pod and deployment names, hosts,
 * Kafka clusters, consumer groups, streams, model features) and the `depends_on` edges that faults
 * travel along (from a dependency to its dependents).
 *
 * Sizes (components): small 30 (1 domain), medium 150 (7 domains), large 600 (28 domains).
 */
import { hash32, Rng } from '../generator/prng.js';

export type ComponentKind =
  | 'service'
  | 'node'
  | 'gpu'
  | 'queue'
  | 'feature_pipeline'
  | 'feature_store'
  | 'model'
  | 'data_source'
  | 'database';

export type SizeName = 'small' | 'medium' | 'large';

export interface SizeSpec {
  readonly name: SizeName;
  readonly domains: number;
  readonly nodes: number;
  readonly gpuPools: number;
  readonly gpuHostsPerPool: number;
  readonly kafkaClusters: number;
  readonly redisClusters: number;
  /** Faults injected over the stream. */
  readonly faults: number;
  /** Virtual duration of the stream, ms. */
  readonly durationMs: number;
}

const H = 3_600_000;

export const SIZES: Readonly<Record<SizeName, SizeSpec>> = {
  small: { name: 'small', domains: 1, nodes: 11, gpuPools: 2, gpuHostsPerPool: 2, kafkaClusters: 1, redisClusters: 1, faults: 5, durationMs: 4 * H },
  medium: { name: 'medium', domains: 7, nodes: 42, gpuPools: 4, gpuHostsPerPool: 3, kafkaClusters: 2, redisClusters: 4, faults: 14, durationMs: 4 * H },
  large: { name: 'large', domains: 28, nodes: 170, gpuPools: 24, gpuHostsPerPool: 4, kafkaClusters: 6, redisClusters: 8, faults: 40, durationMs: 4 * H },
};

export type PipelineMode = 'streaming' | 'batch';

export interface Feature {
  readonly name: string;
  /** The feature pipeline that materializes it. */
  readonly pipeline: string;
}

export interface Component {
  readonly name: string;
  readonly kind: ComponentKind;
  /** Product domain, or `infra` for shared infrastructure. */
  readonly domain: string;
  readonly cluster: string;
  /** Kubernetes namespace of its workload (infra: where its exporter runs). */
  readonly namespace: string;
  readonly dependsOn: string[];
  /** Hosts (node names) for nodes and GPU pools. */
  readonly hosts?: readonly string[];
  /** Pod names of a workload (services, models, feature stores, pipelines, databases). */
  readonly pods?: readonly string[];
  /** Deployment or statefulset name. */
  readonly workload?: string;
  readonly pipelineMode?: PipelineMode;
  /** Batch pipelines: run cadence, ms. Streaming pipelines: feature window, ms. */
  readonly cadenceMs?: number;
  /** Feature TTL (max age) in the online store, ms. */
  readonly ttlMs?: number;
  /** Kafka cluster a queue component is, or a streaming component consumes from. */
  readonly kafkaCluster?: string;
  readonly modelVersion?: string;
  readonly features?: readonly Feature[];
  /** Services facing users (probed by blackbox probes). */
  readonly userFacing?: boolean;
  readonly dbEngine?: 'postgres' | 'redis';
  readonly team: string;
  /** Alertmanager-syntax selectors (each inner list ANDed) that map alerts to this component. */
  readonly selectors: string[][];
}

export interface Topology {
  readonly size: SizeSpec;
  readonly seed: number;
  readonly clusters: readonly string[];
  readonly components: readonly Component[];
  readonly byName: ReadonlyMap<string, Component>;
  /** Dependents of each component (reverse edges). */
  readonly dependents: ReadonlyMap<string, readonly string[]>;
}

const DOMAIN_NAMES = [
  'payments', 'search', 'ads', 'recsys', 'fraud', 'growth', 'content', 'messaging', 'pricing', 'logistics',
  'identity', 'support', 'catalog', 'checkout', 'maps', 'media', 'notify', 'reviews', 'loyalty', 'billing',
  'feeds', 'trust', 'inventory', 'travel', 'games', 'music', 'video', 'health', 'jobs', 'events',
];

const FEATURE_WORDS = [
  'age_days', 'txn_count_1h', 'txn_amount_24h', 'session_len', 'ctr_7d', 'country', 'device_type', 'basket_size',
  'dwell_time', 'embedding_norm', 'merchant_risk', 'price_ratio', 'clicks_30m', 'returns_90d', 'velocity_10m',
  'ip_distance_km', 'account_age', 'query_len', 'hour_of_day', 'category_affinity',
];

const MODEL_SUFFIXES = ['ranker', 'scorer', 'classifier'];

function podSuffix(rng: Rng, n: number): string {
  const a = 'bcdfghjklmnpqrstvwxz2456789';
  let s = '';
  for (let i = 0; i < n; i++) s += a[rng.int(a.length)];
  return s;
}

function deploymentPods(rng: Rng, workload: string, replicas: number): string[] {
  const rs = (hash32(workload) % 0xfffffffff).toString(16).padStart(9, '7').slice(0, 9).replace(/[aeiou]/g, 'b');
  return Array.from({ length: replicas }, () => `${workload}-${rs}-${podSuffix(rng, 5)}`);
}

function re(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function buildTopology(size: SizeSpec, seed: number): Topology {
  const rng = new Rng(seed ^ 0x70b0);
  const clusters = size.domains > 10 ? ['ml-prod-eqiad', 'ml-prod-codfw'] : ['ml-prod-eqiad'];
  const comps: Component[] = [];
  const push = (c: Component) => comps.push(c);

  // --- shared infrastructure -------------------------------------------------------------------------
  const nodesByCluster = new Map<string, string[]>();
  for (let i = 0; i < size.nodes; i++) {
    const cluster = clusters[i % clusters.length]!;
    const site = cluster.split('-').pop()!;
    const name = `k8s-worker-${site}-${1001 + Math.floor(i / clusters.length)}`;
    (nodesByCluster.get(cluster) ?? nodesByCluster.set(cluster, []).get(cluster)!).push(name);
    push({
      name, kind: 'node', domain: 'infra', cluster, namespace: 'monitoring', dependsOn: [], hosts: [name], team: 'sre',
      selectors: [[`instance=~"${re(name)}(:[0-9]+)?"`], [`node="${name}"`], [`nodename="${name}"`]],
    });
  }
  const gpuByCluster = new Map<string, string[]>();
  for (let i = 0; i < size.gpuPools; i++) {
    const cluster = clusters[i % clusters.length]!;
    const site = cluster.split('-').pop()!;
    const gpu = ['a100', 'l4', 'h100'][i % 3]!;
    const name = `gpu-pool-${gpu}-${site}-${1 + Math.floor(i / clusters.length)}`;
    const hosts = Array.from({ length: size.gpuHostsPerPool }, (_, j) => `ml-gpu-${site}-${2001 + i * 10 + j}`);
    (gpuByCluster.get(cluster) ?? gpuByCluster.set(cluster, []).get(cluster)!).push(name);
    const alt = hosts.map(re).join('|');
    push({
      name, kind: 'gpu', domain: 'infra', cluster, namespace: 'gpu-operator', dependsOn: [], hosts, team: 'ml-platform',
      selectors: [[`instance=~"(${alt})(:[0-9]+)?"`], [`node=~"${alt}"`], [`nodename=~"${alt}"`], [`node_pool="${name}"`]],
    });
  }
  const kafkaByCluster = new Map<string, string[]>();
  for (let i = 0; i < size.kafkaClusters; i++) {
    const cluster = clusters[i % clusters.length]!;
    const site = cluster.split('-').pop()!;
    const name = `kafka-${['main', 'jumbo', 'logging'][Math.floor(i / clusters.length) % 3]}-${site}${i >= 6 ? `-${i}` : ''}`;
    const nodes = nodesByCluster.get(cluster)!;
    (kafkaByCluster.get(cluster) ?? kafkaByCluster.set(cluster, []).get(cluster)!).push(name);
    push({
      name, kind: 'queue', domain: 'infra', cluster, namespace: 'kafka', dependsOn: [rng.pick(nodes)], kafkaCluster: name, team: 'data-engineering',
      pods: [0, 1, 2].map((j) => `${name}-broker-${j}`), workload: `${name}-broker`,
      selectors: [[`kafka_cluster="${name}"`], ['namespace="kafka"', `pod=~"${re(name)}-broker-[0-9]+"`]],
    });
  }
  const redisByCluster = new Map<string, string[]>();
  for (let i = 0; i < size.redisClusters; i++) {
    const cluster = clusters[i % clusters.length]!;
    const name = `redis-features-${i + 1}`;
    const nodes = nodesByCluster.get(cluster)!;
    (redisByCluster.get(cluster) ?? redisByCluster.set(cluster, []).get(cluster)!).push(name);
    push({
      name, kind: 'database', domain: 'infra', cluster, namespace: 'redis', dependsOn: [rng.pick(nodes)], dbEngine: 'redis', team: 'sre',
      pods: [0, 1, 2].map((j) => `${name}-${j}`), workload: name,
      selectors: [
        [`instance=~"${re(name)}-[0-9]+(:[0-9]+)?"`],
        ['namespace="redis"', `pod=~"${re(name)}-[0-9]+"`],
        ['namespace="redis"', `persistentvolumeclaim=~"data-${re(name)}-[0-9]+"`],
        [`database="${name}"`],
      ],
    });
  }

  // --- domains ---------------------------------------------------------------------------------------
  const apis: string[] = [];
  // Workloads are spread over the nodes and GPU pools round-robin (from a seeded order), so that every
  // node hosts something, as in a real cluster.
  const rr = new Map<string, number>();
  const spread = (key: string, list: readonly string[]): string => {
    const i = rr.get(key) ?? rng.int(list.length);
    rr.set(key, i + 1);
    return list[i % list.length]!;
  };
  for (let d = 0; d < size.domains; d++) {
    const dom = d < DOMAIN_NAMES.length ? DOMAIN_NAMES[d]! : `${DOMAIN_NAMES[d % DOMAIN_NAMES.length]}${Math.floor(d / DOMAIN_NAMES.length) + 1}`;
    const cluster = clusters[d % clusters.length]!;
    const nodes = nodesByCluster.get(cluster)!;
    const gpus = gpuByCluster.get(cluster)!;
    const kafka = rng.pick(kafkaByCluster.get(cluster)!);
    const redis = rng.pick(redisByCluster.get(cluster)!);
    const team = dom;
    const node = () => spread(`n|${cluster}`, nodes);
    const dataNs = `${dom}-data`;
    const mlNs = `${dom}-ml`;

    const pg = `${dom}-pg`;
    push({
      name: pg, kind: 'database', domain: dom, cluster, namespace: dom, dependsOn: [node()], dbEngine: 'postgres', team,
      pods: [`${pg}-0`, `${pg}-1`], workload: pg,
      selectors: [
        [`instance=~"${re(pg)}-[0-9]+(:[0-9]+)?"`],
        [`namespace="${dom}"`, `pod=~"${re(pg)}-[0-9]+"`],
        [`namespace="${dom}"`, `persistentvolumeclaim=~"data-${re(pg)}-[0-9]+"`],
        [`server=~"${re(pg)}-[0-9]+.*"`],
        [`database="${pg}"`],
      ],
    });
    const events = `${dom}-events`;
    push({
      name: events, kind: 'data_source', domain: dom, cluster, namespace: 'eventgate', dependsOn: [kafka], kafkaCluster: kafka, team: 'data-engineering',
      selectors: [[`stream="${events}"`], [`pipeline="${events}"`]],
    });
    const cdc = `${dom}-orders-cdc`;
    push({
      name: cdc, kind: 'data_source', domain: dom, cluster, namespace: dataNs, dependsOn: [pg, kafka], kafkaCluster: kafka, team,
      pods: deploymentPods(rng, cdc, 1), workload: cdc,
      selectors: [[`pipeline="${cdc}"`], [`stream="${cdc}"`], [`namespace="${dataNs}"`, `pod=~"${re(cdc)}-[0-9a-z]+-[0-9a-z]+"`]],
    });
    const rt = `${dom}-features-rt`;
    const hourly = `${dom}-agg-hourly`;
    const daily = `${dom}-profile-daily`;
    const pipe = (name: string, mode: PipelineMode, deps: string[], cadenceMs: number, ttlMs: number): Component => ({
      name, kind: 'feature_pipeline', domain: dom, cluster, namespace: dataNs, dependsOn: deps, pipelineMode: mode, cadenceMs, ttlMs, team,
      kafkaCluster: mode === 'streaming' ? kafka : undefined,
      pods: mode === 'streaming' ? [`${name}-jobmanager-0`, `${name}-taskmanager-0`, `${name}-taskmanager-1`] : [],
      workload: name,
      selectors:
        mode === 'streaming'
          ? [[`pipeline="${name}"`], [`consumergroup="${name}"`], [`namespace="${dataNs}"`, `pod=~"${re(name)}-(jobmanager|taskmanager)-[0-9]+"`]]
          : [[`pipeline="${name}"`], [`namespace="${dataNs}"`, `job_name=~"${re(name)}-[0-9]+"`], [`namespace="${dataNs}"`, `cronjob="${name}"`]],
    });
    push(pipe(rt, 'streaming', [events, kafka, node()], 10 * 60_000, 30 * 60_000));
    push(pipe(hourly, 'batch', [cdc, node()], H, 2 * H));
    push(pipe(daily, 'batch', [cdc, events, node()], H, 3 * H)); // hourly incremental run of a daily profile
    const fs = `${dom}-feature-server`;
    push({
      name: fs, kind: 'feature_store', domain: dom, cluster, namespace: dom, dependsOn: [rt, hourly, daily, redis, node()], team: 'ml-platform',
      pods: deploymentPods(rng, fs, 2), workload: fs,
      selectors: [
        [`destination_service_name="${fs}"`],
        [`destination_canonical_service="${fs}"`],
        [`namespace="${dom}"`, `deployment="${fs}"`],
        [`namespace="${dom}"`, `horizontalpodautoscaler="${fs}"`],
        [`namespace="${dom}"`, `pod=~"${re(fs)}-[0-9a-z]+-[0-9a-z]+"`],
        [`service="${fs}"`],
      ],
    });
    // Models: features drawn from the three pipelines, so drift on a pipeline's features points at it.
    const models: string[] = [];
    for (let m = 0; m < 3; m++) {
      const name = `${dom}-${MODEL_SUFFIXES[m]}`;
      const words = rng.shuffle([...FEATURE_WORDS]).slice(0, 6);
      const feats: Feature[] = words.map((w, i) => ({ name: w, pipeline: [rt, hourly, daily][i % 3]! }));
      const onGpu = m < 2 && gpus.length > 0;
      const deps = [fs, onGpu ? spread(`g|${cluster}`, gpus) : node()];
      if (m === 2) deps.push(daily); // offline features joined at request time
      const predictor = `${name}-predictor-default`;
      push({
        name, kind: 'model', domain: dom, cluster, namespace: mlNs, dependsOn: deps, team: 'ml',
        modelVersion: `v${3 + rng.int(20)}`, features: feats,
        pods: deploymentPods(rng, `${predictor}-00012-deployment`, onGpu ? 2 : 3), workload: `${predictor}-00012-deployment`,
        selectors: [
          [`model="${name}"`],
          [`destination_canonical_service="${predictor}"`],
          [`namespace="${mlNs}"`, `pod=~"${re(predictor)}-.*"`],
          [`namespace="${mlNs}"`, `deployment=~"${re(predictor)}-.*"`],
        ],
      });
      models.push(name);
    }
    // Services.
    const svc = (name: string, deps: string[], userFacing: boolean, replicas: number) =>
      push({
        name, kind: 'service', domain: dom, cluster, namespace: dom, dependsOn: deps, userFacing, team,
        pods: deploymentPods(rng, name, replicas), workload: name,
        selectors: [
          [`destination_service_name="${name}"`],
          [`destination_canonical_service="${name}"`],
          [`namespace="${dom}"`, `deployment="${name}"`],
          [`namespace="${dom}"`, `horizontalpodautoscaler="${name}"`],
          [`namespace="${dom}"`, `pod=~"${re(name)}-[0-9a-z]+-[0-9a-z]+"`],
          [`instance="${name}.${dom}.svc:443"`],
          [`service="${name}"`],
          ...(deps.some((x) => x.startsWith('kafka-')) ? [[`consumergroup="${name}"`]] : []),
        ],
      });
    const api = `${dom}-api`;
    const apiDeps = [models[0]!, models[1]!, pg, node()];
    if (apis.length > 0 && rng.chance(0.2)) apiDeps.push(rng.pick(apis));
    svc(api, apiDeps, true, 3);
    svc(`${dom}-gateway`, [api, node()], true, 2);
    svc(`${dom}-worker`, [kafka, pg, models[2]!, node()], false, 2);
    svc(`${dom}-admin`, [pg, node()], false, 1);
    if (size.domains === 1) svc(`${dom}-batch-scorer`, [models[2]!, daily, node()], false, 1);
    apis.push(api);
  }

  const byName = new Map(comps.map((c) => [c.name, c] as const));
  const dependents = new Map<string, string[]>(comps.map((c) => [c.name, []]));
  for (const c of comps) {
    // Node dependencies are unique per component; drop accidental duplicates.
    const uniq = [...new Set(c.dependsOn)];
    c.dependsOn.length = 0;
    c.dependsOn.push(...uniq);
    for (const d of c.dependsOn) {
      if (!byName.has(d)) throw new Error(`${c.name} depends on unknown ${d}`);
      dependents.get(d)!.push(c.name);
    }
  }
  return { size, seed, clusters, components: comps, byName, dependents };
}

/** All components reachable from `start` along `next` (not including `start`). */
export function reachable(start: string, next: (n: string) => readonly string[]): Set<string> {
  const seen = new Set<string>();
  const stack = [...next(start)];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...next(n));
  }
  return seen;
}
