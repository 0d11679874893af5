/**
 * A Transport wrapper for distributed mode: before a request goes out it asks the state repository to
 * claim (notification-log key, notification state). The first instance to claim sends; any other
 * instance that arrives at the same notification (a rebalance moved the partition while the first
 * instance's notification-log entry was not yet durable, or a zombie still runs its timers) drops the
 * send and reports success, so its dispatcher logs the notification as done and moves on.
 *
 * What is claimed (`claimSubject`):
 *   key       = the notification-log key `logKey(groupKey, receiver, integration, index)` — exactly what
 *               the dispatcher's nflog keys the notification by;
 *   stateHash = 32 hex of SHA-256 over the sorted firing fingerprints and the sorted resolved
 *               fingerprints — the same sets the dispatcher's dedup decision and log entry use.
 * Both come from the request: receiver, integration and index are fields of `OutboundRequest`; group key
 * and fingerprints are read from the body (webhook: `groupKey`, `alerts[].fingerprint/status`;
 * PagerDuty: `payload.custom_details.group_key` and `.alerts`). A body without them (Slack) is claimed by
 * its content: key = logKey(`body:<sha256 of the body>`, …), stateHash = `body`; two instances building
 * the same notification build the same body. Pass `subject` to supply group key and sets directly.
 *
 * A claim is re-entrant for the instance that holds it: its own retries and a notification's follow-up
 * requests (Slack's edit + threaded reply) pass. When the send fails, the claim is given back, so a
 * retry — on this instance or another — is not blocked. A claim lives `ttlMs` (default: the flush
 * deadline, i.e. the group interval, at least 60 s): long enough to cover a partition hand-over, short
 * enough that the same state legitimately notified again later (repeat interval, re-fire) is not blocked.
 *
 * Redis unreachable: by default the send goes ahead (`onClaimError: 'send'`): a possible duplicate is
 * better than a missed page. `'fail'` answers a retriable failure instead; the dispatcher retries on the
 * group's next flush.
 */
import { createHash } from 'node:crypto';
import { logKey } from '../dispatch/notificationLog.js';
import type { StateRepository } from '../state/repository.js';
import type { DeliveryResult, OutboundRequest, Transport } from './transport.js';

export interface ClaimSubject {
  readonly key: string;
  readonly stateHash: string;
}

export interface ClaimingTransportStats {
  /** Claims won (sends that went ahead). */
  claimed: number;
  /** Sends dropped because another instance had claimed them. */
  dropped: number;
  /** Claims that could not be asked (repository unavailable). */
  claimErrors: number;
  /** Claims given back after a failed send. */
  released: number;
}

export type ClaimEvent =
  | { readonly type: 'dropped'; readonly receiver: string; readonly integration: string; readonly index: number; readonly key: string }
  | { readonly type: 'claim_error'; readonly receiver: string; readonly integration: string; readonly index: number; readonly error: string };

export interface ClaimingTransportOptions {
  readonly inner: Transport;
  readonly repository: Pick<StateRepository, 'claimNotification' | 'releaseNotification'>;
  /** The engine's clock. */
  readonly now: () => number;
  /** Claim lifetime; default max(deadline − now, 60 s). */
  readonly ttlMs?: (req: OutboundRequest, deadline: number, now: number) => number;
  /** Default `claimSubject`. */
  readonly subject?: (req: OutboundRequest) => ClaimSubject;
  readonly onClaimError?: 'send' | 'fail';
  /** Log hook (drops, claim errors). Never gets URLs or headers. */
  readonly onEvent?: (e: ClaimEvent) => void;
}

export const MIN_CLAIM_TTL_MS = 60_000;

export class ClaimingTransport implements Transport {
  readonly stats: ClaimingTransportStats = { claimed: 0, dropped: 0, claimErrors: 0, released: 0 };
  private readonly subjectOf: (req: OutboundRequest) => ClaimSubject;

  constructor(private readonly opts: ClaimingTransportOptions) {
    this.subjectOf = opts.subject ?? claimSubject;
  }

  async send(req: OutboundRequest, deadline: number): Promise<DeliveryResult> {
    const { repository, inner } = this.opts;
    const now = this.opts.now();
    const subject = this.subjectOf(req);
    const ttl = Math.max(1, Math.round(this.opts.ttlMs ? this.opts.ttlMs(req, deadline, now) : Math.max(deadline - now, MIN_CLAIM_TTL_MS)));
    let held = false;
    try {
      held = await repository.claimNotification(subject.key, subject.stateHash, ttl);
    } catch (e) {
      this.stats.claimErrors++;
      const error = (e as Error).message;
      this.opts.onEvent?.({ type: 'claim_error', receiver: req.receiver, integration: req.integration, index: req.index, error });
      if (this.opts.onClaimError === 'fail') {
        return { ok: false, attempts: 0, retriable: true, reason: `notification claim failed: ${error}` };
      }
      return inner.send(req, deadline);
    }
    if (!held) {
      this.stats.dropped++;
      this.opts.onEvent?.({ type: 'dropped', receiver: req.receiver, integration: req.integration, index: req.index, key: subject.key });
      return { ok: true, attempts: 0 };
    }
    this.stats.claimed++;
    const result = await inner.send(req, deadline);
    if (!result.ok) {
      try {
        if (await repository.releaseNotification(subject.key, subject.stateHash)) this.stats.released++;
      } catch {
        // The claim expires on its own.
      }
    }
    return result;
  }
}

/** 32 hex of SHA-256 over the sorted firing and resolved fingerprints. */
export function notificationStateHash(firing: Iterable<string>, resolved: Iterable<string>): string {
  const h = createHash('sha256');
  h.update('firing\n');
  for (const fp of [...firing].sort()) h.update(fp + '\n');
  h.update('resolved\n');
  for (const fp of [...resolved].sort()) h.update(fp + '\n');
  return h.digest('hex').slice(0, 32);
}

/** The claim for a request: group key and fingerprint sets from the body, or the body itself. */
export function claimSubject(req: OutboundRequest): ClaimSubject {
  const found = notificationOf(req);
  if (found) {
    return {
      key: logKey(found.groupKey, req.receiver, req.integration, req.index),
      stateHash: notificationStateHash(found.firing, found.resolved),
    };
  }
  const bodyHash = createHash('sha256').update(stableJson(req.body)).digest('hex').slice(0, 32);
  return { key: logKey(`body:${bodyHash}`, req.receiver, req.integration, req.index), stateHash: 'body' };
}

interface FoundNotification {
  groupKey: string;
  firing: string[];
  resolved: string[];
}

function notificationOf(req: OutboundRequest): FoundNotification | undefined {
  const body = req.body as Record<string, unknown> | null;
  if (!body || typeof body !== 'object') return undefined;
  if (req.integration === 'webhook') return fromAlerts(body.groupKey, body.alerts);
  if (req.integration === 'pagerduty') {
    const details = (body.payload as Record<string, unknown> | undefined)?.custom_details as Record<string, unknown> | undefined;
    if (!details) return undefined;
    return fromAlerts(details.group_key, details.alerts);
  }
  return undefined;
}

function fromAlerts(groupKey: unknown, alerts: unknown): FoundNotification | undefined {
  if (typeof groupKey !== 'string' || !Array.isArray(alerts)) return undefined;
  const firing: string[] = [];
  const resolved: string[] = [];
  for (const a of alerts as unknown[]) {
    const { fingerprint, status } = (a ?? {}) as { fingerprint?: unknown; status?: unknown };
    if (typeof fingerprint !== 'string') return undefined;
    if (status === 'resolved') resolved.push(fingerprint);
    else firing.push(fingerprint);
  }
  // A PagerDuty resolve for muted alerts carries none: still one state per group ("nothing firing").
  return { groupKey, firing, resolved };
}

/** JSON with object keys sorted, so equal bodies hash equal whatever their key order. */
function stableJson(x: unknown): string {
  if (x === null || typeof x !== 'object') return JSON.stringify(x) ?? 'null';
  if (Array.isArray(x)) return '[' + x.map(stableJson).join(',') + ']';
  const o = x as Record<string, unknown>;
  return (
    '{' +
    Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => JSON.stringify(k) + ':' + stableJson(o[k]))
      .join(',') +
    '}'
  );
}
