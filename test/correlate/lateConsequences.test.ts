/**
 * Golden cases for consequences that show up late or only share a cause with the incident
 * (docs/correlation.md, "How alerts join"): event-time leads of model signals, outages that keep
 * explaining their dependents while they last, the critical-only rule for multi-hop paths, and the
 * shared suspect change. Each case also shows the near miss that must stay apart.
 */
import { describe, expect, it } from 'vitest';
import { dependencyExplains, eventTimeLead, MAX_EVENT_TIME_LEAD_MS, SHARED_CHANGE_MAX_DEPENDENTS } from '../../src/correlate/correlator.js';
import type { Alert } from '../../src/domain/alert.js';
import { fingerprint, type Labels } from '../../src/domain/labels.js';
import { H, Harness, M, rules, signal, T0, y } from './support.js';

/**
 * kafka-main ← checkout-events ← checkout-profile-daily (batch, TTL 3h) ← checkout-feature-server ←
 * checkout-ranker and checkout-scorer (siblings); shared-redis under five feature servers (a hub).
 */
const TOPOLOGY = y(
  'topology:',
  '  components:',
  '    - name: kafka-main',
  '      kind: queue',
  "      selectors: [['kafka_cluster=\"kafka-main\"']]",
  '    - name: checkout-events',
  '      kind: data_source',
  '      depends_on: [kafka-main]',
  "      selectors: [['stream=\"checkout-events\"']]",
  '    - name: checkout-profile-daily',
  '      kind: feature_pipeline',
  '      depends_on: [checkout-events]',
  "      selectors: [['pipeline=\"checkout-profile-daily\"']]",
  '    - name: checkout-feature-server',
  '      kind: feature_store',
  '      depends_on: [checkout-profile-daily, shared-redis]',
  "      selectors: [['service=\"checkout-feature-server\"']]",
  '    - name: checkout-ranker',
  '      kind: model',
  '      depends_on: [checkout-feature-server]',
  '    - name: checkout-scorer',
  '      kind: model',
  '      depends_on: [checkout-feature-server]',
  '    - name: shared-redis',
  '      kind: database',
  "      selectors: [['database=\"shared-redis\"']]",
  ...[1, 2, 3, 4].flatMap((i) => [`    - name: other-feature-server-${i}`, '      kind: feature_store', '      depends_on: [shared-redis]']),
);

const brokerDown = { alertname: 'KafkaBrokerUnavailable', kafka_cluster: 'kafka-main', severity: 'critical' };
const brokerWarning = { alertname: 'KafkaUnderReplicatedPartitions', kafka_cluster: 'kafka-main', severity: 'warning' };
const stale = signal('freshness', 'FeatureFreshness', { pipeline: 'checkout-profile-daily', method: 'age_seconds', severity: 'critical' });
const ttl3h = { threshold_upper: '10800', value: '10900' };
const perf = (model: string) => signal('perf_estimated', 'ModelPerformanceEstimated', { model, method: 'cbpe_roc_auc', severity: 'critical' });

function alertWith(labels: Labels, annotations: Record<string, string>, startsAt = T0): Alert {
  return { labels, annotations, startsAt, endsAt: startsAt + H, generatorURL: '', updatedAt: startsAt, timeout: true, fingerprint: fingerprint(labels), source: 'signal' };
}

describe('eventTimeLead', () => {
  it('a freshness breach started at least its TTL (threshold_upper, seconds) before it was seen', () => {
    expect(eventTimeLead(alertWith(stale, ttl3h))).toBe(3 * H);
  });

  it('a windowed signal started at its window start; the larger of the two leads counts', () => {
    const windowed = { window_start: new Date(T0 - 30 * M).toISOString(), window_end: new Date(T0 - 1 * M).toISOString() };
    expect(eventTimeLead(alertWith(perf('checkout-ranker'), windowed))).toBe(30 * M);
    expect(eventTimeLead(alertWith(stale, { ...ttl3h, ...windowed }))).toBe(3 * H);
  });

  it('nothing for Prometheus alerts, unreadable annotations or windows after the onset; bounded', () => {
    expect(eventTimeLead(alertWith({ alertname: 'FeatureFreshness', pipeline: 'x' }, ttl3h))).toBe(0);
    expect(eventTimeLead(alertWith(stale, { threshold_upper: 'soon' }))).toBe(0);
    expect(eventTimeLead(alertWith(stale, { threshold_upper: '-5' }))).toBe(0);
    expect(eventTimeLead(alertWith(perf('m'), { window_start: new Date(T0 + M).toISOString() }))).toBe(0);
    expect(eventTimeLead(alertWith(stale, { threshold_upper: String(30 * 24 * 3600) }))).toBe(MAX_EVENT_TIME_LEAD_MS);
  });
});

describe('dependencyExplains', () => {
  const jw = 30 * M;
  const tol = 5 * M;
  const cause = (severity: string, onset = T0, activeUntil = T0 + 10 * M) => ({ onset, labels: { severity }, track: 'infra' as const, activeUntil });
  const effect = (after: number, lead = 0) => ({ onset: T0 + after, lead, track: 'infra' as const });

  it('one hop: any non-chatter cause within the window; never chatter; at most the tolerance later', () => {
    expect(dependencyExplains(cause('warning'), effect(29 * M), 1, jw, tol)).toBe(true);
    expect(dependencyExplains(cause('warning'), effect(31 * M), 1, jw, tol)).toBe(false);
    expect(dependencyExplains(cause('info'), effect(1 * M), 1, jw, tol)).toBe(false);
    expect(dependencyExplains(cause('warning'), effect(-4 * M), 1, jw, tol)).toBe(true);
    expect(dependencyExplains(cause('warning'), effect(-6 * M), 1, jw, tol)).toBe(false);
  });

  it('a model signal explains nothing on the infra track; the other way round it may', () => {
    const drift = { ...cause('critical'), track: 'model' as const };
    expect(dependencyExplains(drift, effect(1 * M), 1, jw, tol)).toBe(false);
    expect(dependencyExplains(drift, { ...effect(1 * M), track: 'model' }, 1, jw, tol)).toBe(true);
    expect(dependencyExplains(cause('warning'), { ...effect(1 * M), track: 'model' }, 1, jw, tol)).toBe(true);
  });

  it('two hops: only a critical cause', () => {
    expect(dependencyExplains(cause('warning'), effect(1 * M), 2, jw, tol)).toBe(false);
    expect(dependencyExplains(cause('critical'), effect(1 * M), 2, jw, tol)).toBe(true);
  });

  it("the effect's event-time lead widens the window", () => {
    expect(dependencyExplains(cause('critical', T0, T0), effect(2 * H, 3 * H), 2, jw, tol)).toBe(true);
    expect(dependencyExplains(cause('critical', T0, T0), effect(2 * H, 1 * H), 2, jw, tol)).toBe(false);
  });

  it('a critical cause explains dependents while it fires and a join window after; a warning does not', () => {
    expect(dependencyExplains(cause('critical', T0, T0 + H), effect(80 * M), 1, jw, tol)).toBe(true);
    expect(dependencyExplains(cause('critical', T0, T0 + H), effect(91 * M), 1, jw, tol)).toBe(false);
    expect(dependencyExplains(cause('warning', T0, T0 + H), effect(80 * M), 1, jw, tol)).toBe(false);
  });
});

describe('late consequences', () => {
  it('a batch view going stale two hours after a broker outage joins the outage incident (TTL 3h)', async () => {
    const h = new Harness(rules(TOPOLOGY));
    await h.fireAt(0, brokerDown);
    await h.fireAt(1 * M, brokerWarning); // keeps the incident open after the outage itself ends
    await h.at(40 * M);
    h.resolve(brokerDown);
    await h.fireAt(2 * H, stale, { annotations: ttl3h });
    await h.at(2 * H + 5 * M);
    const inc = h.only();
    const joined = inc.members.find((m) => m.labels['alertname'] === 'FeatureFreshness')!;
    expect(joined.joinedBy.kind).toBe('dependency');
    expect(joined.joinedBy.detail).toBe('checkout-profile-daily → checkout-events → kafka-main (2 hops), onsets 2h apart');
    expect(inc.rootCause[0]!.component).toBe('kafka-main');
  });

  it('the same alert without an age or window (a plain rule) is too late: it opens its own incident', async () => {
    const h = new Harness(rules(TOPOLOGY));
    await h.fireAt(0, brokerDown);
    await h.fireAt(1 * M, brokerWarning);
    await h.at(40 * M);
    h.resolve(brokerDown);
    await h.fireAt(2 * H, { alertname: 'ProfileStale', pipeline: 'checkout-profile-daily', severity: 'critical' });
    await h.at(2 * H + 5 * M);
    expect(h.list('open')).toHaveLength(2);
  });

  it('an outage keeps explaining its dependents while it lasts; a warning does not', async () => {
    const outage = new Harness(rules(TOPOLOGY));
    await outage.fireAt(0, brokerDown);
    await outage.fireAt(50 * M, { alertname: 'IngestStalled', stream: 'checkout-events', severity: 'warning' });
    await outage.at(60 * M);
    expect(outage.only().members.map((m) => m.joinedBy.kind)).toEqual(['opened', 'dependency']);

    const warning = new Harness(rules(TOPOLOGY));
    await warning.fireAt(0, brokerWarning);
    await warning.fireAt(50 * M, { alertname: 'IngestStalled', stream: 'checkout-events', severity: 'warning' });
    await warning.at(60 * M);
    expect(warning.list('open')).toHaveLength(2);
  });

  it('a warning two hops up does not pull in a dependent; a critical one does', async () => {
    const h = new Harness(rules(TOPOLOGY));
    await h.fireAt(0, brokerWarning);
    await h.fireAt(3 * M, { alertname: 'ProfileJobSlow', pipeline: 'checkout-profile-daily', severity: 'warning' });
    await h.at(6 * M);
    expect(h.list('open')).toHaveLength(2);
    await h.fireAt(7 * M, brokerDown);
    await h.at(15 * M);
    // The critical broker alert (reported 4 min after the job's, within the onset tolerance) joins the
    // warning's incident (same component) and links the job two hops down: the two merge.
    expect(h.list('open')).toHaveLength(1);
    expect(h.only().timeline.map((e) => e.event)).toContain('merged');
  });
});

describe('aftermath: late consequences of a recovered cause', () => {
  /** The outage pages, recovers at 40m; the incident resolves 5m later (resolve_quiet). */
  async function pagedOutage(h: Harness): Promise<string> {
    await h.fireAt(0, brokerDown);
    await h.at(40 * M);
    h.resolve(brokerDown);
    await h.at(50 * M);
    const inc = h.only();
    expect(inc.status).toBe('resolved');
    return inc.id;
  }

  it('a late consequence reopens the paged incident at warning; its critical alert stays resolved', async () => {
    const h = new Harness(rules(TOPOLOGY));
    const id = await pagedOutage(h);
    const sentBefore = h.sent.length;
    await h.fireAt(2 * H, stale, { annotations: ttl3h });
    await h.at(2 * H + 5 * M);
    const inc = h.only();
    expect(inc.id).toBe(id);
    expect(inc.status).toBe('open');
    expect(inc.reopened).toBe(1);
    expect(inc.aftermath).toBe(true);
    const late = inc.members.find((m) => m.labels['alertname'] === 'FeatureFreshness')!;
    expect(late.joinedBy.detail).toBe(
      'checkout-profile-daily → checkout-events → kafka-main (2 hops), late consequence of KafkaBrokerUnavailable (ended 2026-11-28T10:40:00Z)',
    );
    expect(inc.timeline.map((e) => e.event).slice(-2)).toEqual(['joined', 'reopened']);
    expect(inc.suppressions.at(-1)!.reason).toMatch(/^late consequence of inc-[0-9a-f]+, resolved at 2026-11-28T10:45:00Z \(.*\): the incident reopened as an aftermath at warning, not as a second page$/);
    // Only warning-severity incident alerts fire again: the critical one (the page) is not re-sent.
    const after = h.sent.slice(sentBefore);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((a) => a.labels['severity'] === 'warning' && a.endsAt > h.now)).toBe(true);
    const live = h.correlator.incidentAlerts();
    expect(live.find((a) => a.labels['severity'] === 'critical')!.endsAt).toBe(T0 + 45 * M);
  });

  it('the cause firing again ends the aftermath: the incident routes critical again', async () => {
    const h = new Harness(rules(TOPOLOGY));
    await pagedOutage(h);
    await h.fireAt(2 * H, stale, { annotations: ttl3h });
    await h.at(2 * H + 5 * M);
    await h.fireAt(2 * H + 6 * M, brokerDown);
    await h.at(2 * H + 10 * M);
    const inc = h.only();
    expect(inc.labels['severity']).toBe('critical');
    expect(inc.aftermath).toBeUndefined();
    expect(inc.timeline.filter((e) => e.event === 'escalated').at(-1)!.detail).toBe(
      'KafkaBrokerUnavailable fired again: the aftermath ends, severity back to critical',
    );
    const critical = h.correlator.incidentAlerts().find((a) => a.labels['severity'] === 'critical' && a.labels['joined_alertname'] === undefined)!;
    expect(critical.endsAt).toBeGreaterThan(h.now);
  });

  it('when the aftermath resolves, the critical alert is not sent again; the cause refiring later restores it', async () => {
    const h = new Harness(rules(TOPOLOGY));
    await pagedOutage(h);
    await h.fireAt(2 * H, stale, { annotations: ttl3h });
    await h.at(2 * H + 5 * M);
    const criticalVersions = () => h.sent.filter((a) => a.labels['severity'] === 'critical').length;
    const before = criticalVersions();
    h.resolve(stale);
    await h.at(2 * H + 20 * M);
    expect(h.only().status).toBe('resolved');
    expect(criticalVersions()).toBe(before);
    // Within reopen_window the outage itself fires again: a real recurrence pages.
    await h.fireAt(2 * H + 25 * M, brokerDown);
    await h.at(2 * H + 30 * M);
    const inc = h.only();
    expect(inc.status).toBe('open');
    expect(inc.labels['severity']).toBe('critical');
    expect(criticalVersions()).toBeGreaterThan(before);
    expect(h.sent.filter((a) => a.labels['severity'] === 'critical').at(-1)!.endsAt).toBeGreaterThan(h.now);
  });

  it('an incident that never paged takes a late critical consequence like a member, and pages', async () => {
    const h = new Harness(rules(TOPOLOGY));
    await h.fireAt(0, brokerWarning);
    await h.at(40 * M);
    h.resolve(brokerWarning);
    await h.at(50 * M);
    const id = h.only().id;
    const late = signal('freshness', 'FeatureFreshness', { stream: 'checkout-events', method: 'age_seconds', severity: 'critical' });
    await h.fireAt(90 * M, late, { annotations: { threshold_upper: '7200' } });
    await h.at(95 * M);
    const inc = h.only();
    expect(inc.id).toBe(id);
    expect(inc.labels['severity']).toBe('critical');
    expect(h.correlator.incidentAlerts().some((a) => a.labels['severity'] === 'critical' && a.endsAt > h.now)).toBe(true);
  });

  it('after aftermath_window, or with it set to 0, a late consequence opens its own incident', async () => {
    for (const setting of ['aftermath_window: 1h', 'aftermath_window: 0s']) {
      const h = new Harness(rules(TOPOLOGY + y(`incidents: {${setting}}`)));
      await pagedOutage(h);
      await h.fireAt(2 * H, stale, { annotations: ttl3h });
      await h.at(2 * H + 5 * M);
      expect(h.list('open')).toHaveLength(1);
      expect(h.list()).toHaveLength(2);
    }
  });
});

describe('a critical blip followed by trouble on its component', () => {
  it('joins the incident of what followed, which routes critical', async () => {
    const h = new Harness(rules(TOPOLOGY));
    await h.fireAt(0, brokerDown);
    await h.at(1 * M);
    h.resolve(brokerDown); // within hold_down: a transient, nothing opens
    await h.at(2 * M);
    expect(h.list()).toHaveLength(0);
    await h.fireAt(3 * M, brokerWarning);
    await h.at(6 * M);
    const inc = h.only();
    // Members are listed by onset: the blip first.
    expect(inc.members.map((m) => [m.labels['alertname'], m.status])).toEqual([
      ['KafkaBrokerUnavailable', 'resolved'],
      ['KafkaUnderReplicatedPartitions', 'firing'],
    ]);
    expect(inc.members[0]!.joinedBy.detail).toBe(
      'fired at 2026-11-28T10:00:00Z and resolved within hold_down; KafkaUnderReplicatedPartitions on the same component kafka-main followed',
    );
    expect(inc.labels['severity']).toBe('critical');
  });

  it('alone, or after the trouble was already there, it stays a blip', async () => {
    const alone = new Harness(rules(TOPOLOGY));
    await alone.fireAt(0, brokerDown);
    await alone.at(1 * M);
    alone.resolve(brokerDown);
    await alone.at(40 * M);
    expect(alone.list()).toHaveLength(0);

    const before = new Harness(rules(TOPOLOGY));
    const lag = { alertname: 'KafkaConsumerGroupLag', kafka_cluster: 'kafka-main', severity: 'warning' };
    await before.fireAt(0, brokerWarning);
    await before.fireAt(1 * M, lag, { startsAt: T0 - 20 * M }); // started long before the blip
    await before.fireAt(10 * M, brokerDown);
    await before.at(11 * M);
    before.resolve(brokerDown);
    await before.at(20 * M);
    expect(before.only().labels['severity']).toBe('warning');
  });
});

describe('shared suspect change', () => {
  const skewRules = rules(TOPOLOGY);

  it('two models that only share a changed pipeline join through the change', async () => {
    const h = new Harness(skewRules);
    h.change('feature_change', { pipeline: 'checkout-profile-daily' }, T0 - 1 * H, 'fc-1', 'feature transform v4');
    await h.fireAt(0, perf('checkout-ranker'));
    await h.fireAt(40 * M, perf('checkout-scorer'));
    await h.at(50 * M);
    const inc = h.only();
    expect(inc.members.map((m) => m.joinedBy.kind)).toEqual(['opened', 'shared_change']);
    expect(inc.members[1]!.joinedBy.detail).toBe(
      'feature_change fc-1 on checkout-profile-daily is the closest suspect of this ModelPerformanceEstimated and of ModelPerformanceEstimated',
    );
    expect(inc.changes.map((c) => c.id)).toEqual(['fc-1']);
  });

  it("a model's own rollout explains its alert better than the shared change: they stay apart", async () => {
    const h = new Harness(skewRules);
    h.change('feature_change', { pipeline: 'checkout-profile-daily' }, T0 - 1 * H, 'fc-1');
    h.change('model_rollout', { model: 'checkout-scorer' }, T0 + 10 * M, 'rollout-7');
    await h.fireAt(0, perf('checkout-ranker'));
    await h.fireAt(40 * M, perf('checkout-scorer'));
    await h.at(50 * M);
    expect(h.list('open')).toHaveLength(2);
  });

  it(`a change on a hub (more than ${SHARED_CHANGE_MAX_DEPENDENTS} dependents) links nothing`, async () => {
    const h = new Harness(skewRules);
    h.change('config_push', { database: 'shared-redis' }, T0 - 1 * H, 'redis-cfg');
    await h.fireAt(0, perf('checkout-ranker'));
    await h.fireAt(40 * M, perf('checkout-scorer'));
    await h.at(50 * M);
    expect(h.list('open')).toHaveLength(2);
  });

  it("ranking: a model's own rollout is the root cause; an upstream change the template also fits is explained away", async () => {
    const h = new Harness(skewRules);
    h.change('feature_change', { pipeline: 'checkout-profile-daily' }, T0 - 1 * H, 'fc-1', 'feature transform v4');
    h.change('model_rollout', { model: 'checkout-ranker' }, T0 - 30 * M, 'rollout-7', 'checkout-ranker v8');
    await h.fireAt(0, signal('drift', 'ModelDrift', { model: 'checkout-ranker', feature: 'prediction' }));
    await h.fireAt(20 * M, perf('checkout-ranker'));
    await h.at(30 * M);
    const [top, second] = h.only().rootCause;
    expect(top!.component).toBe('checkout-ranker');
    const template = top!.evidence.find((e) => e.kind === 'causal_template')!;
    expect(template.detail).toBe('its own change model_rollout precedes 2 of its 2 alerts in a causal template');
    expect(second!.component).toBe('checkout-profile-daily');
    expect(second!.score).toBeLessThan(top!.score);
  });

  it("a model's drift that its own rollout explains is not made a consequence of trouble upstream", async () => {
    const lagging = { alertname: 'KafkaConsumerGroupLag', consumergroup: 'checkout-profile-daily', pipeline: 'checkout-profile-daily', severity: 'warning' };
    const outputDrift = signal('drift', 'ModelDrift', { model: 'checkout-ranker', feature: 'prediction' });
    const withRollout = new Harness(skewRules);
    withRollout.change('model_rollout', { model: 'checkout-ranker' }, T0 - 20 * M, 'rollout-7');
    await withRollout.fireAt(0, lagging);
    await withRollout.fireAt(5 * M, outputDrift);
    await withRollout.at(15 * M);
    expect(withRollout.list('open')).toHaveLength(2);
    expect(withRollout.incidentOf(outputDrift)!.rootCause[0]!.component).toBe('checkout-ranker');

    const without = new Harness(skewRules);
    await without.fireAt(0, lagging);
    await without.fireAt(5 * M, outputDrift);
    await without.at(15 * M);
    expect(without.only().members.map((m) => m.joinedBy.kind)).toEqual(['opened', 'causal_template']);
  });

  it('the order of the two alerts does not matter', async () => {
    const h = new Harness(skewRules);
    h.change('feature_change', { pipeline: 'checkout-profile-daily' }, T0 - 1 * H, 'fc-1');
    await h.fireAt(0, perf('checkout-scorer'));
    await h.fireAt(40 * M, perf('checkout-ranker'));
    await h.at(50 * M);
    expect(h.only().members.map((m) => m.joinedBy.kind)).toEqual(['opened', 'shared_change']);
  });
});
