/**
 * The Redis state repository (ioredis, RESP2). Layout in ./keys.ts, scripts in ./scripts.ts, client
 * settings in ./client.ts; the model is in docs/state.md.
 *
 * - commit: one Lua script per batch: ownership check, then every upsert/delete, pruning of expired
 *   documents and the keys' expiry, atomically.
 * - load: per partition one MULTI/EXEC (INCR epoch, then HGETALL + ZRANGE per kind): a consistent
 *   snapshot. The transactions of all partitions are issued together (pipelined on the connection).
 * - claims: a Lua compare-and-set on one key with PX; release is a compare-and-delete.
 * - Redis down: every call rejects with StateUnavailableError at once (see client.ts for why nothing is
 *   queued).
 */
import type { Redis } from 'ioredis';
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
  StateError,
  STATE_KINDS,
  type StateChanges,
  type StateHealth,
  type StateRepository,
  StateUnavailableError,
  StaleOwnerError,
} from '../repository.js';
import { connectStateRedis, type StateRedisOptions } from './client.js';
import { DEFAULT_PREFIX, type KeyLayout, keyLayout } from './keys.js';
import { CLAIM_LUA, COMMIT_LUA, LOST, RELEASE_LUA, STALE } from './scripts.js';

export interface RedisStateRepositoryOptions {
  /** A connected client, ideally from `createStateRedis`/`connectStateRedis` (fail-fast settings). */
  readonly redis: Redis;
  /** Key prefix; default `alertsift`. */
  readonly prefix?: string;
  readonly instanceId?: string;
  /** The engine's wall clock (expiry decisions); default Date.now. */
  readonly now?: () => number;
  /** Ownership epochs expire this long after the last load or commit; default 7 days. */
  readonly epochTtlMs?: number;
  /**
   * Keys expire this long after their latest document, so a partition nobody commits to any more still
   * disappears (Redis's clock may differ a little from ours); default 60 s.
   */
  readonly expiryGraceMs?: number;
  /** Expired documents dropped per kind per commit (keeps each script short); default 1000. */
  readonly pruneLimit?: number;
  /** `close()` quits the client (true when the repository created it). */
  readonly ownsClient?: boolean;
}

const COMMIT_CMD = 'alertsiftStateCommitV1';
const CLAIM_CMD = 'alertsiftStateClaimV1';
const RELEASE_CMD = 'alertsiftStateReleaseV1';

type ScriptFn = (numKeys: number, ...args: (string | number)[]) => Promise<unknown>;

export class RedisStateRepository implements StateRepository {
  readonly instanceId: string;
  readonly keys: KeyLayout;
  readonly redis: Redis;
  private readonly now: () => number;
  private readonly epochTtlMs: number;
  private readonly expiryGraceMs: number;
  private readonly pruneLimit: number;
  private readonly ownsClient: boolean;
  private readonly epochs = new Map<PartitionId, number>();

  constructor(opts: RedisStateRepositoryOptions) {
    this.redis = opts.redis;
    this.keys = keyLayout(opts.prefix ?? DEFAULT_PREFIX);
    this.instanceId = opts.instanceId ?? defaultInstanceId();
    this.now = opts.now ?? Date.now;
    this.epochTtlMs = opts.epochTtlMs ?? 7 * 24 * 3600_000;
    this.expiryGraceMs = opts.expiryGraceMs ?? 60_000;
    // Pruned ids are passed to HDEL/ZREM with unpack(): stay far below Lua's 8000-slot C stack.
    this.pruneLimit = Math.min(Math.max(1, opts.pruneLimit ?? 1000), 5000);
    this.ownsClient = opts.ownsClient ?? false;
    // defineCommand sends EVALSHA and falls back to EVAL on NOSCRIPT (after a Redis restart).
    for (const [name, lua] of [
      [COMMIT_CMD, COMMIT_LUA],
      [CLAIM_CMD, CLAIM_LUA],
      [RELEASE_CMD, RELEASE_LUA],
    ] as const) {
      if (!(name in this.redis)) this.redis.defineCommand(name, { lua });
    }
  }

  /** Connects a fail-fast client to `url` and builds a repository that owns it. */
  static async connect(
    url: string,
    opts: Omit<RedisStateRepositoryOptions, 'redis' | 'ownsClient'> & { readonly client?: StateRedisOptions } = {},
  ): Promise<RedisStateRepository> {
    const { client, ...rest } = opts;
    const redis = await connectStateRedis(url, client);
    return new RedisStateRepository({ ...rest, redis, ownsClient: true });
  }

  async load(partitions: readonly PartitionId[]): Promise<Map<PartitionId, PartitionState>> {
    const unique = [...new Set(partitions)];
    for (const p of unique) checkPartition(p);
    const now = this.now();
    const states = await Promise.all(unique.map((p) => this.loadOne(p, now)));
    const out = new Map<PartitionId, PartitionState>();
    for (const s of states) {
      this.epochs.set(s.partition, s.epoch);
      out.set(s.partition, s);
    }
    return out;
  }

  private async loadOne(partition: PartitionId, now: number): Promise<PartitionState> {
    const k = this.keys;
    const tx = this.redis.multi().incr(k.epoch(partition)).pexpire(k.epoch(partition), this.epochTtlMs);
    // Raw HGETALL (flat array): ioredis's object form would be a plain object keyed by document id.
    for (const kind of STATE_KINDS) tx.call('HGETALL', k.docs(partition, kind)).zrange(k.expiry(partition, kind), 0, -1, 'WITHSCORES');
    const replies = await this.run('load', () => tx.exec());
    if (!replies) throw new StateUnavailableError(`load ${partition}: transaction aborted`);
    const value = (i: number): unknown => {
      const r = replies[i];
      if (!r) throw new StateError('backend', `load ${partition}: missing reply ${i}`);
      if (r[0]) throw this.mapError('load', r[0]);
      return r[1];
    };
    const epoch = Number(value(0));
    const docs = emptyDocs();
    STATE_KINDS.forEach((kind, i) => {
      const flat = value(2 + 2 * i) as string[];
      const hash = new Map<string, string>();
      for (let j = 0; j + 1 < flat.length; j += 2) hash.set(flat[j]!, flat[j + 1]!);
      const scores = value(3 + 2 * i) as string[];
      for (let j = 0; j + 1 < scores.length; j += 2) {
        const id = scores[j]!;
        const expiresAt = Number(scores[j + 1]);
        const json = hash.get(id);
        if (json === undefined || !(expiresAt > now)) continue;
        docs[kind].push({ id, doc: JSON.parse(json) as unknown, expiresAt });
      }
    });
    return { partition, epoch, docs };
  }

  async commit(partition: PartitionId, changes: StateChanges): Promise<CommitResult> {
    checkPartition(partition);
    const now = this.now();
    const encoded = encodeChanges(changes, now);
    const epoch = this.epochs.get(partition);
    if (epoch === undefined) throw new NotOwnerError(partition, `commit to ${partition}: this instance does not own it (load it first)`);
    const args: (string | number)[] = [
      String(epoch),
      String(now),
      this.pruneLimit,
      this.epochTtlMs,
      this.expiryGraceMs,
      encoded.replace ? '1' : '0',
      STATE_KINDS.length,
    ];
    for (const kind of STATE_KINDS) {
      const c = encoded.kinds[kind];
      args.push(c.upserts.length, c.deletes.length);
      for (const u of c.upserts) args.push(u.id, String(u.expiresAt), u.json);
      for (const id of c.deletes) args.push(id);
    }
    const keys = this.keys.commitKeys(partition);
    let reply: unknown;
    try {
      reply = await this.script(COMMIT_CMD)(keys.length, ...keys, ...args);
    } catch (e) {
      const msg = (e as Error).message ?? '';
      if (msg.startsWith(STALE)) {
        this.epochs.delete(partition);
        const current = msg.slice(STALE.length).trim();
        throw new StaleOwnerError(partition, `commit to ${partition}: taken over by another instance (epoch ${current}, ours ${epoch})`);
      }
      if (msg.startsWith(LOST)) {
        throw new OwnershipLostError(
          partition,
          `commit to ${partition}: its ownership record is gone (Redis lost data or it expired); load it again and commit a full snapshot`,
        );
      }
      throw this.mapError(`commit ${partition}`, e);
    }
    const [upserted, deleted, pruned] = (reply as number[]).map(Number);
    return { upserted: upserted ?? 0, deleted: deleted ?? 0, pruned: pruned ?? 0 };
  }

  release(partitions: readonly PartitionId[]): void {
    for (const p of partitions) this.epochs.delete(p);
  }

  owned(): PartitionId[] {
    return [...this.epochs.keys()];
  }

  async claimNotification(key: string, stateHash: string, ttlMs: number): Promise<boolean> {
    checkClaim(key, stateHash, ttlMs);
    const r = await this.run('claimNotification', () => this.script(CLAIM_CMD)(1, this.keys.claim(key, stateHash), this.instanceId, ttlMs));
    return Number(r) === 1;
  }

  async releaseNotification(key: string, stateHash: string): Promise<boolean> {
    checkClaim(key, stateHash, 1);
    const r = await this.run('releaseNotification', () => this.script(RELEASE_CMD)(1, this.keys.claim(key, stateHash), this.instanceId));
    return Number(r) === 1;
  }

  async ping(): Promise<StateHealth> {
    const t0 = performance.now();
    try {
      await this.run('ping', () => this.redis.ping());
      return { ok: true, backend: 'redis', latencyMs: performance.now() - t0 };
    } catch (e) {
      return { ok: false, backend: 'redis', error: (e as Error).message };
    }
  }

  async close(): Promise<void> {
    this.epochs.clear();
    if (!this.ownsClient) return;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  private script(name: string): ScriptFn {
    const fn = (this.redis as unknown as Record<string, ScriptFn>)[name];
    if (typeof fn !== 'function') throw new StateError('backend', `Redis script ${name} is not defined`);
    return fn.bind(this.redis);
  }

  private async run<T>(op: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw this.mapError(op, e);
    }
  }

  /**
   * Connection-level failures (offline, dropped, timed out) and server states that refuse service
   * (LOADING, OOM, READONLY, MASTERDOWN, BUSY) become StateUnavailableError; anything else is a
   * backend error.
   */
  private mapError(op: string, e: unknown): StateError {
    if (e instanceof StateError) return e;
    const err = e as Error;
    const msg = err?.message ?? String(e);
    const status = this.redis.status;
    if (err?.name === 'ReplyError') {
      if (/^(LOADING|OOM|READONLY|MASTERDOWN|BUSY|TRYAGAIN|CLUSTERDOWN|NOREPLICAS)\b/.test(msg)) {
        return new StateUnavailableError(`${op} failed: Redis refused: ${msg}`, { cause: e });
      }
      return new StateError('backend', `${op} failed: Redis error: ${msg}`, { cause: e });
    }
    let why = msg;
    if (err?.name === 'MaxRetriesPerRequestError') why = 'the connection dropped while the command was in flight (not retried)';
    else if (msg.startsWith("Stream isn't writeable")) why = 'not connected (commands are not queued while Redis is away)';
    else if (msg === 'Command timed out') why = 'Redis did not answer in time (commandTimeout)';
    return new StateUnavailableError(`${op} failed: Redis unavailable (connection ${status}): ${why}`, { cause: e });
  }
}
