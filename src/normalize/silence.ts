/**
 * `POST /api/v2/silences` bodies → `PostableSilence`, with Alertmanager's checks and wording.
 *
 * Alertmanager checks a posted silence in two places, and we keep both orders and wordings:
 * 1. the API handler (api/v2/api.go `postSilencesHandler`): `Failed to create silence: start time must be
 *    before end time`, then `Failed to create silence: end time can't be in the past`;
 * 2. the silence store (silence/silence.go `validateSilence`), whose errors are wrapped as
 *    `invalid silence: …`: `at least one matcher required`, `invalid label matcher 0: invalid label name
 *    "…"`, `invalid label matcher 0: invalid regular expression "…": …`, `at least one matcher must not
 *    match the empty string`.
 * Schema problems use go-openapi's wording (`createdBy in body is required`, `matchers in body should have
 * at least 1 items`); a wrong JSON type names the field (`createdBy: expected string, got number`).
 * Alertmanager reports only the first problem; we report all of them, in that order, so one round trip
 * is enough to fix a silence (the first one is Alertmanager's).
 *
 * `isEqual` defaults to true (OpenAPI `default: true`); `isRegex` is required. An empty `id` means "new",
 * as in Alertmanager. A `startsAt` in the past is not an error: the store moves it to now.
 * Unknown extra fields (`annotations` from newer clients, for instance) are ignored.
 */
import { z } from 'zod';
import { goQuote } from '../domain/labels.js';
import { ZERO_TIME_MS } from '../domain/time.js';
import type { PostableSilence } from '../engine/port.js';
import { compileMatchers, type Matcher } from '../route/matchers.js';
import {
  formatIssues,
  isValidLabelName,
  jsonType,
  minItemsError,
  timeSchema,
  typeError,
  type LabelNameMode,
} from './apiV2Alerts.js';

const requiredString = z.string({ error: typeError('string') });
const requiredBoolean = z.boolean({ error: typeError('boolean') });

export const postableMatcherSchema = z.object(
  {
    name: requiredString,
    value: requiredString,
    isRegex: requiredBoolean,
    isEqual: z
      .boolean({ error: typeError('boolean') })
      .nullish()
      .transform((v) => v ?? true),
  },
  { error: (issue) => `expected object, got ${jsonType(issue.input)}` },
);

export const postableSilenceSchema = z.object(
  {
    id: z
      .string({ error: typeError('string') })
      .nullish()
      .transform((v) => v || undefined),
    matchers: z
      .array(postableMatcherSchema, { error: typeError('array') })
      .min(1, { error: () => minItemsError(1) }),
    startsAt: timeSchema,
    endsAt: timeSchema,
    createdBy: requiredString,
    comment: requiredString,
  },
  { error: (issue) => `expected a silence object, got ${jsonType(issue.input)}` },
);

export interface SilenceContext {
  /**
   * The engine's clock (epoch ms), for "end time can't be in the past" and for a zero `startsAt`. Without
   * it those are left to the silence store, which checks the past again and moves early starts to now.
   */
  readonly now?: number;
  readonly labelNames?: LabelNameMode;
}

export type SilenceResult = { ok: true; silence: PostableSilence } | { ok: false; errors: string[] };

/** `isEqual`/`isRegex` → the matcher operator (api/v2/compat.go `PostableSilenceToProto`). */
export function matcherType(isEqual: boolean, isRegex: boolean): Matcher['type'] {
  if (isRegex) return isEqual ? '=~' : '!~';
  return isEqual ? '=' : '!=';
}

export function parsePostableSilence(body: unknown, ctx: SilenceContext = {}): SilenceResult {
  const parsed = postableSilenceSchema.safeParse(body);
  if (!parsed.success) {
    return { ok: false, errors: formatIssues('', parsed.error.issues) };
  }
  const s = parsed.data;
  const errors: string[] = [];
  // Go's zero time: the handler lets a zero start through (the store then makes it now) and a zero end
  // fails the start-before-end check.
  const startsAt = s.startsAt ?? ctx.now ?? ZERO_TIME_MS;
  const endsAt = s.endsAt;

  if (endsAt === undefined || startsAt >= endsAt) errors.push('Failed to create silence: start time must be before end time');
  else if (ctx.now !== undefined && endsAt < ctx.now) errors.push("Failed to create silence: end time can't be in the past");

  const mode = ctx.labelNames ?? 'classic';
  const matchers: Matcher[] = [];
  let allMatchEmpty = true;
  s.matchers.forEach((m, i) => {
    const matcher: Matcher = { name: m.name, type: matcherType(m.isEqual, m.isRegex), value: m.value };
    if (!isValidLabelName(m.name, mode)) {
      errors.push(`invalid silence: invalid label matcher ${i}: invalid label name ${goQuote(m.name)}`);
      return;
    }
    let matches: ((labels: Record<string, string>) => boolean) | undefined;
    try {
      matches = compileMatchers([matcher]);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      errors.push(`invalid silence: invalid label matcher ${i}: invalid regular expression ${goQuote(m.value)}: ${why}`);
      return;
    }
    // silence.go matchesEmpty: only `=` and `=~` can match an absent label; an empty label set asks that.
    const matchesEmpty = (matcher.type === '=' || matcher.type === '=~') && matches({});
    allMatchEmpty &&= matchesEmpty;
    matchers.push(matcher);
  });
  if (matchers.length === s.matchers.length && allMatchEmpty) {
    errors.push('invalid silence: at least one matcher must not match the empty string');
  }

  if (errors.length > 0 || endsAt === undefined) return { ok: false, errors };
  const silence: PostableSilence = {
    matchers,
    startsAt,
    endsAt,
    createdBy: s.createdBy,
    comment: s.comment,
  };
  if (s.id !== undefined) silence.id = s.id;
  return { ok: true, silence };
}
