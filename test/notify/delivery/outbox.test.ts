/**
 * The outbox on a virtual clock with a fake HTTP layer: ordering, concurrency, rate limits, the bound,
 * deadlines. Fast and deterministic; outbox.http.test.ts covers the same against real sockets.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/state/clock.js';
import type { Deliver } from '../../../src/notify/delivery/http.js';
import { OUTBOX_FULL, Outbox, type ObservedOutcome } from '../../../src/notify/delivery/outbox.js';
import type { RequestSummary } from '../../../src/notify/delivery/redact.js';
import type { RawOutcome } from '../../../src/notify/delivery/retryTables.js';
import type { OutboundRequest } from '../../../src/notify/transport.js';
import { accepted202, pdRequest, response, runUntil, settleAll, slackRequest, virtualSleep, webhookRequest } from './helpers.js';

const T0 = Date.parse('2026-11-28T12:00:00Z');
const PD = 'https://events.pagerduty.com/v2/enqueue';
const MIN = 60_000;

interface Sent {
  readonly at: number;
  readonly req: OutboundRequest;
  readonly body: Record<string, unknown>;
}

/** A fake HTTP layer on the virtual clock: `answer` decides, `latencyMs` passes before it answers. */
function fakeHttp(clock: VirtualClock, answer: (s: Sent, n: number) => RawOutcome, latencyMs = 10) {
  const sent: Sent[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const perDest = new Map<string, number>();
  let maxPerDest = 0;
  const sleep = virtualSleep(clock);
  const deliver: Deliver = async (req, payload) => {
    const body = JSON.parse(payload) as Record<string, unknown>;
    const dest = String(body.routing_key ?? body.channel ?? req.url);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    perDest.set(dest, (perDest.get(dest) ?? 0) + 1);
    maxPerDest = Math.max(maxPerDest, perDest.get(dest)!);
    const s: Sent = { at: clock.now() - T0, req, body };
    sent.push(s);
    await sleep(latencyMs);
    inFlight--;
    perDest.set(dest, perDest.get(dest)! - 1);
    return answer(s, sent.length);
  };
  return {
    deliver,
    sent,
    get maxInFlight() {
      return maxInFlight;
    },
    get maxPerDest() {
      return maxPerDest;
    },
  };
}

describe('Outbox (virtual clock)', () => {
  it('keeps FIFO per destination while the head is retried: a resolve never overtakes its trigger', async () => {
    const clock = new VirtualClock(T0);
    const http = fakeHttp(clock, (s) => {
      // every trigger fails twice with 500 before it is accepted
      const tries = http.sent.filter((x) => x.body.dedup_key === s.body.dedup_key && x.body.event_action === s.body.event_action).length;
      return s.body.event_action === 'trigger' && tries <= 2 ? response(500) : accepted202;
    });
    const outbox = new Outbox({ clock, deliver: http.deliver, random: () => 0.5, backoff: { initialMs: 1000 } });
    const results = await settleAll(clock, [
      outbox.send(pdRequest(PD, 'KEY-A', 'inc-1', 'trigger'), T0 + 5 * MIN),
      outbox.send(pdRequest(PD, 'KEY-A', 'inc-1', 'resolve'), T0 + 5 * MIN),
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(results[0]!.attempts).toBe(3);
    expect(results[1]!.attempts).toBe(1);
    expect(http.sent.map((s) => `${s.body.event_action}@${s.at}`)).toEqual(['trigger@0', 'trigger@510', 'trigger@1520', 'resolve@1530']);
    expect(http.maxPerDest).toBe(1);
  });

  it('runs destinations in parallel up to the global concurrency, one request per destination at a time', async () => {
    const clock = new VirtualClock(T0);
    const http = fakeHttp(clock, () => accepted202, 100);
    const outbox = new Outbox({ clock, deliver: http.deliver, concurrency: 3, rateLimits: { pagerduty: null } });
    const ps: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) for (let j = 0; j < 5; j++) ps.push(outbox.send(pdRequest(PD, `KEY-${i}`, `inc-${i}-${j}`), T0 + 5 * MIN));
    expect(outbox.pending()).toBe(50);
    await settleAll(clock, ps);
    expect(http.maxInFlight).toBe(3);
    expect(http.maxPerDest).toBe(1);
    // 50 requests of 100 ms, 3 at a time
    expect(clock.now() - T0).toBe(Math.ceil(50 / 3) * 100);
    // per destination the order of submission is kept
    for (let i = 0; i < 10; i++) {
      const order = http.sent.filter((s) => s.body.routing_key === `KEY-${i}`).map((s) => s.body.dedup_key);
      expect(order).toEqual([0, 1, 2, 3, 4].map((j) => `inc-${i}-${j}`));
    }
    expect(outbox.pending()).toBe(0);
    expect(outbox.stats().destinations).toBe(0);
  });

  it('PagerDuty limit queues rather than drops: 150 events on one key take a second window', async () => {
    const clock = new VirtualClock(T0);
    const http = fakeHttp(clock, () => accepted202, 1);
    const outbox = new Outbox({ clock, deliver: http.deliver });
    const ps = Array.from({ length: 150 }, (_, i) => outbox.send(pdRequest(PD, 'KEY-A', `inc-${i}`), T0 + 10 * MIN));
    const results = await settleAll(clock, ps);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(http.sent.length).toBe(150);
    const starts = http.sent.map((s) => s.at);
    // the first 120 go out back to back (1 ms each), the rest wait for the window to slide
    expect(starts[119]).toBe(119);
    expect(starts[120]).toBe(60_000);
    expect(starts[149]).toBe(60_029);
    // no 60 s window ever holds more than 120 sends
    for (let i = 120; i < starts.length; i++) expect(starts[i]! - starts[i - 120]!).toBeGreaterThanOrEqual(60_000);
    expect(http.sent.map((s) => s.body.dedup_key)).toEqual(ps.map((_, i) => `inc-${i}`));
  });

  it('Slack limit: about 1 message per second per channel after a short burst; channels are independent', async () => {
    const clock = new VirtualClock(T0);
    const ok = response(200, '{"ok":true,"channel":"C1","ts":"1.0001"}');
    const http = fakeHttp(clock, () => ok, 1);
    const outbox = new Outbox({ clock, deliver: http.deliver });
    const api = 'https://slack.com/api/chat.postMessage';
    const ps = [
      ...Array.from({ length: 6 }, () => outbox.send(slackRequest(api, 'C1'), T0 + 5 * MIN)),
      ...Array.from({ length: 2 }, () => outbox.send(slackRequest(api, 'C2'), T0 + 5 * MIN)),
    ];
    const results = await settleAll(clock, ps);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results[0]).toMatchObject({ ok: true, status: 200, response: { kind: 'slack', channel: 'C1', ts: '1.0001' } });
    const c1 = http.sent.filter((s) => s.body.channel === 'C1').map((s) => s.at);
    // burst of 3 (each send takes 1 ms), then one token per second: the bucket had refilled 0.002 by t=2
    expect(c1).toEqual([0, 1, 2, 1001, 2001, 3001]);
    expect(http.sent.filter((s) => s.body.channel === 'C2').map((s) => s.at)).toEqual([0, 1]);
  });

  it('chat.postMessage and the chat.update that follows share one queue (same channel and token)', async () => {
    const clock = new VirtualClock(T0);
    const http = fakeHttp(clock, (s) => (s.req.url.endsWith('postMessage') ? response(500) : response(200, '{"ok":true}')), 5);
    const outbox = new Outbox({ clock, deliver: http.deliver, random: () => 0 });
    const headers = { authorization: 'Bearer xoxb-1-2-3' };
    const post = outbox.send(slackRequest('https://slack.com/api/chat.postMessage', 'C9', { headers }), T0 + 2000);
    const update = outbox.send(slackRequest('https://slack.com/api/chat.update', 'C9', { headers }), T0 + 5 * MIN);
    await settleAll(clock, [post, update]);
    const order = http.sent.map((s) => s.req.url.split('/').pop());
    expect(order.indexOf('chat.update')).toBe(order.length - 1);
    expect(order.filter((m) => m === 'chat.postMessage').length).toBeGreaterThan(1);
  });

  it('when full, answers at once with a retriable "outbox full" and counts the drop', async () => {
    const clock = new VirtualClock(T0);
    const http = fakeHttp(clock, () => accepted202, 1000);
    const outbox = new Outbox({ clock, deliver: http.deliver, maxQueued: 3, concurrency: 1 });
    const ps = [0, 1, 2].map((i) => outbox.send(webhookRequest('http://127.0.0.1:9/hook', `g${i}`), T0 + MIN));
    let settled = false;
    const full = outbox.send(webhookRequest('http://127.0.0.1:9/hook', 'g3'), T0 + MIN);
    void full.then(() => (settled = true));
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toBe(true);
    expect(await full).toEqual({ ok: false, attempts: 0, retriable: true, reason: OUTBOX_FULL });
    expect(outbox.stats().byKind.webhook).toMatchObject({ dropped: 1 });
    expect(outbox.pending()).toBe(3);
    const rs = await settleAll(clock, ps);
    expect(rs.every((r) => r.ok)).toBe(true);
    // room again
    const again = outbox.send(webhookRequest('http://127.0.0.1:9/hook', 'g4'), T0 + 2 * MIN);
    expect((await settleAll(clock, [again]))[0]!.ok).toBe(true);
    expect(outbox.stats().total).toMatchObject({ delivered: 4, dropped: 1, failed: 0, queued: 0, inFlight: 0, attempts: 4 });
  });

  it('answers a request whose deadline passes while it waits in line, without sending it', async () => {
    const clock = new VirtualClock(T0);
    const http = fakeHttp(clock, (s) => (s.body.groupKey === 'slow' ? response(503) : accepted202), 10);
    const outbox = new Outbox({ clock, deliver: http.deliver, random: () => 0.5 });
    const url = 'http://127.0.0.1:9/hook';
    const head = outbox.send(webhookRequest(url, 'slow'), T0 + 5 * MIN);
    const behind = outbox.send(webhookRequest(url, 'behind'), T0 + 30_000);
    let behindAt = 0;
    void behind.then(() => (behindAt = clock.now() - T0));
    const [h, b] = await settleAll(clock, [head, behind]);
    expect(b).toMatchObject({ ok: false, attempts: 0, retriable: true });
    expect(b!.ok === false && b!.reason).toContain('the deadline passed while queued');
    expect(behindAt).toBe(30_000); // answered at its deadline, not when the head finished
    expect(h).toMatchObject({ ok: false, retriable: true, status: 503 });
    expect(http.sent.some((s) => s.body.groupKey === 'behind')).toBe(false);
    expect(outbox.stats().byKind.webhook).toMatchObject({ failed: 2, delivered: 0, queued: 0 });
  });

  it('gives up without sending when the local rate limit would only free a slot after the deadline', async () => {
    const clock = new VirtualClock(T0);
    const http = fakeHttp(clock, () => accepted202, 1);
    const outbox = new Outbox({ clock, deliver: http.deliver, rateLimits: { pagerduty: { type: 'window', limit: 1, windowMs: MIN } } });
    const first = outbox.send(pdRequest(PD, 'K', 'a'), T0 + 5 * MIN);
    const second = outbox.send(pdRequest(PD, 'K', 'b'), T0 + 10_000);
    const [r1, r2] = await settleAll(clock, [first, second]);
    expect(r1!.ok).toBe(true);
    expect(r2).toMatchObject({ ok: false, attempts: 0, retriable: true });
    expect(r2!.ok === false && r2!.reason).toContain('local rate limit');
    expect(http.sent.length).toBe(1);
  });

  it('does not retry a fatal answer and says so', async () => {
    const clock = new VirtualClock(T0);
    const http = fakeHttp(clock, () => response(400, '{"status":"invalid event","message":"Event object is invalid","errors":["bad"]}'));
    const outbox = new Outbox({ clock, deliver: http.deliver });
    const [r] = await settleAll(clock, [outbox.send(pdRequest(PD, 'K', 'a'), T0 + MIN)]);
    expect(r).toMatchObject({ ok: false, attempts: 1, retriable: false, status: 400 });
    expect(r!.ok === false && r!.reason).toMatch(/^pagerduty\[0\] of receiver "team-pager" \(routing key #[0-9a-f]{8}\): not retriable: HTTP 400 invalid event: Event object is invalid; bad$/);
    expect(r!.ok === false && r!.error?.cause.status).toBe(400);
  });

  it('tells the observer about every attempt and every answer', async () => {
    const clock = new VirtualClock(T0);
    const http = fakeHttp(clock, (_s, n) => (n === 1 ? response(429, '', 'application/json', '2') : accepted202), 10);
    const events: { s: RequestSummary; attempt: number; o: ObservedOutcome }[] = [];
    const outbox = new Outbox({
      clock,
      deliver: http.deliver,
      random: () => 0,
      maxQueued: 1,
      observer: (s, attempt, o) => events.push({ s, attempt, o }),
    });
    const p = outbox.send(pdRequest(PD, 'KEY-A', 'inc-1'), T0 + MIN);
    const full = await outbox.send(pdRequest(PD, 'KEY-A', 'inc-2'), T0 + MIN);
    expect(full.ok).toBe(false);
    await settleAll(clock, [p]);
    expect(events.map((e) => [e.attempt, e.o.phase, e.o.phase === 'attempt' ? e.o.ok : e.o.result.ok])).toEqual([
      [0, 'done', false], // the refused one
      [1, 'attempt', false],
      [2, 'attempt', true],
      [2, 'done', true],
    ]);
    const firstAttempt = events[1]!.o;
    expect(firstAttempt).toMatchObject({ phase: 'attempt', status: 429, retriable: true, retryInMs: 2000, durationMs: 10 });
    expect(events[1]!.s).toMatchObject({ receiver: 'team-pager', integration: 'pagerduty', index: 0, destination: 'routing key', eventAction: 'trigger', dedupKey: 'inc-1' });
    expect(JSON.stringify(events)).not.toContain('KEY-A');
  });

  it('idle() resolves once everything is answered; an observer that throws changes nothing', async () => {
    const clock = new VirtualClock(T0);
    const http = fakeHttp(clock, () => accepted202, 50);
    const outbox = new Outbox({
      clock,
      deliver: http.deliver,
      observer: () => {
        throw new Error('observer bug');
      },
    });
    for (let i = 0; i < 5; i++) void outbox.send(webhookRequest(`http://127.0.0.1:9/h${i}`, 'g'), T0 + MIN);
    let idle = false;
    void outbox.idle().then(() => (idle = true));
    await runUntil(clock, () => idle);
    expect(outbox.stats().total.delivered).toBe(5);
  });

  it('refuses a request whose deadline already passed', async () => {
    const clock = new VirtualClock(T0);
    const outbox = new Outbox({ clock, deliver: fakeHttp(clock, () => accepted202).deliver });
    const r = await outbox.send(webhookRequest('http://127.0.0.1:9/h', 'g'), T0);
    expect(r).toMatchObject({ ok: false, attempts: 0, retriable: true });
  });
});
