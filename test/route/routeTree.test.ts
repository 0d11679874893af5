import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { fingerprint } from '../../src/domain/labels.js';
import { Dispatcher } from '../../src/dispatch/dispatcher.js';
import { MemoryNotificationLog } from '../../src/dispatch/notificationLog.js';
import { Inhibitor } from '../../src/route/inhibit.js';
import { compileRouteTree, groupLabelsFor, matchRoutes } from '../../src/route/routeTree.js';
import { SilenceRegistry } from '../../src/route/silences.js';
import { VirtualClock } from '../../src/state/clock.js';
import type { Alert } from '../../src/domain/alert.js';

// S10 from shared/notes/alertmanager-semantics.md (Alertmanager dispatch_test.go TestGroups).
const S10 = `
receivers: [{name: kafka}, {name: prod}, {name: testing}]
route:
  group_by: [alertname]
  group_wait: 10ms
  group_interval: 10ms
  receiver: prod
  routes:
    - {match: {env: testing}, receiver: testing, group_by: [alertname, service]}
    - {match: {env: prod},    receiver: prod,    group_by: [alertname, service, cluster], continue: true}
    - {match: {kafka: 'yes'}, receiver: kafka,   group_by: [alertname, service, cluster]}
`;

const ALERTS: Record<string, Record<string, string>> = {
  A0: { alertname: 'OtherAlert', cluster: 'cc', service: 'dd' },
  A1: { env: 'testing', alertname: 'TestingAlert', service: 'api', instance: 'inst1' },
  A2: { env: 'prod', alertname: 'HighErrorRate', cluster: 'aa', service: 'api', instance: 'inst1' },
  A3: { env: 'prod', alertname: 'HighErrorRate', cluster: 'aa', service: 'api', instance: 'inst2' },
  A4: { env: 'prod', alertname: 'HighErrorRate', cluster: 'bb', service: 'api', instance: 'inst1' },
  A5: { env: 'prod', alertname: 'HighLatency', cluster: 'bb', service: 'db', kafka: 'yes', instance: 'inst3' },
};

function config() {
  const r = parseConfig(S10, 's10.yml');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

describe('routing tree (S10)', () => {
  it('delivers each alert to the expected receivers', () => {
    const root = compileRouteTree(config().route);
    const receivers = Object.fromEntries(
      Object.entries(ALERTS).map(([k, l]) => [k, matchRoutes(root, l).map((r) => r.receiver)]),
    );
    expect(receivers).toEqual({ A0: ['prod'], A1: ['testing'], A2: ['prod'], A3: ['prod'], A4: ['prod'], A5: ['prod', 'kafka'] });
  });

  it('builds the six groups with Alertmanager group keys and route ids', () => {
    const cfg = config();
    const clock = new VirtualClock(0);
    const d = new Dispatcher({
      clock,
      route: compileRouteTree(cfg.route),
      integrations: new Map(),
      inhibitor: new Inhibitor([]),
      silences: new SilenceRegistry(() => 'id'),
      timeIntervals: cfg.timeIntervals,
      nflog: new MemoryNotificationLog(),
      transport: { send: async () => ({ ok: true, attempts: 1 }) },
      externalURL: 'http://x',
    });
    const byFp = new Map<string, string>();
    for (const [name, labels] of Object.entries(ALERTS)) {
      const fp = fingerprint(labels);
      byFp.set(fp, name);
      const a: Alert = {
        labels,
        annotations: {},
        startsAt: 0,
        endsAt: 300_000,
        generatorURL: '',
        updatedAt: 0,
        timeout: true,
        fingerprint: fp,
        source: 'api',
      };
      d.process(a);
    }
    const groups = [...d.allGroups()]
      .map((g) => ({
        receiver: g.route.receiver,
        groupKey: g.key,
        routeID: g.route.id,
        alerts: [...g.alerts.keys()].map((fp) => byFp.get(fp)).sort(),
      }))
      .sort((x, y) => (x.groupKey + x.receiver < y.groupKey + y.receiver ? -1 : 1));
    expect(groups).toEqual(
      [
        { receiver: 'prod', groupKey: '{}:{alertname="OtherAlert"}', routeID: '{}', alerts: ['A0'] },
        { receiver: 'testing', groupKey: '{}/{env="testing"}:{alertname="TestingAlert", service="api"}', routeID: '{}/{env="testing"}/0', alerts: ['A1'] },
        { receiver: 'prod', groupKey: '{}/{env="prod"}:{alertname="HighErrorRate", cluster="aa", service="api"}', routeID: '{}/{env="prod"}/1', alerts: ['A2', 'A3'] },
        { receiver: 'prod', groupKey: '{}/{env="prod"}:{alertname="HighErrorRate", cluster="bb", service="api"}', routeID: '{}/{env="prod"}/1', alerts: ['A4'] },
        { receiver: 'kafka', groupKey: '{}/{kafka="yes"}:{alertname="HighLatency", cluster="bb", service="db"}', routeID: '{}/{kafka="yes"}/2', alerts: ['A5'] },
        { receiver: 'prod', groupKey: '{}/{env="prod"}:{alertname="HighLatency", cluster="bb", service="db"}', routeID: '{}/{env="prod"}/1', alerts: ['A5'] },
      ].sort((x, y) => (x.groupKey + x.receiver < y.groupKey + y.receiver ? -1 : 1)),
    );
  });

  it('inherits options, stops at the first match without continue, and groups by all with ...', () => {
    const r = parseConfig(
      `
receivers: [{name: a}, {name: b}, {name: c}]
route:
  receiver: a
  group_wait: 7s
  routes:
    - matchers: ['team=~"ml|data"']
      receiver: b
      group_by: ['...']
      routes:
        - {matchers: ['severity="critical"'], group_interval: 1m}
    - {matchers: ['team="ml"'], receiver: c}
`,
      'inherit.yml',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const root = compileRouteTree(r.config.route);
    const [hit] = matchRoutes(root, { team: 'ml', severity: 'critical' });
    expect(hit!.receiver).toBe('b');
    expect(hit!.groupByAll).toBe(true);
    expect(hit!.groupWaitMs).toBe(7000);
    expect(hit!.groupIntervalMs).toBe(60_000);
    expect(hit!.repeatIntervalMs).toBe(4 * 3600_000);
    expect(matchRoutes(root, { team: 'ml' }).map((x) => x.receiver)).toEqual(['b']);
    expect(matchRoutes(root, { team: 'other' }).map((x) => x.receiver)).toEqual(['a']);
    // A regex must match the whole value.
    expect(matchRoutes(root, { team: 'mlops' }).map((x) => x.receiver)).toEqual(['a']);
  });
});

describe('extra group_by labels (correlation adds incident_id)', () => {
  const yaml = `
route:
  receiver: a
  routes:
  - matchers: ['team="x"']
    group_by: [cluster]
  - matchers: ['team="y"']
    group_by: ['...']
receivers: [{name: a}]
`;
  const cfg = parseConfig(yaml, 't.yml');
  if (!cfg.ok) throw new Error('bad config');
  const plain = compileRouteTree(cfg.config.route);
  const extra = compileRouteTree(cfg.config.route, { extraGroupBy: ['incident_id'] });

  it('joins every route that lists labels, including inherited defaults, and leaves `...` alone', () => {
    expect(extra.groupBy).toEqual(['incident_id']);
    expect(extra.routes[0]!.groupBy).toEqual(['cluster', 'incident_id']);
    expect(extra.routes[1]!.groupByAll).toBe(true);
    expect(extra.routes[1]!.groupBy).toEqual([]);
  });

  it('keeps group labels, route ids and keys of alerts without the label exactly as configured', () => {
    const labels = { team: 'x', cluster: 'c1', alertname: 'A' };
    const [p] = matchRoutes(plain, labels);
    const [e] = matchRoutes(extra, labels);
    expect(e!.id).toBe(p!.id);
    expect(groupLabelsFor(e!, labels)).toEqual(groupLabelsFor(p!, labels));
    expect(groupLabelsFor(e!, { ...labels, incident_id: 'inc-1' })).toEqual({ cluster: 'c1', incident_id: 'inc-1' });
  });
});
