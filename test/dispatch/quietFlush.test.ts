/**
 * A tick skips its flush when the flush provably does nothing (`Dispatcher.stillQuiet`). Differential
 * property test: random streams (re-sends, resolves, timeouts, silences that start, end and are expired,
 * inhibition that comes and goes, time intervals that open and close, repeat intervals, failed
 * deliveries, receivers with and without send_resolved, PagerDuty's resolve of a muted page) run twice,
 * with skipping on and off; every request sent, its time and body, and the groups left must be the same.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Alert } from '../../src/domain/alert.js';
import { fingerprint } from '../../src/domain/labels.js';
import { Dispatcher, quietFlushes } from '../../src/dispatch/dispatcher.js';
import { Engine } from '../../src/engine/engine.js';
import type { DeliveryResult, OutboundRequest, Transport } from '../../src/notify/transport.js';
import { recordedResponse } from '../../src/notify/transport.js';
import { VirtualClock } from '../../src/state/clock.js';
import { config, T0 } from '../engine/support.js';

const CONFIG = `
global: {resolve_timeout: 2m}
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 2s
  group_interval: 10s
  repeat_interval: 1m
  routes:
  - matchers: ['severity="critical"']
    receiver: pager
    group_by: [alertname, team]
    continue: true
  - matchers: ['team="x"']
    receiver: quiet-hook
    mute_time_intervals: [windows]
    group_interval: 15s
  - matchers: ['team="y"']
    receiver: hook
    active_time_intervals: [windows]
    repeat_interval: 40s
time_intervals:
- name: windows
  time_intervals:
  - times: [{start_time: '00:03', end_time: '00:06'}, {start_time: '00:09', end_time: '00:10'}, {start_time: '00:14', end_time: '00:20'}]
inhibit_rules:
- source_matchers: ['severity="critical"']
  target_matchers: ['severity="warning"']
  equal: [alertname]
- source_matchers: ['alertname="C"']
  target_matchers: ['team=~"x|y"']
  equal: [instance]
receivers:
- name: hook
  webhook_configs: [{url: 'http://hook.invalid/'}]
- name: quiet-hook
  webhook_configs: [{url: 'http://quiet.invalid/', send_resolved: false}]
- name: pager
  pagerduty_configs: [{routing_key: 0123456789abcdef0123456789abcdef, url: 'http://pd.invalid/v2/enqueue'}]
  webhook_configs: [{url: 'http://pager-hook.invalid/', max_alerts: 2}]
`;

type Step =
  | { dt: number; kind: 'alerts'; alerts: { name: number; severity: number; team: number; instance: number; end: number; start: number }[] }
  | { dt: number; kind: 'silence'; target: number; startIn: number; length: number }
  | { dt: number; kind: 'expire'; which: number }
  | { dt: number; kind: 'fail'; count: number };

const NAMES = ['A', 'B', 'C'];
const SEVERITIES = ['critical', 'warning'];
const TEAMS = ['x', 'y', 'z'];

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      dt: fc.integer({ min: 0, max: 40_000 }),
      kind: fc.constant('alerts' as const),
      alerts: fc.array(
        fc.record({
          name: fc.integer({ min: 0, max: 2 }),
          severity: fc.integer({ min: 0, max: 1 }),
          team: fc.integer({ min: 0, max: 2 }),
          instance: fc.integer({ min: 0, max: 2 }),
          // <0: resolved that long ago; 0: no end (timeout); >0: ends that far ahead
          end: fc.integer({ min: -20_000, max: 400_000 }),
          start: fc.integer({ min: 0, max: 600_000 }),
        }),
        { minLength: 1, maxLength: 6 },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      dt: fc.integer({ min: 0, max: 40_000 }),
      kind: fc.constant('silence' as const),
      target: fc.integer({ min: 0, max: 5 }),
      startIn: fc.integer({ min: 0, max: 60_000 }),
      length: fc.integer({ min: 1000, max: 200_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ dt: fc.integer({ min: 0, max: 40_000 }), kind: fc.constant('expire' as const), which: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ dt: fc.integer({ min: 0, max: 40_000 }), kind: fc.constant('fail' as const), count: fc.integer({ min: 1, max: 3 }) }) },
);

/** Fails the next `failures` sends; records the rest. */
class ScriptedTransport implements Transport {
  readonly sent: string[] = [];
  failures = 0;
  constructor(private readonly clock: VirtualClock) {}
  async send(req: OutboundRequest): Promise<DeliveryResult> {
    if (this.failures > 0) {
      this.failures--;
      this.sent.push(`${this.clock.now() - T0} FAILED ${req.receiver} ${req.integration} ${req.index}`);
      return { ok: false, attempts: 1, retriable: false, reason: 'HTTP 500' };
    }
    this.sent.push(`${this.clock.now() - T0} ${req.receiver} ${req.integration} ${req.index} ${JSON.stringify(req.body)}`);
    const response = recordedResponse(req, this.clock.now(), this.sent.length);
    return response ? { ok: true, attempts: 1, response } : { ok: true, attempts: 1 };
  }
}

async function run(steps: readonly Step[], skip: boolean): Promise<string[]> {
  quietFlushes.skip = skip;
  const clock = new VirtualClock(T0);
  const transport = new ScriptedTransport(clock);
  const engine = new Engine({ config: config(CONFIG), clock, transport, externalURL: 'http://am', newSilenceId: counter() });
  const silences: string[] = [];
  const out: string[] = [];
  for (const s of steps) {
    await clock.advanceTo(clock.now() + s.dt);
    const now = clock.now();
    switch (s.kind) {
      case 'alerts': {
        const alerts: Alert[] = s.alerts.map((a) => {
          const labels = {
            alertname: NAMES[a.name]!,
            severity: SEVERITIES[a.severity]!,
            team: TEAMS[a.team]!,
            instance: String(a.instance),
          };
          const startsAt = Math.max(T0, now - a.start);
          const endsAt = a.end === 0 ? now + 120_000 : a.end < 0 ? Math.max(startsAt, now + a.end) : now + a.end;
          return {
            labels,
            annotations: { summary: `${labels.alertname} on ${labels.instance}` },
            startsAt,
            endsAt,
            generatorURL: '',
            updatedAt: now,
            timeout: a.end === 0,
            fingerprint: fingerprint(labels),
            source: 'api',
          };
        });
        engine.receiveAlerts(alerts);
        break;
      }
      case 'silence': {
        const matchers =
          s.target < 3
            ? [{ name: 'alertname', type: '=' as const, value: NAMES[s.target]! }]
            : [{ name: 'team', type: '=' as const, value: TEAMS[s.target - 3]! }];
        const r = engine.upsertSilence({ matchers, startsAt: now + s.startIn, endsAt: now + s.startIn + s.length, createdBy: 't', comment: 'c' });
        if (r.ok) silences.push(r.id);
        break;
      }
      case 'expire':
        if (silences.length > 0) engine.expireSilence(silences[s.which % silences.length]!);
        break;
      case 'fail':
        transport.failures += s.count;
        break;
    }
    out.push(`${now - T0}: ${engine.dispatcher.membershipCount()} memberships`);
  }
  await clock.advanceTo(clock.now() + 15 * 60_000);
  out.push(`end: ${engine.dispatcher.membershipCount()} memberships`);
  await engine.stop();
  return [...transport.sent, ...out];
}

function counter(): () => string {
  let n = 0;
  return () => `s${++n}`;
}

describe('skipping quiet flushes changes nothing', () => {
  afterEach(() => {
    quietFlushes.skip = true;
  });

  it('sends the same requests at the same times, with and without skipping', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 60 }), async (steps) => {
        const withSkip = await run(steps, true);
        const without = await run(steps, false);
        expect(withSkip).toEqual(without);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('a notification-log entry that changes behind the group (expired, written by another instance) is noticed', async () => {
    for (const skip of [true, false]) {
      quietFlushes.skip = skip;
      const clock = new VirtualClock(T0);
      const transport = new ScriptedTransport(clock);
      const engine = new Engine({ config: config(CONFIG), clock, transport, externalURL: 'http://am' });
      const labels = { alertname: 'B', severity: 'warning', team: 'z', instance: '1' };
      const alert = (): Alert => ({
        labels,
        annotations: {},
        startsAt: T0,
        endsAt: clock.now() + 3600_000,
        generatorURL: '',
        updatedAt: clock.now(),
        timeout: false,
        fingerprint: fingerprint(labels),
        source: 'api',
      });
      engine.receiveAlerts([alert()]);
      await clock.advanceTo(T0 + 25_000);
      expect(transport.sent).toHaveLength(1);
      // Every entry expires (as after the retention), and the next tick must notify again.
      engine.nflog.collect(T0 + 200 * 3600_000);
      await clock.advanceTo(T0 + 35_000);
      expect(transport.sent.map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(['2000 hook', '32000 hook']);
      await engine.stop();
    }
  });

  it('an alert that changes while a flush is delivering is not forgotten', async () => {
    const results: string[][] = [];
    for (const skip of [true, false]) {
      quietFlushes.skip = skip;
      const clock = new VirtualClock(T0);
      const sent: string[] = [];
      let release: (() => void) | undefined;
      const transport: Transport = {
        send: (req) => {
          sent.push(`${clock.now() - T0} ${req.receiver} ${JSON.stringify(req.body)}`);
          // The first delivery hangs until released; the others succeed at once.
          if (sent.length > 1) return Promise.resolve({ ok: true, attempts: 1 });
          return new Promise((resolve) => {
            release = () => resolve({ ok: true, attempts: 1 });
          });
        },
      };
      const engine = new Engine({ config: config(CONFIG), clock, transport, externalURL: 'http://am' });
      const labels = { alertname: 'B', severity: 'warning', team: 'z', instance: '1' };
      const alert = (endsAt: number): Alert => ({
        labels,
        annotations: {},
        startsAt: T0,
        endsAt,
        generatorURL: '',
        updatedAt: clock.now(),
        timeout: false,
        fingerprint: fingerprint(labels),
        source: 'api',
      });
      engine.receiveAlerts([alert(T0 + 3600_000)]);
      const flushing = clock.advanceTo(T0 + 2500);
      while (!release) await new Promise((r) => setImmediate(r));
      // Resolved while its first notification is still being delivered.
      engine.receiveAlerts([alert(clock.now())]);
      release();
      await flushing;
      await clock.advanceTo(T0 + 60_000);
      results.push(sent);
      await engine.stop();
    }
    expect(results[0]).toEqual(results[1]);
    expect(results[0]!.map((l) => JSON.parse(l.slice(l.indexOf('{'))).status)).toEqual(['firing', 'resolved']);
  });

  it('does skip: a steady group flushes once, then ticks without flushing until something changes', async () => {
    const flush = vi.spyOn(Dispatcher.prototype as unknown as { flush: () => Promise<void> }, 'flush');
    const steps: Step[] = [];
    for (let i = 0; i < 20; i++) {
      steps.push({ dt: 5000, kind: 'alerts', alerts: [{ name: 1, severity: 1, team: 2, instance: 1, end: 300_000, start: 1000 }] });
    }
    const withSkip = await run(steps, true);
    const skipping = flush.mock.calls.length;
    flush.mockClear();
    const without = await run(steps, false);
    expect(withSkip).toEqual(without);
    // 100 s of re-sends, then the end of the alert 300 s later: a tick every 10 s, and a notification
    // when the group starts, each time the 1 min repeat interval is due, and when it resolves.
    const sends = withSkip.filter((l) => l.includes(' hook webhook ')).length;
    expect(flush.mock.calls.length).toBeGreaterThan(35);
    expect(sends).toBeGreaterThan(5);
    expect(skipping).toBe(sends);
    flush.mockRestore();
  });
});
