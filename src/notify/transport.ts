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
  /** `response`: what the destination answered when the caller needs it (Slack Web API: channel and ts). */
  | { readonly ok: true; readonly attempts: number; readonly response?: Readonly<Record<string, unknown>> }
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
    const response = recordedResponse(req, this.now(), this.count);
    this.write(
      JSON.stringify({
        at: this.formatAt(this.now()),
        receiver: req.receiver,
        integration: req.integration,
        index: req.index,
        body: req.body,
      }),
    );
    return response ? Promise.resolve({ ok: true, attempts: 1, response }) : RECORDED;
  }
}

const RECORDED: Promise<DeliveryResult> = Promise.resolve({ ok: true, attempts: 1 });

/**
 * The recorder answers Slack Web API posts the way Slack would (a channel and a message ts), so replay
 * exercises the same chat.update path as live delivery. The ts is derived from the virtual time and a
 * counter, so output stays deterministic.
 */
export function recordedResponse(req: OutboundRequest, now: number, seq: number): Readonly<Record<string, unknown>> | undefined {
  if (req.integration !== 'slack') return undefined;
  const body = req.body as { channel?: string; ts?: string };
  const ts = body.ts ?? `${Math.floor(now / 1000)}.${String(seq).padStart(6, '0')}`;
  return { ok: true, channel: body.channel, ts };
}
