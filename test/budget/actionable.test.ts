/**
 * "Page only on actionable burn" (PRODUCT.md, "What actionable means"), at the correlator: an incident that
 * is only a population shift (chain 15 — drift on several features of one model, no infra, data or change
 * signal, no harm) routes at `warning` even when the drift SLO's page tier joins it; the cap lifts as soon
 * as harm or a cause joins. Budget impact is carried into what notifications read.
 */
import { describe, expect, it } from 'vitest';
import type { IncidentSnapshot } from '../../src/correlate/types.js';
import { budgetDetails, budgetText, incidentSummaryText, pagerdutyIncidentDetails, webhookIncident } from '../../src/notify/incident.js';
import { Harness, M, rules, signal, y } from '../correlate/support.js';

const TOPOLOGY = y(
  'topology:',
  '  components:',
  '    - name: user-stats-job',
  '      kind: feature_pipeline',
  '    - name: fraud-scorer',
  '      kind: model',
  '      depends_on: [user-stats-job]',
  '    - name: scorer-api',
  '      depends_on: [fraud-scorer]',
);

const drift = (feature: string) => signal('drift', 'ModelDrift', { model: 'fraud-scorer', feature, method: 'psi' });
const burn = (tier: 'medium' | 'long', extra: Record<string, string> = {}) => ({
  alertname: 'ErrorBudgetBurn',
  slo: 'fraud-scorer-drift',
  track: 'model',
  tier,
  budget_severity: tier === 'medium' ? 'page' : 'ticket',
  severity: tier === 'medium' ? 'critical' : 'warning',
  component: 'fraud-scorer',
  ...extra,
});

/** Drift on four features, then the drift SLO's ticket and page tiers. */
async function shift(h: Harness): Promise<IncidentSnapshot> {
  for (const f of ['amount', 'country', 'merchant_category', 'device_age_days']) h.fire(drift(f));
  await h.after(3 * M);
  h.fire(burn('long'));
  await h.after(3 * M);
  h.fire(burn('medium'));
  await h.after(3 * M);
  return h.only();
}

const severities = (h: Harness, id: string) => [...new Set(h.sentFor(id).map((a) => a.labels['severity']))];

describe('population shift: the page tier of a drift budget does not page', () => {
  it('holds the incident at warning, with the reason recorded once', async () => {
    const h = new Harness(rules(TOPOLOGY));
    const inc = await shift(h);
    expect(inc.members).toHaveLength(6);
    expect(inc.rootCause[0]!.reason).toMatch(/likely a traffic-mix or population shift/);
    expect(inc.severity).toBe('warning');
    expect(severities(h, inc.id)).toEqual(['warning']);
    expect(inc.timeline.some((e) => e.event === 'escalated')).toBe(false);
    const held = inc.suppressions.filter((s) => s.kind === 'not_actionable');
    expect(held).toHaveLength(1);
    expect(held[0]!.reason).toContain('members reach critical');
  });

  it('cannot take back a page: a page-tier burn that opens the incident alone routes as written', async () => {
    const h = new Harness(rules(TOPOLOGY));
    h.fire(burn('medium'));
    await h.after(3 * M);
    // Alone, the burn is no population shift (no drift yet): it pages. An incident alert's labels are fixed,
    // so drift joining later does not lower it. (With real timeslices the ticket tier trips first — it needs
    // one bad hour, the page tier at least two — so drift arrives before any page-tier burn.)
    for (const f of ['amount', 'country', 'merchant_category']) h.fire(drift(f));
    await h.after(3 * M);
    const inc = h.only();
    expect(inc.members).toHaveLength(4);
    expect(inc.labels).toMatchObject({ severity: 'critical', budget_severity: 'page' });
    expect(inc.suppressions.filter((s) => s.kind === 'not_actionable')).toHaveLength(0);
  });

  it('an incident opened by a ticket-tier burn escalates as a page: budget_severity follows the members', async () => {
    const h = new Harness(rules(TOPOLOGY));
    h.fire(burn('long'));
    await h.after(3 * M);
    h.fire(burn('medium'));
    await h.after(3 * M);
    const inc = h.only();
    expect([...new Set(h.sentFor(inc.id).map((a) => `${a.labels['severity']}/${a.labels['budget_severity']}`))]).toEqual(['warning/ticket', 'critical/page']);
    expect(inc.severity).toBe('critical');
  });

  it.each([
    ['an accuracy signal', signal('perf_estimated', 'ModelPerformanceEstimated', { model: 'fraud-scorer', method: 'cbpe' })],
    ['an upstream data signal', signal('freshness', 'FeatureFreshness', { pipeline: 'user-stats-job', model: 'fraud-scorer' })],
    ['a customer-facing burn on the model', burn('medium', { slo: 'fraud-scorer-latency', customer_facing: 'true' })],
  ])('lifts the cap when %s joins: the incident escalates to critical and pages', async (_what, labels) => {
    const h = new Harness(rules(TOPOLOGY));
    const before = await shift(h);
    expect(before.severity).toBe('warning');
    h.fire(labels);
    await h.after(3 * M);
    const after = h.only();
    expect(after.severity).toBe('critical');
    expect(severities(h, after.id)).toEqual(['warning', 'critical']);
    expect(after.timeline.find((e) => e.event === 'escalated')!.detail).toBe('severity rose from warning to critical');
  });

  it('lifts the cap when a change attaches (a rollout is a cause, not a population)', async () => {
    const h = new Harness(rules(TOPOLOGY));
    const inc = await shift(h);
    h.change('model_rollout', { model: 'fraud-scorer' }, h.now, 'rollout-7', 'fraud-scorer v13');
    await h.after(M);
    expect(h.only().severity).toBe('critical');
    expect(severities(h, inc.id)).toEqual(['warning', 'critical']);
  });

  it('drift on fewer than three features is no population shift: the page tier pages', async () => {
    const h = new Harness(rules(TOPOLOGY));
    for (const f of ['amount', 'country']) h.fire(drift(f));
    await h.after(3 * M);
    h.fire(burn('medium'));
    await h.after(3 * M);
    expect(h.only().severity).toBe('critical');
  });
});

describe('budget impact in what notifications read', () => {
  const base = {
    id: 'inc-1', status: 'open', labels: {}, title: 't', severity: 'critical', track: 'data',
    tracks: { infra: 0, data: 1, model: 0, change: 0 }, openedAt: '2026-11-28T07:15:00Z', updatedAt: '2026-11-28T07:15:00Z',
    reopened: 0, members: [], rootCause: [], changes: [], timeline: [], suppressions: [], mergedFrom: [],
  } satisfies IncidentSnapshot;
  const budget = {
    infra: 0,
    model: 0.4353,
    slos: {
      'fraud-scorer-drift': { track: 'model' as const, consumed: 0.0706 },
      'fraud-scorer-feature-freshness': { track: 'model' as const, consumed: 0.2791 },
      'fraud-scorer-accuracy-estimate': { track: 'model' as const, consumed: 0.0856 },
    },
  };

  it('PagerDuty custom_details and the webhook incident carry it per track and per SLO, in percent', () => {
    const expected = {
      infra_pct: 0,
      model_pct: 43.53,
      slos: [
        { slo: 'fraud-scorer-feature-freshness', track: 'model', consumed_pct: 27.91 },
        { slo: 'fraud-scorer-accuracy-estimate', track: 'model', consumed_pct: 8.56 },
        { slo: 'fraud-scorer-drift', track: 'model', consumed_pct: 7.06 },
      ],
    };
    expect(budgetDetails(budget)).toEqual(expected);
    expect(pagerdutyIncidentDetails({ ...base, budget })['budget']).toEqual(expected);
    expect(webhookIncident({ ...base, budget })['budget']).toEqual(expected);
    expect('budget' in pagerdutyIncidentDetails(base)).toBe(false);
    expect('budget' in webhookIncident(base)).toBe(false);
  });

  it('the Slack summary says it in one line', () => {
    expect(budgetText(budget)).toBe(
      'model 43.53% (fraud-scorer-feature-freshness 27.91%, fraud-scorer-accuracy-estimate 8.56%, fraud-scorer-drift 7.06%), infra 0% of the period budget',
    );
    expect(incidentSummaryText({ ...base, budget }).split('\n').at(-1)).toBe(`*Error budget charged*: ${budgetText(budget)}`);
    expect(incidentSummaryText(base)).not.toContain('Error budget');
  });
});
