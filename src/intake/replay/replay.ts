/**
 * Replay: a recorded stream processed in virtual time, deterministic and fast (PRODUCT.md, "Replay
 * contract"). Each input line moves the virtual clock to its `at` (running every timer due by then,
 * in order), then enters through the same normalization as the live door. The recorder sits where the
 * live transport would send, so every output line is a request the live engine would have made.
 *
 * Bad lines are reported with their line number and counted; they never stop the replay.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../../config/types.js';
import { formatTime, parseTime } from '../../domain/time.js';
import type { SloDefinition } from '../../budget/slos.js';
import { type CorrelationFactory, Engine } from '../../engine/engine.js';
import { RecordingTransport } from '../../notify/transport.js';
import { normalizeAlertmanagerWebhook } from '../../normalize/alertmanagerWebhook.js';
import { normalizeApiV2Alerts } from '../../normalize/apiV2Alerts.js';
import { normalizeChanges } from '../../normalize/change.js';
import { normalizeSignals } from '../../normalize/signal.js';
import { parsePostableSilence } from '../../normalize/silence.js';
import { VirtualClock } from '../../state/clock.js';

/** Without `--until`, replay drains until every group has flushed its last alert, at most this long. */
export const DRAIN_CAP_MS = 24 * 3600_000;

export interface ReplayOptions {
  readonly config: Config;
  readonly lines: AsyncIterable<string> | Iterable<string>;
  /** Receives one JSON line (no newline) per outbound request. */
  readonly output: (line: string) => void;
  /** Stop at this virtual time (epoch ms). Default: drain (see DRAIN_CAP_MS). */
  readonly until?: number;
  readonly externalURL?: string;
  /** Receives one message per rejected line or alert. */
  readonly onError?: (message: string) => void;
  /** Correlation rules (`--rules`); absent, replay is Alertmanager exactly. */
  readonly correlation?: CorrelationFactory;
  /** SLOs (`<rules>/slos/`). */
  readonly slos?: readonly SloDefinition[];
}

export interface ReplayStats {
  lines: number;
  alertsReceived: number;
  /** Model signals accepted (each raises, refreshes or resolves one alert, or is withheld). */
  signalsReceived: number;
  changesReceived: number;
  notifications: number;
  /** Lines rejected whole, plus alerts rejected inside otherwise valid lines. */
  rejected: number;
  virtualStart?: string;
  virtualEnd?: string;
}

const lineSchema = z
  .object({
    at: z.string(),
    alerts: z.unknown().optional(),
    alertmanager: z.unknown().optional(),
    signal: z.unknown().optional(),
    change: z.unknown().optional(),
    silence: z.unknown().optional(),
    expireSilence: z.string().optional(),
  })
  .strict();

const KINDS = ['alerts', 'alertmanager', 'signal', 'change', 'silence', 'expireSilence'] as const;

export async function replay(opts: ReplayOptions): Promise<ReplayStats> {
  const stats: ReplayStats = { lines: 0, alertsReceived: 0, signalsReceived: 0, changesReceived: 0, notifications: 0, rejected: 0 };
  const report = opts.onError ?? (() => undefined);
  let clock: VirtualClock | undefined;
  let engine: Engine | undefined;
  let recorder: RecordingTransport | undefined;
  let firstAt: number | undefined;
  let lastAt = -Infinity;
  let silenceCounter = 0;

  const reject = (lineNo: number, message: string) => {
    stats.rejected++;
    report(`line ${lineNo}: ${message}`);
  };

  for await (const raw of opts.lines) {
    stats.lines++;
    const lineNo = stats.lines;
    const text = raw.trim();
    if (text === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      reject(lineNo, `malformed JSON: ${(err as Error).message}`);
      continue;
    }
    const shape = lineSchema.safeParse(parsed);
    if (!shape.success) {
      reject(lineNo, shape.error.issues.map((i) => `${i.path.join('.') || 'line'}: ${i.message}`).join('; '));
      continue;
    }
    const line = shape.data;
    const present = KINDS.filter((k) => line[k] !== undefined);
    if (present.length !== 1) {
      reject(lineNo, `expected exactly one of ${KINDS.join(', ')}; got ${present.length === 0 ? 'none' : present.join(', ')}`);
      continue;
    }
    const at = parseTime(line.at);
    if (at === undefined) {
      reject(lineNo, `at: not an RFC 3339 time: ${JSON.stringify(line.at)}`);
      continue;
    }
    if (at < lastAt) {
      reject(lineNo, `at ${line.at} is before the previous line's time: input must be in time order`);
      continue;
    }
    lastAt = at;
    if (!clock || !engine || !recorder) {
      firstAt = at;
      clock = new VirtualClock(at);
      const c = clock;
      recorder = new RecordingTransport(() => c.now(), opts.output, formatTime);
      engine = new Engine({
        config: opts.config,
        clock,
        transport: recorder,
        externalURL: opts.externalURL ?? DEFAULT_EXTERNAL_URL,
        // Deterministic silence ids: a replay must produce the same output every time.
        newSilenceId: () => deterministicUuid(`silence-${++silenceCounter}`),
        ...(opts.correlation && { correlation: opts.correlation }),
        ...(opts.slos && { slos: opts.slos }),
      });
    }
    if (opts.until !== undefined && at > opts.until) break;
    await clock.advanceTo(at);

    const kind = present[0]!;
    const ctx = { now: at, resolveTimeoutMs: engine.resolveTimeoutMs(), source: 'replay' as const };
    switch (kind) {
      case 'alerts':
      case 'alertmanager': {
        const result =
          kind === 'alerts' ? normalizeApiV2Alerts(line.alerts, ctx) : normalizeAlertmanagerWebhook(line.alertmanager, ctx);
        for (const e of result.errors) reject(lineNo, e);
        engine.receiveAlerts(result.alerts);
        stats.alertsReceived += result.alerts.length;
        break;
      }
      case 'silence': {
        const s = parsePostableSilence(line.silence);
        if (!s.ok) {
          reject(lineNo, `silence: ${s.errors.join('; ')}`);
          break;
        }
        const r = engine.upsertSilence(s.silence);
        if (!r.ok) reject(lineNo, `silence: ${r.error}`);
        break;
      }
      case 'expireSilence': {
        const r = engine.expireSilence(line.expireSilence!);
        if (!r.ok) reject(lineNo, `expireSilence: ${r.error}`);
        break;
      }
      case 'signal': {
        const result = normalizeSignals(line.signal, ctx);
        for (const e of result.errors) reject(lineNo, e);
        for (const e of engine.receiveSignals(result)) reject(lineNo, e);
        stats.signalsReceived += result.signals.length + result.sliEvents.length;
        break;
      }
      case 'change': {
        const result = normalizeChanges(line.change, at);
        for (const e of result.errors) reject(lineNo, e);
        engine.receiveChanges(result.changes);
        stats.changesReceived += result.changes.length;
        break;
      }
    }
  }

  if (clock && engine) {
    if (opts.until !== undefined) {
      await clock.advanceTo(opts.until);
    } else {
      const cap = lastAt + DRAIN_CAP_MS;
      for (;;) {
        if (!engine.busy()) break;
        const next = clock.nextAt();
        if (next === undefined || next > cap) break;
        await clock.advanceTo(next);
      }
    }
    await engine.stop();
    stats.virtualStart = formatTime(firstAt!);
    stats.virtualEnd = formatTime(clock.now());
  }
  stats.notifications = recorder?.count ?? 0;
  return stats;
}

export const DEFAULT_EXTERNAL_URL = 'http://localhost:9093';

/** A UUID-shaped id derived from a seed (version nibble 4, variant 10), for reproducible replays. */
export function deterministicUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
