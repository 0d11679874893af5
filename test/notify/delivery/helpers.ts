/** Shared fixtures for the delivery tests: local HTTP receivers, requests, a virtual-clock driver. */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { VirtualClock } from '../../../src/state/clock.js';
import type { OutboundRequest } from '../../../src/notify/transport.js';
import type { RawOutcome } from '../../../src/notify/delivery/retryTables.js';

export interface Received {
  /** Date.now() when the request's body was complete. */
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
}

export type Handler = (r: Received, res: ServerResponse, n: number) => void;

export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly received: Received[];
  /** Sockets opened so far (a server that never answers still counts connections). */
  connections: number;
  close(): Promise<void>;
}

/** An HTTP receiver on 127.0.0.1 (port 0) that records every request and lets `handler` answer. */
export async function startServer(handler: Handler): Promise<TestServer> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the text
      }
      const r: Received = { at: Date.now(), method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      received.push(r);
      handler(r, res, received.length);
    });
  });
  const out: TestServer = {
    url: '',
    port: 0,
    received,
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('connection', () => out.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(out, { url: `http://127.0.0.1:${port}`, port });
}

/** A port on 127.0.0.1 that nothing listens on (connection refused). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function text(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

export function pdRequest(
  url: string,
  routingKey: string,
  dedupKey: string,
  action: 'trigger' | 'resolve' = 'trigger',
  over: Partial<OutboundRequest> = {},
): OutboundRequest {
  return {
    receiver: 'team-pager',
    integration: 'pagerduty',
    index: 0,
    url,
    headers: {},
    body: {
      routing_key: routingKey,
      event_action: action,
      dedup_key: dedupKey,
      payload: { summary: `${action} ${dedupKey}`, source: 'test', severity: 'critical' },
      client: 'alertsift',
    },
    timeoutMs: 0,
    ...over,
  };
}

export function slackRequest(url: string, channel: string | undefined, over: Partial<OutboundRequest> = {}): OutboundRequest {
  return {
    receiver: 'team-chat',
    integration: 'slack',
    index: 0,
    url,
    headers: {},
    body: { ...(channel !== undefined ? { channel } : {}), text: 'hello', blocks: [] },
    timeoutMs: 0,
    ...over,
  };
}

export function webhookRequest(url: string, groupKey: string, over: Partial<OutboundRequest> = {}): OutboundRequest {
  return {
    receiver: 'team-hook',
    integration: 'webhook',
    index: 0,
    url,
    headers: {},
    body: { version: '4', groupKey, status: 'firing', alerts: [] },
    timeoutMs: 0,
    ...over,
  };
}

export const accepted202: RawOutcome = {
  type: 'response',
  status: 202,
  contentType: 'application/json',
  retryAfter: null,
  body: '{"status":"success","message":"Event processed","dedup_key":"x"}',
};

export function response(status: number, body = '', contentType = 'application/json', retryAfter: string | null = null): RawOutcome {
  return { type: 'response', status, contentType, retryAfter, body };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

/**
 * Drives a virtual clock: lets pending promise chains run, then jumps to the next timer, until `done()`
 * holds. Throws when nothing is scheduled and `done()` still fails (a hang), or after `limitMs`.
 */
export async function runUntil(clock: VirtualClock, done: () => boolean, limitMs = 24 * 3600_000): Promise<void> {
  const start = clock.now();
  for (let i = 0; i < 1_000_000; i++) {
    await flush();
    if (done()) return;
    const next = clock.nextAt();
    if (next === undefined) throw new Error(`stuck at +${clock.now() - start} ms: no timer pending`);
    if (next - start > limitMs) throw new Error(`not done within ${limitMs} ms of virtual time`);
    await clock.advanceTo(next);
  }
  throw new Error('runUntil: too many steps');
}

/** Settles every promise in `ps` by driving the clock. */
export async function settleAll<T>(clock: VirtualClock, ps: readonly Promise<T>[]): Promise<T[]> {
  const out: (T | undefined)[] = new Array(ps.length);
  let left = ps.length;
  ps.forEach((p, i) =>
    void p.then((v) => {
      out[i] = v;
      left--;
    }),
  );
  await runUntil(clock, () => left === 0);
  return out as T[];
}

export function virtualSleep(clock: VirtualClock) {
  return (ms: number) => new Promise<void>((r) => clock.schedule(clock.now() + ms, r));
}
