/**
 * The change-event door (`POST /api/v1/changes`, replay kind `change`, Kafka): deploys, model rollouts,
 * config pushes, schema changes. One object or an array; zod-validated, unknown keys refused. A change is
 * not an alert: it never pages by itself, it is a suspect that incidents nearby in time and topology
 * show with their root-cause hints.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { LABEL_NAME_RE, labelSetString } from '../domain/labels.js';
import { CHANGE_KINDS, type ChangeEvent, type ChangeKind } from '../domain/signal.js';
import { formatIssues, jsonType, timeSchema } from './apiV2Alerts.js';

export const MAX_CHANGES_PER_BODY = 10_000;

const text = (max: number) => z.string({ error: (i) => `expected string, got ${jsonType(i.input)}` }).max(max, { error: `longer than ${max} characters` });

export const changeEventSchema = z.strictObject({
  id: text(256).min(1, { error: 'must not be empty' }).optional(),
  kind: z.enum(CHANGE_KINDS as [ChangeKind, ...ChangeKind[]]),
  at: timeSchema.optional(),
  labels: z
    .record(z.string(), text(1024))
    .superRefine((labels, ctx) => {
      const names = Object.keys(labels);
      if (names.length === 0) ctx.addIssue({ code: 'custom', message: 'at least one label naming what changed is required', path: [] });
      for (const name of names) {
        if (!LABEL_NAME_RE.test(name)) ctx.addIssue({ code: 'custom', message: `invalid label name ${JSON.stringify(name)}`, path: [name] });
      }
    }),
  summary: text(1024).optional(),
  url: text(2048).optional(),
  author: text(256).optional(),
});

export interface ChangeNormalizeResult {
  readonly changes: ChangeEvent[];
  readonly errors: string[];
  readonly invalid: number;
}

/** Normalizes a change body: one object or an array. `now` is the default `at`. Never throws. */
export function normalizeChanges(body: unknown, now: number): ChangeNormalizeResult {
  const items = Array.isArray(body) ? body : [body];
  const out = { changes: [] as ChangeEvent[], errors: [] as string[], invalid: 0 };
  if (items.length > MAX_CHANGES_PER_BODY) {
    out.errors.push(`body: at most ${MAX_CHANGES_PER_BODY} changes per request, got ${items.length}`);
    return out;
  }
  if (Array.isArray(body) && items.length === 0) {
    out.errors.push('body: expected at least one change');
    return out;
  }
  items.forEach((item, i) => {
    const where = Array.isArray(body) ? `changes[${i}]` : 'change';
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      out.invalid++;
      out.errors.push(`${where}: expected object, got ${jsonType(item)}`);
      return;
    }
    const parsed = changeEventSchema.safeParse(item);
    if (!parsed.success) {
      out.invalid++;
      out.errors.push(...formatIssues(where, parsed.error.issues));
      return;
    }
    const w = parsed.data;
    const at = w.at ?? now;
    const labels = w.labels;
    out.changes.push({
      // Without a sender id the id is derived from what and when, so a re-delivered event keeps its id.
      id: w.id ?? `chg-${createHash('sha256').update(`${w.kind}\0${labelSetString(labels)}\0${at}`).digest('hex').slice(0, 16)}`,
      kind: w.kind,
      at,
      labels,
      summary: w.summary ?? `${w.kind.replace('_', ' ')} ${labelSetString(labels)}`,
      ...(w.url !== undefined && { url: w.url }),
      ...(w.author !== undefined && { author: w.author }),
    });
  });
  return out;
}
