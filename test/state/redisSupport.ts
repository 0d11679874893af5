/**
 * Redis for the state tests: the server named by REDIS_URL (skipped when unset or unreachable), and
 * throwaway servers started with scripts/services/redis.sh on a free port (for outage cases, which stop
 * and restart their server and must never touch a shared one).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { connectStateRedis } from '../../src/state/redis/client.js';
import { freePort } from '../../benchmarks/lib/net.js';
export { freePort };

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../scripts/services/redis.sh', import.meta.url));

/** Why the Redis tests cannot run, or undefined when REDIS_URL answers PING. */
export async function redisUnavailableReason(url: string | undefined): Promise<string | undefined> {
  if (!url) return 'REDIS_URL is not set (scripts/services/redis.sh start prints one)';
  try {
    const r = await connectStateRedis(url, { retryStrategy: () => null, connectTimeout: 1500 });
    await r.ping();
    await r.quit();
    return undefined;
  } catch (e) {
    return `Redis at REDIS_URL is unreachable: ${(e as Error).message}`;
  }
}

export function canStartThrowawayRedis(): boolean {
  return existsSync(SCRIPT) && ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].some((p) => existsSync(p));
}


/** A Redis of its own on 127.0.0.1:<free port>, no persistence: stop() + start() = restart with data lost. */
export class ThrowawayRedis {
  readonly url: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly dir: string;

  private constructor(readonly port: number) {
    this.dir = mkdtempSync(join(tmpdir(), 'alertsift-state-test-'));
    this.env = { ...process.env, REDIS_PORT: String(port), SERVICES_DIR: this.dir };
    this.url = `redis://127.0.0.1:${port}`;
  }

  static async start(): Promise<ThrowawayRedis> {
    const t = new ThrowawayRedis(await freePort());
    await t.start();
    return t;
  }

  async start(): Promise<void> {
    await run('bash', [SCRIPT, 'start'], { env: this.env });
  }

  async stop(): Promise<void> {
    await run('bash', [SCRIPT, 'stop'], { env: this.env });
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Every key matching `pattern`. */
export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out;
}
