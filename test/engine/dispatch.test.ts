import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeEngine, WEBHOOK } from './support.js';

describe('dispatch timing and the notification log', () => {
  it('flushes at once when an alert started more than group_wait ago', async () => {
    const { engine, transport, at, alert } = makeEngine(`route: {receiver: default, group_wait: 30s, group_interval: 1m}${WEBHOOK}`);
    await at(100_000);
    engine.receiveAlerts([alert({ alertname: 'Old' }, { startsAt: 0 })]);
    await at(100_000);
    expect(transport.sent.map((s) => s.at)).toEqual([100_000]);
    // Next tick counts from that flush.
    engine.receiveAlerts([alert({ alertname: 'Old', x: '1' })]);
    await at(159_999);
    expect(transport.sent.length).toBe(1);
    await at(160_000);
    expect(transport.sent.map((s) => s.body.notification_reason)).toEqual(['first notification', 'new alerts added']);
  });

  it('a reload keeps the notification log: no duplicate after the new groups flush', async () => {
    const yaml = `route: {receiver: default, group_by: [alertname], group_wait: 1s, group_interval: 10s}${WEBHOOK}`;
    const { engine, transport, at, alert } = makeEngine(yaml);
    engine.receiveAlerts([alert({ alertname: 'A' })]);
    await at(1000);
    expect(transport.sent.length).toBe(1);
    await engine.applyConfig(engine.config);
    // The re-created group flushes at once (its alert is older than group_wait) but the log says
    // nothing changed.
    await at(60_000);
    expect(transport.sent.length).toBe(1);
    engine.receiveAlerts([alert({ alertname: 'A', extra: 'new' })]);
    await at(80_000);
    expect(transport.sent.length).toBe(2);
    expect(transport.sent[1]!.body.notification_reason).toBe('new alerts added');
  });

  it('a batch emptied by a silence is not sent and leaves the log untouched', async () => {
    const { engine, transport, at, alert } = makeEngine(`route: {receiver: default, group_wait: 1s, group_interval: 1s}${WEBHOOK}`);
    const s = engine.upsertSilence({
      matchers: [{ name: 'alertname', type: '=', value: 'A' }],
      startsAt: engine.now(),
      endsAt: engine.now() + 5000,
      createdBy: 't',
      comment: 'c',
    });
    expect(s.ok).toBe(true);
    engine.receiveAlerts([alert({ alertname: 'A' })]);
    await at(4000);
    expect(transport.sent.length).toBe(0);
    await at(6000);
    expect(transport.sent.map((x) => [x.at, x.body.notification_reason])).toEqual([[5000, 'first notification']]);
  });

  it('send_resolved: false leaves resolved alerts out, and the all-resolved flush only clears the log', async () => {
    const { engine, transport, at, alert } = makeEngine(`route: {receiver: default, group_wait: 1s, group_interval: 1s, repeat_interval: 1h}
receivers:
- name: default
  webhook_configs:
  - url: 'http://sink.invalid/'
    send_resolved: false
`);
    engine.receiveAlerts([alert({ alertname: 'A', i: '1' }), alert({ alertname: 'A', i: '2' })]);
    await at(1000);
    engine.receiveAlerts([alert({ alertname: 'A', i: '1' }, { startsAt: 0, endsAt: 1500 })]);
    await at(3000);
    // i=1 resolved: no notification for it (send_resolved off), nothing new firing.
    expect(transport.sent.length).toBe(1);
    engine.receiveAlerts([alert({ alertname: 'A', i: '2' }, { startsAt: 0, endsAt: 3500 })]);
    await at(10_000);
    expect(transport.sent.length).toBe(1);
    // The log was cleared: the same alert firing again is a first notification.
    engine.receiveAlerts([alert({ alertname: 'A', i: '2' }, { startsAt: 11_000 })]);
    await at(13_000);
    expect(transport.sent.map((x) => x.body.notification_reason)).toEqual(['first notification', 'first notification']);
    expect(transport.sent[1]!.body.alerts.every((a) => a.status === 'firing')).toBe(true);
  });

  it('a failed delivery keeps resolved alerts and retries on the next tick', async () => {
    const { engine, transport, at, alert } = makeEngine(`route: {receiver: default, group_wait: 1s, group_interval: 1s}${WEBHOOK}`);
    engine.receiveAlerts([alert({ alertname: 'A' }, { startsAt: 0, endsAt: 500 })]);
    engine.receiveAlerts([alert({ alertname: 'B' })]);
    transport.failures = 1;
    await at(1000);
    expect(transport.sent.length).toBe(0);
    await at(2000);
    expect(transport.sent.length).toBe(1);
    expect(transport.sent[0]!.body.alerts.map((a) => [a.labels.alertname, a.status])).toEqual([
      ['A', 'resolved'],
      ['B', 'firing'],
    ]);
  });

  it('max_alerts truncates and reports truncatedAlerts', async () => {
    const { engine, transport, at, alert } = makeEngine(`route: {receiver: default, group_wait: 1s}
receivers:
- name: default
  webhook_configs:
  - url: 'http://sink.invalid/'
    max_alerts: 2
`);
    engine.receiveAlerts([1, 2, 3, 4].map((i) => alert({ alertname: 'A', i: String(i) })));
    await at(1000);
    expect(transport.sent[0]!.body.alerts.length).toBe(2);
    expect(transport.sent[0]!.body.truncatedAlerts).toBe(2);
  });

  it('an alert arriving within 30 s of its group emptying rejoins the old group on its ticks', async () => {
    const { engine, transport, at, alert } = makeEngine(`route: {receiver: default, group_wait: 5s, group_interval: 10s}${WEBHOOK}`);
    engine.receiveAlerts([alert({ alertname: 'A' }, { startsAt: 0, endsAt: 6000 })]);
    await at(5000); // first flush: firing
    await at(15_000); // resolved flush; group now empty
    expect(transport.sent.length).toBe(2);
    await at(16_000);
    engine.receiveAlerts([alert({ alertname: 'A' })]);
    // Not group_wait (21 s) but the old group's next tick (25 s).
    await at(24_999);
    expect(transport.sent.length).toBe(2);
    await at(25_000);
    expect(transport.sent.length).toBe(3);
  });

  it('active and mute time intervals gate notifications', async () => {
    // T0 is Sunday 2026-03-01 00:00 UTC.
    const { engine, transport, at, alert } = makeEngine(`route:
  receiver: default
  group_wait: 1s
  group_interval: 1m
  repeat_interval: 1000h
  routes:
  - matchers: ['team="a"']
    active_time_intervals: [weekdays]
  - matchers: ['team="b"']
    mute_time_intervals: [weekdays]
time_intervals:
- name: weekdays
  time_intervals: [{weekdays: ['monday:friday']}]
${WEBHOOK}`);
    engine.receiveAlerts([alert({ alertname: 'X', team: 'a' }, { endsAt: 10 * 86400_000 })]);
    engine.receiveAlerts([alert({ alertname: 'X', team: 'b' }, { endsAt: 10 * 86400_000 })]);
    await at(3600_000);
    expect(transport.sent.map((s) => s.body.alerts[0]!.labels.team)).toEqual(['b']);
    await at(86400_000 + 60_000); // Monday
    expect(transport.sent.map((s) => s.body.alerts[0]!.labels.team)).toEqual(['b', 'a']);
  });
});

describe('notification order across flushes', () => {
  it('stays sorted as alerts join, leave and are re-sent, and after a reload', async () => {
    const yaml = `route: {receiver: default, group_by: [alertname], group_wait: 1s, group_interval: 10s, repeat_interval: 5s}${WEBHOOK}`;
    const { engine, transport, at, alert } = makeEngine(yaml);
    const instances = (i: number, status?: string) =>
      transport.sent[i]!.body.alerts.filter((a) => status === undefined || a.status === status).map((a) => a.labels.instance ?? '-');
    const send = (names: string[], endsAt?: number) =>
      engine.receiveAlerts(names.map((instance) => alert({ alertname: 'A', job: 'j', ...(instance === '-' ? {} : { instance }) }, { endsAt })));
    send(['c', 'a', '-']);
    await at(1000);
    expect(instances(0)).toEqual(['a', 'c', '-']);
    // Only re-sends: the same order, reused.
    send(['-', 'c', 'a']);
    await at(11_000);
    expect(instances(1)).toEqual(['a', 'c', '-']);
    // One joins in the middle.
    send(['b']);
    await at(21_000);
    expect(instances(2)).toEqual(['a', 'b', 'c', '-']);
    // One resolves and leaves; the rest are re-sent and repeat.
    send(['c'], 25_000);
    send(['a', 'b', '-'], 100_000);
    await at(31_000);
    expect(instances(3)).toEqual(['a', 'b', 'c', '-']);
    await at(41_000);
    expect(instances(4)).toEqual(['a', 'b', '-']);
    await engine.applyConfig(engine.config);
    send(['d', 'a']);
    await at(61_000);
    expect(instances(transport.sent.length - 1, 'firing')).toEqual(['a', 'b', 'd', '-']);
  });
});

describe('dispatch invariants (property tests)', () => {
  it('a group whose alerts all resolve before its first flush sends nothing', async () => {
    const { engine, transport, at, alert } = makeEngine(`route: {receiver: default, group_wait: 5s, group_interval: 5s}${WEBHOOK}`);
    engine.receiveAlerts([alert({ alertname: 'A', i: '1' }, { startsAt: 0, endsAt: 1000 })]);
    engine.receiveAlerts([alert({ alertname: 'A', i: '2' }, { startsAt: 0, endsAt: 4000 })]);
    await at(60_000);
    expect(transport.sent).toEqual([]);
    expect(engine.dispatcher.hasAlerts()).toBe(false);
  });

  const arbAlerts = fc.array(
    fc.record({
      name: fc.constantFrom('A', 'B', 'C'),
      inst: fc.constantFrom('1', '2'),
      pushAt: fc.integer({ min: 0, max: 20_000 }),
      lifetime: fc.integer({ min: 1, max: 30_000 }),
    }),
    { minLength: 1, maxLength: 12 },
  );

  // Alertmanager puts every alert of the group in the payload, so such an alert can appear as *resolved*
  // next to a firing sibling; it never appears as firing, and a group whose alerts all resolved before
  // the first flush sends nothing.
  it('an alert that resolves before its group first flushes is never notified as firing', async () => {
    await fc.assert(
      fc.asyncProperty(arbAlerts, async (specs) => {
        const { engine, transport, at, alert } = makeEngine(
          `route: {receiver: default, group_by: [alertname], group_wait: 5s, group_interval: 5s, repeat_interval: 1h}${WEBHOOK}`,
        );
        const sorted = [...specs].sort((x, y) => x.pushAt - y.pushAt);
        const firstPush = new Map<string, number>();
        for (const s of sorted) {
          await at(s.pushAt);
          if (!firstPush.has(s.name)) firstPush.set(s.name, s.pushAt);
          engine.receiveAlerts([alert({ alertname: s.name, instance: s.inst }, { startsAt: s.pushAt, endsAt: s.pushAt + s.lifetime })]);
        }
        await at(120_000);
        for (const sent of transport.sent) {
          for (const a of sent.body.alerts.filter((x) => x.status === 'firing')) {
            const spec = sorted.filter((s) => s.name === a.labels.alertname && s.inst === a.labels.instance);
            const groupFirstFlush = firstPush.get(a.labels.alertname!)! + 5000;
            // Some version of this alert was still firing at the group's first flush or later.
            expect(spec.some((s) => s.pushAt + s.lifetime > groupFirstFlush || s.pushAt >= groupFirstFlush)).toBe(true);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('at most one notification per group and integration per group_interval tick', async () => {
    await fc.assert(
      fc.asyncProperty(arbAlerts, async (specs) => {
        const { engine, transport, at, alert } = makeEngine(
          `route: {receiver: default, group_by: [alertname], group_wait: 2s, group_interval: 3s, repeat_interval: 1ms}${WEBHOOK}`,
        );
        for (const s of [...specs].sort((x, y) => x.pushAt - y.pushAt)) {
          await at(s.pushAt);
          engine.receiveAlerts([alert({ alertname: s.name, instance: s.inst }, { startsAt: s.pushAt, endsAt: s.pushAt + s.lifetime })]);
        }
        await at(120_000);
        const byGroup = new Map<string, number[]>();
        for (const s of transport.sent) byGroup.set(s.body.groupKey, [...(byGroup.get(s.body.groupKey) ?? []), s.at]);
        for (const times of byGroup.values()) {
          for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(3000);
        }
      }),
      { numRuns: 60 },
    );
  });
});
