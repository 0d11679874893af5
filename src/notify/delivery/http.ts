/**
 * One HTTP attempt, and nothing else: POST the JSON payload, read at most `maxBodyBytes` of the answer,
 * and report what happened as a `RawOutcome`. No interpretation (that is `retryTables.classify`), no
 * retries (that is the retrier), no message text from the network stack (it can quote the URL): only
 * an error code.
 */
import type { OutboundRequest } from '../transport.js';
import type { RawOutcome } from './retryTables.js';

/** Sends `payload` for `req`, giving up after `timeoutMs`. Must never throw. */
export type Deliver = (req: OutboundRequest, payload: string, timeoutMs: number) => Promise<RawOutcome>;

export interface HttpDeliverOptions {
  readonly userAgent?: string;
  /** Bytes of a response body kept for classification (Slack's JSON, PagerDuty's error); default 16 KiB. */
  readonly maxBodyBytes?: number;
}

const MAX_TIMER_MS = 2_147_483_647;

export function httpDeliver(opts: HttpDeliverOptions = {}): Deliver {
  const userAgent = opts.userAgent ?? 'alertsift/0.1';
  const maxBodyBytes = opts.maxBodyBytes ?? 16 * 1024;
  return async (req, payload, timeoutMs) => {
    const signal = AbortSignal.timeout(Math.min(MAX_TIMER_MS, Math.max(1, Math.floor(timeoutMs))));
    try {
      const res = await fetch(req.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': userAgent, ...req.headers },
        body: payload,
        signal,
      });
      const body = await readBounded(res, maxBodyBytes);
      return {
        type: 'response',
        status: res.status,
        contentType: (res.headers.get('content-type') ?? '').toLowerCase(),
        retryAfter: res.headers.get('retry-after'),
        body,
      };
    } catch (err) {
      return { type: 'error', code: errorCode(err) };
    }
  };
}

/** Reads up to `max` bytes as UTF-8 and drains the rest, so the connection can be reused. */
async function readBounded(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let kept = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (kept < max) {
      const part = value.byteLength <= max - kept ? value : value.subarray(0, max - kept);
      chunks.push(part);
      kept += part.byteLength;
    }
  }
  return Buffer.concat(chunks, kept).toString('utf8');
}

/** A stable code for a failed fetch: `TIMEOUT`, `INVALID_REQUEST`, the system/undici code, or `UNKNOWN`. */
export function errorCode(err: unknown): string {
  const e = err as { name?: string; code?: unknown; cause?: unknown } | null;
  if (!e || typeof e !== 'object') return 'UNKNOWN';
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'TIMEOUT';
  const code = codeOf(e.cause) ?? codeOf(e);
  if (code) return code;
  // `fetch` throws a bare TypeError (no cause) when it cannot even build the request.
  if (err instanceof TypeError && e.cause === undefined) return 'INVALID_REQUEST';
  const causeName = (e.cause as { name?: string } | undefined)?.name;
  if (causeName === 'TimeoutError' || causeName === 'AbortError') return 'TIMEOUT';
  return 'UNKNOWN';
}

function codeOf(x: unknown): string | undefined {
  if (!x || typeof x !== 'object') return undefined;
  const c = (x as { code?: unknown }).code;
  if (typeof c === 'string' && /^[A-Z0-9_]{2,40}$/.test(c)) return c;
  // Happy eyeballs: one error per address tried.
  const errors = (x as { errors?: unknown }).errors;
  if (Array.isArray(errors)) for (const inner of errors) {
    const ic = codeOf(inner);
    if (ic) return ic;
  }
  return undefined;
}
