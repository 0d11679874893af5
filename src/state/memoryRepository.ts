/**
 * The in-memory state repository: embedded mode, tests, benchmarks. It behaves like the Redis one,
 * document for document: documents are stored as JSON text (so what is loaded is a copy, and what cannot
 * be serialized is refused), ownership epochs fence zombies, claims expire.
 *
 * Several repositories (one per simulated instance) share one `MemoryStateStore`, the stand-in for the
 * Redis server: it can be taken down and restarted (losing its data, like a Redis without persistence),
 * so the contract suite runs its outage cases against both implementations.
 */
import {
  type CommitResult,
  checkClaim,
  checkPartition,
  defaultInstanceId,
  emptyDocs,
  encodeChanges,
  NotOwnerError,
  OwnershipLostError,
  type PartitionId,
  type PartitionState,
  STATE_KINDS,
  type StateChanges,
  type StateHealth,
  type StateKind,
  type StateRepository,
  StateUnavailableError,
  StaleOwnerError,
} from './repository.js';

interface StoredEntry {
  json: string;
  expiresAt: number;
}

interface PartitionData {
  epoch: number;
  kinds: Record<StateKind, Map<string, StoredEntry>>;
  prunedAt: number;
}

function newKinds(): Record<StateKind, Map<string, StoredEntry>> {
  return { alerts: new Map(), nflog: new Map(), silences: new Map(), incidents: new Map(), ledger: new Map() };
}

/** The shared "server". */
export class MemoryStateStore {
  private partitions = new Map<PartitionId, PartitionData>();
  private claims = new Map<string, { owner: string; expiresAt: number }>();
  private up = true;
  private claimsSweptAt = 0;

  constructor(readonly now: () => number = Date.now) {}

  /** Simulates the backend going away (every operation rejects) or coming back. */
  setAvailable(available: boolean): void {
    this.up = available;
  }

  /** Simulates a restart without persistence: everything is lost; the store is up again. */
  restart(): void {
    this.partitions = new Map();
    this.claims = new Map();
    this.up = true;
  }

  /** Documents held for a partition, after expired ones are swept (what boundedness tests count). */
  documentsHeld(partition: PartitionId): number {
    this.sweep();
    const p = this.partitions.get(partition);
    let n = 0;
    if (p) for (const k of STATE_KINDS) n += p.kinds[k].size;
    return n;
  }

  /** Whether a live claim exists for (key, stateHash), whoever holds it. */
  claimHeld(key: string, stateHash: string): boolean {
    this.sweep();
    return this.claims.has(`${key}\x00${stateHash}`);
  }

  /** Drops expired documents and claims everywhere (Redis does this with key expiry). */
  sweep(): void {
    const now = this.now();
    for (const p of this.partitions.values()) for (const k of STATE_KINDS) prune(p.kinds[k], now);
    for (const [k, c] of this.claims) if (c.expiresAt <= now) this.claims.delete(k);
  }

  /** @internal */
  check(op: string): void {
    if (!this.up) throw new StateUnavailableError(`${op} failed: state store unavailable (memory store is down)`);
  }

  /** @internal */
  partition(p: PartitionId): PartitionData | undefined {
    return this.partitions.get(p);
  }

  /** @internal */
  acquire(p: PartitionId): PartitionData {
    let data = this.partitions.get(p);
    if (!data) {
      data = { epoch: 0, kinds: newKinds(), prunedAt: 0 };
      this.partitions.set(p, data);
    }
    data.epoch++;
    return data;
  }

  /** @internal Expired claims are swept at most once a second, so the map stays bounded. */
  claimsMap(): Map<string, { owner: string; expiresAt: number }> {
    const now = this.now();
    if (now - this.claimsSweptAt >= SWEEP_INTERVAL_MS) {
      this.claimsSweptAt = now;
      for (const [k, c] of this.claims) if (c.expiresAt <= now) this.claims.delete(k);
    }
    return this.claims;
  }
}

/** Expired documents of a partition are pruned by its commits, at most once a second (a full scan). */
const SWEEP_INTERVAL_MS = 1000;

function prune(m: Map<string, StoredEntry>, now: number): number {
  let n = 0;
  for (const [id, e] of m) {
    if (e.expiresAt <= now) {
      m.delete(id);
      n++;
    }
  }
  return n;
}

export interface MemoryStateRepositoryOptions {
  readonly store?: MemoryStateStore;
  readonly instanceId?: string;
}

export class MemoryStateRepository implements StateRepository {
  readonly instanceId: string;
  readonly store: MemoryStateStore;
  private readonly epochs = new Map<PartitionId, number>();

  constructor(opts: MemoryStateRepositoryOptions = {}) {
    this.store = opts.store ?? new MemoryStateStore();
    this.instanceId = opts.instanceId ?? defaultInstanceId();
  }

  async load(partitions: readonly PartitionId[]): Promise<Map<PartitionId, PartitionState>> {
    const unique = [...new Set(partitions)];
    for (const p of unique) checkPartition(p);
    await tick();
    this.store.check('load');
    const now = this.store.now();
    const out = new Map<PartitionId, PartitionState>();
    for (const p of unique) {
      const data = this.store.acquire(p);
      const docs = emptyDocs();
      for (const kind of STATE_KINDS) {
        for (const [id, e] of data.kinds[kind]) {
          if (e.expiresAt > now) docs[kind].push({ id, doc: JSON.parse(e.json) as unknown, expiresAt: e.expiresAt });
        }
      }
      this.epochs.set(p, data.epoch);
      out.set(p, { partition: p, epoch: data.epoch, docs });
    }
    return out;
  }

  async commit(partition: PartitionId, changes: StateChanges): Promise<CommitResult> {
    checkPartition(partition);
    const now = this.store.now();
    const encoded = encodeChanges(changes, now);
    await tick();
    const epoch = this.epochs.get(partition);
    if (epoch === undefined) throw new NotOwnerError(partition, `commit to ${partition}: this instance does not own it (load it first)`);
    this.store.check('commit');
    const data = this.store.partition(partition);
    if (!data || data.epoch === 0) {
      throw new OwnershipLostError(partition, `commit to ${partition}: its ownership record is gone (the store lost data); load it again and commit a full snapshot`);
    }
    if (data.epoch !== epoch) {
      this.epochs.delete(partition);
      throw new StaleOwnerError(partition, `commit to ${partition}: taken over by another instance (epoch ${data.epoch}, ours ${epoch})`);
    }
    let upserted = 0;
    let deleted = 0;
    let pruned = 0;
    const sweep = now - data.prunedAt >= SWEEP_INTERVAL_MS;
    if (sweep) data.prunedAt = now;
    for (const kind of STATE_KINDS) {
      const m = data.kinds[kind];
      if (encoded.replace) m.clear();
      const k = encoded.kinds[kind];
      for (const id of k.deletes) if (m.delete(id)) deleted++;
      for (const u of k.upserts) {
        m.set(u.id, { json: u.json, expiresAt: u.expiresAt });
        upserted++;
      }
      if (sweep) pruned += prune(m, now);
    }
    return { upserted, deleted, pruned };
  }

  release(partitions: readonly PartitionId[]): void {
    for (const p of partitions) this.epochs.delete(p);
  }

  owned(): PartitionId[] {
    return [...this.epochs.keys()];
  }

  async claimNotification(key: string, stateHash: string, ttlMs: number): Promise<boolean> {
    checkClaim(key, stateHash, ttlMs);
    await tick();
    this.store.check('claimNotification');
    const claims = this.store.claimsMap();
    const k = `${key}\x00${stateHash}`;
    const now = this.store.now();
    const c = claims.get(k);
    if (c && c.expiresAt > now) return c.owner === this.instanceId;
    claims.set(k, { owner: this.instanceId, expiresAt: now + ttlMs });
    return true;
  }

  async releaseNotification(key: string, stateHash: string): Promise<boolean> {
    await tick();
    this.store.check('releaseNotification');
    const claims = this.store.claimsMap();
    const k = `${key}\x00${stateHash}`;
    const c = claims.get(k);
    if (c && c.owner === this.instanceId && c.expiresAt > this.store.now()) {
      claims.delete(k);
      return true;
    }
    return false;
  }

  async ping(): Promise<StateHealth> {
    await tick();
    try {
      this.store.check('ping');
      return { ok: true, backend: 'memory', latencyMs: 0 };
    } catch (e) {
      return { ok: false, backend: 'memory', error: (e as Error).message };
    }
  }

  async close(): Promise<void> {
    this.epochs.clear();
  }
}

/** Operations are asynchronous like the Redis ones, so callers cannot come to rely on synchrony. */
function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
