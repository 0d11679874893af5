import { describe, expect, it } from 'vitest';
import { logKey } from '../../src/dispatch/notificationLog.js';
import { Engine } from '../../src/engine/engine.js';
import { ClaimingTransport, claimSubject, notificationStateHash } from '../../src/notify/claimingTransport.js';
import { buildPagerdutyBody } from '../../src/notify/pagerduty/payload.js';
import type { DeliveryResult, OutboundRequest, Transport } from '../../src/notify/transport.js';
import { buildWebhookBody } from '../../src/notify/webhook/payload.js';
import { VirtualClock } from '../../src/state/clock.js';
import { MemoryStateRepository, MemoryStateStore } from '../../src/state/memoryRepository.js';
import { StateUnavailableError } from '../../src/state/repository.js';
import type { NotificationData } from '../../src/notify/data.js';
import type { PagerdutyConfig } from '../../src/config/types.js';
import { CapturingTransport, config, T0 } from '../engine/support.js';
import { fingerprint } from '../../src/domain/labels.js';
import type { Alert } from '../../src/domain/alert.js';

const data: NotificationData = {
  receiver: 'team-ml',
  status: 'firing',
  alerts: [
    { status: 'firing', labels: { alertname: 'Drift' }, annotations: {}, startsAt: '', endsAt: '', generatorURL: '', fingerprint: 'bbb' },
    { status: 'resolved', labels: { alertname: 'Drift', x: '1' }, annotations: {}, startsAt: '', endsAt: '', generatorURL: '', fingerprint: 'ccc' },
    { status: 'firing', labels: { alertname: 'Drift', x: '2' }, annotations: {}, startsAt: '', endsAt: '', generatorURL: '', fingerprint: 'aaa' },
  ],
  groupLabels: { alertname: 'Drift' },
  commonLabels: {},
  commonAnnotations: {},
  externalURL: 'http://am',
  groupKey: '{}:{alertname="Drift"}',
  truncatedAlerts: 0,
  reason: 'first notification',
};

const req = (integration: OutboundRequest['integration'], body: unknown, index = 0): OutboundRequest => ({
  receiver: 'team-ml',
  integration,
  index,
  url: 'http://secret.invalid/',
  headers: {},
  body,
  timeoutMs: 0,
});

describe('claimSubject', () => {
  it('keys webhook and PagerDuty requests by the notification-log key and the firing/resolved sets', () => {
    const want = { key: logKey(data.groupKey, 'team-ml', 'webhook', 1), stateHash: notificationStateHash(['aaa', 'bbb'], ['ccc']) };
    expect(claimSubject(req('webhook', buildWebhookBody(data), 1))).toEqual(want);
    const pd = buildPagerdutyBody(data, { routingKey: 'rk', severity: 'error', client: 'c', url: 'u', details: {} } as unknown as PagerdutyConfig);
    expect(claimSubject(req('pagerduty', pd, 1))).toEqual({ ...want, key: logKey(data.groupKey, 'team-ml', 'pagerduty', 1) });
    // Order does not matter; status does.
    expect(notificationStateHash(['bbb', 'aaa'], ['ccc'])).toBe(want.stateHash);
    expect(notificationStateHash(['aaa', 'bbb', 'ccc'], [])).not.toBe(want.stateHash);
    expect(want.stateHash).toMatch(/^[0-9a-f]{32}$/);
  });

  it('claims a body without group key (Slack) by its content', () => {
    const a = claimSubject(req('slack', { text: 'x', blocks: [1], channel: '#c' }));
    expect(claimSubject(req('slack', { channel: '#c', blocks: [1], text: 'x' }))).toEqual(a);
    expect(claimSubject(req('slack', { channel: '#c', blocks: [2], text: 'x' })).key).not.toBe(a.key);
    expect(a.stateHash).toBe('body');
  });
});

class CountingTransport implements Transport {
  sent: OutboundRequest[] = [];
  fail = 0;
  async send(r: OutboundRequest): Promise<DeliveryResult> {
    if (this.fail > 0) {
      this.fail--;
      return { ok: false, attempts: 1, retriable: true, reason: 'HTTP 503' };
    }
    this.sent.push(r);
    return { ok: true, attempts: 1 };
  }
}

describe('ClaimingTransport', () => {
  it('lets one instance send a notification state; the others drop it and report success', async () => {
    const store = new MemoryStateStore();
    const instances = Array.from({ length: 5 }, (_, i) => {
      const inner = new CountingTransport();
      const t = new ClaimingTransport({ inner, repository: new MemoryStateRepository({ store, instanceId: `i${i}` }), now: Date.now });
      return { inner, t };
    });
    const r = req('webhook', buildWebhookBody(data));
    const results = await Promise.all(instances.map(({ t }) => t.send(r, Date.now() + 10_000)));
    expect(results.every((x) => x.ok)).toBe(true);
    expect(instances.reduce((n, { inner }) => n + inner.sent.length, 0)).toBe(1);
    expect(instances.reduce((n, { t }) => n + t.stats.dropped, 0)).toBe(4);
    // The winner's follow-up requests and retries pass (re-entrant).
    const winner = instances.find(({ inner }) => inner.sent.length === 1)!;
    expect((await winner.t.send(r, Date.now() + 10_000)).ok).toBe(true);
    expect(winner.inner.sent.length).toBe(2);
  });

  it('gives the claim back when the send fails, so another instance can deliver', async () => {
    const store = new MemoryStateStore();
    const a = new CountingTransport();
    const b = new CountingTransport();
    const ta = new ClaimingTransport({ inner: a, repository: new MemoryStateRepository({ store, instanceId: 'a' }), now: Date.now });
    const tb = new ClaimingTransport({ inner: b, repository: new MemoryStateRepository({ store, instanceId: 'b' }), now: Date.now });
    a.fail = 1;
    const r = req('webhook', buildWebhookBody(data));
    expect((await ta.send(r, Date.now())).ok).toBe(false);
    expect(ta.stats.released).toBe(1);
    expect((await tb.send(r, Date.now())).ok).toBe(true);
    expect(b.sent.length).toBe(1);
    expect((await ta.send(r, Date.now())).ok).toBe(true);
    expect(a.sent.length).toBe(0);
    expect(ta.stats.dropped).toBe(1);
  });

  it('repository unavailable: sends anyway by default, or answers a retriable failure', async () => {
    const store = new MemoryStateStore();
    store.setAvailable(false);
    const inner = new CountingTransport();
    const events: string[] = [];
    const open = new ClaimingTransport({ inner, repository: new MemoryStateRepository({ store }), now: Date.now, onEvent: (e) => events.push(e.type) });
    expect((await open.send(req('webhook', buildWebhookBody(data)), Date.now())).ok).toBe(true);
    expect(inner.sent.length).toBe(1);
    expect(open.stats.claimErrors).toBe(1);
    expect(events).toEqual(['claim_error']);
    const closed = new ClaimingTransport({ inner, repository: new MemoryStateRepository({ store }), now: Date.now, onClaimError: 'fail' });
    const r = await closed.send(req('webhook', buildWebhookBody(data)), Date.now());
    expect(r).toMatchObject({ ok: false, retriable: true });
    expect(inner.sent.length).toBe(1);
  });

  it('claims live for the flush deadline, at least 60 s, or as configured', async () => {
    const ttls: number[] = [];
    const repository = {
      claimNotification: async (_k: string, _h: string, ttl: number) => (ttls.push(ttl), true),
      releaseNotification: async () => true,
    };
    const inner = new CountingTransport();
    await new ClaimingTransport({ inner, repository, now: () => 1000 }).send(req('webhook', buildWebhookBody(data)), 1000 + 300_000);
    await new ClaimingTransport({ inner, repository, now: () => 1000 }).send(req('webhook', buildWebhookBody(data)), 1000 + 10_000);
    await new ClaimingTransport({ inner, repository, now: () => 1000, ttlMs: () => 5000 }).send(req('webhook', buildWebhookBody(data)), 0);
    expect(ttls).toEqual([300_000, 60_000, 5000]);
    const failing = { claimNotification: async () => Promise.reject(new StateUnavailableError('down')), releaseNotification: async () => true };
    expect((await new ClaimingTransport({ inner, repository: failing, now: () => 0 }).send(req('webhook', {}), 0)).ok).toBe(true);
  });

  it('two engines that both hold a group (split brain during a rebalance) page once', async () => {
    const yaml = `
route: {receiver: pager, group_by: [alertname], group_wait: 1s, group_interval: 10s, repeat_interval: 4h}
receivers:
- name: pager
  pagerduty_configs:
  - routing_key: 'rk'
`;
    const store = new MemoryStateStore();
    const run = (id: string) => {
      const clock = new VirtualClock(T0);
      const inner = new CapturingTransport(clock);
      const transport = new ClaimingTransport({ inner, repository: new MemoryStateRepository({ store, instanceId: id }), now: () => clock.now() });
      const engine = new Engine({ config: config(yaml), clock, transport, externalURL: 'http://am' });
      return { clock, inner, transport, engine };
    };
    const labels = { alertname: 'ModelAccuracyLow', severity: 'critical' };
    const alert: Alert = {
      labels,
      annotations: {},
      startsAt: T0,
      endsAt: T0 + 300_000,
      generatorURL: '',
      updatedAt: T0,
      timeout: true,
      fingerprint: fingerprint(labels),
      source: 'kafka',
    };
    const x = run('x');
    const y = run('y');
    x.engine.receiveAlerts([alert]);
    y.engine.receiveAlerts([alert]);
    await Promise.all([x.clock.advanceTo(T0 + 1000), y.clock.advanceTo(T0 + 1000)]);
    expect(x.inner.sent.length + y.inner.sent.length).toBe(1);
    expect(x.transport.stats.dropped + y.transport.stats.dropped).toBe(1);
    // Both logged the notification: no re-send on later flushes.
    await Promise.all([x.clock.advanceTo(T0 + 60_000), y.clock.advanceTo(T0 + 60_000)]);
    expect(x.inner.sent.length + y.inner.sent.length).toBe(1);
    await Promise.all([x.engine.stop(), y.engine.stop()]);
  });
});
