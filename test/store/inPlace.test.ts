/**
 * The engine's fast path for re-sends: with a store that keeps records (`putRecord`), a re-send that
 * only moves a firing alert's end later updates the stored version in place, and dispatch skips
 * re-filing a version its groups already hold. Differential property test: random Prometheus-like
 * streams (re-sends that extend, resolve, change annotations, start new occurrences, arrive out of
 * order or after a timeout) run through an engine with the memory store and through one whose store
 * has no records (immutable versions, the plain path); every request, its time and body, the alerts
 * and groups the API shows, and the memberships must be the same.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alert.js';
import { fingerprint } from '../../src/domain/labels.js';
import { Engine } from '../../src/engine/engine.js';
import { type DeliveryResult, type OutboundRequest, recordedResponse, type Transport } from '../../src/notify/transport.js';
import { VirtualClock } from '../../src/state/clock.js';
import { type AlertStorePort, MemoryAlertStore } from '../../src/store/alertStore.js';
import { config, T0 } from '../engine/support.js';

const CONFIG = `
global: {resolve_timeout: 1m}
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 2s
  group_interval: 10s
  repeat_interval: 1m
  routes:
  - matchers: ['severity="critical"']
    receiver: pager
    group_by: [alertname, instance]
    continue: true
  - matchers: ['instance="1"']
    receiver: hook
    group_by: ['...']
inhibit_rules:
- source_matchers: ['severity="critical"']
  target_matchers: ['severity="warning"']
  equal: [alertname]
receivers:
- name: hook
  webhook_configs: [{url: 'http://hook.invalid/'}]
- name: pager
  pagerduty_configs: [{routing_key: 0123456789abcdef0123456789abcdef, url: 'http://pd.invalid/v2/enqueue'}]
`;

const NAMES = ['A', 'B', 'C'];
const SEVERITIES = ['critical', 'warning'];

/** What one send does to one of the 3 x 2 x 3 alerts. */
type Send = {
  name: number;
  severity: number;
  instance: number;
  /**
   * extend: a later end; resolve: ends now or earlier; timeout: no end; restart: a new occurrence;
   * stale: an older update (with a later end, or with an earlier one: the stored version then wins the
   * merge and is handed on again unchanged); annotate: other annotations.
   */
  kind: 'extend' | 'resolve' | 'timeout' | 'restart' | 'stale' | 'staleResolved' | 'annotate';
  amount: number;
};

const send: fc.Arbitrary<Send> = fc.record({
  name: fc.integer({ min: 0, max: 2 }),
  severity: fc.integer({ min: 0, max: 1 }),
  instance: fc.integer({ min: 0, max: 2 }),
  kind: fc.constantFrom('extend', 'extend', 'extend', 'resolve', 'timeout', 'restart', 'stale', 'staleResolved', 'annotate'),
  amount: fc.integer({ min: 0, max: 120_000 }),
});

const step = fc.record({ dt: fc.integer({ min: 0, max: 30_000 }), sends: fc.array(send, { minLength: 1, maxLength: 8 }) });

class RecordingTransport implements Transport {
  readonly sent: string[] = [];
  constructor(private readonly clock: VirtualClock) {}
  async send(req: OutboundRequest): Promise<DeliveryResult> {
    this.sent.push(`${this.clock.now() - T0} ${req.receiver} ${req.integration} ${JSON.stringify(req.body)}`);
    const response = recordedResponse(req, this.clock.now(), this.sent.length);
    return response ? { ok: true, attempts: 1, response } : { ok: true, attempts: 1 };
  }
}

/** The memory store without records: the engine then stores a new version for every change. */
function plainStore(): AlertStorePort {
  const inner = new MemoryAlertStore();
  return {
    put: (a, now) => inner.put(a, now),
    get: (fp) => inner.get(fp),
    size: () => inner.size(),
    values: () => inner.values(),
    collectResolved: (now) => inner.collectResolved(now),
  };
}

async function run(steps: readonly { dt: number; sends: readonly Send[] }[], store: AlertStorePort): Promise<string[]> {
  const clock = new VirtualClock(T0);
  const transport = new RecordingTransport(clock);
  const engine = new Engine({ config: config(CONFIG), clock, transport, externalURL: 'http://am', alertStore: store });
  // Each alert's current occurrence: when it started.
  const starts = new Map<string, number>();
  const out: string[] = [];
  for (const s of steps) {
    await clock.advanceTo(clock.now() + s.dt);
    const now = clock.now();
    const alerts: Alert[] = s.sends.map((x) => {
      const labels = { alertname: NAMES[x.name]!, severity: SEVERITIES[x.severity]!, instance: String(x.instance) };
      const fp = fingerprint(labels);
      if (!starts.has(fp) || x.kind === 'restart') starts.set(fp, now - (x.kind === 'restart' ? 0 : x.amount % 5000));
      const startsAt = starts.get(fp)!;
      let endsAt = now + 30_000 + x.amount;
      let updatedAt = now;
      if (x.kind === 'resolve') endsAt = Math.max(startsAt, now - (x.amount % 20_000));
      if (x.kind === 'timeout') endsAt = now + 60_000;
      if (x.kind === 'stale' || x.kind === 'staleResolved') updatedAt = now - 1 - (x.amount % 10_000);
      if (x.kind === 'staleResolved') endsAt = startsAt + (x.amount % 3000);
      return {
        labels,
        annotations: { summary: x.kind === 'annotate' ? `changed ${x.amount % 3}` : 'same' },
        startsAt,
        endsAt,
        generatorURL: x.amount % 7 === 0 ? 'http://prom/graph' : '',
        updatedAt,
        timeout: x.kind === 'timeout',
        fingerprint: fp,
        source: 'api',
      };
    });
    engine.receiveAlerts(alerts);
    out.push(`${now - T0}: ${engine.dispatcher.membershipCount()} memberships`);
    const q = { active: true, silenced: true, inhibited: true, unprocessed: true, filter: [] };
    out.push(JSON.stringify(engine.listAlerts(q)), JSON.stringify(engine.listGroups(q)));
  }
  await clock.advanceTo(clock.now() + 40 * 60_000);
  out.push(`end: ${engine.dispatcher.membershipCount()} memberships, ${engine.store.size()} stored`);
  await engine.stop();
  return [...transport.sent, ...out];
}

describe('re-sends extended in place', () => {
  it('send and show exactly what immutable versions do', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 40 }), async (steps) => {
        const inPlace = await run(steps, new MemoryAlertStore());
        const plain = await run(steps, plainStore());
        expect(inPlace).toEqual(plain);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('extend the stored version only through putRecord, and only while it fires', () => {
    const store = new MemoryAlertStore();
    const labels = { alertname: 'A' };
    const fp = fingerprint(labels);
    const version = (endsAt: number, updatedAt: number, annotations = {}): Alert => ({
      labels: { ...labels },
      annotations,
      startsAt: T0,
      endsAt,
      generatorURL: '',
      updatedAt,
      timeout: false,
      fingerprint: fp,
      source: 'api',
    });
    const first = store.putRecord(version(T0 + 60_000, T0), T0).alert;
    // A re-send that only moves the end later: the same object, with the new end and update time.
    const extended = store.putRecord(version(T0 + 120_000, T0 + 10_000), T0 + 10_000).alert;
    expect(extended).toBe(first);
    expect(extended.endsAt).toBe(T0 + 120_000);
    expect(extended.updatedAt).toBe(T0 + 10_000);
    // `put` never changes a version it handed out.
    const viaPut = store.put(version(T0 + 180_000, T0 + 20_000), T0 + 20_000);
    expect(viaPut).not.toBe(first);
    expect(first.endsAt).toBe(T0 + 120_000);
    // Other changes make a new version: annotations, an earlier end (resolve).
    const annotated = store.putRecord(version(T0 + 240_000, T0 + 30_000, { a: 'b' }), T0 + 30_000).alert;
    expect(annotated).not.toBe(viaPut);
    const resolved = store.putRecord(version(T0 + 40_000, T0 + 40_000, { a: 'b' }), T0 + 40_000).alert;
    expect(resolved).not.toBe(annotated);
    expect(resolved.endsAt).toBe(T0 + 40_000);
    // Once resolved, a later end is a new version too (a flush may be deciding on the resolved one).
    const again = store.putRecord(version(T0 + 300_000, T0 + 50_000, { a: 'b' }), T0 + 50_000).alert;
    expect(again).not.toBe(resolved);
    expect(resolved.endsAt).toBe(T0 + 40_000);
  });
});
