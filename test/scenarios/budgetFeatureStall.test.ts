/**
 * The first "Must show": a feature pipeline stalls; the freshness budget burns first, drift follows,
 * the accuracy estimate drops — and the on-call gets ONE incident and ONE PagerDuty page, with the pipeline
 * as root cause and the model budget charged to that incident. Replayed in virtual time through `replay()`
 * (test/fixtures/budget/: the system in feature-stall/alertmanager.yml and rules/, the story in
 * generate.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BURN_ALERTNAME } from '../../src/budget/stage.js';
import type { IncidentSnapshot } from '../../src/correlate/types.js';
import { featureStallLines, PIPELINE_FEATURES } from '../fixtures/budget/generate.js';
import { BUDGET_FIXTURES, runBudgetScenario, slackIncidentIds, type ScenarioRun } from '../fixtures/budget/run.js';

let run: ScenarioRun;
let incident: IncidentSnapshot;

beforeAll(async () => {
  run = await runBudgetScenario('feature-stall');
  incident = run.incidents[0]!;
}, 60_000);

const at = (iso: string) => Date.parse(iso);
const burnOf = (slo: string) => incident.members.filter((m) => m.labels['alertname'] === BURN_ALERTNAME && m.labels['slo'] === slo);
/** Burn alerts keep their start (the burn's onset); signal alerts re-fire hourly, so their joins tell the order. */
const onset = (members: IncidentSnapshot['members']) => Math.min(...members.map((m) => Date.parse(m.startsAt)));
const joined = (members: IncidentSnapshot['members']) => Math.min(...members.map((m) => Date.parse(m.joinedAt)));

describe('feature pipeline stall (replayed)', () => {
  it('replays the committed input cleanly (it is what generate.ts writes)', () => {
    const committed = readFileSync(join(BUDGET_FIXTURES, 'feature-stall', 'input.jsonl'), 'utf8');
    expect(committed).toBe(featureStallLines().join('\n') + '\n');
    expect(run.errors).toEqual([]);
    expect(run.stats.rejected).toBe(0);
    expect(run.stats.signalsReceived).toBeGreaterThan(1800);
  });

  it('gathers everything into ONE incident: freshness burn first, then drift, then the accuracy estimate', () => {
    expect(run.incidents.map((i) => i.id)).toEqual([incident.id]);
    const freshnessBurn = burnOf('fraud-scorer-feature-freshness');
    const driftBurn = burnOf('fraud-scorer-drift');
    const accuracyBurn = burnOf('fraud-scorer-accuracy-estimate');
    const drift = incident.members.filter((m) => m.labels['alertname'] === 'ModelDrift');
    const cbpe = incident.members.filter((m) => m.labels['alertname'] === 'ModelPerformanceEstimated');
    const freshness = incident.members.filter((m) => m.labels['alertname'] === 'FeatureFreshness');
    // Every tier that fired for each SLO is a member (a tier change is a new burn alert of the same episode).
    expect(freshnessBurn.map((m) => m.labels['tier']).sort()).toEqual(['fast', 'long', 'medium', 'slow']);
    expect(driftBurn.map((m) => m.labels['tier']).sort()).toEqual(['long', 'medium']);
    expect(accuracyBurn.map((m) => m.labels['tier']).sort()).toEqual(['long', 'medium']);
    expect(freshness).toHaveLength(1);
    expect(cbpe).toHaveLength(1);
    // Drift on exactly the four features user-stats-job produces.
    expect(drift.map((m) => m.labels['feature']).sort()).toEqual([...PIPELINE_FEATURES].sort());
    expect(incident.members).toHaveLength(freshnessBurn.length + driftBurn.length + accuracyBurn.length + drift.length + cbpe.length + freshness.length);
    // The order of the story: the freshness SLI goes bad at 07:00 and its burn is stamped with that onset;
    // the first stale drift window ends at 08:00; the CBPE estimate breaches for the 09:00–10:00 window.
    expect(onset(freshnessBurn)).toBe(at('2026-11-28T07:01:00Z'));
    expect(joined(freshnessBurn)).toBeLessThan(joined(freshness));
    expect(joined(freshness)).toBeLessThan(joined(drift));
    expect(joined(drift)).toBeLessThan(joined(cbpe));
    expect(onset(driftBurn)).toBeLessThanOrEqual(at('2026-11-28T08:00:00Z'));
    expect(onset(driftBurn)).toBeGreaterThan(at('2026-11-28T07:00:00Z'));
    expect(onset(accuracyBurn)).toBeLessThanOrEqual(at('2026-11-28T10:00:00Z'));
    expect(onset(accuracyBurn)).toBeGreaterThan(at('2026-11-28T09:00:00Z'));
    // Burn alerts that tripped before the signal behind them passed hold-down opened an incident for a moment
    // and were merged in when that signal joined (links are symmetric, so the result is one incident).
    expect(incident.mergedFrom.length).toBeLessThanOrEqual(2);
  });

  it('pages ONCE (one PagerDuty dedup key), early, with the pipeline as root cause', () => {
    const triggers = run.pagerduty.filter((o) => o.body['event_action'] === 'trigger');
    expect(new Set(triggers.map((o) => o.body['dedup_key'])).size).toBe(1);
    expect(new Set(run.pagerduty.map((o) => o.body['dedup_key'])).size).toBe(1);
    // The fast tier of the freshness SLO (2 % of the budget in an hour) trips 26 min into the stall; the
    // incident escalates to critical and the PagerDuty group waits 30 s.
    expect(triggers[0]!.at).toBe('2026-11-28T07:26:00Z');
    for (const t of triggers) {
      const details = t.body['payload']['custom_details'];
      expect(details['incident_id']).toBe(incident.id);
      expect(details['root_cause'][0]['component']).toBe('user-stats-job');
    }
    expect(run.pagerduty.at(-1)!.body['event_action']).toBe('resolve');
    expect(incident.status).toBe('resolved');
    expect(incident.rootCause[0]!.component).toBe('user-stats-job');
    expect(incident.rootCause[0]!.reason).toMatch(/^user-stats-job .* is the likely root cause: .* depend on it/);
    // The ticket-level Slack messages are about the same incident, never another one.
    expect(run.slack.length).toBeGreaterThan(0);
    for (const s of run.slack) expect(new Set(slackIncidentIds(s))).toEqual(new Set([incident.id]));
  });

  it('charges the model budget burnt by the stall to the incident, and says so in the page', () => {
    const impact = run.budget.impactOf(incident.id)!;
    expect(impact.model).toBeGreaterThan(0);
    expect(impact.infra).toBe(0);
    for (const slo of ['fraud-scorer-feature-freshness', 'fraud-scorer-drift', 'fraud-scorer-accuracy-estimate']) {
      expect(impact.slos[slo]?.track).toBe('model');
      expect(impact.slos[slo]!.consumed).toBeGreaterThan(0);
    }
    // Workbook arithmetic (burn rate × time / period, 30 d = 43,200 min), charged from the moment the
    // first burn alert was a member (07:15, so the first quarter hour of the stall is not in it):
    //  - freshness: 45 % stale at a 99 % target is burn rate 45, for ≈ 265 min → 45 × 265 / 43,200 ≈ 27.6 %;
    //  - drift: 4 of 8 feature-hours bad at 95 % is burn rate 10, for ≈ 5 h → 10 × 300 / 43,200 ≈ 6.9 %;
    //  - accuracy: every hourly slice bad at 95 % is burn rate 20, for ≈ 3 h → 20 × 180 / 43,200 ≈ 8.3 %.
    const consumed = (slo: string) => impact.slos[slo]!.consumed;
    expect(consumed('fraud-scorer-feature-freshness')).toBeGreaterThan(0.26);
    expect(consumed('fraud-scorer-feature-freshness')).toBeLessThan(0.3);
    expect(consumed('fraud-scorer-drift')).toBeCloseTo(0.07, 2);
    expect(consumed('fraud-scorer-accuracy-estimate')).toBeCloseTo(0.085, 2);
    // What the on-call reads: the page's custom_details and the Slack summary state the charge per track.
    const lastTrigger = run.pagerduty.filter((o) => o.body['event_action'] === 'trigger').at(-1)!;
    const budget = lastTrigger.body['payload']['custom_details']['budget'];
    expect(budget['model_pct']).toBeGreaterThan(0);
    expect(budget['infra_pct']).toBe(0);
    expect(budget['slos'].map((s: { slo: string }) => s.slo)).toContain('fraud-scorer-feature-freshness');
    // The page reads the incident and the incidents merged into it (charged before they merged).
    const all = run.budget.impactOfAll([incident.id, ...incident.mergedFrom])!;
    const resolve = run.pagerduty.at(-1)!.body['payload']['custom_details']['budget'];
    expect(resolve['model_pct']).toBe(Math.round(all.model * 10_000) / 100);
    expect(all.model - impact.model).toBeLessThan(0.001);
    expect(JSON.stringify(run.slack.at(-1)!.body)).toMatch(/Error budget charged\*: model \d+(\.\d+)?% \(fraud-scorer-feature-freshness/);
  });

  it('keeps the infrastructure budget untouched: scorer-api stayed healthy', () => {
    const avail = run.budget.view('scorer-availability')!;
    expect(avail.track).toBe('infra');
    expect(avail.budget.remaining).toBeGreaterThan(0.8);
    expect(incident.members.some((m) => m.labels['slo'] === 'scorer-availability')).toBe(false);
  });
});
