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

export class MemoryAlertStore implements AlertStorePort {
  private readonly alerts = new Map<string, Alert>();

  put(incoming: Alert, now: number): Alert {
    const stored = this.alerts.get(incoming.fingerprint);
    const result = stored && overlaps(stored, incoming) ? mergeAlerts(stored, incoming, now) : incoming;
    this.alerts.set(incoming.fingerprint, result);
    return result;
  }

  get(fingerprint: string): Alert | undefined {
    return this.alerts.get(fingerprint);
  }

  size(): number {
    return this.alerts.size;
  }

  values(): IterableIterator<Alert> {
    return this.alerts.values();
  }

  collectResolved(now: number): Alert[] {
    const removed: Alert[] = [];
    for (const [fp, a] of this.alerts) {
      if (isResolvedAt(a, now)) {
        this.alerts.delete(fp);
        removed.push(a);
      }
    }
    return removed;
  }
}
