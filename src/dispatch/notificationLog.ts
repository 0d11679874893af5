/**
 * The notification log: per aggregation group and receiver integration, what was last notified and
 * when. It outlives configuration reloads, so a reload never re-sends what was already sent.
 * In-memory implementation of the port; the Redis twin arrives with production mode.
 */
import type { LogEntry } from './decision.js';

export interface NotificationLogPort {
  get(key: string): LogEntry | undefined;
  log(key: string, entry: LogEntry, expiresAt: number): void;
  /** Drops entries past their expiry. */
  collect(now: number): void;
  size(): number;
}

/**
 * Key of a log entry: group key, receiver and integration position, as Alertmanager's nflog keys it.
 * Joined rather than concatenated: one flat string, which a map hashes and compares in one pass.
 */
export function logKey(groupKey: string, receiver: string, integration: string, index: number): string {
  return [groupKey, receiver, integration, String(index)].join('\x00');
}

export class MemoryNotificationLog implements NotificationLogPort {
  private readonly entries = new Map<string, { entry: LogEntry; expiresAt: number }>();

  get(key: string): LogEntry | undefined {
    return this.entries.get(key)?.entry;
  }

  log(key: string, entry: LogEntry, expiresAt: number): void {
    this.entries.set(key, { entry, expiresAt });
  }

  collect(now: number): void {
    for (const [k, v] of this.entries) if (v.expiresAt <= now) this.entries.delete(k);
  }

  size(): number {
    return this.entries.size;
  }
}
