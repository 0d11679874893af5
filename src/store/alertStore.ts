/**
 * The alert store: one entry per fingerprint, re-sends merged, resolved alerts collected periodically.
 * In-memory implementation of the store port; the Redis twin comes with production mode.
 */
import type { RoutingMemo } from '../dispatch/dispatcher.js';
import { type Alert, isResolvedAt } from '../domain/alert.js';
import { sameStrings } from '../domain/labels.js';
import type { InhibitionMemo } from '../route/inhibit.js';
import { mergeAlerts, overlaps } from './merge.js';

export interface AlertStorePort {
  /** Stores `incoming` (merged with the stored version when ranges overlap) and returns what was stored. */
  put(incoming: Alert, now: number): Alert;
  get(fingerprint: string): Alert | undefined;
  size(): number;
  values(): IterableIterator<Alert>;
  /** Removes alerts resolved at `now`; returns them so dependants (inhibition index) can forget them. */
  collectResolved(now: number): Alert[];
  /**
   * Like `put`, returning the store's record of the fingerprint (its `alert` is what was stored), for
   * stores that keep one. The engine hands the record to inhibition and dispatch. Unlike `put`, a
   * re-send that only extends a firing alert (`onlyExtends`) may update the stored version in place
   * rather than replace it, so a caller that needs to tell versions apart by identity uses `put`.
   */
  putRecord?(incoming: Alert, now: number): AlertRecord;
}

/**
 * The store's mutable record of one fingerprint, kept while the alert is stored. Besides the current
 * version it has room for what inhibition and dispatch work out once per fingerprint (its source
 * entries, its groups): a re-send finds all of it with the store's one map lookup, instead of one
 * lookup per stage in maps of every active alert, which at 1M alerts are cache misses each time.
 */
export interface AlertRecord extends InhibitionMemo, RoutingMemo {
  alert: Alert;
}

export class MemoryAlertStore implements AlertStorePort {
  private readonly records = new Map<string, AlertRecord>();

  put(incoming: Alert, now: number): Alert {
    return this.store(incoming, now, false).alert;
  }

  putRecord(incoming: Alert, now: number): AlertRecord {
    return this.store(incoming, now, true);
  }

  private store(incoming: Alert, now: number, mayExtendInPlace: boolean): AlertRecord {
    const record = this.records.get(incoming.fingerprint);
    if (!record) {
      const first = storedVersion(incoming, incoming.labels, incoming.annotations, incoming.generatorURL, incoming.fingerprint);
      const created: AlertRecord = {
        alert: first,
        inhibitor: undefined,
        sources: undefined,
        dispatcher: undefined,
        groups: undefined,
        inserted: undefined,
        memberships: undefined,
      };
      this.records.set(first.fingerprint, created);
      return created;
    }
    const stored = record.alert;
    const result = overlaps(stored, incoming) ? mergeAlerts(stored, incoming, now) : incoming;
    if (result === stored) return record;
    if (mayExtendInPlace && onlyExtends(stored, result, now)) {
      const version = stored as MutableTimes;
      version.endsAt = result.endsAt;
      version.updatedAt = result.updatedAt;
      version.timeout = result.timeout;
      return record;
    }
    record.alert = sharingWith(stored, result);
    return record;
  }

  get(fingerprint: string): Alert | undefined {
    return this.records.get(fingerprint)?.alert;
  }

  size(): number {
    return this.records.size;
  }

  *values(): IterableIterator<Alert> {
    for (const record of this.records.values()) yield record.alert;
  }

  collectResolved(now: number): Alert[] {
    const removed: Alert[] = [];
    for (const [fp, record] of this.records) {
      if (isResolvedAt(record.alert, now)) {
        this.records.delete(fp);
        removed.push(record.alert);
      }
    }
    return removed;
  }
}

/** The fields `putRecord` may move in place (see `onlyExtends`). */
type MutableTimes = { -readonly [K in 'endsAt' | 'updatedAt' | 'timeout']: Alert[K] };

/**
 * Whether `next` differs from the stored version only by a later (or equal) end, its update time and
 * its timeout flag, while the stored version is still firing at `now`: the re-send every sender makes
 * each evaluation interval (5 of 6 sends in the benchmark streams). `putRecord` then updates the stored
 * version in place instead of copying it: the copy (~100 B, allocated straight into the old generation,
 * see `storedVersion`) and the version it replaced were old-space garbage on every re-send.
 *
 * Safe for every holder of the version, because each only cares about what such a re-send changes in
 * a way that a later end cannot break:
 *   - dispatch groups hold the same object, and a lower bound of their members' ends (`minEndsAt`)
 *     that a later end keeps valid; a flush snapshot decided "resolved" before its await, and only a
 *     version resolved at the flush can leave the group after it (a firing one is never extended into
 *     a resolved one here, and a resolved one is never extended in place);
 *   - inhibition source entries read `endsAt` when asked, as they would of the new version;
 *   - the correlator copies start and end when it observes a version; notification wire forms are
 *     built from the version at flush time and do not show a firing alert's end.
 * An earlier end (a resolve) or any other change still makes a new version: then those holders must
 * see the change through the engine, as before.
 */
function onlyExtends(stored: Alert, next: Alert, now: number): boolean {
  return (
    stored.endsAt > now &&
    next.endsAt >= stored.endsAt &&
    next.startsAt === stored.startsAt &&
    next.source === stored.source &&
    next.generatorURL === stored.generatorURL &&
    (next.labels === stored.labels || sameStrings(next.labels, stored.labels)) &&
    (next.annotations === stored.annotations || sameStrings(next.annotations, stored.annotations))
  );
}

/**
 * The new version `next` of a stored alert, holding the stored version's label set, annotations,
 * generator URL and fingerprint wherever they are equal, so that the objects parsed from a re-send die
 * young instead of replacing the ones already held. A new object: apart from the extension in place
 * above, a version never changes once stored (`put` never changes one at all).
 */
function sharingWith(stored: Alert, next: Alert): Alert {
  const labels = next.labels === stored.labels || sameStrings(next.labels, stored.labels) ? stored.labels : next.labels;
  const annotations =
    next.annotations === stored.annotations || sameStrings(next.annotations, stored.annotations)
      ? stored.annotations
      : next.annotations;
  // Equal strings compare by content; the stored copy is kept.
  const generatorURL = next.generatorURL === stored.generatorURL ? stored.generatorURL : next.generatorURL;
  return storedVersion(next, labels, annotations, generatorURL, labels === stored.labels ? stored.fingerprint : next.fingerprint);
}

/**
 * Every version the store holds is allocated here, never kept as the object the door made. V8 decides
 * per allocation site whether to allocate straight into the old generation; the door's site would be
 * judged long-lived (a new alert is stored as received) and its later, short-lived re-sends would then
 * land in the old generation too, where their pointers to the freshly parsed labels keep all of those
 * alive through every young-generation collection (measured: ~550 bytes promoted per re-send at 100k
 * active alerts, and so much scavenging). Here only the objects that are kept come from a long-lived
 * site.
 */
function storedVersion(a: Alert, labels: Alert['labels'], annotations: Alert['annotations'], generatorURL: string, fingerprint: string): Alert {
  // An object literal, not a class instance: V8 then allocates these straight into the old generation
  // (allocation-site pretenuring), where every stored version ends up anyway; a class instance is
  // allocated young and copied twice by the scavenger (measured: +60% promoted bytes at 100k).
  return {
    labels,
    annotations,
    startsAt: a.startsAt,
    endsAt: a.endsAt,
    generatorURL,
    updatedAt: a.updatedAt,
    timeout: a.timeout,
    fingerprint,
    source: a.source,
  };
}
