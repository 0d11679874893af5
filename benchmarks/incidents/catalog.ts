/**
 * The alert vocabulary of the incident scenarios: every alert name below is a real rule from
 * `../shared/data/alert-rules` (kube-prometheus, wikimedia operations-alerts, awesome-prometheus-alerts;
 * attribution in benchmarks/generator/SOURCES.md), with its real severity and `for:` duration, and the
 * labels its expression leaves on the alert in a kube-prometheus estate:
 *
 * - kube-state-metrics rules carry the object's labels (namespace, pod, deployment, node, job_name…) plus
 *   `job="kube-state-metrics"`, the exporter's `instance` and `container` (kube-prometheus drops the
 *   target's pod/service/namespace labels for KSM, so `namespace` is the object's);
 * - node-exporter rules carry `instance` = node name (kube-prometheus relabels it), and the exporter's
 *   target labels (`namespace="monitoring"`, `pod="node-exporter-…"`, `service="node-exporter"`);
 * - aggregated rules keep only their `by (…)` labels (TargetDown, KafkaBrokerUnavailable, Istio…);
 *   where an awesome-prometheus-alerts rule aggregates to nothing (IstioHigh5xxErrorRate) the estate adds
 *   a `by (destination_service_name, destination_service_namespace)`, as teams that copy it do;
 * - every alert gets the Prometheus external labels `cluster` and `prometheus`.
 *
 * `for:` values are the rules' own (so a downstream symptom with a short `for:` can fire before the root
 * cause's alert with a long one, as in production). Evaluation intervals: kube-prometheus groups 30s,
 * others 1m.
 */
import { hash32 } from '../generator/prng.js';
import type { Component } from './topology.js';
import type { ModelSignalKind } from '../../src/domain/signal.js';
import { SIGNAL_ALERTNAMES } from '../../src/normalize/signal.js';

export interface RuleDef {
  readonly alertname: string;
  readonly severity: string;
  readonly forMs: number;
  /** Rule group (alerts of one group are evaluated and sent together). */
  readonly group: string;
  readonly intervalMs: number;
  readonly source: 'kube-prometheus' | 'wikimedia' | 'awesome-prometheus-alerts';
  readonly summary: string;
  /** Rule labels beyond severity (wikimedia rules carry `team`). */
  readonly team?: string;
}

const M = 60_000;
const S = 1000;

function r(alertname: string, severity: string, forMin: number, group: string, intervalS: number, source: RuleDef['source'], summary: string, team?: string): RuleDef {
  return { alertname, severity, forMs: forMin * M, group, intervalMs: intervalS * S, source, summary, ...(team ? { team } : {}) };
}

const KP = 'kube-prometheus' as const;
const WM = 'wikimedia' as const;
const AW = 'awesome-prometheus-alerts' as const;

export const RULES = {
  // nodes
  NodeDown: r('NodeDown', 'critical', 5, 'general_nodes_down', 60, WM, 'Node {instance} has been down for long.'),
  KubeNodeNotReady: r('KubeNodeNotReady', 'warning', 15, 'kubernetes-system-kubelet', 30, KP, 'Node is not ready.'),
  KubeNodeUnreachable: r('KubeNodeUnreachable', 'warning', 15, 'kubernetes-system-kubelet', 30, KP, 'Node is unreachable.'),
  TargetDown: r('TargetDown', 'warning', 10, 'general.rules', 30, KP, 'One or more targets are unreachable.'),
  HostOutOfMemory: r('HostOutOfMemory', 'warning', 2, 'host-and-hardware', 60, AW, 'Host out of memory (instance {instance})'),
  KubernetesNodeMemoryPressure: r('KubernetesNodeMemoryPressure', 'critical', 2, 'kubestate-exporter', 60, AW, 'Kubernetes Node memory pressure (node {node})'),
  HostOOMKillDetected: r('HostOOMKillDetected', 'warning', 0, 'host-and-hardware', 60, AW, 'Host OOM kill detected (instance {instance})'),
  HostMemoryUnderMemoryPressure: r('HostMemoryUnderMemoryPressure', 'warning', 0, 'host-and-hardware', 60, AW, 'Host memory under memory pressure (instance {instance})'),
  HostOutOfDiskSpace: r('HostOutOfDiskSpace', 'critical', 2, 'host-and-hardware', 60, AW, 'Host out of disk space (instance {instance})'),
  NodeFilesystemAlmostOutOfSpace: r('NodeFilesystemAlmostOutOfSpace', 'warning', 30, 'node-exporter', 30, KP, 'Filesystem has less than 5% space left.'),
  KubernetesNodeDiskPressure: r('KubernetesNodeDiskPressure', 'critical', 2, 'kubestate-exporter', 60, AW, 'Kubernetes Node disk pressure (node {node})'),
  HostEDACUncorrectableErrorsDetected: r('HostEDACUncorrectableErrorsDetected', 'warning', 0, 'host-and-hardware', 60, AW, 'Host EDAC Uncorrectable Errors detected (instance {instance})'),
  HostPhysicalComponentTooHot: r('HostPhysicalComponentTooHot', 'warning', 5, 'host-and-hardware', 60, AW, 'Host physical component too hot (instance {instance})'),
  HostNodeOvertemperatureAlarm: r('HostNodeOvertemperatureAlarm', 'critical', 0, 'host-and-hardware', 60, AW, 'Host node overtemperature alarm (instance {instance})'),
  // workloads (kube-state-metrics)
  KubePodCrashLooping: r('KubePodCrashLooping', 'warning', 15, 'kubernetes-apps', 30, KP, 'Pod is crash looping.'),
  KubePodNotReady: r('KubePodNotReady', 'warning', 15, 'kubernetes-apps', 30, KP, 'Pod has been in a non-ready state for more than 15 minutes.'),
  KubeDeploymentReplicasMismatch: r('KubeDeploymentReplicasMismatch', 'warning', 15, 'kubernetes-apps', 30, KP, 'Deployment has not matched the expected number of replicas.'),
  KubernetesContainerOomKiller: r('KubernetesContainerOomKiller', 'warning', 0, 'kubestate-exporter', 60, AW, 'Kubernetes container oom killer ({namespace}/{pod}:{container})'),
  KubeJobFailed: r('KubeJobFailed', 'warning', 15, 'kubernetes-apps', 30, KP, 'Job failed to complete.'),
  KubeHpaMaxedOut: r('KubeHpaMaxedOut', 'warning', 15, 'kubernetes-apps', 30, KP, 'HPA is running at max replicas'),
  KubeContainerWaiting: r('KubeContainerWaiting', 'warning', 60, 'kubernetes-apps', 30, KP, 'Pod container waiting longer than 1 hour'),
  CPUThrottlingHigh: r('CPUThrottlingHigh', 'info', 15, 'kubernetes-resources', 30, KP, 'Processes experience elevated CPU throttling.'),
  KubeQuotaAlmostFull: r('KubeQuotaAlmostFull', 'info', 15, 'kubernetes-resources', 30, KP, 'Namespace quota is going to be full.'),
  KubePersistentVolumeFillingUp: r('KubePersistentVolumeFillingUp', 'warning', 60, 'kubernetes-storage', 30, KP, 'PersistentVolume is filling up.'),
  KubeCPUOvercommit: r('KubeCPUOvercommit', 'warning', 10, 'kubernetes-resources', 30, KP, 'Cluster has overcommitted CPU resource requests.'),
  HostMemoryIsUnderutilized: r('HostMemoryIsUnderutilized', 'info', 0, 'host-and-hardware', 60, AW, 'Host Memory is underutilized (instance {instance})'),
  HostHighCPULoad: r('HostHighCPULoad', 'warning', 10, 'host-and-hardware', 60, AW, 'Host high CPU load (instance {instance})'),
  NodeClockNotSynchronising: r('NodeClockNotSynchronising', 'warning', 10, 'node-exporter', 30, KP, 'Clock not synchronising.'),
  // services
  IstioHigh5xxErrorRate: r('IstioHigh5xxErrorRate', 'warning', 1, 'istio', 60, AW, 'Istio high 5xx error rate'),
  IstioLatency99Percentile: r('IstioLatency99Percentile', 'warning', 1, 'istio', 60, AW, 'Istio latency 99 percentile'),
  ProbeDown: r('ProbeDown', 'critical', 4, 'probes', 60, WM, 'Service {instance} has failed probes', ''),
  ProbeSlow: r('ProbeSlow', 'warning', 5, 'probes', 60, WM, 'Slow probes for service {instance}', ''),
  LiftWingServiceErrorRate: r('LiftWingServiceErrorRate', 'critical', 30, 'liftwing_service_errors', 60, WM, 'LiftWing service has a high rate of non 2/3/400 error code responses', 'ml'),
  // data
  KafkaBrokerUnavailable: r('KafkaBrokerUnavailable', 'critical', 5, 'kafka', 60, WM, 'One or more Kafka brokers unavailable for cluster {kafka_cluster}', 'sre'),
  KafkaUnderReplicatedPartitions: r('KafkaUnderReplicatedPartitions', 'critical', 10, 'kafka', 60, WM, 'Under replicated partitions for Kafka cluster {kafka_cluster}', 'sre'),
  KafkaConsumerGroupLag: r('KafkaConsumerGroupLag', 'warning', 1, 'kafka-exporter', 60, AW, 'Kafka consumer group lag'),
  FlinkJobIsNotRunning: r('FlinkJobIsNotRunning', 'critical', 1, 'flink', 60, AW, 'Flink job is not running'),
  FlinkTaskBackpressured: r('FlinkTaskBackpressured', 'warning', 5, 'flink', 60, AW, 'Flink task backpressured'),
  EventgateValidationErrors: r('EventgateValidationErrors', 'critical', 0, 'eventgate', 60, WM, '{service} stream {stream} validation errors detected', 'data-engineering'),
  PostgresqlDown: r('PostgresqlDown', 'critical', 1, 'postgres-exporter', 60, AW, 'Postgresql down (instance {instance})'),
  PostgresqlTooManyConnections: r('PostgresqlTooManyConnections', 'warning', 2, 'postgres-exporter', 60, AW, 'Postgresql too many connections (instance {instance})'),
  PostgresqlMaxConnectionsReached: r('PostgresqlMaxConnectionsReached', 'critical', 1, 'postgres-exporter', 60, AW, 'Postgresql max connections reached (instance {instance})'),
  PostgresqlTableNotAutoVacuumed: r('PostgresqlTableNotAutoVacuumed', 'warning', 0, 'postgres-exporter', 60, AW, 'Postgresql table not auto vacuumed (instance {instance})'),
  RedisDown: r('RedisDown', 'critical', 1, 'redis-exporter', 60, AW, 'Redis down (instance {instance})'),
  RedisOutOfConfiguredMaxmemory: r('RedisOutOfConfiguredMaxmemory', 'warning', 2, 'redis-exporter', 60, AW, 'Redis out of configured maxmemory (instance {instance})'),
  RedisRejectedConnections: r('RedisRejectedConnections', 'warning', 0, 'redis-exporter', 60, AW, 'Redis rejected connections (instance {instance})'),
} as const;

export type RuleName = keyof typeof RULES;

const RUNBOOK_BASE = 'https://runbooks.prometheus-operator.dev/runbooks';

export function runbookUrl(rule: RuleDef): string | undefined {
  if (rule.source !== 'kube-prometheus') return undefined;
  const area = rule.group.startsWith('kubernetes') ? 'kubernetes' : rule.group.startsWith('node') ? 'node' : 'general';
  return `${RUNBOOK_BASE}/${area}/${rule.alertname.toLowerCase()}`;
}

export function renderSummary(rule: RuleDef, labels: Readonly<Record<string, string>>): string {
  return rule.summary.replace(/\{([a-z_]+)\}/g, (_, n: string) => labels[n] ?? '');
}

// --- label shapes ------------------------------------------------------------------------------------

type L = Record<string, string>;

function ip(seed: string, prefix: string): string {
  const h = hash32(seed);
  return `${prefix}.${(h >>> 8) & 255}.${h & 255}`;
}

/** kube-state-metrics' own instance in a cluster. */
export function ksmInstance(cluster: string): string {
  return `${ip(`ksm-${cluster}`, '10.64')}:8443`;
}

function ksm(c: Component, extra: L): L {
  return { job: 'kube-state-metrics', instance: ksmInstance(c.cluster), container: 'kube-rbac-proxy-main', ...extra };
}

function short(s: string): string {
  return (hash32(s) % 0xfffff).toString(36).padStart(5, 'x').slice(0, 5);
}

/** Labels of a node-exporter alert for `host` (kube-prometheus relabels `instance` to the node name). */
export function nodeExporter(host: string, extra: L = {}): L {
  return { job: 'node-exporter', instance: host, namespace: 'monitoring', pod: `node-exporter-${short(host)}`, service: 'node-exporter', endpoint: 'https', container: 'kube-rbac-proxy', ...extra };
}

/** Alert labels for `rule` about component `c` (`which` picks a pod/host/run where relevant). */
export function alertLabels(name: RuleName, c: Component, which = 0, extra: L = {}): L {
  const rule: RuleDef = RULES[name];
  const base: L = { alertname: rule.alertname, severity: rule.severity };
  if (rule.team !== undefined) base.team = rule.team === '' ? c.team : rule.team;
  const pod = c.pods && c.pods.length > 0 ? c.pods[which % c.pods.length]! : `${c.name}-0`;
  const host = c.hosts && c.hosts.length > 0 ? c.hosts[which % c.hosts.length]! : c.name;
  let l: L;
  switch (name) {
    case 'NodeDown':
    case 'NodeFilesystemAlmostOutOfSpace':
    case 'NodeClockNotSynchronising':
      l = nodeExporter(host, name === 'NodeFilesystemAlmostOutOfSpace' ? { device: '/dev/nvme0n1p2', fstype: 'ext4', mountpoint: '/var/lib/kubelet' } : {});
      break;
    case 'HostOutOfMemory':
    case 'HostOOMKillDetected':
    case 'HostMemoryUnderMemoryPressure':
    case 'HostMemoryIsUnderutilized':
    case 'HostHighCPULoad':
    case 'HostEDACUncorrectableErrorsDetected':
      l = nodeExporter(host, { nodename: host, ...(name === 'HostEDACUncorrectableErrorsDetected' ? { controller: String(which % 2) } : {}) });
      break;
    case 'HostOutOfDiskSpace':
      l = nodeExporter(host, { nodename: host, device: '/dev/nvme0n1p2', fstype: 'ext4', mountpoint: '/var/lib/kubelet' });
      break;
    case 'HostPhysicalComponentTooHot':
    case 'HostNodeOvertemperatureAlarm':
      l = nodeExporter(host, { nodename: host, chip: 'platform_coretemp_0', sensor: `temp${1 + (which % 4)}` });
      break;
    case 'KubeNodeNotReady':
      l = ksm(c, { node: host, condition: 'Ready', status: 'true' });
      break;
    case 'KubeNodeUnreachable':
      l = ksm(c, { node: host, effect: 'NoSchedule', key: 'node.kubernetes.io/unreachable' });
      break;
    case 'KubernetesNodeMemoryPressure':
      l = ksm(c, { node: host, condition: 'MemoryPressure', status: 'true' });
      break;
    case 'KubernetesNodeDiskPressure':
      l = ksm(c, { node: host, condition: 'DiskPressure', status: 'true' });
      break;
    case 'TargetDown':
      // count(up == 0) by (cluster, job, namespace, service): names the exporter, not the host.
      l = c.kind === 'node' || c.kind === 'gpu'
        ? { job: 'node-exporter', namespace: 'monitoring', service: 'node-exporter' }
        : { job: `${c.namespace}/${c.workload ?? c.name}`, namespace: c.namespace, service: `${c.workload ?? c.name}-metrics` };
      break;
    case 'KubePodCrashLooping':
      l = ksm(c, { namespace: c.namespace, pod, container: containerOf(c), reason: 'CrashLoopBackOff', uid: uid(pod) });
      break;
    case 'KubePodNotReady':
      l = { namespace: c.namespace, pod, job: 'kube-state-metrics' };
      break;
    case 'KubernetesContainerOomKiller':
      l = ksm(c, { namespace: c.namespace, pod, container: containerOf(c), uid: uid(pod) });
      break;
    case 'KubeDeploymentReplicasMismatch':
      l = ksm(c, { namespace: c.namespace, deployment: c.workload ?? c.name });
      break;
    case 'KubeHpaMaxedOut':
      l = ksm(c, { namespace: c.namespace, horizontalpodautoscaler: c.workload ?? c.name });
      break;
    case 'KubeContainerWaiting':
      l = ksm(c, { namespace: c.namespace, pod, container: containerOf(c), reason: 'ContainerCreating' });
      break;
    case 'CPUThrottlingHigh':
      l = { namespace: c.namespace, pod, container: containerOf(c), instance: `${ip(pod, '10.64')}:10250` };
      break;
    case 'KubeQuotaAlmostFull':
      l = ksm(c, { namespace: c.namespace, resource: which % 2 === 0 ? 'requests.cpu' : 'limits.memory', resourcequota: `${c.namespace}-quota`, type: 'hard' });
      break;
    case 'KubePersistentVolumeFillingUp':
      l = { namespace: c.namespace, persistentvolumeclaim: `data-${pod}`, job: 'kubelet', metrics_path: '/metrics', instance: `${ip(pod, '10.64')}:10250` };
      break;
    case 'KubeCPUOvercommit':
      l = {};
      break;
    case 'KubeJobFailed':
      l = ksm(c, { namespace: c.namespace, job_name: `${c.name}-${29_000_000 + which}`, condition: 'true' });
      break;
    case 'IstioHigh5xxErrorRate':
      l = { destination_service_name: c.workload ?? c.name, destination_service_namespace: c.namespace };
      break;
    case 'IstioLatency99Percentile':
      l = c.kind === 'model'
        ? { destination_canonical_service: `${c.name}-predictor-default`, destination_workload_namespace: c.namespace }
        : { destination_canonical_service: c.name, destination_workload_namespace: c.namespace };
      break;
    case 'ProbeDown':
    case 'ProbeSlow':
      l = { instance: `${c.name}.${c.namespace}.svc:443`, job: 'probes/service', module: `http_${c.name.replace(/-/g, '_')}_ip4` };
      break;
    case 'LiftWingServiceErrorRate':
      l = { destination_canonical_service: `${c.name}-predictor-default`, destination_service_namespace: c.namespace, kubernetes_namespace: 'istio-system' };
      break;
    case 'KafkaBrokerUnavailable':
    case 'KafkaUnderReplicatedPartitions':
      l = { kafka_cluster: c.kafkaCluster ?? c.name };
      break;
    case 'KafkaConsumerGroupLag':
      l = { consumergroup: c.name };
      break;
    case 'FlinkJobIsNotRunning':
    case 'FlinkTaskBackpressured':
      l = {
        job: `${c.namespace}/flink-metrics`,
        namespace: c.namespace,
        pod: name === 'FlinkJobIsNotRunning' ? `${c.name}-jobmanager-0` : `${c.name}-taskmanager-${which % 2}`,
        instance: `${ip(`${c.name}-${name}`, '10.67')}:9249`,
        container: 'flink-main-container',
        endpoint: 'metrics',
        ...(name === 'FlinkTaskBackpressured' ? { task_name: 'Source:_kafka_events____Map____Window_Aggregate', subtask_index: String(which % 4) } : {}),
      };
      break;
    case 'EventgateValidationErrors':
      l = { stream: c.name, service: 'eventgate-main' };
      break;
    case 'PostgresqlDown':
    case 'PostgresqlTableNotAutoVacuumed':
      l = { instance: `${c.name}-${which % 2}:9187`, job: 'postgres-exporter', namespace: c.namespace, pod: `${c.name}-${which % 2}`, service: `${c.name}-metrics`, endpoint: 'metrics' };
      if (name === 'PostgresqlTableNotAutoVacuumed') Object.assign(l, { datname: c.name.replace(/-pg$/, ''), relname: 'events_outbox', schemaname: 'public' });
      break;
    case 'PostgresqlTooManyConnections':
    case 'PostgresqlMaxConnectionsReached':
      l = { instance: `${c.name}-${which % 2}:9187`, job: 'postgres-exporter', server: `${c.name}-${which % 2}.${c.namespace}.svc:5432` };
      break;
    case 'RedisDown':
    case 'RedisOutOfConfiguredMaxmemory':
    case 'RedisRejectedConnections':
      l = { instance: `${c.name}-${which % 3}:9121`, job: 'redis-exporter', namespace: c.namespace, pod: `${c.name}-${which % 3}`, service: `${c.name}-metrics`, endpoint: 'metrics' };
      break;
    default: {
      const never: never = name;
      throw new Error(`no label shape for ${String(never)}`);
    }
  }
  return { ...base, ...l, ...extra, cluster: c.cluster, prometheus: 'monitoring/k8s' };
}

function containerOf(c: Component): string {
  switch (c.kind) {
    case 'model':
      return 'kserve-container';
    case 'feature_store':
      return 'feature-server';
    case 'feature_pipeline':
      return 'flink-main-container';
    case 'database':
      return c.dbEngine === 'redis' ? 'redis' : 'postgres';
    default:
      return c.name.split('-').slice(1).join('-') || 'app';
  }
}

function uid(pod: string): string {
  const h = hash32(pod).toString(16).padStart(8, '0');
  const g = hash32(pod + '#').toString(16).padStart(8, '0');
  return `${h}-${g.slice(0, 4)}-4${g.slice(5, 8)}-a${h.slice(1, 4)}-${g}${h.slice(0, 4)}`;
}

// --- model signals -----------------------------------------------------------------------------------

/** The signal kinds of the wire format; alertsift's signal door names their alerts (SIGNAL_ALERTNAMES). */
export type SignalKind = ModelSignalKind;

/** The identity part of a model signal (everything but value, window, status). */
export interface SignalIdentity {
  readonly source: string;
  readonly kind: SignalKind;
  readonly modelId?: string;
  readonly modelVersion?: string;
  readonly feature?: string;
  readonly segment?: string;
  readonly pipeline?: string;
  readonly method: string;
  readonly severity: 'info' | 'warning' | 'critical';
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * The labels of the alert alertsift derives from a signal (docs/correlation.md, "Doors for signals"):
 * alertname, signal_kind, model, model_version, feature, segment, pipeline, method, source, severity
 * (whichever are present), plus the signal's labels. The scorer also matches signal alerts by
 * alertname/model/feature/pipeline when an engine derives a different label set.
 */
export function signalAlertLabels(s: SignalIdentity): Record<string, string> {
  const l: Record<string, string> = { ...s.labels, alertname: SIGNAL_ALERTNAMES[s.kind], signal_kind: s.kind };
  if (s.modelId !== undefined) l.model = s.modelId;
  if (s.modelVersion !== undefined) l.model_version = s.modelVersion;
  if (s.feature !== undefined) l.feature = s.feature;
  if (s.segment !== undefined) l.segment = s.segment;
  if (s.pipeline !== undefined) l.pipeline = s.pipeline;
  l.method = s.method;
  l.source = s.source;
  l.severity = s.severity;
  return l;
}
