/** A virtual-clock engine with a capturing transport, for engine-level tests. */
import { parseConfig } from '../../src/config/load.js';
import type { Alert } from '../../src/domain/alert.js';
import { fingerprint } from '../../src/domain/labels.js';
import { Engine } from '../../src/engine/engine.js';
import { type DeliveryResult, type OutboundRequest, recordedResponse, type Transport } from '../../src/notify/transport.js';
import { VirtualClock } from '../../src/state/clock.js';

export const T0 = Date.parse('2026-03-01T00:00:00Z');

export interface Sent {
  at: number;
  req: OutboundRequest;
  body: {
    status: string;
    notification_reason: string;
    groupKey: string;
    truncatedAlerts: number;
    alerts: { status: string; labels: Record<string, string>; endsAt: string }[];
  };
}

export class CapturingTransport implements Transport {
  sent: Sent[] = [];
  /** Answers for the next sends; default success. */
  failures = 0;
  constructor(private readonly clock: VirtualClock) {}
  async send(req: OutboundRequest): Promise<DeliveryResult> {
    if (this.failures > 0) {
      this.failures--;
      return { ok: false, attempts: 1, retriable: true, reason: 'webhook answered HTTP 503' };
    }
    this.sent.push({ at: this.clock.now() - T0, req, body: req.body as Sent['body'] });
    const response = recordedResponse(req, this.clock.now(), this.sent.length);
    return response ? { ok: true, attempts: 1, response } : { ok: true, attempts: 1 };
  }
}

export function config(yaml: string) {
  const r = parseConfig(yaml, 'test.yml');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

export function makeEngine(yaml: string) {
  const clock = new VirtualClock(T0);
  const transport = new CapturingTransport(clock);
  const engine = new Engine({ config: config(yaml), clock, transport, externalURL: 'http://am' });
  /** Advance to `t` ms after T0. */
  const at = (t: number) => clock.advanceTo(T0 + t);
  const alert = (labels: Record<string, string>, o: { startsAt?: number; endsAt?: number; timeout?: boolean } = {}): Alert => ({
    labels,
    annotations: {},
    startsAt: T0 + (o.startsAt ?? clock.now() - T0),
    endsAt: T0 + (o.endsAt ?? clock.now() - T0 + 300_000),
    generatorURL: '',
    updatedAt: clock.now(),
    timeout: o.timeout ?? o.endsAt === undefined,
    fingerprint: fingerprint(labels),
    source: 'api',
  });
  return { clock, transport, engine, at, alert };
}

export const WEBHOOK = `
receivers:
- name: default
  webhook_configs:
  - url: 'http://sink.invalid/'
`;
