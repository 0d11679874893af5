/**
 * The Alertmanager webhook door: alertsift as the `url` of an Alertmanager `webhook_config`, receiving
 * protocol version 4 bodies (notify/webhook/webhook.go `Message`, template/template.go `Data`).
 *
 * The body is Alertmanager's view of one aggregation group at one flush, not a stream of raw alerts, so:
 * - Firing alerts carry Go's zero time `0001-01-01T00:00:00Z` as `endsAt` (`alert.Alerts()` hides a future
 *   end). That means "no end known": it gets the same default as a missing `endsAt` on API v2,
 *   `now + resolve_timeout` with `timeout: true`. An upstream Alertmanager re-sends a still-firing group
 *   only every `repeat_interval` (4h by default), so `resolve_timeout` here must be longer than the
 *   upstream repeat interval, or alerts resolve between notifications.
 * - Resolved alerts keep their explicit `endsAt`. A `"status": "resolved"` alert without an end (custom
 *   `payload:` templates can produce one) ends `now`, since the sender says it is over.
 * - The sender's `fingerprint` is ignored and recomputed from the labels: our identity must not depend on
 *   the sender's hashing, and a mismatch (a customised or older sender) is not an error.
 *
 * Everything is tolerant of extra fields at every level (Alertmanager added `notification_reason` in 0.32
 * and `routeLabels` in 0.34, and `payload:` templates can add anything). Only what we use is checked:
 * `version` must be `"4"`, `alerts` must be an array, and each alert goes through the same label and time
 * rules as API v2 (`finishAlert`), with the same best-effort, per-alert error reporting.
 */
import { z } from 'zod';
import {
  jsonType,
  labelSetSchema,
  normalizeAlertList,
  optionalLabelSetSchema,
  optionalTimeSchema,
  typeError,
  type NormalizeContext,
  type NormalizeResult,
  type RawAlert,
} from './apiV2Alerts.js';

export const WEBHOOK_VERSION = '4';

/** One alert of a webhook body (template `Alert`); `fingerprint` and unknown fields are dropped. */
export const webhookAlertSchema = z
  .object(
    {
      status: z
        .enum(['firing', 'resolved'], {
          error: (issue) =>
            typeof issue.input === 'string'
              ? `expected "firing" or "resolved", got ${JSON.stringify(issue.input)}`
              : `expected string, got ${jsonType(issue.input)}`,
        })
        .nullish(),
      labels: labelSetSchema,
      annotations: optionalLabelSetSchema,
      startsAt: optionalTimeSchema,
      endsAt: optionalTimeSchema,
      // Not checked as a URI: whatever Prometheus or a template put there is passed through.
      generatorURL: z
        .string({ error: typeError('string') })
        .nullish()
        .transform((v) => v ?? undefined),
    },
    { error: (issue) => `expected object, got ${jsonType(issue.input)}` },
  )
  .transform(
    (a): RawAlert => ({
      labels: a.labels,
      annotations: a.annotations,
      startsAt: a.startsAt,
      endsAt: a.endsAt,
      generatorURL: a.generatorURL,
      resolved: a.status === 'resolved',
    }),
  );

/**
 * Normalizes one webhook body. Never throws: every problem is in `errors`; a body that is not a version 4
 * message yields no alerts at all.
 */
export function normalizeAlertmanagerWebhook(body: unknown, ctx: NormalizeContext): NormalizeResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { alerts: [], errors: [`body: expected a webhook message object, got ${jsonType(body)}`], invalid: 0 };
  }
  const msg = body as Record<string, unknown>;
  if (msg['version'] !== WEBHOOK_VERSION) {
    const got = typeof msg['version'] === 'string' ? JSON.stringify(msg['version']) : jsonType(msg['version']);
    return { alerts: [], errors: [`version: expected "${WEBHOOK_VERSION}", got ${got}`], invalid: 0 };
  }
  const items = msg['alerts'];
  if (!Array.isArray(items)) {
    const problem = items === undefined ? 'alerts in body is required' : `alerts: expected array, got ${jsonType(items)}`;
    return { alerts: [], errors: [problem], invalid: 0 };
  }
  return normalizeAlertList(items, 'alerts', webhookAlertSchema, ctx);
}
