import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alert.js';
import { fingerprint } from '../../src/domain/labels.js';
import { Engine } from '../../src/engine/engine.js';
import { SilenceRegistry } from '../../src/route/silences.js';
import { VirtualClock } from '../../src/state/clock.js';
import { MemoryStateRepository, MemoryStateStore } from '../../src/state/memoryRepository.js';
import { ALERT_RETENTION_MS, type CommitResult, partitionId, type StateChanges, type StateRepository, StateUnavailableError } from '../../src/state/repository.js';
import {
  DocumentTracker,
  IncidentTracker,
  incidentExpiresAt,
  PartitionTracker,
  partitionByFingerprint,
  SilenceTracker,
  TrackingAlertStore,
  TrackingNotificationLog,
} from '../../src/state/tracking.js';
import { decodeAlert, decodeLogEntry, decodeSilence, encodeAlert, encodeLogEntry, encodeSilence } from '../../src/state/trackingCodecs.js';
import { CapturingTransport, config, T0, WEBHOOK } from '../engine/support.js';

function alert(labels: Record<string, string>, at: number, o: { endsAt?: number } = {}): Alert {
  return {
    labels,
    annotations: { summary: 'x' },
    startsAt: at,
    endsAt: o.endsAt ?? at + 300_000,
    generatorURL: 'http://prom/graph',
    updatedAt: at,
    timeout: o.endsAt === undefined,
    fingerprint: fingerprint(labels),
    source: 'kafka',
  };
}

describe('TrackingAlertStore', () => {
  it('records what changed since the last drain: latest version once, removals as deletes', () => {
    const s = new TrackingAlertStore();
    const a = alert({ alertname: 'A' }, T0);
    const b = alert({ alertname: 'B' }, T0);
    s.put(a, T0);
    s.put({ ...a, endsAt: T0 + 600_000, updatedAt: T0 + 1 }, T0 + 1);
    s.put(b, T0);
    const first = s.drain();
    expect(first.deletes).toEqual([]);
    expect(first.upserts!.map((u) => [u.id, u.expiresAt])).toEqual([
      [a.fingerprint, T0 + 600_000 + ALERT_RETENTION_MS],
      [b.fingerprint, T0 + 300_000 + ALERT_RETENTION_MS],
    ]);
    expect(decodeAlert(first.upserts![0]!.doc)).toEqual(s.get(a.fingerprint));
    expect(s.drain()).toEqual({});
    expect(s.hasChanges()).toBe(false);

    expect(s.collectResolved(T0 + 300_000).map((x) => x.fingerprint)).toEqual([b.fingerprint]);
    const second = s.drain();
    expect(second).toEqual({ upserts: [], deletes: [b.fingerprint] });
    // A failed commit puts the ids back; the next drain reads current values.
    s.requeue(second);
    s.requeue(first);
    const again = s.drain();
    expect(again.deletes).toEqual([b.fingerprint]);
    expect(again.upserts!.map((u) => u.id)).toEqual([a.fingerprint]);
    expect(s.snapshot().upserts!.map((u) => u.id)).toEqual([a.fingerprint]);
  });

  it('restores stored alerts without marking them dirty, skipping malformed ones', () => {
    const a = alert({ alertname: 'A', team: 'ml' }, T0);
    const s = new TrackingAlertStore();
    const r = s.restore([
      { id: a.fingerprint, doc: JSON.parse(JSON.stringify(encodeAlert(a))), expiresAt: T0 + 1e6 },
      { id: 'other', doc: encodeAlert(a), expiresAt: T0 + 1e6 },
      { id: 'x', doc: { v: 1, labels: 'nope' }, expiresAt: T0 + 1e6 },
      { id: 'y', doc: null, expiresAt: T0 + 1e6 },
    ]);
    expect(r.restored).toBe(1);
    expect(r.skipped).toBe(3);
    expect(r.alerts).toEqual([a]);
    expect(s.get(a.fingerprint)).toEqual(a);
    expect(s.hasChanges()).toBe(false);
  });
});

describe('TrackingNotificationLog', () => {
  it('records entries with their expiry; restores sets and receiver data', () => {
    const log = new TrackingNotificationLog();
    const entry = { firing: new Set(['b', 'a']), resolved: new Set(['c']), timestamp: T0, receiverData: { channel: 'C1', ts: '1.2' } };
    log.log('k1', entry, T0 + 1000);
    log.log('k2', { firing: new Set(['x']), resolved: new Set<string>(), timestamp: T0 }, T0 + 10);
    const c = log.drain();
    expect(c.upserts).toEqual([
      { id: 'k1', doc: { v: 1, firing: ['a', 'b'], resolved: ['c'], timestamp: T0, receiverData: { channel: 'C1', ts: '1.2' } }, expiresAt: T0 + 1000 },
      { id: 'k2', doc: { v: 1, firing: ['x'], resolved: [], timestamp: T0 }, expiresAt: T0 + 10 },
    ]);
    log.collect(T0 + 10);
    expect(log.size()).toBe(1);
    expect(log.snapshot().upserts!.map((u) => u.id)).toEqual(['k1']);

    const restored = new TrackingNotificationLog();
    expect(restored.restore([{ id: 'k1', doc: JSON.parse(JSON.stringify(c.upserts![0]!.doc)), expiresAt: T0 + 1000 }, { id: 'bad', doc: { v: 1 }, expiresAt: 1 }])).toEqual({
      restored: 1,
      skipped: 1,
    });
    expect(restored.get('k1')).toEqual(entry);
    expect(restored.hasChanges()).toBe(false);
    expect(decodeLogEntry(encodeLogEntry(entry))).toEqual(entry);
  });
});

describe('SilenceTracker', () => {
  const matchers = [{ name: 'alertname', type: '=' as const, value: 'A' }];

  it('turns registry changes into documents: create, edit, expire, collect', () => {
    let n = 0;
    const reg = new SilenceRegistry(() => `s${++n}`);
    const t = new SilenceTracker(reg, { retentionMs: 1000 });
    expect(t.drain()).toEqual({});
    const id = (reg.upsert({ matchers, startsAt: T0, endsAt: T0 + 60_000, createdBy: 'me', comment: 'deploy' }, T0) as { id: string }).id;
    const c1 = t.drain();
    expect(c1.upserts!.map((u) => [u.id, u.expiresAt])).toEqual([[id, T0 + 61_000]]);
    expect(decodeSilence(c1.upserts![0]!.doc)).toEqual(reg.get(id));
    expect(t.drain()).toEqual({});
    reg.upsert({ id, matchers, startsAt: T0, endsAt: T0 + 120_000, createdBy: 'me', comment: 'longer' }, T0 + 1);
    expect(t.drain().upserts!.map((u) => (u.doc as { comment: string }).comment)).toEqual(['longer']);
    reg.expire(id, T0 + 2);
    const expired = t.drain();
    expect(expired.upserts!.map((u) => u.expiresAt)).toEqual([T0 + 2 + 1000]);
    reg.collect(T0 + 5000, 1000);
    expect(t.drain()).toEqual({ upserts: [], deletes: [id] });
    t.requeue(expired);
    expect(t.drain()).toEqual({ upserts: [], deletes: [id] });
  });

  it('restores silences with their ids and times, and they mute again', () => {
    const reg = new SilenceRegistry(() => 'orig');
    reg.upsert({ matchers, startsAt: T0, endsAt: T0 + 60_000, createdBy: 'me', comment: 'c' }, T0);
    const doc = encodeSilence(reg.get('orig')!);
    const fresh = new SilenceRegistry(() => 'new');
    // The default insert is SilenceRegistry.restore (id and times kept, no clamping).
    const t = new SilenceTracker(fresh);
    expect(t.restore([{ id: 'orig', doc: JSON.parse(JSON.stringify(doc)), expiresAt: T0 + 1e9 }, { id: 'bad', doc: {}, expiresAt: 1 }])).toEqual({
      restored: 1,
      skipped: 1,
    });
    expect(fresh.get('orig')).toEqual(reg.get('orig'));
    expect(fresh.mutedBy({ alertname: 'A' }, T0 + 1)).toEqual(['orig']);
    expect(t.hasChanges()).toBe(false);
    expect(t.drain()).toEqual({});
  });
});

describe('DocumentTracker and incidents', () => {
  it('records pushed documents; incident expiry follows status', () => {
    const t = new IncidentTracker({ resolvedMs: 1000, openMs: 5000 });
    const open = { id: 'i1', status: 'open' as const, updatedAt: new Date(T0).toISOString() };
    expect(incidentExpiresAt(open, { openMs: 5000 })).toBe(T0 + 5000);
    expect(incidentExpiresAt({ ...open, status: 'resolved', resolvedAt: new Date(T0 + 10).toISOString() }, { resolvedMs: 1000 })).toBe(T0 + 1010);
    t.upsert('i1', { id: 'i1' }, T0 + 5000);
    t.upsert('i2', { id: 'i2' }, T0 + 5000);
    t.remove('i2');
    expect(t.drain()).toEqual({ upserts: [{ id: 'i1', doc: { id: 'i1' }, expiresAt: T0 + 5000 }], deletes: ['i2'] });
    const ledger = new DocumentTracker('ledger');
    ledger.restore([{ id: 'slo', doc: { n: 1 }, expiresAt: 9 }]);
    expect(ledger.entries()).toEqual([{ id: 'slo', doc: { n: 1 }, expiresAt: 9 }]);
    expect(ledger.hasChanges()).toBe(false);
  });
});

describe('PartitionTracker', () => {
  it('commits drained changes; puts them back when the commit fails', async () => {
    const store = new TrackingAlertStore();
    const nflog = new TrackingNotificationLog();
    const p = partitionId('alerts', 3);
    const tracker = new PartitionTracker(p, [store, nflog]);
    expect(() => new PartitionTracker(p, [store, new TrackingAlertStore()])).toThrow(/two change sources/);
    const a = alert({ alertname: 'A' }, Date.now());
    store.put(a, Date.now());
    nflog.log('k', { firing: new Set([a.fingerprint]), resolved: new Set(), timestamp: Date.now() }, Date.now() + 60_000);

    let fail = true;
    const seen: StateChanges[] = [];
    const repo = new MemoryStateRepository();
    await repo.load([p]);
    const flaky = {
      commit: async (partition: string, changes: StateChanges): Promise<CommitResult> => {
        seen.push(changes);
        if (fail) throw new StateUnavailableError('down');
        return repo.commit(partition, changes);
      },
    } as unknown as StateRepository;
    await expect(tracker.commit(flaky)).rejects.toBeInstanceOf(StateUnavailableError);
    expect(tracker.hasChanges()).toBe(true);
    fail = false;
    expect(await tracker.commit(flaky)).toEqual({ upserted: 2, deleted: 0, pruned: 0 });
    expect(seen[1]).toEqual(seen[0]);
    expect(tracker.hasChanges()).toBe(false);

    const snap = tracker.snapshot();
    expect(snap.replace).toBe(true);
    expect(snap.alerts!.upserts!.length).toBe(1);

    const restored = new TrackingAlertStore();
    const restoredLog = new TrackingNotificationLog();
    const other = new PartitionTracker(p, [restored, restoredLog]);
    const state = (await new MemoryStateRepository({ store: repo.store }).load([p])).get(p)!;
    expect(other.restore(state)).toEqual({ alerts: { restored: 1, skipped: 0, alerts: [a] }, nflog: { restored: 1, skipped: 0 } });
  });
});

describe('one engine for several partitions (shared adapters with partitionOf)', () => {
  it('attributes alerts and log entries to partitions; each tracker commits its share', async () => {
    const partitionOf = (a: Alert) => partitionId('alerts', Number(a.labels.shard ?? 0));
    const alerts = new TrackingAlertStore({ partitionOf });
    const incidentPartitions = new Map([['incident-fp', partitionId('alerts', 1)]]);
    const nflog = new TrackingNotificationLog({
      partitionOf: partitionByFingerprint(
        (fp) => alerts.partitionOfFingerprint(fp),
        (fp) => incidentPartitions.get(fp),
      ),
    });
    const [p0, p1] = [partitionId('alerts', 0), partitionId('alerts', 1)];
    const t0 = new PartitionTracker(p0, [alerts, nflog]);
    const t1 = new PartitionTracker(p1, [alerts, nflog]);
    const now = Date.now();
    const a0 = alert({ alertname: 'A', shard: '0' }, now);
    const a1 = alert({ alertname: 'B', shard: '1' }, now);
    alerts.put(a0, now);
    alerts.put(a1, now);
    nflog.log('g0', { firing: new Set([a0.fingerprint]), resolved: new Set(), timestamp: now }, now + 60_000);
    nflog.log('g1', { firing: new Set(['incident-fp']), resolved: new Set(), timestamp: now }, now + 60_000);
    nflog.log('lost', { firing: new Set(['unknown']), resolved: new Set(), timestamp: now }, now + 60_000);
    expect(nflog.unattributed).toBe(1);
    expect(alerts.partitionOfFingerprint(a1.fingerprint)).toBe(p1);
    expect(t0.hasChanges() && t1.hasChanges()).toBe(true);

    const store = new MemoryStateStore();
    const repo = new MemoryStateRepository({ store });
    await repo.load([p0, p1]);
    await t0.commit(repo);
    expect(t0.hasChanges()).toBe(false);
    expect(t1.hasChanges()).toBe(true);
    await t1.commit(repo);
    // A removal is attributed to the alert's partition, even after it left the store.
    expect(alerts.collectResolved(now + 300_000).length).toBe(2);
    expect(t1.drain()).toEqual({ alerts: { upserts: [], deletes: [a1.fingerprint] } });
    t1.requeue({ alerts: { deletes: [a1.fingerprint] } });
    await t1.commit(repo);

    const loaded = await new MemoryStateRepository({ store }).load([p0, p1]);
    expect(loaded.get(p0)!.docs.alerts.map((d) => d.id)).toEqual([a0.fingerprint]);
    expect(loaded.get(p0)!.docs.nflog.map((d) => d.id)).toEqual(['g0']);
    expect(loaded.get(p1)!.docs.alerts).toEqual([]);
    expect(loaded.get(p1)!.docs.nflog.map((d) => d.id)).toEqual(['g1']);

    // Gaining a partition into a shared store attributes what it restores; losing one hands back its ids.
    const shared = new TrackingAlertStore({ partitionOf });
    const tracker = new PartitionTracker(p0, [shared]);
    tracker.restore(loaded.get(p0)!);
    expect(shared.partitionOfFingerprint(a0.fingerprint)).toBe(p0);
    expect(tracker.snapshot().alerts!.upserts!.map((u) => u.id)).toEqual([a0.fingerprint]);
    expect(new PartitionTracker(p1, [shared]).snapshot().alerts!.upserts).toEqual([]);
    expect(shared.forget(p0)).toEqual([a0.fingerprint]);
    expect(nflog.forget(p1)).toEqual(['g1']);
  });
});

describe('an engine on tracking ports: state survives an instance restart', () => {
  const yaml = `route: {receiver: default, group_by: [alertname], group_wait: 1s, group_interval: 10s, repeat_interval: 4h}${WEBHOOK}`;

  function instance(store: MemoryStateStore, start: number) {
    const clock = new VirtualClock(start);
    const transport = new CapturingTransport(clock);
    const alerts = new TrackingAlertStore();
    const nflog = new TrackingNotificationLog();
    const engine = new Engine({ config: config(yaml), clock, transport, externalURL: 'http://am', alertStore: alerts, notificationLog: nflog });
    const p = partitionId('alerts', 0);
    const tracker = new PartitionTracker(p, [alerts, nflog]);
    const repo = new MemoryStateRepository({ store, instanceId: `i-${start}` });
    return { clock, transport, engine, alerts, nflog, tracker, repo, p };
  }

  it('a new owner reloads alerts and the notification log and does not notify again', async () => {
    // The repository judges expiry on the engine's clock (here virtual; the wall clock in production).
    let clock: VirtualClock | undefined;
    const store = new MemoryStateStore(() => clock!.now());
    const a = instance(store, T0);
    clock = a.clock;
    await a.repo.load([a.p]);
    a.engine.receiveAlerts([alert({ alertname: 'Disk' }, T0)]);
    await a.clock.advanceTo(T0 + 1000);
    expect(a.transport.sent.length).toBe(1);
    await a.tracker.commit(a.repo);
    await a.engine.stop();

    // Another instance gains the partition 20 s later.
    const b = instance(store, T0 + 20_000);
    clock = b.clock;
    const state = (await b.repo.load([b.p])).get(b.p)!;
    const restored = b.tracker.restore(state);
    expect(restored.nflog).toEqual({ restored: 1, skipped: 0 });
    // The runner routes the restored alerts (the store already holds them; put merges identically).
    b.engine.receiveAlerts([...b.alerts.values()]);
    await b.clock.advanceTo(T0 + 60_000);
    expect(b.transport.sent.length).toBe(0);
    // A new alert in the group is "new alerts added", not a first notification: the log carried over.
    b.engine.receiveAlerts([alert({ alertname: 'Disk', instance: 'n2' }, T0 + 60_000)]);
    await b.clock.advanceTo(T0 + 90_000);
    expect(b.transport.sent.map((s) => s.body.notification_reason)).toEqual(['new alerts added']);
    // And the fenced previous owner can no longer write.
    await expect(a.tracker.commit(a.repo)).rejects.toThrow(/taken over/);
    await b.tracker.commit(b.repo);
  });
});
