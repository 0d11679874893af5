/**
 * Fault types and how a fault travels: what a component shows in each impairment *mode* (alerts with
 * their detection delays, model-signal effects with their lags), and which mode a dependent component
 * enters, with what probability and lag, when a component it depends on is impaired.
 *
 * The chains follow ../shared/notes/slo-budgets-and-drift.md §4.2 (numbers in brackets):
 *   [1] batch feature job failed → feature age > TTL (freshness) → prediction drift → estimated accuracy ↓
 *   [2] Kafka outage / consumer lag → real-time feature staleness → score drift
 *   [3] upstream schema change → data-quality (missing column / null rate) → skew / drift
 *   [5] feature-code deploy → training–serving skew (hours) → estimated accuracy ↓, no input drift
 *   [6] model rollout → prediction (output) drift, CBPE shift
 *   [7] GPU saturation / thermal → inference latency ↑ → timeouts → upstream errors
 *   [8] GPU XID/ECC, OOM-killed model pods → capacity ↓ → 5xx → availability burn
 *   [9] online feature store / cache shard outage → NOT_FOUND → slice drift → quality ↓
 *   [10] ingestion volume drop → integration health, small-N false drift alarms
 *   [15] population shift: multi-feature drift, no infrastructure cause (the model is the root)
 * Lags are the note's engineering estimates: seconds–minutes for infrastructure, the feature window for
 * streaming staleness, TTL − cadence for batch staleness, one evaluation window for drift, hours for skew.
 */
import type { Rng } from '../generator/prng.js';
import type { RuleName } from './catalog.js';
import type { Component, ComponentKind } from './topology.js';

export type Mode =
  | 'node_down'
  | 'node_memory'
  | 'node_disk'
  | 'gpu_xid'
  | 'gpu_thermal'
  | 'down'
  | 'oom'
  | 'errors'
  | 'slow'
  | 'saturated'
  | 'lag'
  | 'failed'
  | 'stale'
  | 'bad_data'
  | 'volume_drop'
  | 'skew'
  | 'missing'
  | 'rollout'
  | 'population'
  | 'schema_break';

const S = 1000;
const M = 60 * S;
const H = 60 * M;

/** One alert a component shows in a mode. */
export interface AlertSymptom {
  readonly type: 'alert';
  readonly rule: RuleName;
  /** Which pod/host/run (index into the component's pods or hosts). */
  readonly which: number;
  /** Condition starts this long after the component's onset. */
  readonly delayMs: number;
  /** Condition ends this long after the component's end (negative: earlier). */
  readonly tailMs: number;
}

/** A model-signal monitor that breaches in a mode. */
export interface SignalSymptom {
  readonly type: 'signal';
  /** Monitor key (see generate.ts `monitorKey`). */
  readonly monitor: string;
  readonly delayMs: number;
  readonly tailMs: number;
  /** Small samples (ingestion drop): the monitor still breaches, on a few hundred rows. */
  readonly smallSample?: boolean;
}

export type Symptom = AlertSymptom | SignalSymptom;

function between(rng: Rng, lo: number, hi: number): number {
  return Math.round(lo + rng.next() * (hi - lo));
}

function a(rule: RuleName, rng: Rng, lo: number, hi: number, which = 0, tail: [number, number] = [0, 2 * M]): AlertSymptom {
  return { type: 'alert', rule, which, delayMs: between(rng, lo, hi), tailMs: between(rng, tail[0], tail[1]) };
}

function s(monitor: string, rng: Rng, lo: number, hi: number, tail: [number, number] = [0, 10 * M], smallSample = false): SignalSymptom {
  return { type: 'signal', monitor, delayMs: between(rng, lo, hi), tailMs: between(rng, tail[0], tail[1]), ...(smallSample ? { smallSample } : {}) };
}

/** Where an impairment arrived from: the pipeline whose features are affected (data modes). */
export interface Impairment {
  readonly mode: Mode;
  /** Data modes: the feature pipeline whose features are stale / bad / skewed. */
  readonly via?: string;
}

export function monitorKey(kind: string, component: string, feature?: string): string {
  return feature === undefined ? `${kind}:${component}` : `${kind}:${component}:${feature}`;
}

/** The model features that come from pipeline `via` (or a random slice when `via` is unset). */
function featuresVia(c: Component, via: string | undefined, rng: Rng): string[] {
  const feats = c.features ?? [];
  const sel = via === undefined ? rng.shuffle([...feats]).slice(0, 1 + rng.int(2)) : feats.filter((f) => f.pipeline === via);
  return sel.map((f) => f.name);
}

/**
 * How long after a pipeline's impairment its features are stale: a streaming job's features once the
 * lag exceeds the feature window; a batch job's once the last good run is older than the TTL, i.e.
 * TTL − cadence after the failed run (§4.2 [1]: "freshness breach = job cadence + TTL").
 */
export function stalenessDelay(c: Component): number {
  return c.pipelineMode === 'batch' ? (c.ttlMs ?? 2 * H) - (c.cadenceMs ?? H) : c.cadenceMs ?? 10 * M;
}

/** What component `c` shows while impaired with `imp` (probabilities applied here). */
export function symptomsOf(c: Component, imp: Impairment, rng: Rng, isRoot: boolean): Symptom[] {
  const out: Symptom[] = [];
  const p = (x: number) => rng.chance(x);
  const host = rng.int(Math.max(1, c.hosts?.length ?? 1));
  switch (imp.mode) {
    case 'node_down':
      out.push(a('NodeDown', rng, 0, 30 * S, host));
      out.push(a('KubeNodeNotReady', rng, 20 * S, 60 * S, host));
      if (p(0.5)) out.push(a('KubeNodeUnreachable', rng, 30 * S, 90 * S, host));
      if (p(0.5)) out.push(a('TargetDown', rng, 0, 60 * S, host));
      break;
    case 'node_memory':
      out.push(a('HostOutOfMemory', rng, 0, 2 * M, host));
      if (p(0.8)) out.push(a('KubernetesNodeMemoryPressure', rng, 1 * M, 4 * M, host));
      if (p(0.7)) out.push(a('HostOOMKillDetected', rng, 2 * M, 5 * M, host, [25 * M, 30 * M])); // increase(...[30m]) > 0
      if (p(0.4)) out.push(a('HostMemoryUnderMemoryPressure', rng, 0, 3 * M, host));
      break;
    case 'node_disk':
      out.push(a('HostOutOfDiskSpace', rng, 0, 60 * S, host));
      if (p(0.6)) out.push(a('NodeFilesystemAlmostOutOfSpace', rng, 0, 60 * S, host));
      if (p(0.6)) out.push(a('KubernetesNodeDiskPressure', rng, 1 * M, 3 * M, host));
      break;
    case 'gpu_xid': {
      out.push(a('HostEDACUncorrectableErrorsDetected', rng, 0, 30 * S, host));
      if (p(0.4)) out.push(a('KubeNodeNotReady', rng, 1 * M, 3 * M, host));
      break;
    }
    case 'gpu_thermal': {
      out.push(a('HostPhysicalComponentTooHot', rng, 0, 2 * M, host));
      if (c.hosts && c.hosts.length > 1 && p(0.5)) out.push(a('HostPhysicalComponentTooHot', rng, 1 * M, 4 * M, (host + 1) % c.hosts.length));
      if (p(0.5)) out.push(a('HostNodeOvertemperatureAlarm', rng, 2 * M, 6 * M, host));
      break;
    }
    case 'down':
      switch (c.kind) {
        case 'database':
          out.push(a(c.dbEngine === 'redis' ? 'RedisDown' : 'PostgresqlDown', rng, 0, 30 * S));
          if (p(0.5)) out.push(a('KubePodCrashLooping', rng, 0, 60 * S));
          break;
        case 'queue':
          out.push(a('KafkaBrokerUnavailable', rng, 0, 60 * S));
          if (p(0.9)) out.push(a('KafkaUnderReplicatedPartitions', rng, 0, 2 * M));
          break;
        case 'feature_pipeline':
          if (c.pipelineMode === 'streaming') {
            if (p(0.6)) out.push(a('FlinkJobIsNotRunning', rng, 0, 60 * S));
            if (p(0.6)) out.push(a('KubePodCrashLooping', rng, 0, 2 * M, 1 + rng.int(2)));
            if (p(0.8)) out.push(a('KafkaConsumerGroupLag', rng, 3 * M, 6 * M));
            out.push(s(monitorKey('freshness', c.name), rng, stalenessDelay(c), stalenessDelay(c) + 8 * M, [5 * M, 15 * M]));
          }
          break;
        case 'model':
          if (p(0.7)) out.push(a('KubePodCrashLooping', rng, 0, 2 * M, rng.int(2)));
          if (p(0.7)) out.push(a('LiftWingServiceErrorRate', rng, 0, 3 * M));
          break;
        default:
          if (p(0.8)) out.push(a('KubePodCrashLooping', rng, 0, 2 * M, rng.int(3)));
          if (p(0.5)) out.push(a('KubeDeploymentReplicasMismatch', rng, 0, 60 * S));
          if (c.kind === 'feature_store' && p(0.6)) out.push(a('IstioHigh5xxErrorRate', rng, 0, 2 * M));
          if (c.userFacing && p(0.8)) out.push(a('ProbeDown', rng, 0, 2 * M));
      }
      break;
    case 'oom':
      out.push(a('KubernetesContainerOomKiller', rng, 0, 60 * S, rng.int(2), [8 * M, 10 * M]));
      if (p(0.6)) out.push(a('KubePodCrashLooping', rng, 1 * M, 3 * M, rng.int(2)));
      if (c.kind === 'model' && p(0.7)) out.push(a('LiftWingServiceErrorRate', rng, 0, 3 * M));
      if (c.userFacing && p(0.5)) out.push(a('ProbeDown', rng, 1 * M, 3 * M));
      break;
    case 'errors':
      if (c.kind === 'model') {
        if (p(0.6)) out.push(a('KubePodCrashLooping', rng, 0, 2 * M, rng.int(2)));
        if (p(0.85)) out.push(a('LiftWingServiceErrorRate', rng, 0, 2 * M));
        if (p(0.4)) out.push(a('IstioLatency99Percentile', rng, 0, 2 * M));
        if (p(0.4)) out.push(s(monitorKey('perf', c.name), rng, 30 * M, 60 * M, [10 * M, 40 * M]));
      } else {
        out.push(a('IstioHigh5xxErrorRate', rng, 0, 2 * M));
        if (c.userFacing && p(0.75)) out.push(a('ProbeDown', rng, 30 * S, 3 * M));
        if (isRoot && p(0.5)) out.push(a('KubePodCrashLooping', rng, 1 * M, 4 * M, rng.int(3)));
      }
      break;
    case 'slow':
      if (c.kind === 'model') {
        out.push(a('IstioLatency99Percentile', rng, 0, 3 * M));
        if (p(0.3)) out.push(a('LiftWingServiceErrorRate', rng, 2 * M, 5 * M));
        if (p(0.3)) out.push(s(monitorKey('perf', c.name), rng, 30 * M, 60 * M, [10 * M, 40 * M]));
      } else {
        out.push(a('IstioLatency99Percentile', rng, 0, 2 * M));
        if (p(0.3)) out.push(a('IstioHigh5xxErrorRate', rng, 1 * M, 4 * M));
        if (c.userFacing && p(0.3)) out.push(a('ProbeDown', rng, 2 * M, 5 * M));
      }
      break;
    case 'saturated':
      if (c.dbEngine === 'redis') {
        out.push(a('RedisOutOfConfiguredMaxmemory', rng, 0, 2 * M));
        if (p(0.7)) out.push(a('RedisRejectedConnections', rng, 2 * M, 6 * M, 0, [5 * M, 20 * M]));
      } else {
        out.push(a('PostgresqlTooManyConnections', rng, 0, 2 * M));
        if (p(0.75)) out.push(a('PostgresqlMaxConnectionsReached', rng, 3 * M, 8 * M));
      }
      break;
    case 'lag':
      out.push(a('KafkaConsumerGroupLag', rng, 1 * M, 4 * M));
      if (c.kind === 'feature_pipeline') {
        if (p(0.5)) out.push(a('FlinkTaskBackpressured', rng, 0, 2 * M, rng.int(2)));
        out.push(s(monitorKey('freshness', c.name), rng, stalenessDelay(c), stalenessDelay(c) + 8 * M, [5 * M, 15 * M]));
      }
      break;
    case 'failed':
      // [1]: the failed run leaves the previous run's data; it is older than the TTL at TTL − cadence.
      out.push(a('KubeJobFailed', rng, 0, 60 * S, rng.int(1000)));
      out.push(s(monitorKey('freshness', c.name), rng, stalenessDelay(c), stalenessDelay(c) + 8 * M, [(c.cadenceMs ?? H) / 2, c.cadenceMs ?? H]));
      break;
    case 'stale':
      if (c.kind === 'feature_pipeline') {
        out.push(s(monitorKey('freshness', c.name), rng, stalenessDelay(c), stalenessDelay(c) + 8 * M, [5 * M, c.cadenceMs ?? 15 * M]));
      } else if (c.kind === 'data_source') {
        if (p(0.6)) out.push(s(monitorKey('ih', c.name), rng, 0, 10 * M));
      } else if (c.kind === 'model') {
        for (const f of featuresVia(c, imp.via, rng)) if (p(0.8)) out.push(s(monitorKey('drift', c.name, f), rng, 10 * M, 40 * M, [15 * M, 35 * M]));
        if (p(0.5)) out.push(s(monitorKey('perf', c.name), rng, 30 * M, 90 * M, [15 * M, 45 * M]));
      }
      break;
    case 'schema_break':
      // [3] at the source: only an event stream validates against a schema; a CDC source is silent.
      if (c.name.endsWith('-events') && p(0.6)) out.push(a('EventgateValidationErrors', rng, 1 * M, 3 * M));
      break;
    case 'volume_drop':
      out.push(s(monitorKey('ih', c.name), rng, 0, 10 * M));
      break;
    case 'bad_data':
      if (c.kind === 'feature_pipeline') {
        // The pipeline's onset is the run that processed the bad data; its checks report right after.
        out.push(s(monitorKey('dq', c.name), rng, 1 * M, 5 * M, [5 * M, 15 * M]));
      } else if (c.kind === 'model') {
        for (const f of featuresVia(c, imp.via, rng)) if (p(0.75)) out.push(s(monitorKey(rng.chance(0.5) ? 'skew' : 'drift', c.name, f), rng, 10 * M, 50 * M, [15 * M, 35 * M]));
        if (p(0.5)) out.push(s(monitorKey('perf', c.name), rng, 30 * M, 90 * M, [15 * M, 45 * M]));
      }
      break;
    case 'skew':
      // [5]: skew needs the serving-log join: hours. No input drift.
      if (c.kind === 'model') {
        for (const f of featuresVia(c, imp.via, rng)) if (p(0.7)) out.push(s(monitorKey('skew', c.name, f), rng, 1 * H, 2 * H, [20 * M, 60 * M]));
        if (p(0.7)) out.push(s(monitorKey('perf', c.name), rng, 30 * M, 2 * H, [20 * M, 60 * M]));
      }
      break;
    case 'missing':
      // [9]: NOT_FOUND for a slice of entities → drift on that slice.
      if (c.kind === 'model') {
        for (const f of featuresVia(c, undefined, rng)) if (p(0.6)) out.push(s(monitorKey('drift', c.name, f), rng, 10 * M, 40 * M, [15 * M, 35 * M]));
        if (p(0.4)) out.push(s(monitorKey('perf', c.name), rng, 30 * M, 60 * M, [15 * M, 45 * M]));
        if (p(0.3)) out.push(a('LiftWingServiceErrorRate', rng, 0, 3 * M));
      }
      break;
    case 'rollout':
      // [6]: output drift without input drift, CBPE shift.
      out.push(s(monitorKey('drift', c.name, 'prediction'), rng, 0, 15 * M, [15 * M, 30 * M]));
      if (p(0.8)) out.push(s(monitorKey('perf', c.name), rng, 15 * M, 45 * M, [15 * M, 30 * M]));
      if (p(0.3)) out.push(a('IstioLatency99Percentile', rng, 0, 5 * M));
      break;
    case 'population': {
      // [15]: many features drift at once, infrastructure stable.
      const feats = rng.shuffle([...(c.features ?? [])]).slice(0, 3 + rng.int(3));
      for (const f of feats) out.push(s(monitorKey('drift', c.name, f.name), rng, 0, 30 * M, [15 * M, 45 * M]));
      out.push(s(monitorKey('drift', c.name, 'prediction'), rng, 0, 30 * M, [15 * M, 45 * M]));
      if (p(0.5)) out.push(s(monitorKey('perf', c.name), rng, 30 * M, 90 * M, [15 * M, 45 * M]));
      break;
    }
  }
  return out;
}

export interface Edge {
  readonly mode: Mode;
  readonly p: number;
  readonly lag: readonly [number, number];
  readonly via?: string;
}

/** How an impairment of `parent` reaches dependent `child` (undefined: it does not). */
export function propagate(parent: Component, imp: Impairment, child: Component): Edge | undefined {
  const k = child.kind;
  const batch = k === 'feature_pipeline' && child.pipelineMode === 'batch';
  const streaming = k === 'feature_pipeline' && child.pipelineMode === 'streaming';
  switch (imp.mode) {
    case 'node_down':
      if (k === 'database') return { mode: 'down', p: 0.8, lag: [0, 60 * S] };
      if (k === 'queue') return { mode: 'down', p: 0.7, lag: [0, 60 * S] };
      if (streaming) return { mode: 'down', p: 0.6, lag: [0, 2 * M] };
      if (batch) return { mode: 'failed', p: 0.5, lag: [0, 30 * M] };
      if (k === 'model') return { mode: 'errors', p: 0.6, lag: [30 * S, 3 * M] };
      if (k === 'service' || k === 'feature_store') return { mode: 'down', p: 0.5, lag: [30 * S, 5 * M] };
      return undefined;
    case 'node_memory':
      if (k === 'database') return { mode: 'down', p: 0.4, lag: [1 * M, 5 * M] };
      if (k === 'queue') return { mode: 'down', p: 0.3, lag: [1 * M, 5 * M] };
      if (streaming) return { mode: 'down', p: 0.5, lag: [1 * M, 5 * M] };
      if (batch) return { mode: 'failed', p: 0.5, lag: [1 * M, 30 * M] };
      if (k === 'service' || k === 'model' || k === 'feature_store') return { mode: 'oom', p: 0.6, lag: [1 * M, 5 * M] };
      return undefined;
    case 'node_disk':
      if (k === 'database') return { mode: 'down', p: 0.8, lag: [2 * M, 10 * M] };
      if (k === 'queue') return { mode: 'down', p: 0.6, lag: [2 * M, 10 * M] };
      if (batch) return { mode: 'failed', p: 0.4, lag: [5 * M, 40 * M] };
      if (k === 'service' || k === 'feature_store' || streaming) return { mode: 'down', p: 0.3, lag: [2 * M, 10 * M] };
      return undefined;
    case 'gpu_xid':
      return k === 'model' ? { mode: 'errors', p: 0.9, lag: [30 * S, 3 * M] } : undefined;
    case 'gpu_thermal':
      return k === 'model' ? { mode: 'slow', p: 0.9, lag: [1 * M, 5 * M] } : undefined;
    case 'down':
    case 'saturated': {
      const sat = imp.mode === 'saturated';
      if (parent.kind === 'queue') {
        if (k === 'data_source') return { mode: 'stale', p: 0.9, lag: [0, 2 * M] };
        if (streaming) return { mode: 'lag', p: 0.9, lag: [2 * M, 5 * M] };
        if (k === 'service') return { mode: 'lag', p: 0.7, lag: [2 * M, 6 * M] };
        return undefined;
      }
      if (parent.kind === 'database') {
        if (k === 'service') return { mode: sat ? 'slow' : 'errors', p: sat ? 0.7 : 0.9, lag: sat ? [1 * M, 5 * M] : [0, 2 * M] };
        if (k === 'feature_store') return { mode: 'errors', p: sat ? 0.5 : 0.9, lag: [0, 2 * M] };
        if (k === 'data_source') return { mode: 'stale', p: sat ? 0.5 : 0.9, lag: [1 * M, 5 * M] };
        return undefined;
      }
      if (parent.kind === 'feature_pipeline') return dataEdge(parent, k, 'stale', undefined, stalenessDelay(parent));
      if (parent.kind === 'feature_store') return k === 'model' ? { mode: 'missing', p: 0.7, lag: [0, 2 * M] } : undefined;
      if (parent.kind === 'model' || parent.kind === 'service') return k === 'service' ? { mode: 'errors', p: 0.7, lag: [0, 3 * M] } : undefined;
      return undefined;
    }
    case 'oom':
    case 'errors':
      if (parent.kind === 'feature_store') return k === 'model' ? { mode: 'missing', p: 0.7, lag: [0, 2 * M] } : undefined;
      if (k === 'service') return { mode: 'errors', p: parent.kind === 'model' ? 0.8 : 0.6, lag: [0, 3 * M] };
      return undefined;
    case 'slow':
      if (k === 'service') return { mode: 'slow', p: 0.6, lag: [0, 2 * M] };
      return undefined;
    case 'lag':
    case 'failed':
      if (parent.kind === 'feature_pipeline') return dataEdge(parent, k, 'stale', undefined, stalenessDelay(parent));
      return undefined;
    case 'stale':
      if (parent.kind === 'data_source') {
        if (streaming) return { mode: 'lag', p: 0.8, lag: [2 * M, 10 * M] };
        if (batch) return { mode: 'stale', p: 0.7, lag: [0, 10 * M] };
        return undefined;
      }
      if (parent.kind === 'feature_pipeline') return dataEdge(parent, k, 'stale', imp.via, stalenessDelay(parent));
      if (parent.kind === 'feature_store') return dataEdge(parent, k, 'stale', imp.via);
      return undefined;
    case 'schema_break':
      // The bad data reaches a pipeline at its next run: minutes when streaming, up to the cadence in batch.
      if (k === 'feature_pipeline') return { mode: 'bad_data', p: 0.9, lag: child.pipelineMode === 'batch' ? [2 * M, child.cadenceMs ?? H] : [0, 5 * M] };
      return undefined;
    case 'volume_drop':
      if (k === 'feature_pipeline') return { mode: 'bad_data', p: 0.7, lag: [10 * M, 30 * M] };
      return undefined;
    case 'bad_data':
    case 'skew':
      if (parent.kind === 'feature_pipeline' || parent.kind === 'feature_store') return dataEdge(parent, k, imp.mode, imp.via);
      return undefined;
    default:
      return undefined; // model-level modes (missing, rollout, population) have no infrastructure consequence
  }
}

/**
 * Data impairments travel pipeline → feature store → model, remembering the pipeline. `delayMs`: when the
 * served features go bad after the pipeline's impairment (staleness: see stalenessDelay).
 */
function dataEdge(parent: Component, k: ComponentKind, mode: Mode, via?: string, delayMs = 0): Edge | undefined {
  const source = parent.kind === 'feature_pipeline' ? parent.name : via;
  if (k === 'feature_store' || k === 'model') return { mode, p: 1, lag: [delayMs, delayMs + 60 * S], ...(source ? { via: source } : {}) };
  return undefined;
}

export type ChangeKind = 'deploy' | 'model_rollout' | 'config_push' | 'schema_change' | 'feature_change' | 'infra_change';

export interface FaultType {
  readonly name: string;
  readonly chain: string;
  readonly weight: number;
  readonly rootFilter: (c: Component) => boolean;
  readonly mode: Mode;
  /** A change that causes the fault: its kind, probability and lead time before onset. */
  readonly change?: { readonly kind: ChangeKind; readonly p: number; readonly lead: readonly [number, number] };
  readonly durationMs: readonly [number, number];
}

export const FAULT_TYPES: readonly FaultType[] = [
  { name: 'node-down', chain: 'infra: node → pods', weight: 6, mode: 'node_down', rootFilter: (c) => c.kind === 'node', durationMs: [20 * M, 60 * M] },
  { name: 'node-memory-pressure', chain: 'infra: node memory → OOM kills', weight: 5, mode: 'node_memory', rootFilter: (c) => c.kind === 'node', durationMs: [20 * M, 60 * M] },
  { name: 'node-disk-full', chain: 'infra: disk full → database down', weight: 3, mode: 'node_disk', rootFilter: (c) => c.kind === 'node', durationMs: [20 * M, 60 * M] },
  { name: 'gpu-xid-ecc', chain: '§4.2 [8]', weight: 5, mode: 'gpu_xid', rootFilter: (c) => c.kind === 'gpu', change: { kind: 'infra_change', p: 0.3, lead: [2 * M, 15 * M] }, durationMs: [20 * M, 60 * M] },
  { name: 'gpu-thermal-saturation', chain: '§4.2 [7]', weight: 4, mode: 'gpu_thermal', rootFilter: (c) => c.kind === 'gpu', durationMs: [20 * M, 60 * M] },
  { name: 'kafka-broker-outage', chain: '§4.2 [2]', weight: 4, mode: 'down', rootFilter: (c) => c.kind === 'queue', change: { kind: 'config_push', p: 0.25, lead: [1 * M, 10 * M] }, durationMs: [20 * M, 60 * M] },
  { name: 'database-outage', chain: '§4.2 [9] / infra', weight: 5, mode: 'down', rootFilter: (c) => c.kind === 'database', durationMs: [15 * M, 45 * M] },
  { name: 'database-saturation', chain: 'infra: connections exhausted', weight: 4, mode: 'saturated', rootFilter: (c) => c.kind === 'database', durationMs: [20 * M, 60 * M] },
  { name: 'stream-consumer-lag', chain: '§4.2 [2]', weight: 5, mode: 'lag', rootFilter: (c) => c.kind === 'feature_pipeline' && c.pipelineMode === 'streaming', durationMs: [30 * M, 90 * M] },
  { name: 'batch-feature-job-failed', chain: '§4.2 [1]', weight: 6, mode: 'failed', rootFilter: (c) => c.kind === 'feature_pipeline' && c.pipelineMode === 'batch', durationMs: [90 * M, 150 * M] },
  { name: 'upstream-schema-change', chain: '§4.2 [3]', weight: 5, mode: 'schema_break', rootFilter: (c) => c.kind === 'data_source', change: { kind: 'schema_change', p: 1, lead: [2 * M, 20 * M] }, durationMs: [60 * M, 120 * M] },
  { name: 'ingestion-volume-drop', chain: '§4.2 [10]', weight: 3, mode: 'volume_drop', rootFilter: (c) => c.kind === 'data_source', durationMs: [40 * M, 90 * M] },
  { name: 'bad-service-deploy', chain: '§4.2 (b) change → errors', weight: 6, mode: 'errors', rootFilter: (c) => c.kind === 'service', change: { kind: 'deploy', p: 1, lead: [1 * M, 8 * M] }, durationMs: [15 * M, 45 * M] },
  { name: 'feature-code-deploy-skew', chain: '§4.2 [5]', weight: 3, mode: 'skew', rootFilter: (c) => c.kind === 'feature_pipeline', change: { kind: 'feature_change', p: 1, lead: [5 * M, 30 * M] }, durationMs: [120 * M, 180 * M] },
  { name: 'model-rollout-regression', chain: '§4.2 [6]', weight: 4, mode: 'rollout', rootFilter: (c) => c.kind === 'model', change: { kind: 'model_rollout', p: 1, lead: [5 * M, 20 * M] }, durationMs: [45 * M, 90 * M] },
  { name: 'model-server-oom', chain: '§4.2 [8]', weight: 3, mode: 'oom', rootFilter: (c) => c.kind === 'model', durationMs: [20 * M, 50 * M] },
  { name: 'feature-store-outage', chain: '§4.2 [9]', weight: 3, mode: 'errors', rootFilter: (c) => c.kind === 'feature_store', change: { kind: 'deploy', p: 0.4, lead: [1 * M, 8 * M] }, durationMs: [15 * M, 45 * M] },
  { name: 'population-shift', chain: '§4.2 [15] (no infrastructure cause)', weight: 2, mode: 'population', rootFilter: (c) => c.kind === 'model', durationMs: [60 * M, 120 * M] },
];
