/**
 * Every Redis key alertsift writes is built here, and only here (docs/state.md, "Key layout").
 *
 *   <prefix>:{<partition>}:epoch            string   ownership epoch (INCR on load; fences zombies)
 *   <prefix>:{<partition>}:<kind>:docs      hash     id → document JSON
 *   <prefix>:{<partition>}:<kind>:exp       zset     id → expiresAt (epoch ms), for pruning and load
 *   <prefix>:claim:{<h(key)>}:<stateHash>   string   owner instance id, PX ttl
 *
 * The partition id is the Redis Cluster hash tag, so every key of a partition lives in one slot and the
 * commit script and the load transaction touch one node. `h(key)` is 32 hex of SHA-256 of the
 * notification-log key (group keys hold whole label sets; the hash keeps claim keys short and bounded).
 */
import { createHash } from 'node:crypto';
import { checkPartition, type PartitionId, STATE_KINDS, type StateKind } from '../repository.js';

export const DEFAULT_PREFIX = 'alertsift';

const PREFIX_RE = /^[A-Za-z0-9._:-]{1,100}$/;

export interface KeyLayout {
  readonly prefix: string;
  epoch(partition: PartitionId): string;
  docs(partition: PartitionId, kind: StateKind): string;
  expiry(partition: PartitionId, kind: StateKind): string;
  /** The commit script's KEYS: epoch, then (docs, expiry) per kind in STATE_KINDS order. */
  commitKeys(partition: PartitionId): string[];
  claim(key: string, stateHash: string): string;
  /** A SCAN pattern matching every key of this layout (tests, operations). */
  pattern(): string;
}

export function keyLayout(prefix: string = DEFAULT_PREFIX): KeyLayout {
  if (!PREFIX_RE.test(prefix)) throw new Error(`invalid Redis key prefix ${JSON.stringify(prefix)}: use [A-Za-z0-9._:-], 1-100 characters`);
  const base = (p: PartitionId) => `${prefix}:{${checkPartition(p)}}`;
  return {
    prefix,
    epoch: (p) => `${base(p)}:epoch`,
    docs: (p, kind) => `${base(p)}:${kind}:docs`,
    expiry: (p, kind) => `${base(p)}:${kind}:exp`,
    commitKeys: (p) => {
      const b = base(p);
      const keys = [`${b}:epoch`];
      for (const kind of STATE_KINDS) keys.push(`${b}:${kind}:docs`, `${b}:${kind}:exp`);
      return keys;
    },
    claim: (key, stateHash) => `${prefix}:claim:{${claimKeyHash(key)}}:${stateHash}`,
    pattern: () => `${prefix}:*`,
  };
}

export function claimKeyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}
