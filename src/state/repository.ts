/**
 * The durable side of production mode (docs/state.md).
 *
 * The engine keeps its hot state in memory behind synchronous ports, one working set per owned Kafka
 * partition. A `StateRepository` makes that state durable: after a Kafka batch is processed in memory,
 * the runner commits what changed (`commit`) and only then commits the Kafka offsets; when an instance
 * gains a partition it loads the partition's state (`load`), which also fences out the previous owner.
 * `claimNotification` is the cross-instance arbiter that keeps two instances from sending the same
 * notification state twice.
 *
 * Documents are opaque JSON per kind (alerts, notification log, silences, incidents, SLO ledgers): the
 * repository never depends on engine internals. Each document carries its own expiry, so stored state
 * stays bounded without a janitor.
 *
 * Implementations: `MemoryStateRepository` (embedded, tests) and `RedisStateRepository` (ioredis). Both
 * pass the same contract suite (test/state/repositoryContract.ts).
 */

/** The kinds of document a partition holds. Order is part of the Redis script layout: append only. */
export const STATE_KINDS = ['alerts', 'nflog', 'silences', 'incidents', 'ledger'] as const;
export type StateKind = (typeof STATE_KINDS)[number];

/**
 * A partition of state: `<topic>:<partition>` for a Kafka partition (see `partitionId`). Letters, digits
 * and `._:-` only (Kafka topic names are `[a-zA-Z0-9._-]`), at most 200 characters, so an id can be a
 * Redis Cluster hash tag.
 */
export type PartitionId = string;

const PARTITION_RE = /^[A-Za-z0-9._:-]{1,200}$/;

export function partitionId(topic: string, partition: number): PartitionId {
  return checkPartition(`${topic}:${partition}`);
}

export function checkPartition(p: string): PartitionId {
  if (!PARTITION_RE.test(p)) throw new InvalidChangeError(`invalid partition id ${JSON.stringify(p)}: use [A-Za-z0-9._:-], 1-200 characters`);
  return p;
}

/** One document to store. `doc` must survive `JSON.stringify` (no cycles, no BigInt). */
export interface DocumentUpsert {
  /** Unique within (partition, kind): a fingerprint, a notification-log key, a silence or incident id. */
  readonly id: string;
  readonly doc: unknown;
  /** Epoch ms. The document is gone from `load` from this moment, and physically soon after. */
  readonly expiresAt: number;
}

export interface KindChanges {
  readonly upserts?: readonly DocumentUpsert[];
  /** Ids to remove (unknown ids are fine). */
  readonly deletes?: readonly string[];
}

/**
 * One batch of changes to one partition, applied all or nothing. An id may appear at most once per kind
 * (as an upsert or as a delete). An upsert that has already expired is applied as a delete.
 */
export interface StateChanges {
  readonly alerts?: KindChanges;
  readonly nflog?: KindChanges;
  readonly silences?: KindChanges;
  readonly incidents?: KindChanges;
  readonly ledger?: KindChanges;
  /**
   * The batch is a full snapshot: everything stored for the partition is dropped first, in the same atomic
   * step. Used after `OwnershipLostError` (the backend lost data: rewrite it from memory).
   */
  readonly replace?: boolean;
}

export interface StoredDocument {
  readonly id: string;
  readonly doc: unknown;
  readonly expiresAt: number;
}

export interface PartitionState {
  readonly partition: PartitionId;
  /** The ownership epoch this load took; later commits must carry it (the repository does that). */
  readonly epoch: number;
  readonly docs: Readonly<Record<StateKind, readonly StoredDocument[]>>;
}

export interface CommitResult {
  /** Documents written. */
  readonly upserted: number;
  /** Documents removed: deletes, plus upserts that had already expired. */
  readonly deleted: number;
  /** Expired documents dropped along the way. */
  readonly pruned: number;
}

export type StateHealth =
  | { readonly ok: true; readonly backend: 'memory' | 'redis'; readonly latencyMs: number }
  | { readonly ok: false; readonly backend: 'memory' | 'redis'; readonly error: string };

export interface StateRepository {
  /** Who this repository is for claims and ownership (unique per process). */
  readonly instanceId: string;

  /**
   * Takes ownership of `partitions` and returns everything stored for them. Taking ownership bumps each
   * partition's epoch, so a previous owner that still runs (a zombie after a rebalance) can no longer
   * commit to it (`StaleOwnerError`). Each partition is read as one consistent snapshot.
   */
  load(partitions: readonly PartitionId[]): Promise<Map<PartitionId, PartitionState>>;

  /**
   * Applies one batch atomically: every change or none. Rejects with
   * - `NotOwnerError` when this repository has not loaded the partition (or released it),
   * - `StaleOwnerError` when another instance has loaded it since (stop working on it),
   * - `OwnershipLostError` when the ownership record is gone (the backend lost data): `load` the partition
   *   again and commit a full snapshot (`replace: true`),
   * - `InvalidChangeError` before anything is sent, for a malformed batch,
   * - `StateUnavailableError` when the backend cannot be reached; nothing is queued for later. The batch
   *   may or may not have been applied; committing the same changes again is safe.
   */
  commit(partition: PartitionId, changes: StateChanges): Promise<CommitResult>;

  /** Forgets ownership locally (partition revoked). Nothing is deleted: the next owner loads it. */
  release(partitions: readonly PartitionId[]): void;

  /** Partitions this repository owns (loaded, not released). */
  owned(): PartitionId[];

  /**
   * The cross-instance arbiter: true for the first instance that claims (`key`, `stateHash`) and, while
   * the claim lives, for that same instance again (its own retries and follow-up requests); false for
   * every other instance. The claim lives `ttlMs`.
   */
  claimNotification(key: string, stateHash: string, ttlMs: number): Promise<boolean>;

  /** Gives a claim back (the send failed), if this instance holds it. True when released. */
  releaseNotification(key: string, stateHash: string): Promise<boolean>;

  /** Health: never throws. */
  ping(): Promise<StateHealth>;

  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// Retention defaults (the TTLs that keep stored state bounded)

const HOUR_MS = 3600_000;

/** Resolved alerts stay this long after `endsAt` (the engine's GC interval, ALERT_GC_INTERVAL_MS). */
export const ALERT_RETENTION_MS = 30 * 60_000;
/** Alertmanager's notification-log and silence retention (`--data.retention`, 120 h). */
export const NFLOG_RETENTION_MS = 120 * HOUR_MS;
export const SILENCE_RETENTION_MS = 120 * HOUR_MS;
/** Resolved incidents stay this long after `resolvedAt`. */
export const INCIDENT_RETENTION_MS = 120 * HOUR_MS;
/** An open incident not updated for this long expires (every update moves it forward). */
export const OPEN_INCIDENT_TTL_MS = 7 * 24 * HOUR_MS;

// ---------------------------------------------------------------------------------------------------
// Errors

export type StateErrorCode = 'unavailable' | 'stale_owner' | 'ownership_lost' | 'not_owner' | 'invalid_change' | 'backend';

export class StateError extends Error {
  constructor(
    readonly code: StateErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StateError';
  }
}

/** The backend cannot be reached (or answers it cannot serve). Commands fail fast; nothing is queued. */
export class StateUnavailableError extends StateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('unavailable', message, options);
    this.name = 'StateUnavailableError';
  }
}

/** Another instance has taken the partition over since this one loaded it. */
export class StaleOwnerError extends StateError {
  constructor(
    readonly partition: PartitionId,
    message: string,
  ) {
    super('stale_owner', message);
    this.name = 'StaleOwnerError';
  }
}

/** The partition's ownership record is gone: the backend lost data (restart without persistence). */
export class OwnershipLostError extends StateError {
  constructor(
    readonly partition: PartitionId,
    message: string,
  ) {
    super('ownership_lost', message);
    this.name = 'OwnershipLostError';
  }
}

/** Commit to a partition this repository did not load. */
export class NotOwnerError extends StateError {
  constructor(
    readonly partition: PartitionId,
    message: string,
  ) {
    super('not_owner', message);
    this.name = 'NotOwnerError';
  }
}

export class InvalidChangeError extends StateError {
  constructor(message: string) {
    super('invalid_change', message);
    this.name = 'InvalidChangeError';
  }
}

// ---------------------------------------------------------------------------------------------------
// Shared by the implementations: validation and encoding, done before anything is written, so a bad
// document can never leave a batch half applied.

export interface EncodedUpsert {
  readonly id: string;
  readonly expiresAt: number;
  readonly json: string;
}

export interface EncodedKind {
  readonly upserts: EncodedUpsert[];
  readonly deletes: string[];
}

export interface EncodedChanges {
  readonly kinds: Record<StateKind, EncodedKind>;
  readonly replace: boolean;
}

const MAX_ID_LENGTH = 64 * 1024;

/** Validates and serializes a batch; throws `InvalidChangeError` naming the first problem. */
export function encodeChanges(changes: StateChanges, now: number): EncodedChanges {
  if (changes === null || typeof changes !== 'object') throw new InvalidChangeError('changes must be an object');
  for (const k of Object.keys(changes)) {
    if (k !== 'replace' && !(STATE_KINDS as readonly string[]).includes(k)) {
      throw new InvalidChangeError(`unknown state kind ${JSON.stringify(k)} (known: ${STATE_KINDS.join(', ')})`);
    }
  }
  const kinds = {} as Record<StateKind, EncodedKind>;
  for (const kind of STATE_KINDS) {
    const c = changes[kind];
    const out: EncodedKind = { upserts: [], deletes: [] };
    kinds[kind] = out;
    if (c === undefined) continue;
    const seen = new Set<string>();
    const checkId = (id: unknown, what: string): string => {
      if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
        throw new InvalidChangeError(`${kind}: ${what} id must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
      }
      if (seen.has(id)) throw new InvalidChangeError(`${kind}: id ${JSON.stringify(id.slice(0, 200))} appears twice in one batch`);
      seen.add(id);
      return id;
    };
    for (const u of c.upserts ?? []) {
      const id = checkId(u?.id, 'upsert');
      if (typeof u.expiresAt !== 'number' || !Number.isFinite(u.expiresAt)) {
        throw new InvalidChangeError(`${kind}: ${JSON.stringify(id.slice(0, 200))}: expiresAt must be a finite epoch-ms number`);
      }
      let json: string | undefined;
      try {
        json = JSON.stringify(u.doc);
      } catch (e) {
        throw new InvalidChangeError(`${kind}: ${JSON.stringify(id.slice(0, 200))}: document is not JSON-serializable: ${(e as Error).message}`);
      }
      if (json === undefined) throw new InvalidChangeError(`${kind}: ${JSON.stringify(id.slice(0, 200))}: document is not JSON (undefined or a function)`);
      const expiresAt = Math.ceil(u.expiresAt);
      if (expiresAt <= now) out.deletes.push(id);
      else out.upserts.push({ id, expiresAt, json });
    }
    for (const id of c.deletes ?? []) out.deletes.push(checkId(id, 'delete'));
  }
  return { kinds, replace: changes.replace === true };
}

export function emptyDocs(): Record<StateKind, StoredDocument[]> {
  return { alerts: [], nflog: [], silences: [], incidents: [], ledger: [] };
}

/** A process-unique instance id: host, pid and a random suffix. */
export function defaultInstanceId(): string {
  const host = (process.env.HOSTNAME ?? 'host').replace(/[^A-Za-z0-9._-]/g, '').slice(0, 60) || 'host';
  return `${host}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

export function checkClaim(key: string, stateHash: string, ttlMs: number): void {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidChangeError('claim key must be a non-empty string');
  if (typeof stateHash !== 'string' || !/^[A-Za-z0-9_.:-]{1,128}$/.test(stateHash)) {
    throw new InvalidChangeError('claim state hash must be 1-128 characters of [A-Za-z0-9_.:-]');
  }
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) throw new InvalidChangeError('claim ttlMs must be a positive integer');
}
