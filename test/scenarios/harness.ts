/**
 * Runs an acceptance scenario through replay (virtual time) and checks it the way the semantics note
 * says: each window holds one batch equal to the expected one, and the total number of alerts across
 * all batches equals the expected total (no extras).
 */
import { parseConfig } from '../../src/config/load.js';
import { formatTime, GO_ZERO_TIME } from '../../src/domain/time.js';
import { replay } from '../../src/intake/replay/replay.js';
import type { ExpectedAlert, Scenario } from './alertmanagerScenarios.js';

export const BASE = Date.parse('2026-01-01T00:00:00Z');
export const TOLERANCE_S = 0.15;

export interface Batch {
  /** Seconds after the scenario start. */
  t: number;
  body: WebhookBody;
}

export interface WebhookBody {
  status: string;
  alerts: { status: string; labels: Record<string, string>; startsAt: string; endsAt: string; fingerprint: string }[];
  [k: string]: unknown;
}

export function scenarioConfig(s: Scenario, url = 'http://sink.invalid/'): string {
  if (s.receivers) return `${s.config}\n${s.receivers.replaceAll('SINK_URL', url)}\n`;
  return `${s.config}\nreceivers:\n- name: default\n  webhook_configs:\n  - url: '${url}'\n`;
}

const isoFrom = (base: number, t: number) => formatTime(base + Math.round(t * 1000));
const iso = (t: number) => isoFrom(BASE, t);

/** The scenario as replay input lines. */
export function scenarioLines(s: Scenario): string[] {
  const events: { t: number; line: Record<string, unknown> }[] = [];
  for (const p of s.pushes) {
    events.push({
      t: p.t,
      line: {
        at: iso(p.t),
        alerts: p.alerts.map((al) => ({
          labels: al.labels,
          ...(al.startsAt !== undefined ? { startsAt: iso(al.startsAt) } : {}),
          ...(al.endsAt !== undefined ? { endsAt: iso(al.endsAt) } : {}),
        })),
      },
    });
  }
  for (const sil of s.silences ?? []) {
    events.push({
      t: sil.t,
      line: {
        at: iso(sil.t),
        silence: {
          matchers: sil.matchers.map((m) => ({ ...m, isEqual: true })),
          startsAt: iso(sil.startsAt),
          endsAt: iso(sil.endsAt),
          createdBy: 'admin@example.com',
          comment: 'some comment',
        },
      },
    });
  }
  // Stable: pushes before silences at equal times, as listed.
  events.sort((x, y) => x.t - y.t);
  return events.map((e) => JSON.stringify(e.line));
}

export async function runScenarioReplay(s: Scenario): Promise<{ batches: Batch[]; errors: string[] }> {
  const parsed = parseConfig(scenarioConfig(s), `${s.name}.yml`);
  if (!parsed.ok) throw new Error(`scenario config invalid: ${JSON.stringify(parsed.errors)}`);
  const out: string[] = [];
  const errors: string[] = [];
  await replay({
    config: parsed.config,
    lines: scenarioLines(s),
    output: (l) => out.push(l),
    until: BASE + s.until * 1000,
    onError: (e) => errors.push(e),
  });
  const batches = out.map((l) => {
    const rec = JSON.parse(l) as { at: string; integration: string; body: WebhookBody };
    return { t: (Date.parse(rec.at) - BASE) / 1000, body: rec.body };
  });
  return { batches, errors };
}

interface Comparable {
  labels: string;
  startsAt: number;
  /** undefined: firing (Go's zero time on the wire). */
  endsAt: number | undefined;
}

function fromExpected(e: ExpectedAlert, base: number): Comparable {
  return {
    labels: JSON.stringify(sortedLabels(e.labels)),
    startsAt: base + Math.round(e.startsAt * 1000),
    endsAt: e.endsAt === undefined ? undefined : base + Math.round(e.endsAt * 1000),
  };
}

function fromActual(a: WebhookBody['alerts'][number]): Comparable {
  return {
    labels: JSON.stringify(sortedLabels(a.labels)),
    startsAt: Date.parse(a.startsAt),
    endsAt: a.endsAt === GO_ZERO_TIME ? undefined : Date.parse(a.endsAt),
  };
}

function sortedLabels(l: Record<string, string>): [string, string][] {
  return Object.entries(l).sort(([x], [y]) => (x < y ? -1 : 1));
}

/**
 * Same alerts, times equal within the tolerance (server-defaulted times on the wall clock carry the
 * request's jitter; in virtual time they are exact).
 */
function sameBatch(want: Comparable[], got: Comparable[], toleranceMs: number): boolean {
  if (want.length !== got.length) return false;
  const byLabels = (x: Comparable, y: Comparable) => (x.labels < y.labels ? -1 : x.labels > y.labels ? 1 : 0);
  const w = [...want].sort(byLabels);
  const g = [...got].sort(byLabels);
  return w.every((e, i) => {
    const a = g[i]!;
    if (a.labels !== e.labels || Math.abs(a.startsAt - e.startsAt) > toleranceMs) return false;
    if (e.endsAt === undefined || a.endsAt === undefined) return e.endsAt === a.endsAt;
    return Math.abs(a.endsAt - e.endsAt) <= toleranceMs;
  });
}

/** Problems found; empty when the scenario passes. `base` is the epoch ms of t = 0. */
export function checkScenario(s: Scenario, batches: Batch[], base = BASE, tolerance = TOLERANCE_S): string[] {
  const problems: string[] = [];
  for (const exp of s.expect) {
    const [from, to] = exp.window;
    const want = exp.batch.map((e) => fromExpected(e, base));
    const inWindow = batches.filter((b) => b.t >= from - tolerance && b.t <= to + tolerance);
    const match = inWindow.some((b) => sameBatch(want, b.body.alerts.map(fromActual), tolerance * 1000));
    if (!match) {
      problems.push(
        `window [${from}, ${to}]: expected ${JSON.stringify(want)}, got ${JSON.stringify(
          inWindow.map((b) => ({ t: b.t, alerts: b.body.alerts.map(fromActual) })),
        )}`,
      );
    }
  }
  const total = batches.reduce((n, b) => n + b.body.alerts.length, 0);
  if (total !== s.totalAlerts) {
    problems.push(
      `expected ${s.totalAlerts} alerts in all batches, got ${total}: ${JSON.stringify(
        batches.map((b) => ({ t: b.t, n: b.body.alerts.length })),
      )}`,
    );
  }
  return problems;
}
