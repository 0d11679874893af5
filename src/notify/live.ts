/**
 * The live transport: what `serve` uses to deliver notifications. One place decides how requests leave
 * the process (retries, rate limits, the outbox), so the dispatcher only ever sees a `Transport`.
 */
import type { Logger } from 'pino';
import type { Clock } from '../state/clock.js';
import { HttpTransport } from './httpTransport.js';
import type { DeliveryResult, OutboundRequest, Transport } from './transport.js';

export interface LiveTransportOptions {
  readonly clock: Clock;
  readonly logger?: Logger;
}

export function createLiveTransport(opts: LiveTransportOptions): Transport {
  const http = new HttpTransport({ now: () => opts.clock.now() });
  return {
    async send(req: OutboundRequest, deadline: number): Promise<DeliveryResult> {
      const result = await http.send(req, deadline);
      if (!result.ok) {
        // Never the URL, headers or body: they carry routing keys and tokens.
        opts.logger?.warn(
          { receiver: req.receiver, integration: req.integration, index: req.index, attempts: result.attempts, retriable: result.retriable },
          `notification failed: ${result.reason}`,
        );
      }
      return result;
    },
  };
}
