import { describe, expect, it } from 'vitest';
import { fingerprintJs } from '../../src/domain/labels.js';
import type { Truth, TruthFault, TruthMember } from '../../benchmarks/incidents/generate.js';
import { formatFailures, score, targetFailures, type OutputLine } from '../../benchmarks/incidents/score.js';

const T0 = Date.parse('2026-11-30T08:00:00.000Z');
const M = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

function member(labels: Record<string, string>, component: string, firstSent: number): TruthMember {
  return {
    fingerprint: fingerprintJs(labels),
    labels,
    component,
    kind: 'alert',
    severity: labels.severity ?? '',
    conditionOnset: iso(firstSent - M),
    firstSentAt: iso(firstSent),
    startsAt: iso(firstSent),
    lastSentAt: iso(firstSent + 30 * M),
    flapping: false,
  };
}

// Two faults on unrelated components, one noise alert. A (a database) fails at 08:10; its dependent
// service C fires a critical probe at 08:12. B (a node) has memory pressure at 08:20.
const aDown = { alertname: 'PostgresqlDown', severity: 'critical', instance: 'a-pg-0:9187', job: 'postgres-exporter' };
const cProbe = { alertname: 'ProbeDown', severity: 'critical', instance: 'c-api.c.svc:443', job: 'probes/service' };
const bMem = { alertname: 'KubernetesNodeMemoryPressure', severity: 'critical', node: 'node-b' };
const noiseBlip = { alertname: 'HostNodeOvertemperatureAlarm', severity: 'critical', instance: 'node-x', nodename: 'node-x' };

function fault(id: string, root: string, onset: number, members: TruthMember[]): TruthFault {
  return {
    id,
    type: 'test',
    chain: 'test',
    root,
    rootKind: 'database',
    mode: 'down',
    onset: iso(onset),
    end: iso(onset + 30 * M),
    expectPage: true,
    firstSignalAt: members[0]!.firstSentAt,
    firstCriticalAt: members[0]!.firstSentAt,
    affected: [],
    members,
  };
}

const truth: Truth = {
  version: 1,
  scenario: { size: 'small', seed: 0, components: 4, start: iso(T0), end: iso(T0 + 4 * 60 * M), durationMs: 4 * 60 * M, clusters: ['c1'] },
  components: [
    { name: 'a-pg', kind: 'database', domain: 'd', dependsOn: [], selectors: [['instance=~"a-pg-[0-9]+:.*"']] },
    { name: 'c-api', kind: 'service', domain: 'd', dependsOn: ['a-pg'], selectors: [['instance="c-api.c.svc:443"'], ['service="c-api"']] },
    { name: 'node-b', kind: 'node', domain: 'infra', dependsOn: [], selectors: [['node="node-b"']] },
    { name: 'node-x', kind: 'node', domain: 'infra', dependsOn: [], selectors: [['instance="node-x"']] },
  ],
  faults: [
    fault('F1', 'a-pg', T0 + 9 * M, [member(aDown, 'a-pg', T0 + 10 * M), member(cProbe, 'c-api', T0 + 12 * M)]),
    fault('F2', 'node-b', T0 + 19 * M, [member(bMem, 'node-b', T0 + 20 * M)]),
  ],
  noise: [
    {
      id: 'N1',
      kind: 'transient',
      fingerprint: fingerprintJs(noiseBlip),
      labels: noiseBlip,
      component: 'node-x',
      severity: 'critical',
      firstSentAt: iso(T0 + 60 * M),
      lastSentAt: iso(T0 + 61 * M),
    },
  ],
  changes: [],
  stats: {
    lines: 1000, alertLines: 1000, signalLines: 0, changeLines: 0, alertSends: 10_000, signals: 0, changes: 0, rawRecords: 10_000,
    distinctAlerts: 40, distinctPrometheusAlerts: 40, distinctSignalAlerts: 0, duplicateSends: 5000, resolvedSends: 100,
  },
};

type Hint = { component?: string; labels?: Record<string, string>; score?: number; reason?: string };

function pd(at: number, key: string, action: 'trigger' | 'resolve', alerts: Record<string, string>[], rootCause: Hint[] = []): OutputLine {
  return {
    at: iso(at),
    receiver: 'pagerduty-oncall',
    integration: 'pagerduty',
    index: 0,
    body: {
      routing_key: 'k',
      event_action: action,
      dedup_key: key,
      payload: {
        summary: 's',
        severity: 'critical',
        custom_details: {
          incident_id: `inc-${key}`,
          alerts: alerts.map((l) => ({ labels: l, status: action === 'trigger' ? 'firing' : 'resolved', startsAt: iso(at - M), endsAt: '0001-01-01T00:00:00Z', fingerprint: fingerprintJs(l) })),
          root_cause: rootCause,
        },
      },
    },
  };
}

function slack(at: number): OutputLine {
  return { at: iso(at), receiver: 'slack-alerts', integration: 'slack', index: 0, body: { text: 'hello' } };
}

describe('incident scorer', () => {
  it('scores a perfect run: one page per fault, right root cause, exact time to page', () => {
    const out = [
      pd(T0 + 11 * M, 'k1', 'trigger', [aDown], [{ component: 'a-pg', labels: { instance: 'a-pg-0:9187' }, score: 0.9 }]),
      pd(T0 + 14 * M, 'k1', 'trigger', [aDown, cProbe], [{ component: 'a-pg', score: 0.9 }, { labels: { service: 'c-api' }, score: 0.2 }]),
      pd(T0 + 21 * M, 'k2', 'trigger', [bMem], [{ labels: { node: 'node-b' }, score: 0.8 }]),
      slack(T0 + 22 * M),
      pd(T0 + 50 * M, 'k1', 'resolve', [aDown, cProbe]),
    ];
    const r = score(truth, out);
    expect(r.funnel).toEqual({ rawRecords: 10_000, distinctAlerts: 40, incidents: 2, notifications: 5, pages: 2 });
    expect(r.missedPages).toBe(0);
    expect(r.missedPageRate).toBe(0);
    expect(r.pagesPerIncident).toBe(1);
    expect(r.falseMergePages).toBe(0);
    expect(r.falseMergeRate).toBe(0);
    expect(r.noisePages).toBe(0);
    expect(r.compression).toBeCloseTo(1 - 2 / 10_000, 10);
    expect(r.compressionVsDistinct).toBeCloseTo(1 - 2 / 40, 10);
    expect(r.rootCauseTop1).toBe(1);
    expect(r.rootCauseTop3).toBe(1);
    // F1: first sent 08:10, paged 08:11; F2: first sent 08:20, paged 08:21.
    expect(r.byFault.map((f) => f.timeToPageMs)).toEqual([M, M]);
    expect(r.timeToPageMedianMs).toBe(M);
    expect(r.timeToPageP90Ms).toBe(M);
    expect(targetFailures(r)).toEqual([]);
    expect(r.byIntegration).toEqual({ pagerduty: 4, slack: 1 });
  });

  it('counts a missed page when a fault that must page is in no page (must fail)', () => {
    const out = [pd(T0 + 11 * M, 'k1', 'trigger', [aDown, cProbe], [{ component: 'a-pg' }])];
    const r = score(truth, out);
    expect(r.missedPages).toBe(1);
    expect(r.missedPageRate).toBe(0.5);
    expect(r.byFault.find((f) => f.id === 'F2')!.pages).toBe(0);
    expect(targetFailures(r).join(';')).toContain('missed pages 1/2');
    expect(formatFailures(truth, r)).toContain('F2 test root node-b');
  });

  it('counts a false merge when one page holds alerts of two faults (must fail)', () => {
    const out = [pd(T0 + 21 * M, 'k1', 'trigger', [aDown, cProbe, bMem], [{ component: 'a-pg' }, { component: 'node-b' }])];
    const r = score(truth, out);
    expect(r.funnel.pages).toBe(1);
    expect(r.falseMergePages).toBe(1);
    expect(r.falseMergeRate).toBe(1);
    expect(r.falseMergeIncidents).toBe(1);
    expect(r.byFault.find((f) => f.id === 'F1')!.mergedWith).toEqual(['F2']);
    // F2's root is second in this page's ranking: top-3 but not top-1.
    const f2 = r.byFault.find((f) => f.id === 'F2')!;
    expect(f2.top1).toBe(false);
    expect(f2.top3).toBe(true);
    expect(targetFailures(r).join(';')).toContain('false merges 100.0%');
    expect(formatFailures(truth, r)).toContain('mixes F1');
  });

  it('detects a wrong root cause (must fail), mapping hints by component, labels and selectors', () => {
    const out = [
      // F1's top hint is its symptom (the service), the database only third.
      pd(T0 + 13 * M, 'k1', 'trigger', [aDown, cProbe], [{ labels: { service: 'c-api' } }, { component: 'node-x' }, { labels: { instance: 'a-pg-1:9187' } }]),
      // F2's only hint names another node.
      pd(T0 + 21 * M, 'k2', 'trigger', [bMem], [{ labels: { instance: 'node-x' } }]),
    ];
    const r = score(truth, out);
    const f1 = r.byFault.find((f) => f.id === 'F1')!;
    expect(f1.top1).toBe(false);
    expect(f1.top3).toBe(true);
    expect(r.byFault.find((f) => f.id === 'F2')!.top3).toBe(false);
    expect(r.rootCauseTop1).toBe(0);
    expect(r.rootCauseTop3).toBe(0.5);
    const fails = targetFailures(r).join(';');
    expect(fails).toContain('root cause top-1 0.0%');
    expect(fails).toContain('root cause top-3 50.0%');
    expect(formatFailures(truth, r)).toContain('expected a-pg; got c-api');
  });

  it('counts a re-trigger after resolve as a new page, an update before it as the same page', () => {
    const out = [
      pd(T0 + 11 * M, 'k1', 'trigger', [aDown]),
      pd(T0 + 13 * M, 'k1', 'trigger', [aDown, cProbe]),
      pd(T0 + 15 * M, 'k1', 'resolve', [aDown, cProbe]),
      pd(T0 + 17 * M, 'k1', 'trigger', [aDown]),
      pd(T0 + 21 * M, 'k2', 'trigger', [bMem]),
    ];
    const r = score(truth, out);
    expect(r.funnel.pages).toBe(3);
    expect(r.byFault.find((f) => f.id === 'F1')!.pages).toBe(2);
    expect(r.pagesPerIncident).toBe(1.5);
    expect(targetFailures(r).join(';')).toContain('pages per incident 1.50');
  });

  it('reports pages that hold no true incident, and no root cause when hints are missing', () => {
    const out = [pd(T0 + 11 * M, 'k1', 'trigger', [aDown, cProbe]), pd(T0 + 21 * M, 'k2', 'trigger', [bMem]), pd(T0 + 61 * M, 'k3', 'trigger', [noiseBlip])];
    const r = score(truth, out);
    expect(r.noisePages).toBe(1);
    expect(r.pagesWithFault).toBe(2);
    expect(r.rootCauseTop1).toBe(0);
    expect(formatFailures(truth, r)).toContain('pages without a true incident (1)');
  });

  it("reads Alertmanager's PagerDuty events (fingerprints detail) and attributes by labels without a fingerprint", () => {
    const am: OutputLine = {
      at: iso(T0 + 11 * M),
      receiver: 'pagerduty-oncall',
      integration: 'pagerduty',
      index: 0,
      body: {
        event_action: 'trigger',
        dedup_key: 'x',
        payload: { custom_details: { firing: 'text', fingerprints: `${fingerprintJs(aDown)} ${fingerprintJs(cProbe)} ` } },
      },
    };
    const labelsOnly: OutputLine = {
      at: iso(T0 + 21 * M),
      receiver: 'pagerduty-oncall',
      integration: 'pagerduty',
      index: 0,
      body: { event_action: 'trigger', dedup_key: 'y', payload: { custom_details: { alerts: [{ labels: { ...bMem, incident_id: 'z' }, status: 'firing' }] } } },
    };
    const r = score(truth, [am, labelsOnly]);
    expect(r.missedPages).toBe(0);
    expect(r.byFault.map((f) => f.pages)).toEqual([1, 1]);
  });

  it('reads incidents and their members from Slack messages (id in the text, labels in code spans)', () => {
    const lbl = (l: Record<string, string>) => Object.entries(l).map(([k, v]) => `${k}=${v}`).join(', ');
    const msg = (at: number, id: string, members: Record<string, string>[]): OutputLine => ({
      at: iso(at),
      receiver: 'slack-alerts',
      integration: 'slack',
      index: 0,
      body: { text: `[FIRING:${members.length}] x ${id}`, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `*Incident ${id}* (open)` } }, ...members.map((m) => ({ type: 'section', text: { type: 'mrkdwn', text: `*Firing*\n\`${lbl(m)}\`` } }))] },
    });
    const r = score(truth, [msg(T0 + 13 * M, 'inc-0001aa', [aDown, cProbe]), msg(T0 + 22 * M, 'inc-0002bb', [bMem, aDown])]);
    expect(r.funnel.incidents).toBe(2);
    expect(r.incidentsWithMembers).toBe(2);
    expect(r.falseMergeIncidents).toBe(1);
    expect(r.funnel.pages).toBe(0);
    expect(r.missedPages).toBe(2);
  });
});
