/**
 * The delivery log: the recent history of what was sent where, with every attempt and its outcome,
 * next to the notification log's per-group state. Bounded (a ring), so it costs the same whether the
 * engine has run for a minute or a month. Entries never hold URLs, headers or bodies (secrets).
 */

export interface DeliveryRecord {
  /** epoch ms */
  readonly at: number;
  readonly receiver: string;
  readonly integration: string;
  readonly index: number;
  readonly groupKey: string;
  /** Why the notification was sent (`first notification`, …). */
  readonly reason: string;
  /** `delivered`, `failed`, or `attempt` for an intermediate attempt that will be retried. */
  readonly outcome: 'delivered' | 'failed' | 'attempt';
  readonly attempts: number;
  /** For failures: what went wrong, without secrets. */
  readonly error?: string;
  readonly firing: number;
  readonly resolved: number;
}

export class DeliveryLog {
  private readonly ring: (DeliveryRecord | undefined)[];
  private next = 0;
  private total = 0;

  constructor(readonly capacity = 1000) {
    this.ring = new Array<DeliveryRecord | undefined>(capacity);
  }

  record(r: DeliveryRecord): void {
    this.ring[this.next] = r;
    this.next = (this.next + 1) % this.capacity;
    this.total++;
  }

  /** Newest last; at most `limit` records. */
  recent(limit = this.capacity): DeliveryRecord[] {
    const n = Math.min(limit, this.total, this.capacity);
    const out: DeliveryRecord[] = [];
    for (let i = n; i > 0; i--) {
      const r = this.ring[(this.next - i + this.capacity) % this.capacity];
      if (r) out.push(r);
    }
    return out;
  }

  /** Records ever written (the ring keeps the last `capacity`). */
  count(): number {
    return this.total;
  }
}
