/**
 * What a record on the raw-alerts topic may hold, and how it enters the engine.
 *
 * A record value is UTF-8 JSON, recognised by its shape (no header is needed, so anything that can write
 * JSON to Kafka can feed alertsift):
 *
 * | value | recognised by | goes through |
 * |---|---|---|
 * | API v2 alert array (`POST /api/v2/alerts` body) | a JSON array (of alert objects) | `normalizeApiV2Alerts` |
 * | Alertmanager webhook body (version 4) | an object with a `version` field | `normalizeAlertmanagerWebhook` |
 * | model signal or SLI counts, or an array of them | `kind` is a model-signal kind (`drift`, …) or `sli_events` | `normalizeSignals` |
 * | change event, or an array of them | `kind` is a change kind (`deploy`, `model_rollout`, …) | `normalizeChanges` |
 * | replay line `{at?, alerts\|alertmanager\|signal\|change\|silence\|expireSilence}` | only those keys, exactly one kind | as in `alertsift replay` |
 *
 * `at` of a replay line is checked (RFC 3339) and otherwise ignored: live, the engine's clock is the
 * time, so a record consumed late is treated as if it had been POSTed when it was consumed (defaults for
 * a missing `endsAt` count from then). Senders that care set `endsAt` themselves.
 *
 * Signals and changes go through the same normalizers as their HTTP doors (`src/normalize/signal.ts`,
 * `src/normalize/change.ts`), behind an injectable `RecordDecoders` seam (tests, other encodings). A
 * change record reaching an engine without `receiveChanges` is dead-lettered as `unsupported` (kept, not
 * lost: it can be re-driven later); signals fall back to `receiveAlerts` without `receiveSignals`.
 *
 * `processRecord` never throws for a bad record: every problem comes back as an outcome with a
 * `DeadLetterReason` and the issues. It does throw when the *sink* throws (the engine or its state store
 * failed): that is not the record's fault, and the consumer must retry the batch instead of dead-lettering.
 */
import { CHANGE_KINDS, MODEL_SIGNAL_KINDS } from '../../domain/signal.js';
import { parseTime } from '../../domain/time.js';
import type { EnginePort } from '../../engine/port.js';
import { normalizeAlertmanagerWebhook } from '../../normalize/alertmanagerWebhook.js';
import {
  jsonType,
  normalizeApiV2Alerts,
  type LabelNameMode,
  type NormalizeContext,
  type NormalizeResult,
} from '../../normalize/apiV2Alerts.js';
import { normalizeChanges, type ChangeNormalizeResult } from '../../normalize/change.js';
import { normalizeSignals, type SignalContext, type SignalNormalizeResult } from '../../normalize/signal.js';
import { parsePostableSilence } from '../../normalize/silence.js';

/** What a record carried, once recognised. Also the `kind` label of the consumed-records metric. */
export type RecordKind = 'alerts' | 'alertmanager' | 'signal' | 'change' | 'silence' | 'expireSilence';
export const RECORD_KINDS: readonly RecordKind[] = ['alerts', 'alertmanager', 'signal', 'change', 'silence', 'expireSilence'];

/**
 * Why a record went to the dead-letter topic. A closed set (it is a metric label and a header value):
 * - `malformed_json`: empty value, not UTF-8, or not JSON;
 * - `unrecognized`: JSON, but none of the shapes above;
 * - `invalid`: recognised, but nothing in it was valid (schema or validation errors);
 * - `partially_invalid`: some alerts were valid and were applied, the others were not (the record is
 *   dead-lettered whole; re-driving it re-applies the valid ones, which is harmless: a re-send);
 * - `unsupported`: a kind the engine cannot take (change events when it has no `receiveChanges`);
 * - `rejected`: valid, but the engine refused it (a silence update for an unknown id, an expiry of an
 *   unknown silence).
 */
export type DeadLetterReason = 'malformed_json' | 'unrecognized' | 'invalid' | 'partially_invalid' | 'unsupported' | 'rejected';
export const DEAD_LETTER_REASONS: readonly DeadLetterReason[] = [
  'malformed_json',
  'unrecognized',
  'invalid',
  'partially_invalid',
  'unsupported',
  'rejected',
];

/**
 * What the Kafka intake needs from the engine: `EnginePort`'s intake half (the engine is one). All
 * synchronous: state has changed when a call returns; a call that throws means "retry the batch".
 */
export type IntakeSink = Pick<
  EnginePort,
  'now' | 'resolveTimeoutMs' | 'receiveAlerts' | 'upsertSilence' | 'expireSilence' | 'receiveSignals' | 'receiveChanges'
>;

/** The normalizers for signals and changes (default: the HTTP doors'). Both must never throw for bad input. */
export interface RecordDecoders {
  /** One model signal (or SLI count) object, or an array of them. */
  readonly signal?: (body: unknown, ctx: SignalContext) => SignalNormalizeResult;
  /** One change event or an array of them; `now` is the default `at`. */
  readonly change?: (body: unknown, now: number) => ChangeNormalizeResult;
}

export const DEFAULT_DECODERS: RecordDecoders = { signal: normalizeSignals, change: normalizeChanges };

export type RecordOutcome =
  | { readonly ok: true; readonly kind: RecordKind; readonly applied: number; readonly invalid: 0 }
  | {
      readonly ok: false;
      /** Undefined when the record was not recognised. */
      readonly kind: RecordKind | undefined;
      readonly reason: DeadLetterReason;
      readonly issues: readonly string[];
      /** Alerts (or changes) applied before the problem was found: > 0 only for `partially_invalid`. */
      readonly applied: number;
      /** Entries (alerts, signals, changes) rejected; 0 when the record as a whole was unusable. */
      readonly invalid: number;
    };

export interface ProcessOptions {
  readonly decoders?: RecordDecoders;
  readonly labelNames?: LabelNameMode;
}

const REPLAY_KEYS = new Set<string>(['at', ...RECORD_KINDS]);
// `sli_events` (SLI counts for the budgets) travels through the signals door too.
const SIGNAL_KINDS = new Set<string>([...MODEL_SIGNAL_KINDS, 'sli_events']);
const CHANGE_KIND_SET = new Set<string>(CHANGE_KINDS);

export const UNRECOGNIZED_MESSAGE =
  'expected an API v2 alert array, an Alertmanager webhook (version 4) body, a model signal, a change event, ' +
  'or a replay line object {at?, alerts|alertmanager|signal|change|silence|expireSilence}';

export type Recognized =
  | { readonly ok: true; readonly kind: RecordKind; readonly body: unknown }
  | { readonly ok: false; readonly kind: RecordKind | undefined; readonly reason: DeadLetterReason; readonly issues: string[] };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes → JSON → which kind, and the part of the value that kind's normalizer reads. */
export function recognize(value: Buffer | Uint8Array | null | undefined): Recognized {
  if (value === null || value === undefined || value.length === 0) {
    return { ok: false, kind: undefined, reason: 'malformed_json', issues: ['value: empty record (a tombstone?)'] };
  }
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return { ok: false, kind: undefined, reason: 'malformed_json', issues: ['value: not valid UTF-8'] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { ok: false, kind: undefined, reason: 'malformed_json', issues: [`value: not valid JSON: ${(e as Error).message}`] };
  }
  return recognizeParsed(parsed);
}

/** The shape rules of the module comment, on an already parsed value. */
export function recognizeParsed(value: unknown): Recognized {
  if (Array.isArray(value)) {
    const kinds = arrayKind(value);
    return { ok: true, kind: kinds, body: value };
  }
  if (typeof value !== 'object' || value === null) {
    return { ok: false, kind: undefined, reason: 'unrecognized', issues: [`value: ${UNRECOGNIZED_MESSAGE}; got ${jsonType(value)}`] };
  }
  const o = value as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(o, 'version')) return { ok: true, kind: 'alertmanager', body: o };
  const kind = o['kind'];
  if (typeof kind === 'string' && SIGNAL_KINDS.has(kind)) return { ok: true, kind: 'signal', body: o };
  if (typeof kind === 'string' && CHANGE_KIND_SET.has(kind)) return { ok: true, kind: 'change', body: o };
  const keys = Object.keys(o);
  if (keys.length > 0 && keys.every((k) => REPLAY_KEYS.has(k))) return recognizeReplayLine(o);
  return { ok: false, kind: undefined, reason: 'unrecognized', issues: [`value: ${UNRECOGNIZED_MESSAGE}; got an object with keys ${describeKeys(keys)}`] };
}

/** An array of signals or of changes when every element says so; anything else is an API v2 alert array. */
function arrayKind(items: readonly unknown[]): RecordKind {
  if (items.length === 0) return 'alerts';
  const kindOf = (item: unknown): string | undefined =>
    typeof item === 'object' && item !== null && !Array.isArray(item) && typeof (item as { kind?: unknown }).kind === 'string'
      ? ((item as { kind: string }).kind)
      : undefined;
  if (items.every((i) => SIGNAL_KINDS.has(kindOf(i) ?? ''))) return 'signal';
  if (items.every((i) => CHANGE_KIND_SET.has(kindOf(i) ?? ''))) return 'change';
  return 'alerts';
}

function recognizeReplayLine(o: Record<string, unknown>): Recognized {
  const present = RECORD_KINDS.filter((k) => o[k] !== undefined);
  if (present.length !== 1) {
    return {
      ok: false,
      kind: undefined,
      reason: 'unrecognized',
      issues: [`value: a replay line needs exactly one of ${RECORD_KINDS.join(', ')}; got ${present.length === 0 ? 'none' : present.join(', ')}`],
    };
  }
  const kind = present[0]!;
  const at = o['at'];
  if (at !== undefined && (typeof at !== 'string' || parseTime(at) === undefined)) {
    const shown = typeof at === 'string' ? JSON.stringify(at) : jsonType(at);
    return { ok: false, kind, reason: 'invalid', issues: [`at: not an RFC 3339 time: ${shown}`] };
  }
  if (kind === 'expireSilence' && typeof o[kind] !== 'string') {
    return { ok: false, kind, reason: 'invalid', issues: [`expireSilence: expected a silence id string, got ${jsonType(o[kind])}`] };
  }
  return { ok: true, kind, body: o[kind] };
}

function describeKeys(keys: readonly string[]): string {
  if (keys.length === 0) return '(none)';
  const shown = keys.slice(0, 8).map((k) => JSON.stringify(k));
  return shown.join(', ') + (keys.length > 8 ? `, … (${keys.length} keys)` : '');
}

/**
 * Recognises one record and applies it to the sink. Bad records come back as a dead-letter outcome;
 * a throwing sink propagates (see the module comment).
 */
export function processRecord(value: Buffer | Uint8Array | null | undefined, sink: IntakeSink, opts: ProcessOptions = {}): RecordOutcome {
  const r = recognize(value);
  if (!r.ok) return { ok: false, kind: r.kind, reason: r.reason, issues: r.issues, applied: 0, invalid: 0 };
  return applyRecognized(r.kind, r.body, sink, opts);
}

export function applyRecognized(kind: RecordKind, body: unknown, sink: IntakeSink, opts: ProcessOptions = {}): RecordOutcome {
  const now = sink.now();
  const ctx: NormalizeContext = { now, resolveTimeoutMs: sink.resolveTimeoutMs(), source: 'kafka', labelNames: opts.labelNames };
  switch (kind) {
    case 'alerts':
    case 'alertmanager':
      return applyAlerts(kind, kind === 'alerts' ? normalizeApiV2Alerts(body, ctx) : normalizeAlertmanagerWebhook(body, ctx), sink);
    case 'signal': {
      const decode = opts.decoders?.signal ?? DEFAULT_DECODERS.signal!;
      // The same source as the HTTP signals door: the alert is signal-derived, whichever door it came by.
      const r = decode(body, { now, resolveTimeoutMs: ctx.resolveTimeoutMs, source: 'signal' });
      let refused: string[] = [];
      if (sink.receiveSignals) refused = sink.receiveSignals(r);
      else if (r.alerts.length > 0) sink.receiveAlerts(r.alerts);
      const applied = r.signals.length + r.sliEvents.length - refused.length;
      return finish(kind, applied, r.invalid + refused.length, [...r.errors, ...refused]);
    }
    case 'change': {
      if (!sink.receiveChanges) return unsupported(kind, 'change events are not supported by this engine (no receiveChanges)');
      const decode = opts.decoders?.change ?? DEFAULT_DECODERS.change!;
      const r = decode(body, now);
      if (r.changes.length > 0) sink.receiveChanges(r.changes);
      return finish(kind, r.changes.length, r.invalid, r.errors);
    }
    case 'silence': {
      const s = parsePostableSilence(body, { now, labelNames: opts.labelNames });
      if (!s.ok) return { ok: false, kind, reason: 'invalid', issues: s.errors.map((e) => `silence: ${e}`), applied: 0, invalid: 1 };
      const r = sink.upsertSilence(s.silence);
      if (!r.ok) return { ok: false, kind, reason: r.notFound ? 'rejected' : 'invalid', issues: [`silence: ${r.error}`], applied: 0, invalid: 1 };
      return { ok: true, kind, applied: 1, invalid: 0 };
    }
    case 'expireSilence': {
      const r = sink.expireSilence(body as string);
      if (!r.ok) return { ok: false, kind, reason: 'rejected', issues: [`expireSilence: ${r.error}`], applied: 0, invalid: 1 };
      return { ok: true, kind, applied: 1, invalid: 0 };
    }
  }
}

function applyAlerts(kind: RecordKind, result: NormalizeResult, sink: IntakeSink): RecordOutcome {
  if (result.alerts.length > 0) sink.receiveAlerts(result.alerts);
  return finish(kind, result.alerts.length, result.invalid, result.errors);
}

/** `invalid` is the normalizer's count: 0 with errors means the body as a whole was unusable. */
function finish(kind: RecordKind, applied: number, invalid: number, errors: readonly string[]): RecordOutcome {
  if (errors.length === 0) return { ok: true, kind, applied, invalid: 0 };
  return { ok: false, kind, reason: applied === 0 ? 'invalid' : 'partially_invalid', issues: errors, applied, invalid };
}

function unsupported(kind: RecordKind, message: string): RecordOutcome {
  return { ok: false, kind, reason: 'unsupported', issues: [message], applied: 0, invalid: 0 };
}
