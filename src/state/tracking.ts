/**
 * Persistence adapters: they sit on the engine's synchronous ports and remember what changed since the
 * last commit (a dirty set of ids), so the distributed runner can do, per Kafka batch:
 *
 *   engine.receiveAlerts(batch)                      // synchronous, in memory, as today
 *   const changes = tracker.drain()                  // what changed, as repository documents
 *   await repository.commit(partition, changes)      // durable (on failure: tracker.requeue(changes))
 *   await consumer.commitOffsets(...)                // only now
 *
 * Dirty sets hold ids, not values: a document is read from the live state when drained, so an id changed
 * ten times in a batch is written once, with its latest value, and a failed commit is retried by putting
 * the ids back (`requeue`) — the next drain reads whatever is current then.
 *
 * Dispatch stays synchronous: recording a change is a Map lookup and a Set.add.
 *
 * Two ways to run: one engine per partition (each with its own adapters; `partitionOf` absent), or one
 * engine for all the instance's partitions (the Kafka intake's model) with shared adapters that attribute
 * every alert and log entry to its partition (`partitionOf`), one `PartitionTracker` per partition over
 * them. Methods take the partition; single-partition adapters ignore it.
 */
import type { Alert } from '../domain/alert.js';
import type { LogEntry } from '../dispatch/decision.js';
import { MemoryNotificationLog, type NotificationLogPort } from '../dispatch/notificationLog.js';
import type { IncidentSnapshot } from '../correlate/types.js';
import type { Silence, SilenceRegistry } from '../route/silences.js';
import { type AlertStorePort, MemoryAlertStore } from '../store/alertStore.js';
import {
  ALERT_RETENTION_MS,
  type CommitResult,
  type DocumentUpsert,
  INCIDENT_RETENTION_MS,
  type KindChanges,
  OPEN_INCIDENT_TTL_MS,
  type PartitionId,
  type PartitionState,
  SILENCE_RETENTION_MS,
  type StateChanges,
  type StateKind,
  type StateRepository,
  type StoredDocument,
} from './repository.js';
import { decodeAlert, decodeLogEntry, decodeSilence, encodeAlert, encodeLogEntry, encodeSilence } from './trackingCodecs.js';

export interface RestoreResult {
  readonly restored: number;
  /** Malformed documents (wrong shape, id mismatch): skipped, never fatal. */
  readonly skipped: number;
}

/**
 * One kind of state that records its own changes. `partition` selects the partition's share when the
 * source serves several (see `partitionOf` below); a source of a single partition ignores it.
 */
export interface ChangeSource {
  readonly kind: StateKind;
  /** Changes since the last drain, as documents; clears the dirty set. */
  drain(partition?: PartitionId): KindChanges;
  /** Puts back what a failed commit carried, so the next drain writes it again (with current values). */
  requeue(changes: KindChanges, partition?: PartitionId): void;
  /** Everything currently held, as upserts (a full snapshot, after OwnershipLostError). */
  snapshot(partition?: PartitionId): KindChanges;
  /** Loads stored documents (partition gained) without marking them dirty. */
  restore(docs: readonly StoredDocument[], partition?: PartitionId): RestoreResult;
  hasChanges(partition?: PartitionId): boolean;
}

/** Dirty ids per partition, and which partition each id belongs to (when attributed). */
const SINGLE = '';

class DirtySets {
  private readonly sets = new Map<string, Set<string>>();

  add(partition: string, id: string): void {
    let set = this.sets.get(partition);
    if (!set) {
      set = new Set();
      this.sets.set(partition, set);
    }
    set.add(id);
  }

  take(partition: string): Set<string> | undefined {
    const set = this.sets.get(partition);
    if (set) this.sets.delete(partition);
    return set && set.size > 0 ? set : undefined;
  }

  has(partition: string): boolean {
    return (this.sets.get(partition)?.size ?? 0) > 0;
  }

  any(): boolean {
    for (const s of this.sets.values()) if (s.size > 0) return true;
    return false;
  }

  drop(partition: string): void {
    this.sets.delete(partition);
  }
}

function idsOf(changes: KindChanges): string[] {
  const ids: string[] = [];
  for (const u of changes.upserts ?? []) ids.push(u.id);
  for (const id of changes.deletes ?? []) ids.push(id);
  return ids;
}

// ---------------------------------------------------------------------------------------------------

export interface TrackingAlertStoreOptions {
  /** The store that holds the alerts; default a new MemoryAlertStore. */
  readonly inner?: AlertStorePort;
  /** Stored alerts expire this long after `endsAt`; default ALERT_RETENTION_MS (30 min). */
  readonly retentionMs?: number;
  /**
   * One engine for several partitions: the partition an alert belongs to (for the Kafka intake: Kafka's
   * partitioner over the alert's scope key), decided once per fingerprint. Absent: the store serves one
   * partition.
   */
  readonly partitionOf?: (alert: Alert) => PartitionId;
}

/**
 * The alert store with a dirty set of fingerprints: `put` (when the stored version changes) and
 * `collectResolved` mark them.
 */
export class TrackingAlertStore implements AlertStorePort, ChangeSource {
  readonly kind = 'alerts' as const;
  private readonly inner: AlertStorePort;
  private readonly retentionMs: number;
  private readonly partitionOfAlert: ((a: Alert) => PartitionId) | undefined;
  private readonly dirty = new DirtySets();
  /** fingerprint → partition, with `partitionOf` only; kept until the alert's delete is drained. */
  private readonly owners = new Map<string, PartitionId>();

  constructor(opts: TrackingAlertStoreOptions = {}) {
    this.inner = opts.inner ?? new MemoryAlertStore();
    this.retentionMs = opts.retentionMs ?? ALERT_RETENTION_MS;
    this.partitionOfAlert = opts.partitionOf;
  }

  put(incoming: Alert, now: number): Alert {
    const before = this.inner.get(incoming.fingerprint);
    const stored = this.inner.put(incoming, now);
    // An exact re-send leaves the stored version as it was: nothing to write.
    if (stored !== before) this.mark(stored);
    return stored;
  }

  get(fingerprint: string): Alert | undefined {
    return this.inner.get(fingerprint);
  }

  size(): number {
    return this.inner.size();
  }

  values(): IterableIterator<Alert> {
    return this.inner.values();
  }

  collectResolved(now: number): Alert[] {
    const removed = this.inner.collectResolved(now);
    for (const a of removed) this.mark(a);
    return removed;
  }

  /** The partition a stored (or just removed) alert belongs to; undefined without `partitionOf`. */
  partitionOfFingerprint(fingerprint: string): PartitionId | undefined {
    return this.owners.get(fingerprint);
  }

  drain(partition?: PartitionId): KindChanges {
    const ids = this.dirty.take(this.slot(partition));
    if (!ids) return {};
    const upserts: DocumentUpsert[] = [];
    const deletes: string[] = [];
    for (const fp of ids) {
      const a = this.inner.get(fp);
      if (a) {
        upserts.push(this.toDoc(a));
      } else {
        deletes.push(fp);
        this.owners.delete(fp);
      }
    }
    return { upserts, deletes };
  }

  requeue(changes: KindChanges, partition?: PartitionId): void {
    const slot = this.slot(partition);
    for (const id of idsOf(changes)) {
      if (this.partitionOfAlert && partition !== undefined) this.owners.set(id, partition);
      this.dirty.add(slot, id);
    }
  }

  snapshot(partition?: PartitionId): KindChanges {
    const upserts: DocumentUpsert[] = [];
    for (const a of this.inner.values()) if (this.belongs(a.fingerprint, partition)) upserts.push(this.toDoc(a));
    return { upserts };
  }

  /**
   * Puts stored alerts back into the store. The restored alerts are returned too: the engine must still
   * route them (inhibitor and dispatcher), which is the runner's part.
   */
  restore(docs: readonly StoredDocument[], partition?: PartitionId): RestoreResult & { readonly alerts: Alert[] } {
    const alerts: Alert[] = [];
    let skipped = 0;
    for (const d of docs) {
      const a = decodeAlert(d.doc);
      if (!a || a.fingerprint !== d.id) {
        skipped++;
        continue;
      }
      if (this.partitionOfAlert) this.owners.set(a.fingerprint, partition ?? this.partitionOfAlert(a));
      alerts.push(this.inner.put(a, a.updatedAt));
    }
    return { restored: alerts.length, skipped, alerts };
  }

  hasChanges(partition?: PartitionId): boolean {
    return partition === undefined && this.partitionOfAlert ? this.dirty.any() : this.dirty.has(this.slot(partition));
  }

  /**
   * Partition revoked (shared store): forgets its dirty set and attribution and returns its alerts'
   * fingerprints, which the engine must drop (the store port has no removal of its own).
   */
  forget(partition: PartitionId): string[] {
    this.dirty.drop(this.slot(partition));
    const fps: string[] = [];
    for (const [fp, p] of this.owners) {
      if (p === partition) {
        fps.push(fp);
        this.owners.delete(fp);
      }
    }
    return fps;
  }

  private slot(partition: PartitionId | undefined): string {
    return this.partitionOfAlert ? (partition ?? SINGLE) : SINGLE;
  }

  private belongs(fp: string, partition: PartitionId | undefined): boolean {
    return !this.partitionOfAlert || partition === undefined || this.owners.get(fp) === partition;
  }

  private mark(a: Alert): void {
    if (!this.partitionOfAlert) {
      this.dirty.add(SINGLE, a.fingerprint);
      return;
    }
    let p = this.owners.get(a.fingerprint);
    if (p === undefined) {
      p = this.partitionOfAlert(a);
      this.owners.set(a.fingerprint, p);
    }
    this.dirty.add(p, a.fingerprint);
  }

  private toDoc(a: Alert): DocumentUpsert {
    return { id: a.fingerprint, doc: encodeAlert(a), expiresAt: a.endsAt + this.retentionMs };
  }
}

// ---------------------------------------------------------------------------------------------------

export interface TrackingNotificationLogOptions {
  readonly inner?: NotificationLogPort;
  /**
   * One engine for several partitions: the partition a log entry belongs to, asked once per key (the
   * first time it is logged). `partitionByFingerprint` builds one from the alerts' attribution. An entry
   * it cannot place (undefined) is kept in memory but not persisted, and counted (`unattributed`).
   */
  readonly partitionOf?: (key: string, entry: LogEntry) => PartitionId | undefined;
}

/** The notification log with a dirty set of keys; each entry keeps the expiry it was logged with. */
export class TrackingNotificationLog implements NotificationLogPort, ChangeSource {
  readonly kind = 'nflog' as const;
  private readonly inner: NotificationLogPort;
  private readonly partitionOfEntry: TrackingNotificationLogOptions['partitionOf'];
  private readonly expiries = new Map<string, number>();
  private readonly dirty = new DirtySets();
  private readonly owners = new Map<string, PartitionId>();
  /** Entries logged that no partition could be found for (not persisted). */
  unattributed = 0;

  constructor(opts: TrackingNotificationLogOptions = {}) {
    this.inner = opts.inner ?? new MemoryNotificationLog();
    this.partitionOfEntry = opts.partitionOf;
  }

  get(key: string): LogEntry | undefined {
    return this.inner.get(key);
  }

  log(key: string, entry: LogEntry, expiresAt: number): void {
    this.inner.log(key, entry, expiresAt);
    this.expiries.set(key, expiresAt);
    if (!this.partitionOfEntry) {
      this.dirty.add(SINGLE, key);
      return;
    }
    let p = this.owners.get(key);
    if (p === undefined) {
      p = this.partitionOfEntry(key, entry);
      if (p === undefined) {
        this.unattributed++;
        return;
      }
      this.owners.set(key, p);
    }
    this.dirty.add(p, key);
  }

  /** Expired entries also expire in the repository on their own: nothing to mark. */
  collect(now: number): void {
    this.inner.collect(now);
    for (const [k, at] of this.expiries) {
      if (at <= now) {
        this.expiries.delete(k);
        this.owners.delete(k);
      }
    }
  }

  size(): number {
    return this.inner.size();
  }

  drain(partition?: PartitionId): KindChanges {
    const keys = this.dirty.take(this.slot(partition));
    if (!keys) return {};
    const upserts: DocumentUpsert[] = [];
    const deletes: string[] = [];
    for (const key of keys) {
      const doc = this.toDoc(key);
      if (doc) upserts.push(doc);
      else deletes.push(key);
    }
    return { upserts, deletes };
  }

  requeue(changes: KindChanges, partition?: PartitionId): void {
    const slot = this.slot(partition);
    for (const id of idsOf(changes)) this.dirty.add(slot, id);
  }

  snapshot(partition?: PartitionId): KindChanges {
    const upserts: DocumentUpsert[] = [];
    for (const key of this.expiries.keys()) {
      if (this.partitionOfEntry && partition !== undefined && this.owners.get(key) !== partition) continue;
      const doc = this.toDoc(key);
      if (doc) upserts.push(doc);
    }
    return { upserts };
  }

  restore(docs: readonly StoredDocument[], partition?: PartitionId): RestoreResult {
    let restored = 0;
    let skipped = 0;
    for (const d of docs) {
      const entry = decodeLogEntry(d.doc);
      if (!entry) {
        skipped++;
        continue;
      }
      this.inner.log(d.id, entry, d.expiresAt);
      this.expiries.set(d.id, d.expiresAt);
      if (this.partitionOfEntry && partition !== undefined) this.owners.set(d.id, partition);
      restored++;
    }
    return { restored, skipped };
  }

  hasChanges(partition?: PartitionId): boolean {
    return partition === undefined && this.partitionOfEntry ? this.dirty.any() : this.dirty.has(this.slot(partition));
  }

  /** Partition revoked (shared log): forgets its dirty set and attribution; returns its keys. */
  forget(partition: PartitionId): string[] {
    this.dirty.drop(this.slot(partition));
    const keys: string[] = [];
    for (const [k, p] of this.owners) {
      if (p === partition) {
        keys.push(k);
        this.owners.delete(k);
      }
    }
    return keys;
  }

  private slot(partition: PartitionId | undefined): string {
    return this.partitionOfEntry ? (partition ?? SINGLE) : SINGLE;
  }

  private toDoc(key: string): DocumentUpsert | undefined {
    const entry = this.inner.get(key);
    const expiresAt = this.expiries.get(key);
    return entry && expiresAt !== undefined ? { id: key, doc: encodeLogEntry(entry), expiresAt } : undefined;
  }
}

/**
 * A `partitionOf` for the notification log: the partition of the first of the entry's fingerprints
 * (firing, then resolved) that `lookup` knows — e.g. `fp => alerts.partitionOfFingerprint(fp)`, then the
 * correlator's incident alerts, which are not in the store.
 */
export function partitionByFingerprint(...lookups: ((fp: string) => PartitionId | undefined)[]): (key: string, entry: LogEntry) => PartitionId | undefined {
  return (_key, entry) => {
    for (const set of [entry.firing, entry.resolved]) {
      for (const fp of set) {
        for (const lookup of lookups) {
          const p = lookup(fp);
          if (p !== undefined) return p;
        }
      }
    }
    return undefined;
  };
}

// ---------------------------------------------------------------------------------------------------

export interface SilenceTrackerOptions {
  /** Stored silences expire this long after `endsAt`; default SILENCE_RETENTION_MS (120 h). */
  readonly retentionMs?: number;
  /**
   * Puts a stored silence back into the registry, keeping its id and times. Default: the registry's
   * `restore(silence)` method.
   */
  readonly insert?: (s: Silence) => void;
}

/**
 * The silence change hook. `SilenceRegistry` bumps `version` on every change and replaces a silence's
 * object when it changes, so the tracker diffs the registry against what it last drained, by object
 * identity, only when the version moved. Silences are few: the diff is a scan of them, per commit, and
 * nothing on the per-alert path.
 */
export class SilenceTracker implements ChangeSource {
  readonly kind = 'silences' as const;
  private readonly retentionMs: number;
  private readonly insert: (s: Silence) => void;
  private known = new Map<string, Silence>();
  private knownVersion: number;
  private readonly forced = new Set<string>();

  constructor(
    private readonly registry: SilenceRegistry,
    opts: SilenceTrackerOptions = {},
  ) {
    this.retentionMs = opts.retentionMs ?? SILENCE_RETENTION_MS;
    this.insert = opts.insert ?? ((s) => registryRestore(registry, s));
    // Silences present when tracking starts are changes too (the first drain writes them).
    this.knownVersion = -1;
  }

  drain(): KindChanges {
    if (this.registry.version === this.knownVersion && this.forced.size === 0) return {};
    const current = new Map(this.registry.list().map((s) => [s.id, s] as const));
    const upserts: DocumentUpsert[] = [];
    const deletes: string[] = [];
    for (const [id, s] of current) if (this.known.get(id) !== s || this.forced.has(id)) upserts.push(this.toDoc(s));
    for (const id of this.known.keys()) if (!current.has(id)) deletes.push(id);
    for (const id of this.forced) if (!current.has(id) && !this.known.has(id)) deletes.push(id);
    this.known = current;
    this.knownVersion = this.registry.version;
    this.forced.clear();
    return upserts.length + deletes.length > 0 ? { upserts, deletes } : {};
  }

  requeue(changes: KindChanges): void {
    for (const id of idsOf(changes)) this.forced.add(id);
  }

  snapshot(): KindChanges {
    return { upserts: this.registry.list().map((s) => this.toDoc(s)) };
  }

  restore(docs: readonly StoredDocument[]): RestoreResult {
    const loaded = new Set<string>();
    let skipped = 0;
    for (const d of docs) {
      const s = decodeSilence(d.doc);
      if (!s || s.id !== d.id) {
        skipped++;
        continue;
      }
      this.insert(s);
      loaded.add(s.id);
    }
    // What was just loaded is not a change; anything else in the registry not yet drained still is.
    const list = this.registry.list();
    for (const s of list) if (loaded.has(s.id)) this.known.set(s.id, s);
    this.knownVersion = list.every((s) => this.known.get(s.id) === s) ? this.registry.version : -1;
    return { restored: loaded.size, skipped };
  }

  hasChanges(): boolean {
    return this.registry.version !== this.knownVersion || this.forced.size > 0;
  }

  private toDoc(s: Silence): DocumentUpsert {
    return { id: s.id, doc: encodeSilence(s), expiresAt: s.endsAt + this.retentionMs };
  }
}

/** `registry.restore(s)`: puts a stored silence back as it was (no new id, no clamping). */
export function registryRestore(registry: SilenceRegistry, s: Silence): void {
  registry.restore(s);
}

// ---------------------------------------------------------------------------------------------------

/**
 * A change source for state whose owner pushes documents (incidents, SLO ledgers): `upsert` and
 * `remove` record the latest value per id; the tracker mirrors what is live, for snapshots.
 * `doc` is serialized when the batch is committed (synchronously, at the `commit` call), so the owner
 * may pass its live object as long as it does not mutate it into an inconsistent state in between.
 */
export class DocumentTracker implements ChangeSource {
  private readonly live = new Map<string, { doc: unknown; expiresAt: number }>();
  private dirty = new Set<string>();

  constructor(readonly kind: StateKind) {}

  upsert(id: string, doc: unknown, expiresAt: number): void {
    this.live.set(id, { doc, expiresAt });
    this.dirty.add(id);
  }

  remove(id: string): void {
    this.live.delete(id);
    this.dirty.add(id);
  }

  get(id: string): StoredDocument | undefined {
    const e = this.live.get(id);
    return e ? { id, doc: e.doc, expiresAt: e.expiresAt } : undefined;
  }

  entries(): StoredDocument[] {
    return [...this.live].map(([id, e]) => ({ id, doc: e.doc, expiresAt: e.expiresAt }));
  }

  drain(): KindChanges {
    if (this.dirty.size === 0) return {};
    const upserts: DocumentUpsert[] = [];
    const deletes: string[] = [];
    for (const id of this.dirty) {
      const e = this.live.get(id);
      if (e) upserts.push({ id, doc: e.doc, expiresAt: e.expiresAt });
      else deletes.push(id);
    }
    this.dirty = new Set();
    return { upserts, deletes };
  }

  requeue(changes: KindChanges): void {
    for (const id of idsOf(changes)) this.dirty.add(id);
  }

  snapshot(): KindChanges {
    return { upserts: this.entries() };
  }

  /** Mirrors the stored documents; the owner rebuilds its own state from `entries()`. */
  restore(docs: readonly StoredDocument[]): RestoreResult {
    for (const d of docs) this.live.set(d.id, { doc: d.doc, expiresAt: d.expiresAt });
    return { restored: docs.length, skipped: 0 };
  }

  hasChanges(): boolean {
    return this.dirty.size > 0;
  }
}

export interface IncidentRetention {
  /** After `resolvedAt`; default INCIDENT_RETENTION_MS (120 h). */
  readonly resolvedMs?: number;
  /** After `updatedAt` while open; default OPEN_INCIDENT_TTL_MS (7 days). */
  readonly openMs?: number;
}

/** When a stored incident expires: resolved + retention, or last update + the open TTL. */
export function incidentExpiresAt(s: Pick<IncidentSnapshot, 'status' | 'updatedAt' | 'resolvedAt'>, r: IncidentRetention = {}): number {
  const resolvedAt = s.resolvedAt !== undefined ? Date.parse(s.resolvedAt) : NaN;
  if (s.status === 'resolved' && Number.isFinite(resolvedAt)) return resolvedAt + (r.resolvedMs ?? INCIDENT_RETENTION_MS);
  const updatedAt = Date.parse(s.updatedAt);
  return (Number.isFinite(updatedAt) ? updatedAt : Date.now()) + (r.openMs ?? OPEN_INCIDENT_TTL_MS);
}

/** Incidents as documents (IncidentSnapshot is plain JSON already). */
export class IncidentTracker extends DocumentTracker {
  constructor(private readonly retention: IncidentRetention = {}) {
    super('incidents');
  }

  record(s: IncidentSnapshot): void {
    this.upsert(s.id, s, incidentExpiresAt(s, this.retention));
  }
}

// ---------------------------------------------------------------------------------------------------

/**
 * The change sources of one partition, drained and committed together. Sources may be the partition's
 * own (one engine per partition) or shared by the trackers of all partitions of one engine (sources with
 * `partitionOf`); each tracker drains its partition's share.
 */
export class PartitionTracker {
  private readonly sources: ReadonlyMap<StateKind, ChangeSource>;

  constructor(
    readonly partition: PartitionId,
    sources: readonly ChangeSource[],
  ) {
    const m = new Map<StateKind, ChangeSource>();
    for (const s of sources) {
      if (m.has(s.kind)) throw new Error(`two change sources for ${s.kind} in partition ${partition}`);
      m.set(s.kind, s);
    }
    this.sources = m;
  }

  drain(): StateChanges {
    const out: { -readonly [K in StateKind]?: KindChanges } = {};
    for (const [kind, s] of this.sources) {
      const c = s.drain(this.partition);
      if ((c.upserts?.length ?? 0) + (c.deletes?.length ?? 0) > 0) out[kind] = c;
    }
    return out;
  }

  requeue(changes: StateChanges): void {
    for (const [kind, s] of this.sources) {
      const c = changes[kind];
      if (c) s.requeue(c, this.partition);
    }
  }

  /** Everything held, as one replacing batch. */
  snapshot(): StateChanges {
    const out: { -readonly [K in StateKind]?: KindChanges } & { replace?: boolean } = { replace: true };
    for (const [kind, s] of this.sources) out[kind] = s.snapshot(this.partition);
    return out;
  }

  restore(state: PartitionState): Partial<Record<StateKind, RestoreResult>> {
    const out: Partial<Record<StateKind, RestoreResult>> = {};
    for (const [kind, s] of this.sources) out[kind] = s.restore(state.docs[kind], this.partition);
    return out;
  }

  hasChanges(): boolean {
    for (const s of this.sources.values()) if (s.hasChanges(this.partition)) return true;
    return false;
  }

  /**
   * Drains and commits; on any failure the drained changes are put back (so a later commit carries them)
   * and the error is rethrown: the caller must not commit Kafka offsets then.
   */
  async commit(repository: StateRepository): Promise<CommitResult> {
    const changes = this.drain();
    try {
      return await repository.commit(this.partition, changes);
    } catch (e) {
      this.requeue(changes);
      throw e;
    }
  }
}
