/**
 * Where notifications leave the engine. The dispatcher hands every outbound request to a `Transport`:
 * over HTTP when serving, to a recorder in replay. Payloads are built before this point, so replay
 * output and live traffic cannot drift apart.
 */

export type IntegrationKind = 'webhook' | 'pagerduty' | 'slack';

export interface OutboundRequest {
  readonly receiver: string;
  readonly integration: IntegrationKind;
  /** Position among the receiver's configs of this type, from 0 (Alertmanager's numbering). */
  readonly index: number;
  /** Destination. Secret for PagerDuty and Slack: never logged. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  /** Per-attempt timeout (0 = none); the flush deadline bounds all attempts. */
  readonly timeoutMs: number;
}

export type DeliveryResult =
  | { readonly ok: true; readonly attempts: number }
  | { readonly ok: false; readonly attempts: number; readonly retriable: boolean; readonly reason: string };

export interface Transport {
  /** Delivers `req`, retrying retriable failures until `deadline` (epoch ms on the engine's clock). */
  send(req: OutboundRequest, deadline: number): Promise<DeliveryResult>;
}

/** Replay's transport: one JSON line per request, stamped with the virtual time. Never fails. */
export class RecordingTransport implements Transport {
  count = 0;

  constructor(
    private readonly now: () => number,
    private readonly write: (line: string) => void,
    private readonly formatAt: (ms: number) => string,
  ) {}

  send(req: OutboundRequest): Promise<DeliveryResult> {
    this.count++;
    this.write(
      JSON.stringify({
        at: this.formatAt(this.now()),
        receiver: req.receiver,
        integration: req.integration,
        index: req.index,
        body: req.body,
      }),
    );
    return RECORDED;
  }
}

const RECORDED: Promise<DeliveryResult> = Promise.resolve({ ok: true, attempts: 1 });
