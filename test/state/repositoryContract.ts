/**
 * The StateRepository contract: the same cases against every implementation (memoryRepository.test.ts,
 * redisRepository.test.ts). Time is real (short TTLs and sleeps), because Redis expires keys on its own
 * clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidChangeError,
  NotOwnerError,
  OwnershipLostError,
  type PartitionId,
  STATE_KINDS,
  type StateChanges,
  type StateRepository,
  StateUnavailableError,
  StaleOwnerError,
  type StoredDocument,
} from '../../src/state/repository.js';

export interface ContractHarness {
  /** A repository for one instance, on its own client (a new client = a restarted process). */
  newRepository(instanceId: string): Promise<StateRepository>;
  /** Documents the backend still holds for a partition (expired keys are gone; expired documents in live keys count). */
  documentsHeld(partition: PartitionId): Promise<number>;
  /** Whether the backend still holds a claim for (key, stateHash). */
  claimHeld(key: string, stateHash: string): Promise<boolean>;
  /** Keys without an expiry (must be none). */
  keysWithoutExpiry(): Promise<string[]>;
  /**
   * A backend that can be stopped and restarted (restart loses data, like Redis without persistence);
   * absent when it cannot be provided (no redis-server to start a throwaway one): those cases skip.
   */
  outage?: {
    newRepository(instanceId: string): Promise<StateRepository>;
    stop(): Promise<void>;
    start(): Promise<void>;
  };
  cleanup(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const HOUR = 3600_000;

function alertDoc(fp: string, extra: Record<string, unknown> = {}) {
  return { v: 1, fingerprint: fp, labels: { alertname: 'HighLatency', instance: `i-${fp}`, note: 'ünïcødé ✓' }, ...extra };
}

function byId(docs: readonly StoredDocument[]): Record<string, unknown> {
  return Object.fromEntries(docs.map((d) => [d.id, d.doc]));
}

export interface ContractOptions {
  /** The harness will provide `outage` (known before setup runs, so the case can be skipped). */
  readonly outage: boolean;
}

export function repositoryContract(name: string, setup: () => Promise<ContractHarness>, opts: ContractOptions = { outage: true }): void {
  describe(`StateRepository contract: ${name}`, () => {
    let h: ContractHarness;
    const opened: StateRepository[] = [];
    let seq = 0;
    /** A fresh partition id per test, so tests never see each other's state. */
    const part = (): PartitionId => `alerts:${++seq}`;
    const repo = async (id: string) => {
      const r = await h.newRepository(id);
      opened.push(r);
      return r;
    };

    beforeAll(async () => {
      h = await setup();
    });
    afterAll(async () => {
      for (const r of opened) await r.close().catch(() => {});
      await h?.cleanup();
    });

    it('loads what was committed, every kind, from a new client (restart)', async () => {
      const p = part();
      const a = await repo('a');
      const first = await a.load([p]);
      expect(first.get(p)!.docs.alerts).toEqual([]);
      const now = Date.now();
      const changes: StateChanges = {
        alerts: { upserts: [{ id: 'fp1', doc: alertDoc('fp1'), expiresAt: now + HOUR }, { id: 'fp2', doc: alertDoc('fp2'), expiresAt: now + 2 * HOUR }] },
        nflog: { upserts: [{ id: '{}:{alertname="A"}\x00default\x00webhook\x000', doc: { v: 1, firing: ['fp1'], resolved: [], timestamp: now }, expiresAt: now + 120 * HOUR }] },
        silences: { upserts: [{ id: 's-1', doc: { v: 1, id: 's-1', comment: 'maintenance' }, expiresAt: now + HOUR }] },
        incidents: { upserts: [{ id: 'inc-1', doc: { id: 'inc-1', status: 'open', members: [] }, expiresAt: now + HOUR }] },
        ledger: { upserts: [{ id: 'slo-api', doc: { buckets: [1, 2, 3] }, expiresAt: now + HOUR }] },
      };
      const r = await a.commit(p, changes);
      expect(r.upserted).toBe(6);
      await a.close();

      const b = await repo('b');
      const loaded = (await b.load([p])).get(p)!;
      expect(loaded.epoch).toBeGreaterThan(first.get(p)!.epoch);
      for (const kind of STATE_KINDS) {
        const want = changes[kind]!.upserts!;
        expect(byId(loaded.docs[kind])).toEqual(byId(want));
        for (const w of want) expect(loaded.docs[kind].find((d) => d.id === w.id)!.expiresAt).toBe(w.expiresAt);
      }
    });

    it('applies upserts and deletes; replace drops everything else; partitions are separate', async () => {
      const [p, q] = [part(), part()];
      const a = await repo('a');
      await a.load([p, q]);
      const exp = Date.now() + HOUR;
      await a.commit(p, { alerts: { upserts: ['x', 'y', 'z'].map((id) => ({ id, doc: alertDoc(id), expiresAt: exp })) } });
      await a.commit(q, { alerts: { upserts: [{ id: 'q1', doc: alertDoc('q1'), expiresAt: exp }] } });
      await a.commit(p, { alerts: { upserts: [{ id: 'x', doc: alertDoc('x', { v: 2 }), expiresAt: exp }], deletes: ['y', 'never-stored'] } });
      let s = await (await repo('b')).load([p, q]);
      expect(byId(s.get(p)!.docs.alerts)).toEqual({ x: alertDoc('x', { v: 2 }), z: alertDoc('z') });
      expect(Object.keys(byId(s.get(q)!.docs.alerts))).toEqual(['q1']);

      const c = await repo('c');
      await c.load([p]);
      await c.commit(p, { replace: true, nflog: { upserts: [{ id: 'k', doc: { v: 1 }, expiresAt: exp }] } });
      s = await (await repo('d')).load([p, q]);
      expect(s.get(p)!.docs.alerts).toEqual([]);
      expect(byId(s.get(p)!.docs.nflog)).toEqual({ k: { v: 1 } });
      expect(Object.keys(byId(s.get(q)!.docs.alerts))).toEqual(['q1']);
    });

    it('a malformed batch is refused whole: nothing of it is applied', async () => {
      const p = part();
      const a = await repo('a');
      await a.load([p]);
      const exp = Date.now() + HOUR;
      await a.commit(p, { alerts: { upserts: [{ id: 'keep', doc: alertDoc('keep'), expiresAt: exp }] } });
      const good = Array.from({ length: 50 }, (_, i) => ({ id: `new${i}`, doc: alertDoc(`new${i}`), expiresAt: exp }));
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      const bad: StateChanges[] = [
        { alerts: { upserts: [...good, { id: 'bad', doc: { n: 10n }, expiresAt: exp }] }, nflog: { deletes: ['x'] } },
        { alerts: { upserts: good, deletes: ['keep'] }, silences: { upserts: [{ id: 'c', doc: cyclic, expiresAt: exp }] } },
        { alerts: { upserts: [...good, { id: 'new0', doc: {}, expiresAt: exp }] } },
        { alerts: { upserts: good, deletes: ['new3'] } },
        { alerts: { upserts: [...good, { id: 'nan', doc: {}, expiresAt: Number.NaN }] } },
        { alerts: { upserts: [...good, { id: '', doc: {}, expiresAt: exp }] } },
        { alerts: { upserts: good, deletes: ['keep'] }, bogus: { upserts: [] } } as unknown as StateChanges,
        { alerts: { upserts: [...good, { id: 'undef', doc: undefined, expiresAt: exp }] } },
      ];
      for (const b of bad) await expect(a.commit(p, b)).rejects.toBeInstanceOf(InvalidChangeError);
      const s = (await (await repo('b')).load([p])).get(p)!;
      expect(Object.keys(byId(s.docs.alerts))).toEqual(['keep']);
      for (const kind of STATE_KINDS) if (kind !== 'alerts') expect(s.docs[kind]).toEqual([]);
    });

    it('ownership: commit needs a load; a later load fences the previous owner, whose batch is refused whole', async () => {
      const p = part();
      const a = await repo('a');
      const b = await repo('b');
      const exp = Date.now() + HOUR;
      await expect(a.commit(p, {})).rejects.toBeInstanceOf(NotOwnerError);
      await a.load([p]);
      expect(a.owned()).toEqual([p]);
      await a.commit(p, { alerts: { upserts: [{ id: 'from-a', doc: alertDoc('a'), expiresAt: exp }] } });
      await b.load([p]);
      await expect(a.commit(p, { alerts: { upserts: [{ id: 'zombie', doc: alertDoc('z'), expiresAt: exp }], deletes: ['from-a'] } })).rejects.toBeInstanceOf(
        StaleOwnerError,
      );
      expect(a.owned()).toEqual([]);
      await b.commit(p, { alerts: { upserts: [{ id: 'from-b', doc: alertDoc('b'), expiresAt: exp }] } });
      b.release([p]);
      await expect(b.commit(p, {})).rejects.toBeInstanceOf(NotOwnerError);
      const s = (await (await repo('c')).load([p])).get(p)!;
      expect(Object.keys(byId(s.docs.alerts)).sort()).toEqual(['from-a', 'from-b']);
    });

    it('a load racing a zombie owner sees whole batches only', async () => {
      const p = part();
      const a = await repo('a');
      await a.load([p]);
      const ids = Array.from({ length: 300 }, (_, i) => `fp${i}`);
      const exp = Date.now() + HOUR;
      let stale = false;
      let committed = 0;
      const writer = (async () => {
        for (let gen = 1; gen <= 200 && !stale; gen++) {
          try {
            await a.commit(p, { alerts: { upserts: ids.map((id) => ({ id, doc: { gen }, expiresAt: exp })) } });
            committed = gen;
          } catch (e) {
            if (!(e instanceof StaleOwnerError)) throw e;
            stale = true;
          }
        }
      })();
      await sleep(30);
      const s = (await (await repo('b')).load([p])).get(p)!;
      await writer;
      expect(stale).toBe(true);
      const gens = new Set(s.docs.alerts.map((d) => (d.doc as { gen: number }).gen));
      if (s.docs.alerts.length > 0) {
        expect(s.docs.alerts.length).toBe(ids.length);
        expect(gens.size).toBe(1);
        expect([...gens][0]).toBe(committed);
      }
    });

    it('keeps state bounded: expired documents vanish from load and from the backend; every key expires', async () => {
      const p = part();
      const a = await repo('a');
      await a.load([p]);
      const now = Date.now();
      // Margins wide enough for a loaded 2-core machine: the commit must land before `short`.
      const short = now + 800;
      await a.commit(p, {
        alerts: {
          upserts: [
            { id: 'long', doc: alertDoc('long'), expiresAt: now + HOUR },
            { id: 'short', doc: alertDoc('short'), expiresAt: short },
            { id: 'already', doc: alertDoc('already'), expiresAt: now - 1 },
          ],
        },
        nflog: { upserts: [{ id: 'n1', doc: { v: 1 }, expiresAt: short }, { id: 'n2', doc: { v: 1 }, expiresAt: short + 10 }] },
      });
      await a.claimNotification('group-1', 'abc', 800);
      expect(await h.claimHeld('group-1', 'abc')).toBe(true);
      expect(await h.documentsHeld(p)).toBe(4);
      expect(await h.keysWithoutExpiry()).toEqual([]);
      await sleep(1100);
      const s = (await (await repo('b')).load([p])).get(p)!;
      expect(Object.keys(byId(s.docs.alerts))).toEqual(['long']);
      expect(s.docs.nflog).toEqual([]);
      // Kinds with nothing live hold nothing even without a commit; live keys are pruned by the next one.
      const b = await repo('c');
      await b.load([p]);
      await b.commit(p, {});
      expect(await h.documentsHeld(p)).toBe(1);
      expect(await h.claimHeld('group-1', 'abc')).toBe(false);
      expect(await h.keysWithoutExpiry()).toEqual([]);
    });

    it('claims: one winner among many concurrent instances, re-entrant for the winner, released on request, expiring', async () => {
      const instances = await Promise.all(Array.from({ length: 12 }, (_, i) => repo(`inst-${i}`)));
      const keys = Array.from({ length: 25 }, (_, i) => `{}:{alertname="G${i}"}\x00pager\x00pagerduty\x000`);
      const results = await Promise.all(
        keys.flatMap((key) => instances.flatMap((r) => [0, 1, 2].map(async () => ({ key, who: r.instanceId, won: await r.claimNotification(key, 'state1', 60_000) })))),
      );
      for (const key of keys) {
        const winners = new Set(results.filter((x) => x.key === key && x.won).map((x) => x.who));
        expect(winners.size).toBe(1);
        // The winner won every one of its three concurrent attempts, everybody else none.
        const who = [...winners][0]!;
        expect(results.filter((x) => x.key === key && x.who === who).every((x) => x.won)).toBe(true);
      }
      const [x, y] = instances as [StateRepository, StateRepository];
      // Another state of the same key is a separate claim.
      expect(await x.claimNotification('k', 's1', 60_000)).toBe(true);
      expect(await y.claimNotification('k', 's1', 60_000)).toBe(false);
      expect(await y.claimNotification('k', 's2', 60_000)).toBe(true);
      // Release: only the holder can.
      expect(await y.releaseNotification('k', 's1')).toBe(false);
      expect(await x.releaseNotification('k', 's1')).toBe(true);
      expect(await y.claimNotification('k', 's1', 60_000)).toBe(true);
      expect(await x.claimNotification('k', 's1', 60_000)).toBe(false);
      // Expiry.
      expect(await x.claimNotification('short', 's', 500)).toBe(true);
      expect(await y.claimNotification('short', 's', 500)).toBe(false);
      await sleep(700);
      expect(await y.claimNotification('short', 's', 500)).toBe(true);
      await expect(x.claimNotification('k', 'bad hash!', 1000)).rejects.toBeInstanceOf(InvalidChangeError);
      await expect(x.claimNotification('k', 's', 0)).rejects.toBeInstanceOf(InvalidChangeError);
    });

    it('large batches round-trip', async () => {
      const p = part();
      const a = await repo('a');
      await a.load([p]);
      const exp = Date.now() + HOUR;
      const upserts = Array.from({ length: 5000 }, (_, i) => ({ id: `fp${i}`, doc: alertDoc(`fp${i}`, { i }), expiresAt: exp + i }));
      expect((await a.commit(p, { alerts: { upserts } })).upserted).toBe(5000);
      const s = (await (await repo('b')).load([p])).get(p)!;
      expect(s.docs.alerts.length).toBe(5000);
      expect(s.docs.alerts.find((d) => d.id === 'fp4999')).toEqual({ id: 'fp4999', doc: alertDoc('fp4999', { i: 4999 }), expiresAt: exp + 4999 });
    });

    it.skipIf(!opts.outage)('backend down: every call fails fast and clearly, nothing hangs; after a restart (data lost) the owner re-loads and rewrites', async () => {
      const o = h.outage!;
      const a = await o.newRepository('a');
      opened.push(a);
      const p = part();
      await a.load([p]);
      const exp = Date.now() + HOUR;
      await a.commit(p, { alerts: { upserts: [{ id: 'fp1', doc: alertDoc('fp1'), expiresAt: exp }] } });
      expect((await a.ping()).ok).toBe(true);

      // Commits in flight while the backend goes away all settle: applied, or a clear error. Two pumps
      // keep big batches in flight until one fails; they must stop, not hang.
      const big = Array.from({ length: 2000 }, (_, i) => ({ id: `f${i}`, doc: alertDoc(`f${i}`), expiresAt: exp }));
      const outcomes: unknown[] = [];
      const pump = async () => {
        for (;;) {
          try {
            await a.commit(p, { alerts: { upserts: big } });
            outcomes.push('ok');
          } catch (e) {
            outcomes.push(e);
            return;
          }
        }
      };
      const pumps = Promise.all([pump(), pump()]);
      await sleep(50);
      await o.stop();
      const settled = await Promise.race([pumps.then(() => 'settled'), sleep(5000).then(() => 'hung')]);
      expect(settled).toBe('settled');
      const errors = outcomes.filter((r) => r !== 'ok');
      expect(errors.length).toBe(2);
      for (const e of errors) expect(e).toBeInstanceOf(StateUnavailableError);
      if (process.env.STATE_TEST_DEBUG) console.log('in flight at stop:', outcomes.length - 2, 'applied;', errors.map((e) => (e as Error).message));

      const t0 = Date.now();
      await expect(a.commit(p, {})).rejects.toBeInstanceOf(StateUnavailableError);
      await expect(a.commit(p, {})).rejects.toThrow(/unavailable/i);
      await expect(a.load([p])).rejects.toBeInstanceOf(StateUnavailableError);
      await expect(a.claimNotification('k', 's', 1000)).rejects.toBeInstanceOf(StateUnavailableError);
      await expect(a.releaseNotification('k', 's')).rejects.toBeInstanceOf(StateUnavailableError);
      const health = await a.ping();
      expect(health.ok).toBe(false);
      expect(Date.now() - t0).toBeLessThan(2000);

      await o.start();
      const deadline = Date.now() + 15_000;
      while (!(await a.ping()).ok) {
        if (Date.now() > deadline) throw new Error('repository did not recover after the backend came back');
        await sleep(100);
      }
      // The restarted backend is empty: the owner learns that its record is gone ...
      await expect(a.commit(p, { alerts: { upserts: [{ id: 'fp2', doc: alertDoc('fp2'), expiresAt: exp }] } })).rejects.toBeInstanceOf(
        OwnershipLostError,
      );
      // ... takes the partition again and writes its whole in-memory state back.
      const again = (await a.load([p])).get(p)!;
      expect(again.docs.alerts).toEqual([]);
      await a.commit(p, { replace: true, alerts: { upserts: [{ id: 'fp1', doc: alertDoc('fp1'), expiresAt: exp }, { id: 'fp2', doc: alertDoc('fp2'), expiresAt: exp }] } });
      const b = await o.newRepository('b');
      opened.push(b);
      expect(Object.keys(byId((await b.load([p])).get(p)!.docs.alerts)).sort()).toEqual(['fp1', 'fp2']);
      expect(await b.claimNotification('k', 's', 1000)).toBe(true);
    });
  });
}
