/**
 * The ioredis client for state, configured to fail fast (docs/state.md, "Failure behaviour").
 *
 * ioredis's defaults suit a cache: while the server is away, commands wait in an offline queue and are
 * retried for 20 reconnect attempts (`maxRetriesPerRequest: 20`; with v5's backoff ≈ 10 s, with
 * `null` forever). For state that gates Kafka offset commits that is wrong twice over: a commit that
 * waits silently stalls the consumer past its session timeout, and a queued commit replayed after the
 * partition moved to another instance would write stale state. So:
 *
 * - `enableOfflineQueue: false` — a command issued while disconnected rejects at once
 *   ("Stream isn't writeable…"); nothing is queued for later;
 * - `maxRetriesPerRequest: 0` — commands already sent when the connection drops reject at once
 *   (MaxRetriesPerRequestError) instead of being re-sent after a reconnect;
 * - `autoResendUnfulfilledCommands: false` — belt and braces for the same;
 * - `commandTimeout` — a server that accepts the connection but stops answering (paused, overloaded,
 *   network black hole) still produces an error, after 10 s by default;
 * - `retryStrategy` — the connection itself is re-established forever in the background (100 ms doubling
 *   to 2 s), so the first command after Redis is back succeeds;
 * - `reconnectOnError` on READONLY — after a failover the client reconnects to find the new primary;
 * - `lazyConnect` — `connectStateRedis` connects explicitly and rejects when Redis is unreachable.
 *
 * ioredis 5 speaks RESP2 (ioredis 6 defaults to RESP3: pass `protocol: 2` there to keep reply shapes).
 */
import { Redis, type RedisOptions } from 'ioredis';
import { StateUnavailableError } from '../repository.js';

export const STATE_CLIENT_DEFAULTS: Readonly<RedisOptions> = Object.freeze({
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  enableReadyCheck: true,
  connectTimeout: 5_000,
  commandTimeout: 10_000,
  keepAlive: 10_000,
  connectionName: 'alertsift-state',
  retryStrategy: (attempt: number) => Math.min(100 * 2 ** Math.min(attempt - 1, 5), 2_000),
  reconnectOnError: (err: Error) => err.message.startsWith('READONLY'),
});

export interface StateRedisOptions extends RedisOptions {
  /** Connection errors (already answered to callers as StateUnavailableError); default: ignored. */
  readonly onError?: (err: Error) => void;
}

/** A client with the fail-fast settings, not yet connected. `overrides` win over the defaults. */
export function createStateRedis(url: string, overrides: StateRedisOptions = {}): Redis {
  const { onError, ...rest } = overrides;
  const redis = new Redis(url, { ...STATE_CLIENT_DEFAULTS, ...rest });
  // Without a listener ioredis prints "[ioredis] Unhandled error event" for every failed reconnect.
  redis.on('error', (err: Error) => onError?.(err));
  return redis;
}

/** Creates and connects a client; rejects with StateUnavailableError when Redis cannot be reached. */
export async function connectStateRedis(url: string, overrides: StateRedisOptions = {}): Promise<Redis> {
  const redis = createStateRedis(url, overrides);
  // connect() rejects with a bare "Connection is closed."; the socket error says why.
  let cause: Error | undefined;
  const remember = (err: Error) => void (cause ??= err);
  redis.on('error', remember);
  try {
    await redis.connect();
  } catch (e) {
    redis.disconnect();
    const why = cause ? `${cause.message}` : (e as Error).message;
    throw new StateUnavailableError(`cannot connect to Redis at ${redactUrl(url)}: ${why}`, { cause: cause ?? e });
  } finally {
    redis.off('error', remember);
  }
  return redis;
}

/** `redis://user:secret@host:6379/0` → `redis://user:***@host:6379/0` (never log a password). */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
