/**
 * Live delivery over HTTP with one retrier: 2xx is done; 4xx other than 429 is fatal (the request will
 * never succeed as it is); 429, 5xx, timeouts and connection errors are retried with exponential
 * backoff and full jitter, honouring Retry-After, until the flush deadline. This is Alertmanager's
 * `notify.Retrier` table; the per-vendor tables and the outbox arrive with the notifier issue.
 *
 * Error reasons never contain the URL, headers or body: they may carry routing keys and tokens.
 */
import type { DeliveryResult, OutboundRequest, Transport } from './transport.js';

export interface HttpTransportOptions {
  readonly now: () => number;
  /** First backoff step (ms); doubles per attempt up to `maxBackoffMs`. */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly userAgent?: string;
  /** Injected for tests; defaults to Math.random. */
  readonly random?: () => number;
}

export class HttpTransport implements Transport {
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly userAgent: string;
  private readonly random: () => number;

  constructor(private readonly opts: HttpTransportOptions) {
    this.initialBackoffMs = opts.initialBackoffMs ?? 100;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.userAgent = opts.userAgent ?? 'alertsift/0.1';
    this.random = opts.random ?? Math.random;
  }

  async send(req: OutboundRequest, deadline: number): Promise<DeliveryResult> {
    const payload = JSON.stringify(req.body) + '\n';
    let attempts = 0;
    let last: { retriable: boolean; reason: string; retryAfterMs?: number } = { retriable: true, reason: 'not sent' };
    for (;;) {
      attempts++;
      const remaining = deadline - this.opts.now();
      if (remaining <= 0) break;
      const timeout = req.timeoutMs > 0 ? Math.min(req.timeoutMs, remaining) : remaining;
      last = await this.attempt(req, payload, timeout);
      if (last.reason === '') return { ok: true, attempts };
      if (!last.retriable) return { ok: false, attempts, retriable: false, reason: last.reason };
      const backoff = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** (attempts - 1));
      const wait = Math.max(last.retryAfterMs ?? 0, Math.floor(this.random() * backoff));
      if (this.opts.now() + wait >= deadline) break;
      await new Promise((r) => setTimeout(r, wait));
    }
    return { ok: false, attempts, retriable: true, reason: `${last.reason} (gave up at the flush deadline)` };
  }

  // Returns reason '' on success.
  private async attempt(
    req: OutboundRequest,
    payload: string,
    timeoutMs: number,
  ): Promise<{ retriable: boolean; reason: string; retryAfterMs?: number }> {
    try {
      const res = await fetch(req.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': this.userAgent, ...req.headers },
        body: payload,
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Drain the body so the connection can be reused.
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { retriable: false, reason: '' };
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), this.opts.now());
      const reason = `${req.integration} answered HTTP ${res.status}`;
      if (res.status === 429 || res.status >= 500) return { retriable: true, reason, retryAfterMs };
      return { retriable: false, reason };
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') return { retriable: true, reason: 'timeout' };
      const code = (err as { cause?: { code?: string } }).cause?.code;
      return { retriable: true, reason: `connection error${code ? ` (${code})` : ''}` };
    }
  }
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
