/**
 * The second "Must show", the negative control: the traffic mix shifts (a campaign in a new region)
 * while infrastructure and data are healthy. Four request-time features of fraud-scorer drift, the drift
 * SLO burns — up to its page tier — and nothing else happens: no infra or data alert, no change, the
 * accuracy estimate holds. The engine must send a ticket-level Slack notification, NOT a PagerDuty page, and
 * say "population shift". Same system as the feature stall (test/fixtures/budget/feature-stall/), other
 * input (population-shift/input.jsonl, written by generate.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BURN_ALERTNAME } from '../../src/budget/stage.js';
import type { IncidentSnapshot } from '../../src/correlate/types.js';
import { populationShiftLines, REQUEST_FEATURES } from '../fixtures/budget/generate.js';
import { BUDGET_FIXTURES, runBudgetScenario, slackIncidentIds, type ScenarioRun } from '../fixtures/budget/run.js';

let run: ScenarioRun;
let incident: IncidentSnapshot;

beforeAll(async () => {
  run = await runBudgetScenario('population-shift');
  incident = run.incidents[0]!;
}, 60_000);

describe('traffic-mix shift with healthy infrastructure (replayed)', () => {
  it('replays the committed input cleanly (it is what generate.ts writes)', () => {
    const committed = readFileSync(join(BUDGET_FIXTURES, 'population-shift', 'input.jsonl'), 'utf8');
    expect(committed).toBe(populationShiftLines().join('\n') + '\n');
    expect(run.errors).toEqual([]);
    expect(run.stats.rejected).toBe(0);
  });

  it('makes one model incident of drift on the request features and the drift budget burn', () => {
    expect(run.incidents.map((i) => i.id)).toEqual([incident.id]);
    const drift = incident.members.filter((m) => m.labels['alertname'] === 'ModelDrift');
    const burns = incident.members.filter((m) => m.labels['alertname'] === BURN_ALERTNAME);
    expect(drift.map((m) => m.labels['feature']).sort()).toEqual([...REQUEST_FEATURES].sort());
    expect(burns.map((m) => m.labels['slo'])).toEqual(['fraud-scorer-drift', 'fraud-scorer-drift']);
    expect(incident.members).toHaveLength(drift.length + burns.length);
    expect(incident.tracks).toEqual({ infra: 0, data: 0, model: 6, change: 0 });
    expect(incident.changes).toEqual([]);
  });

  it('the top hint says population shift, not infrastructure', () => {
    const top = incident.rootCause[0]!;
    expect(top.component).toBe('fraud-scorer');
    expect(top.reason).toBe(
      'Drift on 4 features of model fraud-scorer with no infrastructure, data-pipeline or change signal: ' +
        'likely a traffic-mix or population shift rather than an infrastructure fault.',
    );
  });

  it('sends a ticket-level Slack notification and no PagerDuty page — though the drift SLO reached its page tier', () => {
    expect(run.pagerduty).toEqual([]);
    expect(run.slack.length).toBeGreaterThan(0);
    for (const s of run.slack) expect(new Set(slackIncidentIds(s))).toEqual(new Set([incident.id]));
    // The incident opens when the drift SLO's ticket tier trips after the first drifting hour (09:01; the
    // burn is stamped with its onset, so it needs no hold-down) and the Slack group waits 30 s. The drift
    // signals behind it join at 09:02:30, once their hold-down passed; the next messages name the shift.
    expect(run.slack[0]!.at).toBe('2026-11-28T09:01:30Z');
    expect(JSON.stringify(run.slack.at(-2)!.body)).toContain('likely a traffic-mix or population shift');
    // The page tier did fire (5 %/6 h: three drifting hours of 4/8 bad feature-hours) ...
    const page = incident.members.find((m) => m.labels['budget_severity'] === 'page');
    expect(page?.labels).toMatchObject({ slo: 'fraud-scorer-drift', tier: 'medium', severity: 'critical' });
    // ... and the incident held its severity at warning, with the reason on record.
    expect(incident.severity).toBe('warning');
    expect(incident.labels['severity']).toBe('warning');
    expect(incident.timeline.some((e) => e.event === 'escalated')).toBe(false);
    const held = incident.suppressions.find((s) => s.kind === 'not_actionable');
    expect(held?.reason).toMatch(/^severity held at warning \(members reach critical\): .* population shift/);
  });

  it('still charges the drift budget to the incident (a ticket with its cost), and only the model track', () => {
    const impact = run.budget.impactOf(incident.id)!;
    expect(impact.infra).toBe(0);
    expect(Object.keys(impact.slos)).toEqual(['fraud-scorer-drift']);
    // 4 of 8 feature-hours bad at a 95 % target is burn rate 10; seven drifting hours (the windows ending
    // 09:00 … 15:00) cost 10 × 7 / 720 = 9.7 % of the 30-day drift budget. Charged at the two-slice window's
    // rate each minute: half rate for the first hour, and the window keeps reading 10 for two hours after the
    // input ends (nothing dilutes it until it empties and freezes), so ≈ 10.1 %.
    expect(impact.model).toBeGreaterThan(0.09);
    expect(impact.model).toBeLessThan(0.11);
    expect(JSON.stringify(run.slack.at(-1)!.body)).toMatch(/Error budget charged\*: model \d+(\.\d+)?% \(fraud-scorer-drift/);
    for (const name of ['scorer-availability', 'fraud-scorer-feature-freshness']) {
      const v = run.budget.view(name)!;
      expect(v.events.accepted).toBeGreaterThan(800);
      expect(v.tiers.every((t) => t.status !== 'firing')).toBe(true);
    }
  });
});
