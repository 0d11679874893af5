/** A correlator on a virtual clock, fed alerts the way the engine feeds it (stored versions, in order). */
import type { Alert } from '../../src/domain/alert.js';
import { fingerprint, type Labels } from '../../src/domain/labels.js';
import type { ChangeEvent, ChangeKind } from '../../src/domain/signal.js';
import { formatConfigError } from '../../src/config/load.js';
import { createCorrelator, type CorrelatorLimits } from '../../src/correlate/correlator.js';
import { buildRules, type CorrelationRules } from '../../src/correlate/rules.js';
import type { Correlator, IncidentSnapshot } from '../../src/correlate/types.js';
import { VirtualClock } from '../../src/state/clock.js';

export const T0 = Date.parse('2026-11-28T10:00:00Z');
export const S = 1000;
export const M = 60 * S;
export const H = 60 * M;
export const D = 24 * H;

/** A firing alert without an explicit end keeps firing this long (like a long resolve timeout). */
const FIRING_FOR = 60 * D;

export function rules(text = '', opts: { defaults?: boolean } = {}): CorrelationRules {
  const r = buildRules(text ? [{ file: 'rules.yml', text }] : [], opts);
  if (!r.ok) throw new Error(r.errors.map(formatConfigError).join('\n'));
  return r.rules;
}

/** A YAML document from lines, so that line numbers in expectations are easy to read. */
export const y = (...lines: string[]): string => lines.join('\n') + '\n';

export class Harness {
  readonly clock: VirtualClock;
  readonly sent: Alert[] = [];
  readonly correlator: Correlator;
  readonly claimed = new Map<string, boolean>();

  constructor(
    readonly rules: CorrelationRules,
    opts: { start?: number; limits?: Partial<CorrelatorLimits> } = {},
  ) {
    this.clock = new VirtualClock(opts.start ?? T0);
    this.correlator = createCorrelator({
      rules,
      clock: this.clock,
      sink: (a) => this.sent.push(a),
      ...(opts.limits ? { limits: opts.limits } : {}),
    });
  }

  get now(): number {
    return this.clock.now();
  }

  async at(offset: number): Promise<void> {
    await this.clock.advanceTo(T0 + offset);
  }

  async after(ms: number): Promise<void> {
    await this.clock.advanceTo(this.clock.now() + ms);
  }

  /** Sends a firing version (startsAt defaults to now, or to the first time the alert was sent). */
  fire(labels: Labels, opts: { startsAt?: number; endsAt?: number; annotations?: Record<string, string> } = {}): boolean {
    const now = this.clock.now();
    const fp = fingerprint(labels);
    const startsAt = opts.startsAt ?? this.starts.get(fp) ?? now;
    this.starts.set(fp, startsAt);
    return this.observe(labels, startsAt, opts.endsAt ?? now + FIRING_FOR, opts.annotations);
  }

  /** Sends a resolved version (endsAt = now). */
  resolve(labels: Labels): boolean {
    const fp = fingerprint(labels);
    const startsAt = this.starts.get(fp) ?? this.clock.now();
    this.starts.delete(fp);
    return this.observe(labels, startsAt, this.clock.now());
  }

  /** Moves the clock to `offset` after T0, then sends a firing version. */
  async fireAt(offset: number, labels: Labels, opts: { startsAt?: number; endsAt?: number; annotations?: Record<string, string> } = {}): Promise<boolean> {
    await this.at(offset);
    return this.fire(labels, opts);
  }

  change(kind: ChangeKind, labels: Labels, at: number, id: string, summary = `${kind} ${id}`): void {
    const ev: ChangeEvent = { id, kind, at, labels, summary };
    this.correlator.observeChange(ev);
  }

  private readonly starts = new Map<string, number>();

  private observe(labels: Labels, startsAt: number, endsAt: number, annotations: Record<string, string> = {}): boolean {
    const alert: Alert = {
      labels,
      annotations,
      startsAt,
      endsAt,
      generatorURL: '',
      updatedAt: this.clock.now(),
      timeout: false,
      fingerprint: fingerprint(labels),
      source: 'api',
    };
    const claimed = this.correlator.observe(alert);
    this.claimed.set(alert.fingerprint, claimed);
    return claimed;
  }

  list(status?: 'open' | 'resolved'): IncidentSnapshot[] {
    return this.correlator.directory.list(status ? { status } : undefined);
  }

  /** The one incident; fails when there is not exactly one. */
  only(): IncidentSnapshot {
    const all = this.list();
    if (all.length !== 1) throw new Error(`expected one incident, got ${all.length}: ${all.map((i) => i.id).join(', ')}`);
    return all[0]!;
  }

  incidentOf(labels: Labels): IncidentSnapshot | undefined {
    const fp = fingerprint(labels);
    return this.list().find((i) => i.members.some((m) => m.fingerprint === fp));
  }

  member(labels: Labels): IncidentSnapshot['members'][number] | undefined {
    const fp = fingerprint(labels);
    return this.incidentOf(labels)?.members.find((m) => m.fingerprint === fp);
  }

  /** Open incidents as sorted lists of member fingerprints, sorted. */
  partition(): string[][] {
    return this.list('open')
      .map((i) => i.members.map((m) => m.fingerprint).sort())
      .sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
  }

  /** Incident alert versions sent for one incident id. */
  sentFor(id: string): Alert[] {
    return this.sent.filter((a) => a.labels['incident_id'] === id);
  }
}

/** Labels of a signal-derived alert, as the signal door builds them. */
export function signal(kind: string, alertname: string, labels: Record<string, string>): Labels {
  return { alertname, signal_kind: kind, source: 'evidently', severity: 'warning', ...labels };
}
