/**
 * Dead-letter records: a record that failed validation is copied to the dead-letter topic unchanged
 * (same key, same value bytes, its own headers kept) with `alertsift-dlq-*` headers saying why, so it can
 * be inspected with any Kafka tool (`kcat -C -t alertsift.alerts.dlq -f '%h %s\n'`) and re-driven by
 * producing its value to the raw topic again once the cause is fixed.
 *
 * | header | value |
 * |---|---|
 * | `alertsift-dlq-reason` | a `DeadLetterReason` (`malformed_json`, `unrecognized`, `invalid`, `partially_invalid`, `unsupported`, `rejected`) |
 * | `alertsift-dlq-issues` | JSON array of the validation messages (at most 50, each at most 1,000 characters) |
 * | `alertsift-dlq-kind` | the recognised kind (`alerts`, `alertmanager`, `signal`, …), absent when unrecognised |
 * | `alertsift-dlq-applied` | how many alerts of the record were applied anyway (`partially_invalid`) |
 * | `alertsift-dlq-source-topic`, `-partition`, `-offset`, `-timestamp` | where the original record was |
 * | `alertsift-dlq-group` | the consumer group that dead-lettered it |
 * | `alertsift-dlq-at` | when (RFC 3339, the engine's clock) |
 */
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { DeadLetterReason, RecordKind } from './records.js';

export const DLQ_HEADER_PREFIX = 'alertsift-dlq-';
export const MAX_ISSUES = 50;
const MAX_ISSUE_LENGTH = 1000;

export interface DeadLetterInfo {
  readonly reason: DeadLetterReason;
  readonly issues: readonly string[];
  readonly kind: RecordKind | undefined;
  readonly applied: number;
  readonly topic: string;
  readonly partition: number;
  readonly groupId: string;
  readonly at: number;
}

/** The dead-letter copy of `message`. */
export function deadLetterMessage(message: KafkaMessage, info: DeadLetterInfo): Message {
  const headers: IHeaders = {};
  // The original headers first, minus any stale dlq headers (a re-driven record that failed again).
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (!name.startsWith(DLQ_HEADER_PREFIX) && value !== undefined) headers[name] = value;
  }
  const issues = info.issues.slice(0, MAX_ISSUES).map((i) => (i.length > MAX_ISSUE_LENGTH ? `${i.slice(0, MAX_ISSUE_LENGTH)}…` : i));
  if (info.issues.length > MAX_ISSUES) issues.push(`… and ${info.issues.length - MAX_ISSUES} more`);
  headers[`${DLQ_HEADER_PREFIX}reason`] = info.reason;
  headers[`${DLQ_HEADER_PREFIX}issues`] = JSON.stringify(issues);
  if (info.kind !== undefined) headers[`${DLQ_HEADER_PREFIX}kind`] = info.kind;
  headers[`${DLQ_HEADER_PREFIX}applied`] = String(info.applied);
  headers[`${DLQ_HEADER_PREFIX}source-topic`] = info.topic;
  headers[`${DLQ_HEADER_PREFIX}source-partition`] = String(info.partition);
  headers[`${DLQ_HEADER_PREFIX}source-offset`] = message.offset;
  headers[`${DLQ_HEADER_PREFIX}source-timestamp`] = message.timestamp;
  headers[`${DLQ_HEADER_PREFIX}group`] = info.groupId;
  headers[`${DLQ_HEADER_PREFIX}at`] = new Date(info.at).toISOString();
  return { key: message.key, value: message.value, headers };
}

/** Reads the `alertsift-dlq-*` headers back (tools and tests). */
export function readDeadLetterHeaders(headers: IHeaders | undefined): {
  reason?: string;
  issues: string[];
  kind?: string;
  applied?: number;
  source?: { topic: string; partition: number; offset: string; timestamp: string };
  groupId?: string;
  at?: string;
} {
  const h = (name: string): string | undefined => {
    const v = headers?.[`${DLQ_HEADER_PREFIX}${name}`];
    const one = Array.isArray(v) ? v[0] : v;
    return one === undefined ? undefined : one.toString();
  };
  let issues: string[] = [];
  try {
    const parsed = JSON.parse(h('issues') ?? '[]') as unknown;
    if (Array.isArray(parsed)) issues = parsed.map(String);
  } catch {
    issues = [];
  }
  const topic = h('source-topic');
  const applied = h('applied');
  return {
    reason: h('reason'),
    issues,
    kind: h('kind'),
    applied: applied === undefined ? undefined : Number(applied),
    source:
      topic === undefined
        ? undefined
        : { topic, partition: Number(h('source-partition')), offset: h('source-offset') ?? '', timestamp: h('source-timestamp') ?? '' },
    groupId: h('group'),
    at: h('at'),
  };
}
