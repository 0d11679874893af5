/**
 * The repository contract against a real Redis (REDIS_URL; skipped when unset or unreachable), plus the
 * Redis-only behaviour: key layout, fail-fast client settings, script cache loss.
 *
 *   REDIS_URL=$(scripts/services/redis.sh start | cut -d= -f2) npx vitest run test/state
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStateRedis } from '../../src/state/redis/client.js';
import { keyLayout } from '../../src/state/redis/keys.js';
import { RedisStateRepository } from '../../src/state/redis/redisRepository.js';
import { StateUnavailableError, type StateRepository } from '../../src/state/repository.js';
import { repositoryContract } from './repositoryContract.js';
import { canStartThrowawayRedis, redisUnavailableReason, scanKeys, ThrowawayRedis } from './redisSupport.js';

const REDIS_URL = process.env.REDIS_URL;
const skipReason = await redisUnavailableReason(REDIS_URL);
const throwaway = canStartThrowawayRedis();
if (skipReason) console.log(`[state/redis] skipped: ${skipReason}`);

const prefix = (what: string) => `alertsift-test-${what}-${process.pid}-${Date.now().toString(36)}`;

async function cleanupPrefix(redis: Redis, p: string): Promise<void> {
  const keys = await scanKeys(redis, `${p}:*`);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
}

describe.skipIf(skipReason !== undefined)(skipReason ? `Redis state repository (skipped: ${skipReason})` : 'Redis state repository', () => {
  const url = REDIS_URL!;

  repositoryContract(
    'redis',
    async () => {
      const p = prefix('contract');
      const keys = keyLayout(p);
      const admin = await connectStateRedis(url);
      const outageServer = throwaway ? await ThrowawayRedis.start() : undefined;
      const repo = (u: string) => (instanceId: string) => RedisStateRepository.connect(u, { prefix: p, instanceId, expiryGraceMs: 0 });
      return {
        newRepository: repo(url),
        documentsHeld: async (partition) => {
          let n = 0;
          for (const kind of ['alerts', 'nflog', 'silences', 'incidents', 'ledger'] as const) n += await admin.hlen(keys.docs(partition, kind));
          return n;
        },
        claimHeld: async (key, hash) => (await admin.exists(keys.claim(key, hash))) === 1,
        keysWithoutExpiry: async () => {
          const out: string[] = [];
          for (const k of await scanKeys(admin, keys.pattern())) if ((await admin.pttl(k)) === -1) out.push(k);
          return out;
        },
        outage: outageServer && {
          newRepository: (instanceId: string) =>
            // Fast reconnects, so the recovery check does not wait for the 2 s backoff cap.
            RedisStateRepository.connect(outageServer.url, { prefix: p, instanceId, expiryGraceMs: 0, client: { retryStrategy: () => 100 } }),
          stop: () => outageServer.stop(),
          start: () => outageServer.start(),
        },
        cleanup: async () => {
          await cleanupPrefix(admin, p);
          await admin.quit();
          await outageServer?.destroy();
        },
      };
    },
    { outage: throwaway },
  );

  describe('Redis specifics', () => {
    const p = prefix('specifics');
    let admin: Redis;
    const opened: StateRepository[] = [];
    beforeAll(async () => {
      admin = await connectStateRedis(url);
    });
    afterAll(async () => {
      for (const r of opened) await r.close().catch(() => {});
      await cleanupPrefix(admin, p);
      await admin.quit();
    });

    it('writes exactly the documented keys, all of a partition in one hash slot', async () => {
      const repo = await RedisStateRepository.connect(url, { prefix: p, instanceId: 'layout' });
      opened.push(repo);
      await repo.load(['alerts-topic:7']);
      await repo.commit('alerts-topic:7', {
        alerts: { upserts: [{ id: 'fp', doc: {}, expiresAt: Date.now() + 60_000 }] },
        nflog: { upserts: [{ id: 'g\x00r\x00webhook\x000', doc: {}, expiresAt: Date.now() + 60_000 }] },
      });
      await repo.claimNotification('g\x00r\x00webhook\x000', 'abc123', 60_000);
      const keys = (await scanKeys(admin, `${p}:*`)).sort();
      expect(keys).toEqual(
        [
          `${p}:{alerts-topic:7}:epoch`,
          `${p}:{alerts-topic:7}:alerts:docs`,
          `${p}:{alerts-topic:7}:alerts:exp`,
          `${p}:{alerts-topic:7}:nflog:docs`,
          `${p}:{alerts-topic:7}:nflog:exp`,
          keyLayout(p).claim('g\x00r\x00webhook\x000', 'abc123'),
        ].sort(),
      );
      expect(keyLayout(p).claim('g\x00r\x00webhook\x000', 'abc123')).toMatch(new RegExp(`^${p}:claim:\\{[0-9a-f]{32}\\}:abc123$`));
      expect(await admin.hget(`${p}:{alerts-topic:7}:nflog:docs`, 'g\x00r\x00webhook\x000')).toBe('{}');
    });

    // On a throwaway server: SCRIPT FLUSH would affect every other client of a shared one.
    it.skipIf(!throwaway)('survives a flushed script cache (EVALSHA falls back to EVAL)', async () => {
      const server = await ThrowawayRedis.start();
      const flusher = await connectStateRedis(server.url);
      const repo = await RedisStateRepository.connect(server.url, { prefix: p, instanceId: 'scripts' });
      try {
        await repo.load(['t:1']);
        await repo.commit('t:1', {});
        await flusher.script('FLUSH');
        await repo.commit('t:1', { alerts: { upserts: [{ id: 'x', doc: 1, expiresAt: Date.now() + 60_000 }] } });
        expect(await repo.claimNotification('k', 'h', 1000)).toBe(true);
      } finally {
        await repo.close();
        await flusher.quit();
        await server.destroy();
      }
    });

    it('prunes expired documents a bounded number per commit', async () => {
      const repo = await RedisStateRepository.connect(url, { prefix: p, instanceId: 'prune', pruneLimit: 2 });
      opened.push(repo);
      await repo.load(['t:prune']);
      const soon = Date.now() + 100;
      await repo.commit('t:prune', {
        alerts: { upserts: [...'abcde'].map((id) => ({ id, doc: id, expiresAt: soon })).concat([{ id: 'live', doc: 'live', expiresAt: soon + 60_000 }]) },
      });
      await new Promise((r) => setTimeout(r, 200));
      const pruned = [];
      for (let i = 0; i < 4; i++) pruned.push((await repo.commit('t:prune', {})).pruned);
      expect(pruned).toEqual([2, 2, 1, 0]);
      expect(await admin.hkeys(keyLayout(p).docs('t:prune', 'alerts'))).toEqual(['live']);
    });

    it('connect to a closed port fails at once with StateUnavailableError, password redacted', async () => {
      const t0 = Date.now();
      const err = await RedisStateRepository.connect('redis://user:s3cret@127.0.0.1:1', { client: { retryStrategy: () => null } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StateUnavailableError);
      expect(String((err as Error).message)).not.toContain('s3cret');
      expect(Date.now() - t0).toBeLessThan(3000);
    });

    it.skipIf(!throwaway)('a server that stops answering: commands time out (commandTimeout) instead of hanging', async () => {
      const server = await ThrowawayRedis.start();
      const pauser = await connectStateRedis(server.url);
      const repo = await RedisStateRepository.connect(server.url, { prefix: p, instanceId: 'paused', client: { commandTimeout: 300 } });
      try {
        await repo.load(['t:1']);
        await pauser.call('CLIENT', 'PAUSE', '1500', 'ALL');
        const t0 = Date.now();
        await expect(repo.commit('t:1', {})).rejects.toThrow(StateUnavailableError);
        await expect(repo.claimNotification('k', 'h', 1000)).rejects.toThrow(/did not answer in time/);
        expect(Date.now() - t0).toBeLessThan(1200);
        const health = await repo.ping();
        expect(health.ok).toBe(false);
      } finally {
        await repo.close();
        pauser.disconnect();
        await server.destroy();
      }
    });
  });
});
