/**
 * The budget stage: one ledger per SLO, fed by SLI events and model signals, evaluated on the clock. A
 * firing burn tier becomes an alert (`alertname="ErrorBudgetBurn"`) that enters the pipeline like any
 * other: the store dedups it, correlation puts it into the incident of its component (`component` label),
 * and routing sees its `severity` (critical for page tiers, warning for ticket tiers) and `budget_severity`.
 *
 * Attribution: while a burn alert belongs to an incident, the budget its SLO spends is charged to that
 * incident, per track — so a model SLO that burns because of an infrastructure incident shows up as that
 * incident's model-budget impact, not as a model problem of its own.
 */
import type { IncidentBudget } from '../correlate/types.js';
import type { Alert } from '../domain/alert.js';
import { fingerprint, type Labels } from '../domain/labels.js';
import type { ModelSignal, SliEvents, Track } from '../domain/signal.js';
import { formatTime } from '../domain/time.js';
import { signalLabels } from '../normalize/signal.js';
import type { Clock, TimerHandle } from '../state/clock.js';
import { BudgetLedger, type Evaluation, type WindowReading } from './ledger.js';
import type { SloDefinition } from './slos.js';

export const DEFAULT_EVALUATION_INTERVAL_MS = 60_000;
export const BURN_ALERTNAME = 'ErrorBudgetBurn';

export interface IncidentLink {
  readonly id: string;
}

export interface BudgetStageDeps {
  readonly clock: Clock;
  readonly slos: readonly SloDefinition[];
  /** Where burn alerts go (the engine's `receiveAlerts`). */
  readonly emit: (alerts: Alert[]) => void;
  readonly evaluationIntervalMs?: number;
  /** The open incident an alert belongs to, if any (correlation on). */
  readonly incidentOf?: (fingerprint: string) => IncidentLink | undefined;
}

/** Fraction of each track's budgets spent while charged to the incident (sum over its SLOs). */
export type BudgetImpact = IncidentBudget;

export interface SloWindowView {
  window: string;
  good: number;
  total: number;
  errorRatio: number | null;
  burnRate: number | null;
}

export interface SloView {
  name: string;
  description: string;
  track: 'infra' | 'model';
  target: number;
  period: string;
  sli: 'ratio' | 'timeslice';
  component?: string;
  customerFacing: boolean;
  state: Evaluation['state'] | 'no events yet';
  /** The most urgent firing tier's severity (page / ticket), or null. */
  severity: 'page' | 'ticket' | null;
  budget: { remaining: number; consumed: number; frozen: boolean; asOf: string | null };
  tiers: {
    name: string;
    severity: 'page' | 'ticket';
    status: string;
    threshold: number;
    long: SloWindowView;
    short: SloWindowView;
    suppressedBy?: string;
  }[];
  events: { accepted: number; rejected: number };
  evaluatedAt: string | null;
}

interface SloState {
  readonly def: SloDefinition;
  readonly ledger: BudgetLedger;
  last: Evaluation | undefined;
  hasData: boolean;
  accepted: number;
  rejected: number;
  /** The burn alert currently firing (its tier), if any. */
  firing: { tier: string; alert: Alert } | undefined;
  /** Shortest alerting window of the SLO's tiers: the burn rate attribution charges at. */
  readonly attributionWindowMs: number;
}

export type RecordOutcome = { ok: true } | { ok: false; reason: string };

export class BudgetStage {
  private readonly byName = new Map<string, SloState>();
  /**
   * Timeslice SLOs by one equality matcher each (`label=value`, preferring a label other than `alertname`:
   * with one drift SLO per model, `model="m-0042"` names one SLO where `alertname="ModelDrift"` names
   * thousands), so a monitor seen for the first time is tried only against the SLOs whose key it carries
   * (plus those without any equality matcher) — not against every timeslice SLO (at 5,000 of them that was
   * ≈ 0.7 ms per new monitor).
   */
  private readonly sliceIndex = new Map<string, SloState[]>();
  private readonly sliceIndexLabels = new Set<string>();
  private readonly sliceScan: SloState[] = [];
  private readonly order = new Map<SloState, number>();
  /** Which timeslice SLOs a signal identity feeds, computed once per identity. */
  private readonly sliceTargets = new Map<string, SloState[]>();
  private readonly impacts = new Map<string, BudgetImpact>();
  private timer: TimerHandle | undefined;
  private readonly intervalMs: number;

  constructor(private readonly deps: BudgetStageDeps) {
    this.intervalMs = deps.evaluationIntervalMs ?? DEFAULT_EVALUATION_INTERVAL_MS;
    for (const def of deps.slos) {
      const state: SloState = {
        def,
        ledger: new BudgetLedger(def.spec, { tiers: def.tiers }),
        last: undefined,
        hasData: false,
        accepted: 0,
        rejected: 0,
        firing: undefined,
        attributionWindowMs: Math.min(...def.tiers.map((t) => t.shortWindowMs)),
      };
      this.byName.set(def.spec.name, state);
      this.order.set(state, this.order.size);
      if (def.selectsSlices) {
        // An equality with the empty value matches an absent label: it cannot be looked up by value.
        const eq = def.sliceMatchers.filter((m) => m.type === '=' && m.value !== '');
        const key = eq.find((m) => m.name !== 'alertname') ?? eq[0];
        if (key) {
          this.sliceIndexLabels.add(key.name);
          const k = `${key.name}\u0000${key.value}`;
          const list = this.sliceIndex.get(k);
          if (list) list.push(state);
          else this.sliceIndex.set(k, [state]);
        } else this.sliceScan.push(state);
      }
    }
    if (this.byName.size > 0) this.schedule();
  }

  get size(): number {
    return this.byName.size;
  }

  /** `sli_events`: counts booked at the window's end (event time). */
  recordEvents(e: SliEvents): RecordOutcome {
    const state = this.byName.get(e.slo);
    if (!state) return { ok: false, reason: `unknown SLO ${JSON.stringify(e.slo)}` };
    if (state.def.spec.sli !== 'ratio') return { ok: false, reason: `SLO ${e.slo} is a timeslice SLI: it is fed by model signals, not sli_events` };
    return this.book(state, e.window.end, e.good, e.total);
  }

  /**
   * A model signal: one slice for every timeslice SLO that selects it. `breach` is a bad slice, `ok` and
   * `warn` good ones; `no_data` and `insufficient_sample` book nothing (the budget freezes).
   */
  recordSignal(s: ModelSignal): void {
    if (this.sliceIndex.size === 0 && this.sliceScan.length === 0) return;
    const labels = signalLabels(s);
    const key = fingerprint(labels);
    let targets = this.sliceTargets.get(key);
    if (!targets) {
      const candidates = [...this.sliceScan];
      for (const name of this.sliceIndexLabels) {
        const v = labels[name];
        if (v !== undefined) candidates.push(...(this.sliceIndex.get(`${name}\u0000${v}`) ?? []));
      }
      // In file order, as a scan of every timeslice SLO would find them.
      candidates.sort((a, b) => this.order.get(a)! - this.order.get(b)!);
      targets = candidates.filter((t) => t.def.selectsSlices!(labels));
      // Bounded by the number of distinct monitors; cleared if it ever grows past a sane size.
      if (this.sliceTargets.size > 100_000) this.sliceTargets.clear();
      this.sliceTargets.set(key, targets);
    }
    if (targets.length === 0 || s.status === 'no_data' || s.status === 'insufficient_sample') return;
    const good = s.status === 'breach' ? 0 : 1;
    const at = s.window?.end ?? s.observedAt;
    for (const t of targets) this.book(t, at, good, 1);
  }

  private book(state: SloState, at: number, good: number, total: number): RecordOutcome {
    const r = state.ledger.record(at, good, total);
    if (!r.accepted) {
      state.rejected++;
      return { ok: false, reason: `${state.def.spec.name}: ${r.message}` };
    }
    state.accepted++;
    state.hasData = true;
    return { ok: true };
  }

  private schedule(): void {
    const clock = this.deps.clock;
    // Evaluations sit on interval boundaries, so replay and live evaluate at the same instants.
    const next = (Math.floor(clock.now() / this.intervalMs) + 1) * this.intervalMs;
    this.timer = clock.schedule(next, () => {
      this.evaluateAll(clock.now());
      this.schedule();
    });
  }

  /** Evaluates every SLO with data; fires, refreshes or resolves burn alerts; books attribution. */
  evaluateAll(now: number): void {
    const out: Alert[] = [];
    for (const state of this.byName.values()) {
      if (!state.hasData) continue;
      const ev = state.ledger.evaluate(now);
      state.last = ev;
      this.attribute(state, ev);
      const top = ev.tiers.find((t) => t.status === 'firing' && t.tier.severity === ev.severity);
      if (top) {
        // Onset of the burn, not of the tier: a tier taking over from another continues the same burn
        // episode (its alert keeps the earlier start); a new episode starts when the burn began
        // (ledger.burnOnset). Correlation joins alerts by onset, and a tier trips long after the errors
        // began — hours for hourly timeslices — so stamping the trip time would put a model SLO's burn
        // outside the join window of the very drift or accuracy signals it counts, and a tier change of one
        // burn would open a second incident (and page again).
        const startsAt =
          state.firing?.alert.startsAt ??
          Math.min(now, state.ledger.burnOnset(now, top.threshold, top.tier.longWindowMs) ?? now);
        if (state.firing && state.firing.tier !== top.tier.name) {
          out.push({ ...state.firing.alert, endsAt: now, updatedAt: now, timeout: false });
          state.firing = undefined;
        }
        const alert = this.burnAlert(state, ev, top.tier.name, top.tier.severity, now, startsAt);
        state.firing = { tier: top.tier.name, alert };
        out.push(alert);
      } else if (state.firing) {
        out.push({ ...state.firing.alert, endsAt: now, updatedAt: now, timeout: false });
        state.firing = undefined;
      }
    }
    if (out.length > 0) this.deps.emit(out);
  }

  /**
   * Charges the budget spent during the last evaluation interval to the incident the SLO's burn alert
   * belongs to. Spent budget is the Workbook's "burn_rate × window / period", here burn rate × interval /
   * period, with the burn rate of the SLO's shortest alerting window (5 min for ratio SLIs, two slices for
   * timeslice SLIs: the finest rate that is not mostly empty buckets). Summed over an incident this is
   * ∫ burn rate dt / period, the share of the period's budget the incident cost.
   *
   * (Not the change of the period reading between evaluations: that reading is Σbad/Σtotal over the events
   * the period window holds, so until a whole period of data exists — for a month after deployment, and in
   * every replay — a few hours of errors read as many times the budget, and its deltas shrink as good
   * events accumulate.) A window without events charges nothing: no data freezes the budget.
   */
  private attribute(state: SloState, ev: Evaluation): void {
    if (!state.firing || !this.deps.incidentOf || ev.state === 'no data') return;
    const rate = state.ledger.window(ev.at, state.attributionWindowMs).burnRate;
    const delta = rate === null ? 0 : (rate * this.intervalMs) / state.def.spec.period;
    if (!(delta > 0)) return;
    const incident = this.deps.incidentOf(state.firing.alert.fingerprint);
    if (!incident) return;
    let impact = this.impacts.get(incident.id);
    if (!impact) {
      impact = { infra: 0, model: 0, slos: {} };
      this.impacts.set(incident.id, impact);
    }
    const track = state.def.spec.track;
    impact[track] += delta;
    const entry = (impact.slos[state.def.spec.name] ??= { track, consumed: 0 });
    entry.consumed += delta;
  }

  private burnAlert(state: SloState, ev: Evaluation, tier: string, severity: 'page' | 'ticket', now: number, startsAt: number): Alert {
    const def = state.def;
    const labels: Record<string, string> = {
      ...def.labels,
      alertname: BURN_ALERTNAME,
      slo: def.spec.name,
      track: def.spec.track,
      tier,
      budget_severity: severity,
      severity: severity === 'page' ? 'critical' : 'warning',
    };
    if (def.component !== undefined) labels.component = def.component;
    if (def.customerFacing) labels.customer_facing = 'true';
    const t = ev.tiers.find((x) => x.tier.name === tier)!;
    const rate = (w: WindowReading) => (w.burnRate === null ? 'n/a' : w.burnRate.toFixed(1));
    const annotations: Labels = {
      summary:
        `SLO ${def.spec.name} (${def.spec.track}) burns its error budget: ${windowText(t.long.windowMs)} burn ${rate(t.long)}, ` +
        `${windowText(t.short.windowMs)} burn ${rate(t.short)} (threshold ${t.threshold.toFixed(2)}); ` +
        `${(ev.budget.remaining * 100).toFixed(1)}% of the budget left`,
      burn_rate_long: rate(t.long),
      burn_rate_short: rate(t.short),
      threshold: t.threshold.toFixed(3),
      budget_remaining: ev.budget.remaining.toFixed(4),
      ...(def.description && { description: def.description }),
    };
    return {
      labels,
      annotations,
      startsAt,
      // Re-sent every evaluation while it fires; three missed evaluations and it resolves by itself.
      endsAt: now + 3 * this.intervalMs,
      generatorURL: '',
      updatedAt: now,
      timeout: false,
      fingerprint: fingerprint(labels),
      source: 'signal',
    };
  }

  /** Budget impact charged to an incident, if any. */
  impactOf(incidentId: string): BudgetImpact | undefined {
    return this.impacts.get(incidentId);
  }

  /**
   * A copy of the impact charged to any of `incidentIds` (an incident and those merged into it: budget
   * charged to an incident before it merged stays under its id), or undefined when none was charged.
   */
  impactOfAll(incidentIds: Iterable<string>): BudgetImpact | undefined {
    let out: BudgetImpact | undefined;
    for (const id of incidentIds) {
      const i = this.impacts.get(id);
      if (!i) continue;
      out ??= { infra: 0, model: 0, slos: {} };
      out.infra += i.infra;
      out.model += i.model;
      for (const [name, e] of Object.entries(i.slos)) {
        const o = (out.slos[name] ??= { track: e.track, consumed: 0 });
        o.consumed += e.consumed;
      }
    }
    return out;
  }

  /** Drops impacts of incidents that no longer exist. */
  collect(exists: (incidentId: string) => boolean): void {
    for (const id of this.impacts.keys()) if (!exists(id)) this.impacts.delete(id);
  }

  views(): SloView[] {
    return [...this.byName.values()].map((s) => view(s));
  }

  view(name: string): SloView | undefined {
    const s = this.byName.get(name);
    return s ? view(s) : undefined;
  }

  stop(): void {
    if (this.timer) this.deps.clock.cancel(this.timer);
    this.timer = undefined;
  }
}

function view(s: SloState): SloView {
  const ev = s.last;
  const w = (r: WindowReading): SloWindowView => ({
    window: windowText(r.windowMs),
    good: r.good,
    total: r.total,
    errorRatio: r.errorRatio,
    burnRate: r.burnRate,
  });
  return {
    name: s.def.spec.name,
    description: s.def.description,
    track: s.def.spec.track,
    target: s.def.spec.target,
    period: windowText(s.def.spec.period),
    sli: s.def.spec.sli,
    ...(s.def.component !== undefined && { component: s.def.component }),
    customerFacing: s.def.customerFacing,
    state: ev ? ev.state : 'no events yet',
    severity: ev?.severity ?? null,
    budget: ev
      ? { remaining: ev.budget.remaining, consumed: ev.budget.consumed, frozen: ev.budget.frozen, asOf: ev.budget.asOf === null ? null : formatTime(ev.budget.asOf) }
      : { remaining: 1, consumed: 0, frozen: false, asOf: null },
    tiers: (ev?.tiers ?? []).map((t) => ({
      name: t.tier.name,
      severity: t.tier.severity,
      status: t.status,
      threshold: t.threshold,
      long: w(t.long),
      short: w(t.short),
      ...(t.suppressedBy !== undefined && { suppressedBy: t.suppressedBy }),
    })),
    events: { accepted: s.accepted, rejected: s.rejected },
    evaluatedAt: ev ? formatTime(ev.at) : null,
  };
}

/** `5m`, `1h`, `3d`: the largest whole unit. */
export function windowText(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
  ];
  for (const [size, unit] of units) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

export type { Track };
