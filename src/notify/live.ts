/**
 * The live transport: what `serve` uses to deliver notifications. One place decides how requests leave
 * the process: the bounded outbox (per-destination FIFO queues, vendor rate limits, the retry tables),
 * so the dispatcher only ever sees a `Transport`. Every attempt is logged and recorded without secrets.
 */
import type { Logger } from 'pino';
import type { DeliveryLog } from '../dispatch/deliveryLog.js';
import type { Clock } from '../state/clock.js';
import { Outbox } from './delivery/outbox.js';
import { formatSummary } from './delivery/redact.js';
import type { Transport } from './transport.js';

export interface LiveTransportOptions {
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Intermediate failed attempts are recorded here too (final outcomes are recorded by the dispatcher). */
  readonly deliveryLog?: DeliveryLog;
  /** Most requests waiting or in flight; beyond it a send fails at once and the next flush retries. */
  readonly maxQueued?: number;
}

export function createLiveTransport(opts: LiveTransportOptions): Outbox {
  return new Outbox({
    clock: opts.clock,
    ...(opts.maxQueued !== undefined ? { maxQueued: opts.maxQueued } : {}),
    observer: (summary, attempt, outcome) => {
      if (outcome.phase === 'attempt') {
        if (outcome.ok) return;
        const retry = outcome.retryInMs !== undefined ? `, retrying in ${outcome.retryInMs} ms` : '';
        opts.logger?.warn(`${formatSummary(summary)}: attempt ${attempt} failed: ${outcome.reason}${retry}`);
        if (outcome.retryInMs !== undefined) {
          opts.deliveryLog?.record({
            at: opts.clock.now(),
            receiver: summary.receiver,
            integration: summary.integration,
            index: summary.index,
            groupKey: '',
            reason: 'retry',
            outcome: 'attempt',
            attempts: attempt,
            error: outcome.reason,
            firing: 0,
            resolved: 0,
          });
        }
        return;
      }
      if (!outcome.result.ok) {
        opts.logger?.warn(`${formatSummary(summary)}: notification failed after ${outcome.result.attempts} attempts: ${outcome.result.reason}`);
      }
    },
  });
}

/** The type the engine needs; kept so callers need not know the outbox's extra methods. */
export type LiveTransport = Transport & Pick<Outbox, 'pending' | 'stats' | 'idle'>;
