/**
 * Merging re-sent alerts: pure decisions, table-tested (test/store/merge.test.ts).
 * Both functions follow Alertmanager (provider/mem `Put` and types `Alert.Merge`) to the letter,
 * including its strict comparisons, because compatibility is the point.
 */
import { type Alert, isResolvedAt } from '../domain/alert.js';

/**
 * A re-send merges into the stored alert only when their activity ranges overlap: the new end falls
 * strictly inside the old range, or the new start does. Otherwise the new alert replaces the old one
 * (a re-send after resolution starts a new occurrence).
 */
export function overlaps(stored: Alert, incoming: Alert): boolean {
  return (
    (incoming.endsAt > stored.startsAt && incoming.endsAt < stored.endsAt) ||
    (incoming.startsAt > stored.startsAt && incoming.startsAt < stored.endsAt)
  );
}

/**
 * The merge of two versions of the same alert at `now`: the most recently received wins (annotations,
 * generatorURL), the earliest start is kept, and end times follow Alertmanager's rules: when the newer
 * one is resolved, the latest end wins if both are resolved; otherwise a later explicit (non-timeout)
 * end of the older one wins.
 */
export function mergeAlerts(a: Alert, b: Alert, now: number): Alert {
  // Let `newer` be the younger alert.
  const [older, newer] = b.updatedAt < a.updatedAt ? [b, a] : [a, b];
  let startsAt = newer.startsAt;
  let endsAt = newer.endsAt;
  if (older.startsAt < newer.startsAt) startsAt = older.startsAt;
  if (isResolvedAt(newer, now)) {
    if (isResolvedAt(older, now) && older.endsAt > newer.endsAt) {
      endsAt = older.endsAt;
    }
  } else if (older.endsAt > newer.endsAt && !older.timeout) {
    endsAt = older.endsAt;
  }
  if (startsAt === newer.startsAt && endsAt === newer.endsAt) return newer;
  // Like Alertmanager, the result keeps the newer version's timeout flag even when it takes the older end.
  return { ...newer, startsAt, endsAt };
}
