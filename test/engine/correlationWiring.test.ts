/**
 * How the engine wires a correlator, tested with a scripted one (the real correlator has its own
 * suites): claimed alerts reach dispatch only through their incident's alert, unclaimed ones as in
 * Alertmanager; one incident is one group; notifications read the incident from the directory.
 */
import { describe, expect, it } from 'vitest';
import type { Correlator, IncidentDirectory, IncidentSnapshot } from '../../src/correlate/types.js';
import type { Alert } from '../../src/domain/alert.js';
import { fingerprint } from '../../src/domain/labels.js';
import { formatTime } from '../../src/domain/time.js';
import { Engine } from '../../src/engine/engine.js';
import { VirtualClock } from '../../src/state/clock.js';
import { CapturingTransport, config, T0 } from './support.js';

const YAML = `
route:
  receiver: hook
  group_by: [team]
  group_wait: 10s
  group_interval: 1m
  routes:
  - matchers: ['severity="critical"']
    receiver: pager
receivers:
- name: hook
  webhook_configs: [{url: 'http://hook/'}]
- name: pager
  pagerduty_configs: [{routing_key: 'rk-123', url: 'http://pd/v2/enqueue'}]
`;

/** Claims alerts labelled claim="yes" into one incident, inc-1. */
class ScriptedCorrelator implements Correlator {
  members: Alert[] = [];
  incidentAlert: Alert | undefined;
  changes = 0;
  constructor(
    private readonly clock: VirtualClock,
    private readonly sink: (a: Alert) => void,
  ) {}
  observe(alert: Alert): boolean {
    if (alert.labels.claim !== 'yes') return false;
    this.members = [...this.members.filter((m) => m.fingerprint !== alert.fingerprint), alert];
    if (!this.incidentAlert) {
      const labels = { incident_id: 'inc-1', team: 'ml', severity: 'critical', track: 'data', root_cause_component: 'user-stats-job' };
      this.incidentAlert = {
        labels,
        annotations: { summary: 'stale features' },
        startsAt: this.clock.now(),
        endsAt: this.clock.now() + 10 * 365 * 86400_000,
        generatorURL: '',
        updatedAt: this.clock.now(),
        timeout: false,
        fingerprint: fingerprint(labels),
        source: 'incident',
      };
      this.sink(this.incidentAlert);
    }
    return true;
  }
  observeChange(): void {
    this.changes++;
  }
  collect(): string[] {
    return [];
  }
  incidentAlerts(): Alert[] {
    return this.incidentAlert ? [this.incidentAlert] : [];
  }
  busy(): boolean {
    return this.incidentAlert !== undefined;
  }
  stop(): void {}
  readonly directory: IncidentDirectory = {
    get: (id) => (id === 'inc-1' && this.incidentAlert ? this.snapshot() : undefined),
    list: () => (this.incidentAlert ? [this.snapshot()] : []),
    suppressions: () => [],
    counts: () => ({ open: this.incidentAlert ? 1 : 0, resolved: 0, members: this.members.length }),
  };
  private snapshot(): IncidentSnapshot {
    const at = formatTime(this.incidentAlert!.startsAt);
    return {
      id: 'inc-1',
      status: 'open',
      labels: this.incidentAlert!.labels,
      title: 'stale features',
      severity: 'critical',
      track: 'data',
      tracks: { infra: 0, data: 1, model: this.members.length - 1, change: 0 },
      openedAt: at,
      updatedAt: at,
      reopened: 0,
      members: this.members.map((m) => ({
        fingerprint: m.fingerprint,
        labels: m.labels,
        status: 'firing',
        startsAt: formatTime(m.startsAt),
        endsAt: formatTime(m.endsAt),
        track: m.labels.alertname === 'FeatureJobLate' ? 'data' : 'model',
        joinedAt: at,
        joinedBy: { kind: 'opened', detail: 'opened the incident' },
        flapping: false,
      })),
      rootCause: [
        {
          component: 'user-stats-job',
          labels: { alertname: 'FeatureJobLate' },
          score: 0.9,
          reason: 'user-stats-job fired first and every other member depends on it',
          evidence: [{ kind: 'onset_order', weight: 0.3, detail: 'first onset' }],
        },
      ],
      changes: [],
      timeline: [{ at, event: 'opened', detail: 'opened' }],
      suppressions: [],
      mergedFrom: [],
    };
  }
}

function setup() {
  const clock = new VirtualClock(T0);
  const transport = new CapturingTransport(clock);
  let correlator: ScriptedCorrelator | undefined;
  const engine = new Engine({
    config: config(YAML),
    clock,
    transport,
    externalURL: 'http://am',
    correlation: ({ clock: c, sink }) => (correlator = new ScriptedCorrelator(c as VirtualClock, sink)),
  });
  const alert = (labels: Record<string, string>): Alert => ({
    labels,
    annotations: {},
    startsAt: clock.now(),
    endsAt: clock.now() + 300_000,
    generatorURL: '',
    updatedAt: clock.now(),
    timeout: true,
    fingerprint: fingerprint(labels),
    source: 'api',
  });
  return { clock, transport, engine, alert, correlator: correlator! };
}

describe('engine with a correlator', () => {
  it('dispatches claimed alerts only through their incident, with the incident in the bodies', async () => {
    const { clock, transport, engine, alert, correlator } = setup();
    engine.receiveAlerts([
      alert({ alertname: 'FeatureJobLate', team: 'data', severity: 'critical', claim: 'yes' }),
      alert({ alertname: 'ModelDrift', team: 'ml', severity: 'critical', claim: 'yes' }),
      alert({ alertname: 'DiskFull', team: 'infra', severity: 'warning' }),
    ]);
    await clock.advanceTo(T0 + 11_000);
    const byReceiver = Object.fromEntries(transport.sent.map((s) => [s.req.receiver, s]));
    expect(transport.sent).toHaveLength(2);
    // The unclaimed alert: Alertmanager's body, no incident key.
    const hook = byReceiver.hook!.body as unknown as Record<string, unknown>;
    expect((hook.alerts as { labels: Record<string, string> }[]).map((a) => a.labels.alertname)).toEqual(['DiskFull']);
    expect(hook).not.toHaveProperty('incident');
    // The incident: one page, grouped by incident_id as well as the route's group_by.
    const pd = byReceiver.pager!.req.body as { dedup_key: string; payload: { custom_details: Record<string, unknown> } };
    const details = pd.payload.custom_details;
    expect(details.incident_id).toBe('inc-1');
    expect((details.alerts as { labels: Record<string, string> }[]).map((a) => a.labels.alertname)).toEqual(['FeatureJobLate', 'ModelDrift']);
    expect(details.root_cause).toEqual([
      {
        component: 'user-stats-job',
        labels: { alertname: 'FeatureJobLate' },
        score: 0.9,
        reason: 'user-stats-job fired first and every other member depends on it',
        evidence: [{ kind: 'onset_order', weight: 0.3, detail: 'first onset' }],
      },
    ]);
    expect([...engine.dispatcher.allGroups()].map((g) => g.labels).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      { incident_id: 'inc-1', team: 'ml' },
      { team: 'infra' },
    ]);
    expect(correlator.members).toHaveLength(2);
    expect(engine.listIncidents()?.map((i) => i.id)).toEqual(['inc-1']);
    expect(engine.busy()).toBe(true);
  });

  it('re-routes incident alerts after a reload, without paging again', async () => {
    const { clock, transport, engine, alert } = setup();
    engine.receiveAlerts([alert({ alertname: 'FeatureJobLate', team: 'data', severity: 'critical', claim: 'yes' })]);
    await clock.advanceTo(T0 + 11_000);
    expect(transport.sent).toHaveLength(1);
    await engine.applyConfig(config(YAML));
    await clock.advanceTo(T0 + 200_000);
    // The notification log survives the reload: the same incident state is not paged twice.
    expect(transport.sent).toHaveLength(1);
    expect([...engine.dispatcher.allGroups()].map((g) => g.labels)).toEqual([{ incident_id: 'inc-1', team: 'ml' }]);
  });

  it('hands change events to the correlator', () => {
    const { engine, correlator } = setup();
    engine.receiveChanges([{ id: 'c1', kind: 'deploy', at: T0, labels: { service: 'a' }, summary: 'a v2' }]);
    expect(correlator.changes).toBe(1);
    expect(engine.changesReceived).toBe(1);
  });
});
