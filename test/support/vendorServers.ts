/**
 * Local stand-ins for PagerDuty and Slack that check every body against the vendor's documented rules
 * (shared/notes/wire-formats.md) and answer the way the vendor does. They record what they accepted and
 * every rule a body broke, so tests can assert "no violations" and inspect what arrived.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  at: number;
}

export interface VendorServer {
  url: string;
  received: Received[];
  violations: string[];
  /** Answers to give before the normal one, e.g. [{status: 429, headers: {'retry-after': '1'}}]. */
  script: { status: number; headers?: Record<string, string>; body?: string }[];
  close(): Promise<void>;
}

// PagerDuty Events API v2 (developer docs 02-Trigger-Events, api-schema events-v2 openapiv3.json).
const link = z.object({ href: z.string().min(1), text: z.string().optional() });
const image = z.object({ src: z.string().startsWith('https://'), href: z.string().optional(), alt: z.string().optional() });
export const pagerdutyEventSchema = z.discriminatedUnion('event_action', [
  z
    .object({
      routing_key: z.string().length(32),
      event_action: z.literal('trigger'),
      dedup_key: z.string().min(1).max(255).optional(),
      payload: z.object({
        summary: z.string().min(1).max(1024),
        source: z.string().min(1),
        severity: z.enum(['critical', 'error', 'warning', 'info']),
        timestamp: z.string().optional(),
        component: z.string().optional(),
        group: z.string().optional(),
        class: z.string().optional(),
        custom_details: z.record(z.string(), z.unknown()).optional(),
      }),
      client: z.string().optional(),
      client_url: z.string().optional(),
      links: z.array(link).optional(),
      images: z.array(image).optional(),
    })
    .strict(),
  z
    .object({
      routing_key: z.string().length(32),
      event_action: z.enum(['acknowledge', 'resolve']),
      dedup_key: z.string().min(1).max(255),
      payload: z.unknown().optional(),
      client: z.string().optional(),
      client_url: z.string().optional(),
      links: z.array(link).optional(),
      images: z.array(image).optional(),
    })
    .strict(),
]);

// Slack Block Kit limits (api.slack.com reference): ≤50 blocks, header ≤150, section text ≤3000,
// ≤10 fields of ≤2000, button text ≤75, block_id/action_id ≤255, actions ≤25 elements.
const textObject = (max: number) => z.object({ type: z.enum(['plain_text', 'mrkdwn']), text: z.string().min(1).max(max), emoji: z.boolean().optional() });
const block = z.discriminatedUnion('type', [
  z.object({ type: z.literal('header'), text: textObject(150).extend({ type: z.literal('plain_text') }), block_id: z.string().max(255).optional() }),
  z.object({
    type: z.literal('section'),
    text: textObject(3000).optional(),
    fields: z.array(textObject(2000)).max(10).optional(),
    accessory: z.unknown().optional(),
    block_id: z.string().max(255).optional(),
  }),
  z.object({ type: z.literal('context'), elements: z.array(textObject(3000)).min(1).max(10), block_id: z.string().max(255).optional() }),
  z.object({ type: z.literal('divider'), block_id: z.string().max(255).optional() }),
  z.object({ type: z.literal('actions'), elements: z.array(z.unknown()).min(1).max(25), block_id: z.string().max(255).optional() }),
]);
export const slackMessageSchema = z.object({
  channel: z.string().optional(),
  text: z.string().min(1).max(40000),
  blocks: z.array(block).max(50).optional(),
  username: z.string().optional(),
  ts: z.string().optional(),
  thread_ts: z.string().optional(),
});

async function listen(handle: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => handle(req, data, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function issues(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
}

/** PagerDuty Events API v2 at `${url}/v2/enqueue` and `${url}/v2/change/enqueue`. */
export async function startPagerduty(): Promise<VendorServer> {
  const state: Omit<VendorServer, 'url' | 'close'> = { received: [], violations: [], script: [] };
  const { server, url } = await listen((req, raw, res) => {
    const scripted = state.script.shift();
    if (scripted) {
      res.writeHead(scripted.status, { 'content-type': 'application/json', ...scripted.headers }).end(scripted.body ?? '{}');
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      state.violations.push('body is not JSON');
      res.writeHead(400).end('{"status":"invalid event","message":"Event object is invalid"}');
      return;
    }
    if (req.url === '/v2/enqueue') {
      const r = pagerdutyEventSchema.safeParse(body);
      if (!r.success) {
        state.violations.push(`enqueue: ${issues(r.error)}`);
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors: [issues(r.error)] }));
        return;
      }
    } else if (req.url !== '/v2/change/enqueue') {
      state.violations.push(`unexpected path ${req.url}`);
      res.writeHead(404).end();
      return;
    }
    state.received.push({ path: req.url!, headers: req.headers, body, at: Date.now() });
    res
      .writeHead(202, { 'content-type': 'application/json' })
      .end(JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: body.dedup_key }));
  });
  return { url, ...state, close: () => new Promise((r) => server.close(() => r())) } as VendorServer;
}

/** Slack Web API (`/api/chat.postMessage`, `/api/chat.update`) and an incoming webhook (`/services/…`). */
export async function startSlack(token = 'xoxb-test-token'): Promise<VendorServer> {
  const state: Omit<VendorServer, 'url' | 'close'> = { received: [], violations: [], script: [] };
  const messages = new Map<string, string>(); // ts → channel
  let seq = 0;
  const { server, url } = await listen((req, raw, res) => {
    const scripted = state.script.shift();
    if (scripted) {
      res.writeHead(scripted.status, { 'content-type': 'application/json', ...scripted.headers }).end(scripted.body ?? '{"ok":false,"error":"ratelimited"}');
      return;
    }
    const json = (status: number, o: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(o));
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      state.violations.push('body is not JSON');
      res.writeHead(400).end('invalid_payload');
      return;
    }
    const r = slackMessageSchema.safeParse(body);
    if (!r.success) {
      state.violations.push(`${req.url}: ${issues(r.error)}`);
      if (req.url!.startsWith('/services/')) res.writeHead(400).end('invalid_blocks');
      else json(200, { ok: false, error: 'invalid_blocks' });
      return;
    }
    if (req.url!.startsWith('/services/')) {
      state.received.push({ path: req.url!, headers: req.headers, body, at: Date.now() });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (req.headers.authorization !== `Bearer ${token}`) return json(200, { ok: false, error: 'invalid_auth' });
    if (typeof body.channel !== 'string' || !/^[CGD][A-Z0-9]+$/.test(body.channel)) {
      state.violations.push(`${req.url}: channel must be a channel id, got ${String(body.channel)}`);
      return json(200, { ok: false, error: 'channel_not_found' });
    }
    if (req.url === '/api/chat.postMessage') {
      if (typeof body.thread_ts === 'string' && !messages.has(body.thread_ts)) state.violations.push('thread_ts of an unknown message');
      const ts = `1700000000.${String(++seq).padStart(6, '0')}`;
      messages.set(ts, body.channel);
      state.received.push({ path: req.url, headers: req.headers, body, at: Date.now() });
      return json(200, { ok: true, channel: body.channel, ts, message: { text: body.text } });
    }
    if (req.url === '/api/chat.update') {
      if (typeof body.ts !== 'string' || messages.get(body.ts) !== body.channel) return json(200, { ok: false, error: 'message_not_found' });
      state.received.push({ path: req.url, headers: req.headers, body, at: Date.now() });
      return json(200, { ok: true, channel: body.channel, ts: body.ts });
    }
    state.violations.push(`unexpected path ${req.url}`);
    return json(404, { ok: false, error: 'unknown_method' });
  });
  return { url, ...state, close: () => new Promise((r) => server.close(() => r())) } as VendorServer;
}
