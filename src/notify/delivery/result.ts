/**
 * What the outbox answers: the `DeliveryResult` of `../transport.ts`, plus the HTTP status of the last
 * attempt and what the vendor handed back that the caller must keep (Slack's `channel` and `ts`, to
 * update the message on resolve; the `dedup_key` PagerDuty assigned).
 *
 * These are meant to move into transport.ts (see the report that came with this folder); until then
 * they extend it, so an `Outbox` is a `Transport` as it stands.
 */
import type { DeliveryResult } from '../transport.js';
import type { RetryError } from './retrier.js';

/** What a vendor returned that the caller needs later. */
export type DeliveryResponse =
  /** `chat.postMessage` / `chat.update`: the message's channel ID and timestamp. */
  | { readonly kind: 'slack'; readonly channel: string; readonly ts: string }
  /** Events API v2 202: the dedup key the event was filed under (PagerDuty makes one up if none was sent). */
  | { readonly kind: 'pagerduty'; readonly dedupKey: string };

export interface DeliveredOk extends Extract<DeliveryResult, { ok: true }> {
  /** HTTP status of the successful attempt. */
  readonly status: number;
  readonly response?: DeliveryResponse;
}

export interface DeliveredFailure extends Extract<DeliveryResult, { ok: false }> {
  /** HTTP status of the last attempt, when it got an answer. */
  readonly status?: number;
  /**
   * The retrier's final error, wrapping the last attempt's (redacted) failure. Absent when no attempt
   * was made (outbox full, deadline passed in the queue).
   */
  readonly error?: RetryError;
}

export type DeliveredResult = DeliveredOk | DeliveredFailure;
