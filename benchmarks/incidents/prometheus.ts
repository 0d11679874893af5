/**
 * How a Prometheus server turns a rule's condition into POSTs to Alertmanager (rules/alerting.go,
 * rules/manager.go, notifier/notifier.go), per replica of an HA pair:
 *
 * - the rule group is evaluated every `interval` at a fixed phase (Prometheus spreads groups by a hash);
 *   the replicas of a pair evaluate independently, so their phases differ;
 * - a series whose condition holds becomes *pending* at the first evaluation that sees it (ActiveAt) and
 *   *firing* at the first evaluation with ts − ActiveAt ≥ for (FiredAt); a pending alert whose condition
 *   ends is dropped and never sent;
 * - a firing alert is sent when `LastSentAt + resendDelay < ts` (strictly: with resend-delay 1m a 1m group
 *   re-sends every 2 minutes, a 30s group every 90 s), with `startsAt` = FiredAt and
 *   `endsAt` = ts + 4 × max(interval, resendDelay) (ValidUntil);
 * - at the first evaluation that no longer sees it, it is resolved: sent with `endsAt` = that time, and
 *   re-sent on the same cadence for 15 minutes (resolvedRetention), unless it becomes active again (a new
 *   pending alert replaces it);
 * - alert_relabel_configs drop the replica label, so both replicas send identical label sets (the
 *   duplicate senders Alertmanager deduplicates by fingerprint), each with its own startsAt/endsAt.
 */
import { hash32 } from '../generator/prng.js';

export const RESEND_DELAY_MS = 60_000;
export const RESOLVED_RETENTION_MS = 15 * 60_000;

export interface Episode {
  /** Condition true from `start` (inclusive) to `end` (exclusive), virtual ms. */
  readonly start: number;
  readonly end: number;
}

export interface Send {
  readonly at: number;
  readonly replica: number;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly resolved: boolean;
  /** Index of the episode this send belongs to. */
  readonly episode: number;
}

export function phaseOf(cluster: string, replica: number, group: string, intervalMs: number): number {
  return hash32(`${cluster}|prometheus-k8s-${replica}|${group}`) % intervalMs;
}

/**
 * The sends of one series by one replica, within [from, to). Episodes must be sorted and disjoint.
 */
export function sendsOf(episodes: readonly Episode[], forMs: number, intervalMs: number, phase: number, replica: number, from: number, to: number): Send[] {
  const out: Send[] = [];
  const evalAtOrAfter = (t: number) => phase + Math.ceil((t - phase) / intervalMs) * intervalMs;
  const validFor = 4 * Math.max(intervalMs, RESEND_DELAY_MS);
  let pendingResolved: { startsAt: number; resolvedAt: number; episode: number } | undefined;
  const flushResolved = (until: number) => {
    if (!pendingResolved) return;
    const { startsAt, resolvedAt, episode } = pendingResolved;
    const end = Math.min(until, resolvedAt + RESOLVED_RETENTION_MS + 1, to);
    let last = -Infinity;
    for (let t = resolvedAt; t < end; t += intervalMs) {
      if (t === resolvedAt || last + RESEND_DELAY_MS < t) {
        if (t >= from) out.push({ at: t, replica, startsAt, endsAt: resolvedAt, resolved: true, episode });
        last = t;
      }
    }
    pendingResolved = undefined;
  };
  for (let i = 0; i < episodes.length; i++) {
    const ep = episodes[i]!;
    const active = evalAtOrAfter(ep.start);
    if (active >= ep.end) continue; // no evaluation saw it
    flushResolved(active);
    const fired = active + Math.ceil(forMs / intervalMs) * intervalMs;
    if (fired >= ep.end) continue; // pending only: never sent
    const resolvedAt = evalAtOrAfter(ep.end);
    let last = -Infinity;
    for (let t = fired; t < resolvedAt && t < to; t += intervalMs) {
      if (last + RESEND_DELAY_MS < t) {
        if (t >= from) out.push({ at: t, replica, startsAt: fired, endsAt: t + validFor, resolved: false, episode: i });
        last = t;
      }
    }
    pendingResolved = { startsAt: fired, resolvedAt, episode: i };
  }
  flushResolved(Infinity);
  return out;
}

/** FiredAt of each episode (undefined when it never fires), for the truth. */
export function firedAt(ep: Episode, forMs: number, intervalMs: number, phase: number): number | undefined {
  const evalAtOrAfter = (t: number) => phase + Math.ceil((t - phase) / intervalMs) * intervalMs;
  const active = evalAtOrAfter(ep.start);
  if (active >= ep.end) return undefined;
  const fired = active + Math.ceil(forMs / intervalMs) * intervalMs;
  return fired < ep.end ? fired : undefined;
}
