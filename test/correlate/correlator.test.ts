/**
 * Golden cases for each way alerts join, and for the incident lifecycle (docs/correlation.md).
 * Time is virtual; `Harness.fireAt(offset, …)` moves the clock to T0 + offset and sends a firing version.
 */
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/domain/labels.js';
import { INCIDENT_OPEN_ENDS_AFTER_MS } from '../../src/correlate/correlator.js';
import { D, H, Harness, M, rules, S, signal, T0, y } from './support.js';

/** A small topology: feature store ← user-stats-job ← fraud-scorer ← checkout-api; a separate billing db. */
const TOPOLOGY = y(
  'topology:',
  '  components:',
  '    - name: online-feature-store',
  '      kind: feature_store',
  '    - name: user-stats-job',
  '      kind: feature_pipeline',
  '      depends_on: [online-feature-store]',
  "      selectors: [['job=\"user-stats-materialize\"']]",
  '    - name: fraud-scorer',
  '      kind: model',
  '      depends_on: [user-stats-job]',
  '    - name: checkout-api',
  '      depends_on: [fraud-scorer]',
  '    - name: billing-db',
  '      kind: database',
);

const store = (alertname: string, extra: Record<string, string> = {}) => ({ alertname, service: 'online-feature-store', severity: 'critical', ...extra });
const scorer = (alertname: string, extra: Record<string, string> = {}) => ({ alertname, model: 'fraud-scorer', severity: 'warning', ...extra });
const checkout = (alertname: string) => ({ alertname, service: 'checkout-api', severity: 'warning' });
const billing = (alertname: string) => ({ alertname, service: 'billing-db', severity: 'critical' });

describe('claiming', () => {
  it('alerts no rule claims are left to the engine', async () => {
    const h = new Harness(rules(TOPOLOGY));
    expect(h.fire({ alertname: 'Watchdog', severity: 'none' })).toBe(false);
    expect(h.fire(scorer('HighLatency'))).toBe(true); // maps to fraud-scorer via its model label
    expect(h.fire({ alertname: 'X', job: 'user-stats-materialize' })).toBe(true); // by selector
    await h.after(5 * M);
    expect(h.list()).toHaveLength(1);
    expect(h.correlator.directory.counts()).toEqual({ open: 1, resolved: 0, members: 2 });
  });

  it('incident alerts are never claimed', () => {
    const h = new Harness(rules(TOPOLOGY));
    const labels = { ...scorer('HighLatency'), incident_id: 'inc-x' };
    expect(
      h.correlator.observe({
        labels,
        annotations: {},
        startsAt: T0,
        endsAt: T0 + H,
        generatorURL: '',
        updatedAt: T0,
        timeout: false,
        fingerprint: fingerprint(labels),
        source: 'incident',
      }),
    ).toBe(false);
  });
});

describe('joining', () => {
  it('same component: one incident, one page; the incident alert is what routes', async () => {
    const h = new Harness(rules(TOPOLOGY));
    await h.fireAt(0, scorer('HighLatency', { team: 'ml' }));
    await h.fireAt(1 * M, scorer('HighErrorRate', { team: 'ml' }));
    await h.at(10 * M);
    const inc = h.only();
    expect(inc.members.map((m) => m.labels['alertname'])).toEqual(['HighLatency', 'HighErrorRate']);
    expect(inc.members[1]!.joinedBy.kind).toBe('same_component');
    expect(inc.members[1]!.joinedBy.detail).toBe('same component fraud-scorer as HighLatency, onsets 1m apart');

    // Opened at T0 + 2m (hold-down); labels fixed then: the first member's labels plus the incident's.
    const first = h.sent[0]!;
    expect(first.labels).toEqual({
      alertname: 'HighLatency',
      model: 'fraud-scorer',
      team: 'ml',
      severity: 'warning',
      incident_id: inc.id,
      track: 'infra',
      root_cause_component: 'fraud-scorer',
    });
    expect(first).toMatchObject({
      source: 'incident',
      startsAt: T0 + 2 * M,
      endsAt: T0 + 2 * M + INCIDENT_OPEN_ENDS_AFTER_MS,
      fingerprint: fingerprint(first.labels),
      timeout: false,
    });
    expect(inc.id).toMatch(/^inc-[0-9a-f]{16}$/);
    expect(first.annotations['summary']).toBe('HighLatency (fraud-scorer): 1 alert, 1 firing');
    // The join changed the annotations (2 alerts), not the labels: same fingerprint, so no second page.
    const last = h.sent[h.sent.length - 1]!;
    expect(h.sent.every((a) => a.fingerprint === first.fingerprint)).toBe(true);
    expect(last.annotations['summary']).toBe('HighLatency (fraud-scorer): 2 alerts, 2 firing');
    expect(inc.suppressions.map((s) => s.kind)).toEqual(['explained']);
    expect(h.correlator.incidentAlerts()).toEqual([last]);
  });

  it('escalation: a more severe member adds an incident alert with that severity; both end together', async () => {
    const h = new Harness(rules(TOPOLOGY));
    await h.fireAt(0, scorer('HighLatency'));
    await h.at(5 * M);
    const warning = h.sent[0]!;
    await h.fireAt(6 * M, scorer('HighErrorRate', { severity: 'critical' }));
    await h.at(8 * M);
    const inc = h.only();
    expect(inc.severity).toBe('critical');
    expect(inc.labels['severity']).toBe('critical');
    expect(inc.timeline.map((e) => e.event)).toEqual(['opened', 'joined', 'escalated']);
    const live = h.correlator.incidentAlerts();
    expect(live.map((a) => a.labels['severity'])).toEqual(['warning', 'critical']);
    expect(live[0]!.fingerprint).toBe(warning.fingerprint);
    expect(live[1]!.labels).toEqual({ ...warning.labels, severity: 'critical' });
    expect(live[1]!.fingerprint).toBe(fingerprint(live[1]!.labels));
    // A later warning member changes nothing; resolution ends both.
    await h.fireAt(8 * M, scorer('Slow'));
    await h.at(10 * M);
    expect(h.correlator.incidentAlerts()).toHaveLength(2);
    for (const a of [scorer('HighLatency'), scorer('HighErrorRate', { severity: 'critical' }), scorer('Slow')]) h.resolve(a);
    await h.at(16 * M);
    expect(h.correlator.incidentAlerts().map((a) => a.endsAt)).toEqual([T0 + 15 * M, T0 + 15 * M]);
    await h.at(30 * H);
    expect(h.correlator.collect(h.now).sort()).toEqual(live.map((a) => a.fingerprint).sort());
  });

  it('same component beyond join_window opens a second incident', async () => {
    const h = new Harness(rules(TOPOLOGY));
    await h.fireAt(0, scorer('HighLatency'));
    await h.fireAt(31 * M, scorer('HighErrorRate'));
    await h.at(40 * M);
    expect(h.list('open')).toHaveLength(2);
  });

  it('dependency: a consequence joins the incident of what it depends on, which is the top hint', async () => {
    const h = new Harness(rules(TOPOLOGY + y('incidents: {max_hops: 4}')));
    await h.fireAt(0, store('FeatureStoreReadErrors'));
    await h.fireAt(3 * M, scorer('HighLatency'));
    await h.fireAt(4 * M, checkout('CheckoutSlow'));
    await h.at(10 * M);
    const inc = h.only();
    expect(inc.members.map((m) => m.joinedBy.kind)).toEqual(['opened', 'dependency', 'dependency']);
    expect(inc.members[1]!.joinedBy.detail).toBe('fraud-scorer → user-stats-job → online-feature-store (2 hops), onsets 3m apart');
    const top = inc.rootCause[0]!;
    expect(top.component).toBe('online-feature-store');
    expect(top.labels['alertname']).toBe('FeatureStoreReadErrors');
    expect(top.evidence.map((e) => e.kind)).toEqual(['dependency_path', 'onset_order', 'rarity']);
    expect(top.evidence[0]!.detail).toBe('2 of 2 other alerts depend on it (checkout-api → fraud-scorer → user-stats-job → online-feature-store)');
    expect(top.score).toBeCloseTo(top.evidence.reduce((s, e) => s + e.weight, 0), 6);
    expect(top.score).toBeCloseTo(0.3 + 0.2 + 0.1, 6);
    expect(top.reason).toBe(
      'online-feature-store (FeatureStoreReadErrors) is the likely root cause: 2 of 2 other alerts depend on it, it fired first and FeatureStoreReadErrors is in no other incident.',
    );
    expect(inc.labels['root_cause_component']).toBe('online-feature-store');
    // user-stats-job fired nothing, but both alerting services below it depend on it: a silent shared
    // dependency is a suspect too, ranked below the observed cause.
    expect(inc.rootCause.map((hint) => hint.component)).toEqual(['online-feature-store', 'fraud-scorer', 'user-stats-job', 'checkout-api']);
    expect(inc.rootCause[2]!.labels).toEqual({ component: 'user-stats-job' });
  });

  it('dependency paths longer than max_hops do not correlate; neither do unconnected components', async () => {
    const h = new Harness(rules(TOPOLOGY + y('incidents: {max_hops: 2}')));
    await h.fireAt(0, store('FeatureStoreReadErrors'));
    await h.fireAt(1 * M, checkout('CheckoutSlow')); // 3 hops away
    await h.fireAt(2 * M, billing('DbDown'));
    await h.at(10 * M);
    expect(h.list('open')).toHaveLength(3);
  });

  it('label window: equal keys, filter matched by both, onsets within the window', async () => {
    const h = new Harness(
      rules(
        y(
          'correlation:',
          '  - name: same-namespace',
          '    keys: [cluster, namespace]',
          '    window: 10m',
          "    filter: ['severity=~\"warning|critical\"']",
        ),
      ),
    );
    const a = { alertname: 'KubePodCrashLooping', cluster: 'eu1', namespace: 'pay', pod: 'a', severity: 'warning' };
    const b = { alertname: 'KubeDeploymentReplicasMismatch', cluster: 'eu1', namespace: 'pay', severity: 'critical' };
    const otherNs = { ...a, namespace: 'shop' };
    const late = { alertname: 'TargetDown', cluster: 'eu1', namespace: 'pay', severity: 'warning' };
    const info = { alertname: 'InfoInhibitor', cluster: 'eu1', namespace: 'pay', severity: 'none' };
    const noNs = { alertname: 'NodeDown', cluster: 'eu1', severity: 'critical' };
    await h.fireAt(0, a);
    await h.fireAt(4 * M, b);
    expect(h.fire(otherNs)).toBe(true);
    expect(h.fire(info)).toBe(false); // filter does not match: not claimed
    expect(h.fire(noNs)).toBe(false); // a key is missing: not claimed
    await h.fireAt(11 * M, late); // 11m after a, 7m after b: within the window of b
    await h.at(20 * M);
    const inc = h.incidentOf(a)!;
    expect(inc.members.map((m) => m.labels['alertname'])).toEqual(['KubePodCrashLooping', 'KubeDeploymentReplicasMismatch', 'TargetDown']);
    expect(inc.members[1]!.joinedBy).toEqual({
      kind: 'label_window',
      rule: 'same-namespace',
      detail: 'same cluster="eu1", namespace="pay" as KubePodCrashLooping, onsets 4m apart',
    });
    expect(h.incidentOf(otherNs)!.id).not.toBe(inc.id);
  });

  it('precedence: the strongest link is recorded', async () => {
    const h = new Harness(
      rules(TOPOLOGY + y('correlation:', '  - name: by-team', '    keys: [team]'), { defaults: false }),
    );
    await h.fireAt(0, scorer('HighLatency', { team: 'ml' }));
    await h.fireAt(1 * M, scorer('HighErrorRate', { team: 'ml' }));
    await h.at(5 * M);
    expect(h.member(scorer('HighErrorRate', { team: 'ml' }))!.joinedBy.kind).toBe('same_component');
  });

  it('merge: an alert linking two incidents merges them into the oldest', async () => {
    const h = new Harness(
      rules(
        y(
          'topology:',
          '  components:',
          '    - {name: a}',
          '    - {name: b}',
          '    - {name: c, depends_on: [a, b]}',
        ),
      ),
    );
    await h.fireAt(0, { alertname: 'ADown', service: 'a' });
    await h.fireAt(1 * M, { alertname: 'BDown', service: 'b' });
    await h.at(5 * M);
    const [newer, older] = h.list('open');
    expect(older!.members[0]!.labels['alertname']).toBe('ADown');
    await h.fireAt(6 * M, { alertname: 'CDown', service: 'c' });
    await h.at(10 * M);
    const inc = h.only();
    expect(inc.id).toBe(older!.id);
    expect(inc.mergedFrom).toEqual([newer!.id]);
    expect(inc.members.map((m) => m.labels['alertname'])).toEqual(['ADown', 'BDown', 'CDown']);
    expect(inc.timeline.map((e) => e.event)).toContain('merged');
    expect(inc.suppressions.find((s) => s.kind === 'merged')!.reason).toBe(`incident ${newer!.id} merged into ${older!.id}: its alert is resolved, ${older!.id} carries on`);
    // The merged incident's alert is resolved; its id leads to the survivor.
    const lastOfMerged = h.sentFor(newer!.id).at(-1)!;
    expect(lastOfMerged.endsAt).toBe(T0 + 8 * M);
    expect(lastOfMerged.annotations['summary']).toBe(`Merged into ${older!.id}`);
    expect(h.correlator.directory.get(newer!.id)!.id).toBe(older!.id);
    expect(h.correlator.incidentAlerts().map((a) => a.labels['incident_id']).sort()).toEqual([older!.id, newer!.id].sort());
    // Members of the merged incident now belong to the survivor.
    expect(h.correlator.incidentOf?.(fingerprint({ alertname: 'BDown', service: 'b' }))).toBe(older!.id);
    expect(h.correlator.incidentOf?.(fingerprint({ alertname: 'Nope' }))).toBeUndefined();
    expect(h.correlator.directory.counts()).toEqual({ open: 1, resolved: 0, members: 3 });
  });
});

describe('lifecycle', () => {
  it('hold-down: an alert that resolves within hold_down never joins or pages (transient)', async () => {
    const h = new Harness(rules(TOPOLOGY));
    await h.fireAt(0, scorer('HighLatency'));
    await h.at(90 * S);
    h.resolve(scorer('HighLatency'));
    await h.at(1 * H);
    expect(h.list()).toEqual([]);
    expect(h.sent).toEqual([]);
    expect(h.correlator.directory.suppressions()).toEqual([
      {
        at: '2026-11-28T10:01:30Z',
        fingerprint: fingerprint(scorer('HighLatency')),
        labels: scorer('HighLatency'),
        kind: 'transient',
        reason: 'resolved 1m30s after it started, within hold_down 2m: never joined an incident or paged',
      },
    ]);
    expect(h.correlator.busy()).toBe(false);
  });

  it('hold-down runs from startsAt: an alert that has been firing long enough joins at once', async () => {
    const h = new Harness(rules(TOPOLOGY));
    await h.at(10 * M);
    h.fire(scorer('HighLatency'), { startsAt: T0 });
    expect(h.list()).toHaveLength(1);
    expect(h.list()[0]!.openedAt).toBe('2026-11-28T10:10:00Z');
  });

  it('an alert in hold-down keeps the correlator busy', async () => {
    const h = new Harness(rules(TOPOLOGY));
    await h.fireAt(0, scorer('HighLatency'));
    expect(h.correlator.busy()).toBe(true);
  });

  it('resolve_quiet: resolved when every member has been resolved that long; a refire before keeps it open', async () => {
    const h = new Harness(rules(TOPOLOGY));
    await h.fireAt(0, scorer('HighLatency'));
    await h.fireAt(1 * M, scorer('HighErrorRate'));
    await h.at(10 * M);
    h.resolve(scorer('HighLatency'));
    await h.at(12 * M);
    h.resolve(scorer('HighErrorRate'));
    await h.at(16 * M);
    h.fire(scorer('HighErrorRate')); // 4m later: refire within resolve_quiet (a member: no hold-down)
    await h.at(25 * M);
    let inc = h.only();
    expect(inc.status).toBe('open');
    expect(inc.timeline.map((e) => e.event)).toEqual(['opened', 'joined', 'member_resolved', 'member_resolved', 'member_refired']);
    // Resolved at 40m: three changes within the flap window, not flapping.
    await h.at(40 * M);
    h.resolve(scorer('HighErrorRate'));
    await h.at(44 * M);
    expect(h.only().status).toBe('open');
    await h.at(45 * M);
    inc = h.only();
    expect(inc.status).toBe('resolved');
    expect(inc.resolvedAt).toBe('2026-11-28T10:45:00Z');
    const last = h.sent.at(-1)!;
    expect(last.endsAt).toBe(T0 + 45 * M);
    expect(last.startsAt).toBe(T0 + 2 * M);
    expect(h.correlator.busy()).toBe(false);
  });

  it('an alert resolves when its endsAt passes without a resolved version', async () => {
    const h = new Harness(rules(TOPOLOGY));
    await h.at(0);
    h.fire(scorer('HighLatency'), { endsAt: T0 + 10 * M });
    await h.at(5 * M);
    h.fire(scorer('HighLatency'), { endsAt: T0 + 20 * M }); // re-sent: end moves later
    await h.at(19 * M);
    expect(h.only().members[0]!.status).toBe('firing');
    await h.at(21 * M);
    expect(h.only().members[0]!.status).toBe('resolved');
    await h.at(26 * M);
    expect(h.only().status).toBe('resolved');
  });

  it('reopen: a member firing again within reopen_window reopens the same incident', async () => {
    const h = new Harness(rules(TOPOLOGY));
    await h.fireAt(0, scorer('HighLatency'));
    await h.at(10 * M);
    h.resolve(scorer('HighLatency'));
    await h.at(16 * M);
    const id = h.only().id;
    expect(h.only().status).toBe('resolved');
    await h.fireAt(30 * M, scorer('HighLatency'));
    await h.at(33 * M); // hold-down again
    const inc = h.only();
    expect(inc).toMatchObject({ id, status: 'open', reopened: 1 });
    expect(inc.timeline.map((e) => e.event)).toEqual(['opened', 'member_resolved', 'resolved', 'reopened']);
    const versions = h.sentFor(id);
    // Opened; annotations updated (0 firing); resolved; reopened.
    expect(versions.map((a) => a.endsAt > h.now)).toEqual([true, true, false, true]);
    expect(versions[1]!.annotations['summary']).toBe('HighLatency (fraud-scorer): 1 alert, 0 firing');
    expect(versions.at(-1)!.annotations['summary']).toBe('HighLatency (fraud-scorer): 1 alert, 1 firing, reopened 1x');
  });

  it('after reopen_window a refire opens a new incident', async () => {
    const h = new Harness(rules(TOPOLOGY));
    await h.fireAt(0, scorer('HighLatency'));
    await h.at(10 * M);
    h.resolve(scorer('HighLatency'));
    await h.at(16 * M); // resolved at 15m
    await h.fireAt(50 * M, scorer('HighLatency'));
    await h.at(55 * M);
    expect(h.list().map((i) => i.status)).toEqual(['open', 'resolved']);
  });

  it('flapping: held firing, pages once, resolves after the flap window', async () => {
    const h = new Harness(rules(TOPOLOGY));
    const a = scorer('HighLatency');
    // 30s blips, each shorter than hold-down.
    for (let i = 0; i < 4; i++) {
      await h.fireAt(i * 2 * M, a);
      await h.at(i * 2 * M + 30 * S);
      h.resolve(a);
    }
    await h.at(10 * M);
    const inc = h.only();
    expect(inc.status).toBe('open');
    expect(inc.members[0]).toMatchObject({ status: 'firing', flapping: true });
    expect(inc.suppressions.map((s) => s.kind)).toEqual(['flapping']);
    // The first blip was transient; the second made it flapping (4 changes) and opened the incident.
    expect(h.correlator.directory.suppressions().map((s) => s.kind)).toEqual(['transient']);
    const opened = h.sent.filter((x) => x.endsAt > T0 + D);
    expect(new Set(opened.map((x) => x.fingerprint)).size).toBe(1);
    expect(h.sent[0]!.startsAt).toBe(T0 + 2 * M + 30 * S);
    // Last resolve at 6m30s: held until 36m30s, then resolve_quiet 5m.
    await h.at(36 * M);
    expect(h.only().members[0]!.status).toBe('firing');
    await h.at(37 * M);
    expect(h.only().members[0]).toMatchObject({ status: 'resolved', flapping: false });
    await h.at(42 * M);
    expect(h.only().status).toBe('resolved');
  });

  it('incident alerts are kept until collected after the retention; collect returns their fingerprints', async () => {
    const h = new Harness(rules(TOPOLOGY + y('incidents: {retention: 1h}')));
    await h.fireAt(0, scorer('HighLatency'));
    await h.at(10 * M);
    h.resolve(scorer('HighLatency'));
    await h.at(20 * M);
    const inc = h.only();
    expect(h.correlator.collect(h.now)).toEqual([]);
    expect(h.correlator.incidentAlerts()).toHaveLength(1);
    await h.at(2 * H);
    expect(h.correlator.collect(h.now)).toEqual([fingerprint(inc.labels)]);
    expect(h.list()).toEqual([]);
    expect(h.correlator.incidentAlerts()).toEqual([]);
    expect(h.correlator.directory.get(inc.id)).toBeUndefined();
  });

  it('re-observing the same versions (a configuration reload) changes nothing', async () => {
    const h = new Harness(rules(TOPOLOGY));
    await h.at(0);
    h.fire(scorer('HighLatency'), { endsAt: T0 + H });
    await h.at(5 * M);
    const before = JSON.stringify(h.list());
    const sent = h.sent.length;
    h.fire(scorer('HighLatency'), { endsAt: T0 + H });
    h.fire(scorer('HighLatency'), { endsAt: T0 + H });
    await h.after(0);
    expect(JSON.stringify(h.list())).toBe(before);
    expect(h.sent.length).toBe(sent);
  });

  it('stop cancels every timer', async () => {
    const h = new Harness(rules(TOPOLOGY));
    await h.fireAt(0, scorer('HighLatency'));
    await h.fireAt(5 * M, scorer('HighErrorRate'));
    h.correlator.stop();
    expect(h.clock.pending()).toBe(0);
  });

  it('the global suppression log is bounded', async () => {
    const h = new Harness(rules(TOPOLOGY), { limits: { suppressionLog: 3 } });
    for (let i = 0; i < 5; i++) {
      await h.fireAt(i * M, scorer(`Blip${i}`));
      await h.at(i * M + 10 * S);
      h.resolve(scorer(`Blip${i}`));
    }
    expect(h.correlator.directory.suppressions().map((s) => s.labels['alertname'])).toEqual(['Blip2', 'Blip3', 'Blip4']);
  });
});

describe('change events', () => {
  it('attached as suspects within change_window before onset or during; ranked', async () => {
    const h = new Harness(rules(TOPOLOGY));
    h.change('deploy', { service: 'online-feature-store' }, T0 - 2 * H, 'too-old');
    h.change('deploy', { service: 'online-feature-store' }, T0 - 10 * M, 'deploy-4411', 'feature store v2.3.1');
    h.change('deploy', { service: 'billing-db' }, T0 - 5 * M, 'unrelated');
    await h.fireAt(0, scorer('HighLatency'));
    await h.fireAt(1 * M, store('FeatureStoreReadErrors'));
    await h.at(5 * M);
    h.change('config_push', { model: 'fraud-scorer' }, h.now, 'cfg-9', 'threshold 0.7');
    await h.at(6 * M);
    const inc = h.only();
    expect(inc.changes.map((c) => c.id)).toEqual(['deploy-4411', 'cfg-9']);
    expect(inc.changes[0]).toEqual({
      id: 'deploy-4411',
      kind: 'deploy',
      at: '2026-11-28T09:50:00Z',
      summary: 'feature store v2.3.1',
      labels: { service: 'online-feature-store' },
      component: 'online-feature-store',
    });
    expect(inc.timeline.filter((e) => e.event === 'change_attached').map((e) => e.detail)).toEqual([
      'deploy "feature store v2.3.1" (deploy-4411) at 2026-11-28T09:50:00Z',
      'config_push "threshold 0.7" (cfg-9) at 2026-11-28T10:05:00Z',
    ]);
    const top = inc.rootCause[0]!;
    expect(top.component).toBe('online-feature-store');
    const cp = top.evidence.find((e) => e.kind === 'change_proximity')!;
    expect(cp.detail).toBe('deploy "feature store v2.3.1" (deploy-4411) on this component, 11m before onset');
    expect(cp.weight).toBeCloseTo(0.15 * (1 - 11 / 60), 2);
    // Each change is evidence for one suspect only: the model's own change came after its onset (none),
    // and the store's deploy counts for the store, not again for the model that depends on it.
    expect(inc.rootCause.find((r) => r.component === 'fraud-scorer')!.evidence.map((e) => e.kind)).not.toContain('change_proximity');
  });

  it('a change on an upstream component with no alert of its own is a suspect of its own', async () => {
    const h = new Harness(rules(TOPOLOGY + y('incidents: {max_hops: 4}')));
    h.change('infra_change', { component: 'online-feature-store' }, T0 - 3 * M, 'shard-move', 'resharded the store');
    await h.fireAt(0, scorer('HighLatency'));
    await h.fireAt(1 * M, checkout('CheckoutSlow'));
    await h.at(5 * M);
    const [top, second] = h.only().rootCause;
    // Nothing links that kind of change to these symptoms: the alerting component that explains the rest
    // ranks first; the change is the next suspect, with half the dependency credit.
    expect(top!.component).toBe('fraud-scorer');
    expect(second!.component).toBe('online-feature-store');
    expect(second!.labels).toEqual({ component: 'online-feature-store', change_kind: 'infra_change', change_id: 'shard-move' });
    expect(second!.track).toBe('change');
    expect(second!.evidence.map((e) => [e.kind, e.weight])).toEqual([
      ['dependency_path', 0.15],
      ['change_proximity', 0.143],
      ['rarity', 0.1],
    ]);
    expect(second!.reason).toBe(
      'online-feature-store is a possible cause: 2 of 2 other alerts depend on it, the infra_change "resharded the store" (shard-move) 3m before onset and no other incident has an infra_change change.',
    );
  });

  it('a change that a template links to the symptoms is the top suspect', async () => {
    const h = new Harness(rules(TOPOLOGY));
    h.change('schema_change', { component: 'online-feature-store' }, T0 - 3 * M, 'schema-9', 'dropped column');
    await h.fireAt(0, signal('data_quality', 'DataQuality', { model: 'fraud-scorer', method: 'null_rate', feature: 'age' }));
    await h.fireAt(20 * M, signal('skew', 'ModelSkew', { model: 'fraud-scorer' }));
    await h.at(30 * M);
    const top = h.only().rootCause[0]!;
    expect(top.labels['change_id']).toBe('schema-9');
    expect(top.evidence.map((e) => e.kind)).toEqual(['dependency_path', 'causal_template', 'change_proximity', 'rarity']);
  });
});

describe('negative control (chain 15): traffic-mix shift', () => {
  it('drift on many features with no infra or data signal stays a model incident, not blamed on infra', async () => {
    const h = new Harness(rules(TOPOLOGY));
    const drift = (feature: string) => signal('drift', 'ModelDrift', { model: 'ranker', feature, method: 'psi' });
    await h.fireAt(0, { alertname: 'NodeCPUHighUsage', instance: 'node-7', severity: 'warning', service: 'billing-db' });
    for (const [i, f] of ['country', 'device', 'hour', 'basket_size', 'referrer'].entries()) await h.fireAt(i * M, drift(f));
    await h.at(10 * M);
    const inc = h.incidentOf(drift('country'))!;
    expect(inc.members).toHaveLength(5);
    expect(inc.members.every((m) => m.labels['alertname'] === 'ModelDrift')).toBe(true);
    expect(inc.track).toBe('model');
    expect(inc.tracks).toEqual({ infra: 0, data: 0, model: 5, change: 0 });
    expect(inc.rootCause[0]!.reason).toBe(
      'Drift on 5 features of model ranker with no infrastructure, data-pipeline or change signal: likely a traffic-mix or population shift rather than an infrastructure fault.',
    );
    expect(h.incidentOf({ alertname: 'NodeCPUHighUsage', instance: 'node-7', severity: 'warning', service: 'billing-db' })!.id).not.toBe(inc.id);
  });
});
