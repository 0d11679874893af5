/**
 * The alert store: one entry per fingerprint, re-sends merged, resolved alerts collected periodically.
 * In-memory implementation of the store port; the Redis twin comes with production mode.
 */
import { type Alert, isResolvedAt } from '../domain/alert.js';
import { mergeAlerts, overlaps } from './merge.js';

export interface AlertStorePort {
  /** Stores `incoming` (merged with the stored version when ranges overlap) and returns what was stored. */
  put(incoming: Alert, now: number): Alert;
  get(fingerprint: string): Alert | undefined;
  size(): number;
  values(): IterableIterator<Alert>;
  /** Removes alerts resolved at `now`; returns them so dependants (inhibition index) can forget them. */
  collectResolved(now: number): Alert[];
}

/** A mutable holder, so a re-send replaces the stored version with one map lookup. */
interface Slot {
  alert: Alert;
}

export class MemoryAlertStore implements AlertStorePort {
  private readonly slots = new Map<string, Slot>();

  put(incoming: Alert, now: number): Alert {
    const slot = this.slots.get(incoming.fingerprint);
    if (!slot) {
      this.slots.set(incoming.fingerprint, { alert: incoming });
      return incoming;
    }
    const stored = slot.alert;
    const result = overlaps(stored, incoming) ? mergeAlerts(stored, incoming, now) : incoming;
    slot.alert = result;
    return result;
  }

  get(fingerprint: string): Alert | undefined {
    return this.slots.get(fingerprint)?.alert;
  }

  size(): number {
    return this.slots.size;
  }

  *values(): IterableIterator<Alert> {
    for (const slot of this.slots.values()) yield slot.alert;
  }

  collectResolved(now: number): Alert[] {
    const removed: Alert[] = [];
    for (const [fp, slot] of this.slots) {
      if (isResolvedAt(slot.alert, now)) {
        this.slots.delete(fp);
        removed.push(slot.alert);
      }
    }
    return removed;
  }
}
