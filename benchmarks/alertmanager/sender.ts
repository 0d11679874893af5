/**
 * POSTs a replay stream's batches to a real Alertmanager's `/api/v2/alerts`, either paced on the
 * stream's own schedule (shifted to the wall clock) or as fast as bounded concurrency allows, and
 * measures what was accepted and how far behind schedule the sends fell.
 */
import { Agent, request } from 'node:http';
import { readLines } from '../../src/intake/replay/readLines.js';

interface StreamAlert {
  readonly labels: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly generatorURL?: string;
}

export interface Batch {
  /** Stream time of the line, epoch ms. */
  readonly at: number;
  readonly alerts: readonly StreamAlert[];
}

/** Reads a stream's `alerts` lines into memory with numeric times (other line kinds are not used here). */
export function loadBatches(path: string): Batch[] {
  const out: Batch[] = [];
  for (const line of readLines(path)) {
    const o = JSON.parse(line) as {
      at: string;
      alerts?: { labels: Record<string, string>; annotations?: Record<string, string>; startsAt: string; endsAt: string; generatorURL?: string }[];
    };
    if (!o.alerts) continue;
    out.push({
      at: Date.parse(o.at),
      alerts: o.alerts.map((a) => ({
        labels: a.labels,
        annotations: a.annotations,
        startsAt: Date.parse(a.startsAt),
        endsAt: Date.parse(a.endsAt),
        generatorURL: a.generatorURL,
      })),
    });
  }
  return out;
}

export interface SendResult {
  readonly accepted: number;
  readonly failed: number;
  readonly firstError?: string;
  readonly posts: number;
  /** From the first request's start to the last response, ms. */
  readonly wallMs: number;
  readonly startedAt: number;
  readonly endedAt: number;
  /** Paced only: how late sends started relative to schedule (max and median), ms. */
  readonly maxLagMs: number;
  readonly medianLagMs: number;
  /** Paced only: how late the last response came relative to the last batch's scheduled time, ms. */
  readonly endLagMs: number;
}

export interface SendOptions {
  readonly url: string;
  readonly batches: readonly Batch[];
  /** Added to every stream time (alert timestamps, and the schedule when paced). */
  readonly shiftMs: number;
  readonly paced: boolean;
  /** Requests in flight at most (one per Prometheus server in the estate is realistic). */
  readonly concurrency: number;
}

function body(b: Batch, shift: number): string {
  return JSON.stringify(
    b.alerts.map((a) => ({
      labels: a.labels,
      annotations: a.annotations,
      startsAt: new Date(a.startsAt + shift).toISOString(),
      endsAt: new Date(a.endsAt + shift).toISOString(),
      generatorURL: a.generatorURL,
    })),
  );
}

function post(agent: Agent, url: URL, payload: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        hostname: url.hostname,
        port: url.port,
        path: '/api/v2/alerts',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function sendBatches(opts: SendOptions): Promise<SendResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const url = new URL(opts.url);
  const inflight = new Set<Promise<void>>();
  let accepted = 0;
  let failed = 0;
  let firstError: string | undefined;
  const lags: number[] = [];
  const startedAt = Date.now();
  for (const b of opts.batches) {
    const due = b.at + opts.shiftMs;
    if (opts.paced) {
      const wait = due - Date.now();
      if (wait > 1) await sleep(wait);
    }
    while (inflight.size >= opts.concurrency) await Promise.race(inflight);
    if (opts.paced) lags.push(Date.now() - due);
    const payload = body(b, opts.shiftMs);
    const n = b.alerts.length;
    const p: Promise<void> = post(agent, url, payload).then(
      (r) => {
        if (r.status === 200) accepted += n;
        else {
          failed += n;
          firstError ??= `HTTP ${r.status}: ${r.text.slice(0, 200)}`;
        }
      },
      (e: unknown) => {
        failed += n;
        firstError ??= String(e);
      },
    );
    const tracked = p.finally(() => inflight.delete(tracked));
    inflight.add(tracked);
  }
  await Promise.all(inflight);
  const endedAt = Date.now();
  agent.destroy();
  lags.sort((a, b) => a - b);
  const lastDue = opts.batches.length > 0 ? opts.batches[opts.batches.length - 1]!.at + opts.shiftMs : endedAt;
  return {
    accepted,
    failed,
    ...(firstError !== undefined ? { firstError } : {}),
    posts: opts.batches.length,
    wallMs: endedAt - startedAt,
    startedAt,
    endedAt,
    maxLagMs: lags.length > 0 ? lags[lags.length - 1]! : 0,
    medianLagMs: lags.length > 0 ? lags[lags.length >> 1]! : 0,
    endLagMs: opts.paced ? endedAt - lastDue : 0,
  };
}
