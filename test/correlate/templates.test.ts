/**
 * One golden case per default causal template (rules/defaults/causal-templates.yml), without topology:
 * alerts link through the templates' scope labels. Each case is a chain of section 4.2 of the drift notes;
 * every alert must be claimed, end up in one incident, and the top root-cause hint must be the chain's
 * start.
 */
import { describe, expect, it } from 'vitest';
import type { Labels } from '../../src/domain/labels.js';
import type { ChangeKind, Track } from '../../src/domain/signal.js';
import { D, H, Harness, M, rules, signal, T0 } from './support.js';

interface Case {
  readonly template: string;
  readonly changes?: readonly { kind: ChangeKind; labels: Labels; at: number; id: string }[];
  readonly alerts: readonly [offset: number, labels: Labels][];
  readonly top: { readonly alertname?: string; readonly change_kind?: string; readonly track: Track };
}

const drift = (labels: Record<string, string>) => signal('drift', 'ModelDrift', labels);
const skew = (labels: Record<string, string>) => signal('skew', 'ModelSkew', labels);
const quality = (labels: Record<string, string>) => signal('data_quality', 'DataQuality', labels);
const freshness = (labels: Record<string, string>) => signal('freshness', 'FeatureFreshness', labels);
const estimated = (labels: Record<string, string>) => signal('perf_estimated', 'ModelPerformanceEstimated', labels);
const realized = (labels: Record<string, string>) => signal('perf_realized', 'ModelPerformanceRealized', labels);
const health = (labels: Record<string, string>) => signal('integration_health', 'IntegrationHealth', labels);

const CASES: readonly Case[] = [
  {
    template: 'stale-features-drift', // chain 1
    alerts: [
      [0, { alertname: 'FeatureJobLate', pipeline: 'user-stats', severity: 'warning' }],
      [1 * H, freshness({ model: 'fraud', pipeline: 'user-stats', method: 'age_seconds' })],
      [90 * M, drift({ model: 'fraud', feature: 'txn_count_7d', method: 'psi' })],
      [3 * H, estimated({ model: 'fraud', method: 'cbpe' })],
    ],
    top: { alertname: 'FeatureJobLate', track: 'data' },
  },
  {
    template: 'stream-lag-score-drift', // chain 2
    alerts: [
      [0, { alertname: 'KafkaConsumerGroupLag', consumergroup: 'fraud-rt', topic: 'txns', severity: 'warning' }],
      [10 * M, freshness({ model: 'fraud', pipeline: 'rt-features', consumergroup: 'fraud-rt' })],
      [40 * M, drift({ model: 'fraud', feature: 'velocity_1h', method: 'js' })],
    ],
    top: { alertname: 'KafkaConsumerGroupLag', track: 'infra' },
  },
  {
    template: 'schema-change-skew', // chain 3
    changes: [{ kind: 'schema_change', labels: { pipeline: 'txn-events' }, at: -10 * M, id: 'schema-77' }],
    alerts: [
      [0, quality({ model: 'fraud', pipeline: 'txn-events', feature: 'merchant_id', method: 'null_rate' })],
      [30 * M, skew({ model: 'fraud', method: 'jensen_shannon' })],
    ],
    top: { change_kind: 'schema_change', track: 'change' },
  },
  {
    template: 'vocabulary-change-feature-drift', // chain 4
    alerts: [
      [0, quality({ model: 'fraud', feature: 'currency', method: 'unexpected_string_values' })],
      [20 * M, drift({ model: 'fraud', feature: 'currency', method: 'psi' })],
      [25 * M, drift({ model: 'fraud', feature: 'age', method: 'psi' })],
      [1 * D, realized({ model: 'fraud', method: 'auc' })],
    ],
    top: { alertname: 'DataQuality', track: 'data' },
  },
  {
    template: 'deploy-training-serving-skew', // chain 5
    changes: [{ kind: 'deploy', labels: { service: 'feature-api', model: 'fraud' }, at: -5 * M, id: 'deploy-4411' }],
    alerts: [
      [0, skew({ model: 'fraud', method: 'psi' })],
      [2 * H, estimated({ model: 'fraud', method: 'cbpe' })],
    ],
    top: { change_kind: 'deploy', track: 'change' },
  },
  {
    template: 'model-rollout-output-drift', // chain 6
    changes: [{ kind: 'model_rollout', labels: { model: 'fraud', model_version: 'v13' }, at: -15 * M, id: 'rollout-v13' }],
    alerts: [
      [0, drift({ model: 'fraud', method: 'psi' })],
      [1 * H, estimated({ model: 'fraud', method: 'cbpe' })],
    ],
    top: { change_kind: 'model_rollout', track: 'change' },
  },
  {
    template: 'gpu-saturation-latency-fallback', // chain 7
    alerts: [
      [0, { alertname: 'GPUHighUtilization', node: 'gpu-7', gpu: '0', severity: 'warning' }],
      [2 * M, { alertname: 'TritonQueueTimeHigh', model: 'fraud', node: 'gpu-7', severity: 'warning' }],
      [4 * M, { alertname: 'InferenceLatencyHigh', model: 'fraud', service: 'scorer', severity: 'critical' }],
      [8 * M, { alertname: 'ModelFallbackRate', model: 'fraud', severity: 'warning' }],
      [1 * H, estimated({ model: 'fraud', method: 'cbpe' })],
    ],
    top: { alertname: 'GPUHighUtilization', track: 'infra' },
  },
  {
    template: 'gpu-fault-availability', // chain 8, GPU fault
    alerts: [
      [0, { alertname: 'DCGMXidErrors', node: 'gpu-3', xid: '79', severity: 'critical' }],
      [1 * M, { alertname: 'TritonInferenceErrors', model: 'fraud', node: 'gpu-3', namespace: 'serving', severity: 'critical' }],
      [10 * M, { alertname: 'KubernetesDeploymentUnavailableReplicas', namespace: 'serving', deployment: 'triton', severity: 'warning' }],
      [20 * M, { alertname: 'ModelFallbackRate', model: 'fraud', severity: 'warning' }],
    ],
    top: { alertname: 'DCGMXidErrors', track: 'infra' },
  },
  {
    template: 'gpu-fault-availability', // chain 8, OOM-killed model pods
    alerts: [
      [0, { alertname: 'KubernetesContainerOomKiller', namespace: 'fraud-serving', pod: 'scorer-1', container: 'model', severity: 'warning' }],
      [3 * M, { alertname: 'LiftWingServiceErrorRate', namespace: 'fraud-serving', destination_canonical_service: 'scorer', severity: 'critical' }],
    ],
    top: { alertname: 'KubernetesContainerOomKiller', track: 'infra' },
  },
  {
    template: 'gpu-fault-availability', // chain 8, a host memory fault on a GPU node without DCGM; quality hours later
    alerts: [
      [0, { alertname: 'HostEdacUncorrectableErrorsDetected', instance: 'ml-gpu-2114', node: 'ml-gpu-2114', severity: 'warning' }],
      [4 * M, { alertname: 'IstioHigh5xxErrorRate', node: 'ml-gpu-2114', destination_service_name: 'scorer', severity: 'warning' }],
      [6 * M, { alertname: 'ProbeDown', node: 'ml-gpu-2114', instance: 'scorer.svc:443', severity: 'critical' }],
      [75 * M, estimated({ model: 'scorer', node: 'ml-gpu-2114', method: 'cbpe' })],
    ],
    top: { alertname: 'HostEdacUncorrectableErrorsDetected', track: 'infra' },
  },
  {
    template: 'enrichment-outage-slice-drift', // chain 9
    alerts: [
      [0, { alertname: 'BlackboxProbeFailed', instance: 'http://geoip:8080', service: 'geoip', severity: 'critical' }],
      [5 * M, quality({ model: 'fraud', segment: 'eu', feature: 'geo_country', method: 'not_found_rate', service: 'geoip' })],
      [20 * M, drift({ model: 'fraud', segment: 'eu', feature: 'geo_country', method: 'psi' })],
      [2 * H, estimated({ model: 'fraud', segment: 'eu', method: 'cbpe' })],
    ],
    top: { alertname: 'BlackboxProbeFailed', track: 'infra' },
  },
  {
    template: 'ingestion-drop-no-data', // chain 10
    alerts: [
      [0, { alertname: 'HaproxyKafkaNoMessages', pipeline: 'clicks', severity: 'critical' }],
      [30 * M, health({ model: 'ranker', pipeline: 'clicks' })],
      [1 * H, drift({ model: 'ranker', feature: 'ctr', method: 'psi' })],
    ],
    top: { alertname: 'HaproxyKafkaNoMessages', track: 'data' },
  },
  {
    template: 'label-delay-realized-performance', // chain 11
    alerts: [
      [0, { alertname: 'LabelPipelineDelayed', model: 'fraud', pipeline: 'chargebacks', severity: 'warning' }],
      [6 * H, health({ model: 'fraud' })],
      [1 * D, estimated({ model: 'fraud', method: 'cbpe' })],
    ],
    top: { alertname: 'LabelPipelineDelayed', track: 'data' },
  },
  {
    template: 'training-stall-accuracy-decay', // chain 12
    alerts: [
      [0, { alertname: 'TrainingPipelineStalled', model: 'fraud', severity: 'warning' }],
      [10 * D, realized({ model: 'fraud', method: 'auc' })],
    ],
    top: { alertname: 'TrainingPipelineStalled', track: 'data' },
  },
  {
    template: 'nan-inf-serving-errors', // chain 13
    alerts: [
      [0, quality({ model: 'fraud', feature: 'amount', method: 'nan_rate' })],
      [2 * M, drift({ model: 'fraud', method: 'psi' })],
      [5 * M, { alertname: 'TritonInferenceErrors', model: 'fraud', severity: 'critical' }],
    ],
    top: { alertname: 'DataQuality', track: 'data' },
  },
];

describe('default causal templates', () => {
  const defaults = rules();

  it('every default template has a golden case', () => {
    expect(new Set(CASES.map((c) => c.template))).toEqual(new Set(defaults.templates.map((t) => t.name)));
  });

  for (const c of CASES) {
    it(`${c.template}: ${c.alerts.map(([, l]) => l['alertname']).join(' → ')}`, async () => {
      const h = new Harness(defaults);
      for (const ch of c.changes ?? []) h.change(ch.kind, ch.labels, T0 + ch.at, ch.id);
      for (const [offset, labels] of c.alerts) expect(await h.fireAt(offset, labels)).toBe(true);
      await h.at(c.alerts[c.alerts.length - 1]![0] + 10 * M);

      const inc = h.only();
      expect(inc.status).toBe('open');
      expect(inc.members).toHaveLength(c.alerts.length);
      const joins = inc.members.map((m) => m.joinedBy);
      expect(joins).toContainEqual(expect.objectContaining({ kind: 'causal_template', rule: c.template }));
      for (const ch of c.changes ?? []) expect(inc.changes.map((x) => x.id)).toContain(ch.id);

      const top = inc.rootCause[0]!;
      if (c.top.alertname) expect(top.labels['alertname']).toBe(c.top.alertname);
      if (c.top.change_kind) expect(top.labels['change_kind']).toBe(c.top.change_kind);
      expect(top.track).toBe(c.top.track);
      expect(inc.track).toBe(c.top.track);
      const causal = top.evidence.find((e) => e.kind === 'causal_template');
      expect(causal?.detail).toMatch(/of [a-z-]+ precedes \d+ of \d+ other alerts/);
      expect(top.reason).toMatch(/is the likely root cause: /);
      // Hints are sorted and scores stay within 0..1.
      const scores = inc.rootCause.map((r) => r.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    });
  }

  it('a template links only within its max_lag budget', async () => {
    const h = new Harness(defaults);
    await h.fireAt(0, { alertname: 'KafkaConsumerGroupLag', consumergroup: 'fraud-rt', severity: 'warning' });
    // consumer_lag → realtime_freshness allows 30m; this one starts 45m later.
    await h.fireAt(45 * M, freshness({ model: 'fraud', pipeline: 'rt', consumergroup: 'fraud-rt' }));
    await h.at(1 * H);
    expect(h.list('open')).toHaveLength(2);
  });

  it('without a shared scope label (and no topology) a template does not link', async () => {
    const h = new Harness(defaults);
    await h.fireAt(0, { alertname: 'GPUHighUtilization', node: 'gpu-7', severity: 'warning' });
    await h.fireAt(2 * M, { alertname: 'TritonQueueTimeHigh', model: 'fraud', node: 'gpu-8', severity: 'warning' });
    await h.at(10 * M);
    expect(h.list('open')).toHaveLength(2);
  });

  it('a step with track: data takes generic job alerts only once they are classified as data', async () => {
    const job = { alertname: 'KubeJobFailed', job_name: 'user-stats-materialize', pipeline: 'user-stats', severity: 'warning' };
    const plain = new Harness(defaults);
    expect(await plain.fireAt(0, job)).toBe(false);
    const classified = new Harness(
      rules("tracks:\n  - {track: data, matchers: ['alertname=\"KubeJobFailed\"', 'job_name=~\".*-materialize\"']}\n"),
    );
    expect(await classified.fireAt(0, job)).toBe(true);
    await classified.fireAt(1 * H, freshness({ model: 'fraud', pipeline: 'user-stats' }));
    await classified.at(2 * H);
    expect(classified.only().members[1]!.joinedBy).toMatchObject({ kind: 'causal_template', rule: 'stale-features-drift' });
  });

  it('with topology, template links follow dependency paths instead of labels', async () => {
    const h = new Harness(
      rules(
        [
          'topology:',
          '  components:',
          '    - {name: gpu-pool, kind: gpu, selectors: [[\'node=~"gpu-.*"\']]}',
          '    - {name: triton, kind: service, depends_on: [gpu-pool], selectors: [[\'alertname=~"Triton.*"\']]}',
          '    - {name: other-gpu, kind: gpu, selectors: [[\'node="lonely"\']]}',
        ].join('\n') + '\n',
      ),
    );
    await h.fireAt(0, { alertname: 'GPUHighUtilization', node: 'gpu-7', severity: 'warning' });
    await h.fireAt(2 * M, { alertname: 'TritonQueueTimeHigh', model: 'fraud', severity: 'warning' });
    await h.fireAt(3 * M, { alertname: 'GPUHighMemoryUsage', node: 'lonely', severity: 'warning' });
    await h.at(10 * M);
    const inc = h.incidentOf({ alertname: 'GPUHighUtilization', node: 'gpu-7', severity: 'warning' })!;
    expect(inc.members.map((m) => m.labels['alertname'])).toEqual(['GPUHighUtilization', 'TritonQueueTimeHigh']);
    // Same link found two ways; the template is the stronger kind.
    expect(inc.members[1]!.joinedBy).toMatchObject({ kind: 'causal_template', rule: 'gpu-saturation-latency-fallback' });
    expect(inc.members[1]!.joinedBy.detail).toContain('triton → gpu-pool');
    expect(h.list('open')).toHaveLength(2);
  });
});
