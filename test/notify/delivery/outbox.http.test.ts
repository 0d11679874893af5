/**
 * The outbox against real HTTP receivers on 127.0.0.1, wall clock, short backoffs. Each receiver
 * records what it got, so the assertions are about what arrived on the wire.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WallClock } from '../../../src/state/clock.js';
import { Outbox, type OutboxOptions } from '../../../src/notify/delivery/outbox.js';
import type { DeliveredResult } from '../../../src/notify/delivery/result.js';
import {
  type Handler,
  type TestServer,
  closedPort,
  json,
  pdRequest,
  slackRequest,
  startServer,
  text,
  webhookRequest,
} from './helpers.js';

const servers: TestServer[] = [];
const clocks: WallClock[] = [];

async function server(h: Handler): Promise<TestServer> {
  const s = await startServer(h);
  servers.push(s);
  return s;
}

function outbox(opts: Partial<OutboxOptions> = {}): Outbox {
  const clock = new WallClock();
  clocks.push(clock);
  return new Outbox({ clock, backoff: { initialMs: 20, maxMs: 200 }, ...opts });
}

afterEach(async () => {
  for (const c of clocks.splice(0)) c.stopAll();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const KEY = 'e93facc04764012d7bfb002500d5d1a6';
const body = (r: { body: unknown }) => r.body as Record<string, unknown>;

describe('Outbox over HTTP', () => {
  it('PagerDuty 429 with Retry-After in seconds: waits at least that long, then delivers once', async () => {
    const s = await server((_r, res, n) =>
      n === 1 ? json(res, 429, { status: 'throttled' }, { 'retry-after': '1' }) : json(res, 202, { status: 'success', dedup_key: 'inc-1' }),
    );
    const r = await outbox().send(pdRequest(`${s.url}/v2/enqueue`, KEY, 'inc-1'), Date.now() + 10_000);
    expect(r).toMatchObject({ ok: true, attempts: 2, status: 202, response: { kind: 'pagerduty', dedupKey: 'inc-1' } });
    expect(s.received.length).toBe(2);
    expect(s.received[1]!.at - s.received[0]!.at).toBeGreaterThanOrEqual(990);
  });

  it('Slack 429 with Retry-After as an HTTP date: waits until that date', async () => {
    let until = 0;
    const s = await server((_r, res, n) => {
      if (n === 1) {
        until = Math.ceil((Date.now() + 1200) / 1000) * 1000;
        return text(res, 429, 'rate_limited', { 'retry-after': new Date(until).toUTCString() });
      }
      text(res, 200, 'ok');
    });
    const r = await outbox().send(slackRequest(`${s.url}/services/T0/B0/XYZ`, '#alerts'), Date.now() + 10_000);
    expect(r).toMatchObject({ ok: true, attempts: 2, status: 200 });
    expect(s.received[1]!.at).toBeGreaterThanOrEqual(until - 5);
  });

  it('500 then 202: retried, delivered, and counted once at the receiver', async () => {
    const s = await server((_r, res, n) => (n === 1 ? json(res, 500, { error: 'boom' }) : json(res, 202, { status: 'success' })));
    const r = await outbox().send(pdRequest(`${s.url}/v2/enqueue`, KEY, 'inc-2'), Date.now() + 10_000);
    expect(r).toMatchObject({ ok: true, attempts: 2 });
    expect(s.received.map((x) => body(x).dedup_key)).toEqual(['inc-2', 'inc-2']);
  });

  it('a receiver that never answers: each attempt times out, retried until the deadline', async () => {
    const s = await server(() => {
      // never answer
    });
    const started = Date.now();
    const r = await outbox().send(webhookRequest(`${s.url}/hook`, 'g', { timeoutMs: 150 }), started + 1000);
    const took = Date.now() - started;
    expect(r.ok).toBe(false);
    expect(r).toMatchObject({ retriable: true });
    expect(r.ok === false && r.reason).toContain('timeout');
    expect(r.attempts).toBeGreaterThanOrEqual(3);
    // Every attempt reached the receiver, except perhaps the last: the deadline can abort it before its
    // request is on the wire (seen on a loaded CI machine: 5 received of 6 attempts).
    expect(s.received.length).toBeGreaterThanOrEqual(r.attempts - 1);
    expect(s.received.length).toBeLessThanOrEqual(r.attempts);
    expect(took).toBeLessThan(1500);
  });

  it('a per-attempt timeout of 0 means: until the deadline', async () => {
    const s = await server(() => {});
    const started = Date.now();
    const r = await outbox().send(webhookRequest(`${s.url}/hook`, 'g'), started + 400);
    expect(r).toMatchObject({ ok: false, attempts: 1, retriable: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
  });

  it('connection refused: retried, then a retriable failure naming the cause', async () => {
    const port = await closedPort();
    const r = await outbox().send(pdRequest(`http://127.0.0.1:${port}/v2/enqueue`, KEY, 'inc-3'), Date.now() + 500);
    expect(r).toMatchObject({ ok: false, retriable: true });
    expect(r.attempts).toBeGreaterThanOrEqual(2);
    expect(r.ok === false && r.reason).toContain('connection refused (ECONNREFUSED)');
    expect(r.ok === false && r.error?.cause.code).toBe('ECONNREFUSED');
  });

  it('Slack Web API: ratelimited is retried and the message channel/ts come back', async () => {
    const s = await server((_r, res, n) => {
      if (n === 1) return json(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' });
      if (n === 2) return json(res, 200, { ok: false, error: 'ratelimited' });
      json(res, 200, { ok: true, channel: 'C024BE91L', ts: '1401383885.000061', message: {} });
    });
    const r = await outbox().send(
      slackRequest(`${s.url}/api/chat.postMessage`, 'C024BE91L', { headers: { authorization: 'Bearer xoxb-test' } }),
      Date.now() + 10_000,
    );
    expect(r).toMatchObject({ ok: true, attempts: 3, status: 200, response: { kind: 'slack', channel: 'C024BE91L', ts: '1401383885.000061' } });
    expect(s.received[0]!.headers.authorization).toBe('Bearer xoxb-test');
    expect(s.received[1]!.at - s.received[0]!.at).toBeGreaterThanOrEqual(990);
  });

  it('Slack Web API: not_in_channel is not retried', async () => {
    const s = await server((_r, res) => json(res, 200, { ok: false, error: 'not_in_channel' }));
    const r = await outbox().send(slackRequest(`${s.url}/api/chat.postMessage`, 'C1'), Date.now() + 10_000);
    expect(r).toMatchObject({ ok: false, attempts: 1, retriable: false, status: 200 });
    expect(r.ok === false && r.reason).toContain('slack error not_in_channel');
    expect(s.received.length).toBe(1);
  });

  it('webhook: 4xx not retried, 5xx retried', async () => {
    const s404 = await server((_r, res) => text(res, 404, 'nope'));
    const s503 = await server((_r, res, n) => text(res, n < 3 ? 503 : 200, ''));
    const ob = outbox();
    const [a, b] = await Promise.all([
      ob.send(webhookRequest(`${s404.url}/hook`, 'g'), Date.now() + 5000),
      ob.send(webhookRequest(`${s503.url}/hook`, 'g'), Date.now() + 5000),
    ]);
    expect(a).toMatchObject({ ok: false, attempts: 1, retriable: false, status: 404 });
    expect(b).toMatchObject({ ok: true, attempts: 3, status: 200 });
    expect(s404.received.length).toBe(1);
    expect(s503.received.length).toBe(3);
  });

  it('under a flaky receiver: nothing lost, nothing duplicated, trigger before resolve on every key', async () => {
    // Deterministic chaos: a small LCG decides each answer.
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const accepted = new Map<string, string[]>();
    const s = await server((r, res) => {
      const x = rand();
      if (x < 0.2) return json(res, 500, { status: 'error' });
      if (x < 0.3) return json(res, 429, { status: 'throttled' }, { 'retry-after': '0' });
      if (x < 0.35) return void res.socket?.destroy(); // connection reset mid-request
      const b = body(r);
      const k = `${b.routing_key}/${b.dedup_key}`;
      accepted.set(k, [...(accepted.get(k) ?? []), String(b.event_action)]);
      json(res, 202, { status: 'success', dedup_key: b.dedup_key });
    });
    const ob = outbox({ concurrency: 8 });
    const sends: Promise<DeliveredResult>[] = [];
    const keys = Array.from({ length: 30 }, (_, i) => `routingkey${String(i).padStart(22, '0')}`);
    for (let inc = 0; inc < 8; inc++) {
      for (const key of keys) {
        // submitted back to back, without waiting: the outbox alone keeps the order
        sends.push(ob.send(pdRequest(`${s.url}/v2/enqueue`, key, `inc-${inc}`, 'trigger'), Date.now() + 30_000));
        sends.push(ob.send(pdRequest(`${s.url}/v2/enqueue`, key, `inc-${inc}`, 'resolve'), Date.now() + 30_000));
      }
    }
    const results = await Promise.all(sends);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(accepted.size).toBe(keys.length * 8);
    for (const events of accepted.values()) expect(events).toEqual(['trigger', 'resolve']);
    // every attempt the outbox counted reached the receiver, and no more
    expect(results.reduce((n, r) => n + r.attempts, 0)).toBe(s.received.length);
    expect(s.received.length).toBeGreaterThan(results.length); // there were retries
    expect(ob.stats().total).toMatchObject({ delivered: results.length, failed: 0, queued: 0, inFlight: 0, dropped: 0 });
  });

  it('outbox full: answers at once while the receiver is slow, then drains everything accepted', async () => {
    const s = await server((_r, res) => setTimeout(() => json(res, 202, { status: 'success' }), 100));
    const ob = outbox({ maxQueued: 5, concurrency: 2 });
    const accepted = Array.from({ length: 5 }, (_, i) => ob.send(pdRequest(`${s.url}/v2/enqueue`, KEY, `inc-${i}`), Date.now() + 10_000));
    const t = Date.now();
    const refused = await ob.send(pdRequest(`${s.url}/v2/enqueue`, KEY, 'inc-x'), Date.now() + 10_000);
    expect(Date.now() - t).toBeLessThan(20);
    expect(refused).toEqual({ ok: false, attempts: 0, retriable: true, reason: 'outbox full' });
    const rs = await Promise.all(accepted);
    expect(rs.every((r) => r.ok)).toBe(true);
    expect(s.received.map((x) => body(x).dedup_key)).toEqual(['inc-0', 'inc-1', 'inc-2', 'inc-3', 'inc-4']);
  });
});
