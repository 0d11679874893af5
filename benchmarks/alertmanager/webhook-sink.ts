/**
 * A local webhook receiver that counts Alertmanager's notification POSTs and the alerts in them, with
 * their arrival times, so counts can be taken over the same window as the virtual-time replay.
 */
import { createServer, type Server } from 'node:http';

export interface ReceivedNotification {
  readonly at: number;
  readonly path: string;
  readonly alerts: number;
  readonly firing: number;
  readonly resolved: number;
}

export interface NotificationCounts {
  notifications: number;
  alerts: number;
  firing: number;
  resolved: number;
}

export function emptyCounts(): NotificationCounts {
  return { notifications: 0, alerts: 0, firing: 0, resolved: 0 };
}

/** Adds one webhook body (version 4) to the counts. */
export function countWebhookBody(c: NotificationCounts, body: { alerts?: { status?: string }[] }): void {
  c.notifications++;
  for (const a of body.alerts ?? []) {
    c.alerts++;
    if (a.status === 'resolved') c.resolved++;
    else c.firing++;
  }
}

export class WebhookSink {
  readonly received: ReceivedNotification[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        const at = Date.now();
        let alerts = 0;
        let firing = 0;
        let resolved = 0;
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { alerts?: { status?: string }[] };
          for (const a of body.alerts ?? []) {
            alerts++;
            if (a.status === 'resolved') resolved++;
            else firing++;
          }
        } catch {
          /* counted as a notification with no readable alerts */
        }
        this.received.push({ at, path: req.url ?? '', alerts, firing, resolved });
        res.writeHead(200).end();
      });
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    const addr = this.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  reset(): void {
    this.received.length = 0;
  }

  /** Counts of notifications that arrived in [from, to] (wall-clock ms). */
  counts(from = -Infinity, to = Infinity): NotificationCounts {
    const c = emptyCounts();
    for (const r of this.received) {
      if (r.at < from || r.at > to) continue;
      c.notifications++;
      c.alerts += r.alerts;
      c.firing += r.firing;
      c.resolved += r.resolved;
    }
    return c;
  }

  /** Time of the last notification, or undefined. */
  lastAt(): number | undefined {
    return this.received.length > 0 ? this.received[this.received.length - 1]!.at : undefined;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
