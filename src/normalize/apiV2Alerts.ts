/**
 * The API v2 door: `POST /api/v2/alerts` bodies → canonical alerts, with Alertmanager's
 * `postAlertsHandler` semantics (api/v2/api.go) and `alert.Validate` wording (alert/alert.go).
 *
 * What is Alertmanager's and what is ours:
 * - Defaults, in Alertmanager's order and applied before validation: a missing `startsAt` becomes `now`,
 *   or `endsAt` when only that is given; a missing `endsAt` becomes `now + resolve_timeout` and marks the
 *   alert `timeout`. Go's zero time (`0001-01-01T00:00:00Z`) and JSON `null` count as missing, because a
 *   Go client serialises an unset `time.Time` / nil pointer exactly that way.
 * - Empty label values are dropped (a Prometheus label with an empty value does not exist); empty
 *   annotation values are kept, as in Alertmanager.
 * - Validation messages are Alertmanager's (`start time must be before end time`, `at least one label pair
 *   required`, `invalid label set: invalid name "…"`, `invalid annotations: invalid name "…"`), and like
 *   `alert.Validate` only the first one per alert is reported. Each is prefixed with `alerts[i]` so a 400
 *   says which alert failed.
 * - Best effort, like Alertmanager: valid alerts are returned even when others fail. Alertmanager itself
 *   rejects the whole batch (422) when one alert fails its OpenAPI schema (a number where a string is
 *   expected, a missing `labels`); we reject only that alert, so one broken sender field never drops the
 *   rest of a batch.
 * - Types are never coerced: a number where a string is expected is an error naming the field
 *   (`alerts[0].startsAt: expected string, got number`). Format errors use go-openapi's wording
 *   (`alerts[0].startsAt in body must be of type date-time: "yesterday"`).
 * - Unknown extra fields on an alert object are ignored: the OpenAPI `postableAlert` does not set
 *   `additionalProperties: false`, so Alertmanager accepts and drops them too.
 *
 * Label names follow the Prometheus grammar (`LABEL_NAME_RE`) by default, Alertmanager's
 * `--enable-feature=classic-mode`. Alertmanager 0.34 without feature flags runs in "fallback" mode, where
 * any non-empty UTF-8 name is valid (matcher/compat/parse.go); `labelNames: 'utf8'` selects that.
 */
import { z } from 'zod';
import type { Alert, AlertSource } from '../domain/alert.js';
import { LABEL_NAME_RE, fingerprint, goQuote, sortedNames } from '../domain/labels.js';
import { isZeroTime, parseTime } from '../domain/time.js';

export type LabelNameMode = 'classic' | 'utf8';

export interface NormalizeContext {
  /** The engine's clock (epoch ms): `updatedAt`, and the base of every default. */
  readonly now: number;
  /** `global.resolve_timeout` of the current configuration. */
  readonly resolveTimeoutMs: number;
  readonly source: AlertSource;
  /** Default `classic`; see the module comment. */
  readonly labelNames?: LabelNameMode;
}

export interface NormalizeResult {
  /** Valid alerts, in the order they arrived. */
  alerts: Alert[];
  /** Human-readable problems, each prefixed with where it was found (`alerts[3]: …`, `body: …`). */
  errors: string[];
  /**
   * How many alert entries were rejected. Zero with non-empty `errors` means the body as a whole was
   * unusable (not an array, wrong webhook version), so no alert could even be counted.
   */
  invalid: number;
}

// ---------------------------------------------------------------------------------------------------
// Shared building blocks (also used by the Alertmanager webhook door and by silences).

/** The JSON type name of a parsed value, for error messages. */
export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v === undefined) return 'nothing';
  return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? typeof v : 'object';
}

// Issue messages that need the field path spliced into the middle (go-openapi's wording) carry a marker
// that `formatIssues` replaces; a NUL cannot occur in a message otherwise.
const REQUIRED = '\u0000required';
const FORMAT = '\u0000format ';
const MIN_ITEMS = '\u0000min ';

/**
 * zod error map for a field: go-openapi's `… in body is required` when absent or `null` (a nil pointer
 * in the generated Go model), else the JSON type seen.
 */
export function typeError(expected: string) {
  return (issue: { input?: unknown }): string =>
    issue.input === undefined || issue.input === null ? REQUIRED : `expected ${expected}, got ${jsonType(issue.input)}`;
}

/** go-openapi's `… in body should have at least N items`. */
export function minItemsError(n: number): string {
  return `${MIN_ITEMS}${n}`;
}

/** Message for a string that is not in the OpenAPI `format` (`date-time`, `uri`). */
export function formatError(format: string, text: string): string {
  return `${FORMAT}${format}: ${goQuote(text)}`;
}

const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `alerts[0].labels.severity`, with keys that are not identifiers quoted: `labels["a-b"]`. */
export function formatPath(base: string, path: readonly PropertyKey[]): string {
  let out = base;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else {
      const k = String(key);
      out += IDENT_RE.test(k) ? (out === '' ? k : `.${k}`) : `[${JSON.stringify(k)}]`;
    }
  }
  return out;
}

/**
 * Turns zod issues into `path: message` strings, or go-openapi's `path in body is required` and
 * `path in body must be of type date-time: "x"`.
 */
export function formatIssues(base: string, issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const where = formatPath(base, issue.path) || 'body';
    if (issue.message === REQUIRED) return `${where} in body is required`;
    if (issue.message.startsWith(FORMAT)) return `${where} in body must be of type ${issue.message.slice(FORMAT.length)}`;
    if (issue.message.startsWith(MIN_ITEMS)) return `${where} in body should have at least ${issue.message.slice(MIN_ITEMS.length)} items`;
    return `${where}: ${issue.message}`;
  });
}

/** Lone UTF-16 surrogates, which Go's JSON decoder replaces with U+FFFD. */
const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ANY_SURROGATE_RE = /[\uD800-\uDFFF]/;

/**
 * Makes a string well-formed the way Go's JSON decoder does, so that label values (and therefore
 * fingerprints and what we print back) are the same as in Alertmanager. The cheap test keeps the common
 * case free.
 */
export function wellFormed(s: string): string {
  return ANY_SURROGATE_RE.test(s) ? s.replace(LONE_SURROGATE_RE, '\uFFFD') : s;
}

/**
 * A JSON object whose values are all strings (a Prometheus label set or annotations). Written by hand
 * rather than with `z.record` for two reasons: each bad value is named by its key, and the result is
 * built with `Object.fromEntries`, which keeps a key spelled `__proto__` as an ordinary own property
 * (a valid label name that `z.record` silently drops, which would change the fingerprint).
 */
export const labelSetSchema = z.unknown().transform((input, ctx): Record<string, string> => {
  if (input === undefined || input === null) {
    ctx.issues.push({ code: 'custom', message: REQUIRED, input });
    return z.NEVER;
  }
  if (typeof input !== 'object' || Array.isArray(input)) {
    ctx.issues.push({ code: 'custom', message: `expected object of strings, got ${jsonType(input)}`, input });
    return z.NEVER;
  }
  const src = input as Record<string, unknown>;
  const entries: [string, string][] = [];
  let ok = true;
  for (const key of Object.keys(src)) {
    const value = src[key];
    if (typeof value !== 'string') {
      ctx.issues.push({ code: 'custom', message: `expected string, got ${jsonType(value)}`, input: value, path: [key] });
      ok = false;
      continue;
    }
    entries.push([wellFormed(key), wellFormed(value)]);
  }
  return ok ? Object.fromEntries(entries) : z.NEVER;
});

/** Optional label set: absent and `null` both mean "none". */
export const optionalLabelSetSchema = z.unknown().transform((input, ctx): Record<string, string> | undefined => {
  if (input === undefined || input === null) return undefined;
  const r = labelSetSchema.safeParse(input);
  if (r.success) return r.data;
  for (const issue of r.error.issues) ctx.issues.push({ ...issue, input: undefined });
  return z.NEVER;
})
  // Marks the key optional for z.object; `undefined` then skips the transform.
  .optional();

/**
 * An RFC 3339 date-time string → epoch ms, or `undefined` for Go's zero time, which means "not set" to
 * Alertmanager.
 */
export const timeSchema = z.string({ error: typeError('string') }).transform((text, ctx): number | undefined => {
  const ms = parseTime(text);
  if (ms === undefined) {
    ctx.issues.push({ code: 'custom', message: formatError('date-time', text), input: text });
    return z.NEVER;
  }
  return isZeroTime(ms) ? undefined : ms;
});

/** `timeSchema` for an optional field: absent and `null` are "not set" too. */
export const optionalTimeSchema = timeSchema.nullish().transform((v) => v ?? undefined);

/** The fields every alert-carrying door shares, after their shapes have been checked. */
export interface RawAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string> | undefined;
  startsAt?: number | undefined;
  endsAt?: number | undefined;
  generatorURL?: string | undefined;
  /**
   * The sender declared the alert resolved (webhook `status`). Without an `endsAt` it then ends `now`,
   * an explicit end rather than a timeout.
   */
  resolved?: boolean;
}

export function isValidLabelName(name: string, mode: LabelNameMode): boolean {
  return mode === 'utf8' ? name.length > 0 : LABEL_NAME_RE.test(name);
}

/** The first invalid name of a set, in sorted order so that the message is deterministic. */
function firstInvalidName(set: Record<string, string>, mode: LabelNameMode): string | undefined {
  // Almost every set is valid: check without sorting first, sort only to name the culprit.
  let allValid = true;
  for (const name in set) {
    if (!isValidLabelName(name, mode)) {
      allValid = false;
      break;
    }
  }
  if (allValid) return undefined;
  for (const name of sortedNames(set)) if (!isValidLabelName(name, mode)) return name;
  return undefined;
}

/** A copy without empty values; `Object.fromEntries` only when a key could be `__proto__`. */
function withoutEmptyValues(src: Record<string, string>): Record<string, string> {
  let plain = true;
  let anyEmpty = false;
  for (const k in src) {
    if (k === '__proto__') plain = false;
    if (src[k] === '') anyEmpty = true;
  }
  // The common case keeps the parsed object itself: the door owns the body it parsed, and nothing
  // downstream mutates labels. One allocation less per received alert.
  if (plain && !anyEmpty) return src;
  if (!plain) return Object.fromEntries(Object.entries(src).filter(([, v]) => v !== ''));
  const out: Record<string, string> = {};
  for (const k in src) {
    const v = src[k]!;
    if (v !== '') out[k] = v;
  }
  return out;
}

/**
 * Defaults, empty-label removal and validation exactly as `postAlertsHandler` orders them, then the
 * canonical alert with its fingerprint. Returns Alertmanager's message when the alert is invalid.
 */
export function finishAlert(raw: RawAlert, ctx: NormalizeContext): Alert | string {
  const { now } = ctx;
  let startsAt = raw.startsAt;
  let endsAt = raw.endsAt;
  let timeout = false;
  if (startsAt === undefined) startsAt = endsAt ?? now;
  if (endsAt === undefined) {
    if (raw.resolved) {
      endsAt = now;
    } else {
      endsAt = now + ctx.resolveTimeoutMs;
      timeout = true;
    }
  }

  // removeEmptyLabels (a new object only when something is removed; fromEntries keeps `__proto__`).
  const labels: Record<string, string> = withoutEmptyValues(raw.labels);
  const annotations = raw.annotations ?? {};
  const mode = ctx.labelNames ?? 'classic';

  // alert.Validate, in its order.
  if (endsAt < startsAt) return 'start time must be before end time';
  if (Object.keys(labels).length === 0) return 'at least one label pair required';
  const badLabel = firstInvalidName(labels, mode);
  if (badLabel !== undefined) return `invalid label set: invalid name ${goQuote(badLabel)}`;
  const badAnnotation = firstInvalidName(annotations, mode);
  if (badAnnotation !== undefined) return `invalid annotations: invalid name ${goQuote(badAnnotation)}`;

  return {
    labels,
    annotations,
    startsAt,
    endsAt,
    generatorURL: raw.generatorURL ?? '',
    updatedAt: now,
    timeout,
    fingerprint: fingerprint(labels),
    source: ctx.source,
  };
}

// ---------------------------------------------------------------------------------------------------
// The API v2 shape.

/**
 * go-openapi's `uri` format (`url.ParseRequestURI`): an absolute URI, or an absolute path. An empty
 * string is "not set" and is not checked, as in the generated model.
 */
function isRequestURI(s: string): boolean {
  if (s === '' || s.startsWith('/')) return true;
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(s) && URL.canParse(s);
}

const generatorURLSchema = z
  .string({ error: typeError('string') })
  .refine(isRequestURI, { error: (issue) => formatError('uri', String(issue.input)) })
  .nullish()
  .transform((v) => v ?? undefined);

/** One element of `postableAlerts` (OpenAPI `postableAlert`); unknown fields are dropped. */
export const postableAlertSchema = z.object(
  {
    labels: labelSetSchema,
    annotations: optionalLabelSetSchema,
    startsAt: optionalTimeSchema,
    endsAt: optionalTimeSchema,
    generatorURL: generatorURLSchema,
  },
  { error: (issue) => `expected object, got ${jsonType(issue.input)}` },
);

/**
 * Normalizes one `POST /api/v2/alerts` body. Never throws: every problem is in `errors`.
 */
export function normalizeApiV2Alerts(body: unknown, ctx: NormalizeContext): NormalizeResult {
  if (!Array.isArray(body)) {
    return { alerts: [], errors: [`body: expected an array of alerts, got ${jsonType(body)}`], invalid: 0 };
  }
  return normalizeAlertList(body, 'alerts', postableAlertSchema, ctx, fastPostableAlert);
}

/**
 * The hot path: a well-formed postable alert (plain object; string labels and annotations, well-formed
 * UTF-16, valid names, no empty label value, at least one label; RFC 3339 times that exist, start not
 * after end; an absolute generator URL) becomes the canonical alert in one pass, without zod and without
 * intermediate objects. Anything unusual returns undefined and goes through the schema and
 * `finishAlert`, so every error message still comes from one place. For every input it accepts, the
 * result is exactly what the schema path gives (test/normalize/fastPath.test.ts checks both on random
 * input).
 */
export function fastPostableAlert(item: unknown, ctx: NormalizeContext): Alert | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
  const o = item as Record<string, unknown>;
  const mode = ctx.labelNames ?? 'classic';
  const labels = o.labels;
  if (!isFastStringMap(labels, mode, true)) return undefined;
  let annotations = o.annotations;
  if (annotations === undefined || annotations === null) annotations = {};
  else if (!isFastStringMap(annotations, mode, false)) return undefined;
  const startsAtIn = fastTime(o.startsAt);
  if (startsAtIn === false) return undefined;
  const endsAtIn = fastTime(o.endsAt);
  if (endsAtIn === false) return undefined;
  const url = o.generatorURL;
  let generatorURL = '';
  if (url !== undefined && url !== null) {
    if (typeof url !== 'string') return undefined;
    const known = knownRequestURI(url);
    if (known === undefined) return undefined;
    generatorURL = known;
  }
  // The defaults of `finishAlert` (API v2 never says "resolved").
  const { now } = ctx;
  const startsAt = startsAtIn ?? endsAtIn ?? now;
  let endsAt = endsAtIn;
  let timeout = false;
  if (endsAt === undefined) {
    endsAt = now + ctx.resolveTimeoutMs;
    timeout = true;
  }
  if (endsAt < startsAt) return undefined;
  const set = labels as Record<string, string>;
  return {
    labels: set,
    annotations: annotations as Record<string, string>,
    startsAt,
    endsAt,
    generatorURL,
    updatedAt: now,
    timeout,
    fingerprint: fingerprint(set),
    source: ctx.source,
  };
}

/**
 * A label set or annotations the fast path can take as they are: a plain object of strings with valid,
 * known names, no lone surrogates, and for labels no empty value (the schema path removes those) and
 * at least one entry.
 */
function isFastStringMap(v: unknown, mode: LabelNameMode, isLabels: boolean): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const m = v as Record<string, unknown>;
  const names = knownNames[mode];
  let n = 0;
  for (const k in m) {
    const value = m[k];
    if (typeof value !== 'string' || (isLabels && value === '') || !isWellFormedString(value)) return false;
    if (!names.has(k)) {
      if (k === '__proto__' || !isWellFormedString(k) || !isValidLabelName(k, mode)) return false;
      if (names.size >= 10_000) names.clear();
      names.add(k);
    }
    n++;
  }
  return n > 0 || !isLabels;
}

// Label and annotation names repeat across every alert of a sender: remember the ones found valid.
const knownNames: Record<LabelNameMode, Set<string>> = { classic: new Set(), utf8: new Set() };

/** No lone surrogate (such a string passes `wellFormed` unchanged). Native where available (Node ≥ 20). */
const isWellFormedString: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (s) => !LONE_SURROGATE_TEST_RE.test(s);

const LONE_SURROGATE_TEST_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Epoch ms, undefined for "not set", false for anything the schema must look at. */
function fastTime(v: unknown): number | undefined | false {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') return false;
  const ms = parseTime(v);
  if (ms === undefined) return false;
  return isZeroTime(ms) ? undefined : ms;
}

// Generator URLs repeat across alerts of the same rule: remember the ones already found valid, and
// hand out one copy of each, so that every stored alert of a rule shares it. The last few are compared
// first, which is cheaper than hashing a new copy of a long string for the map.
const validURLs = new Map<string, string>();
const recentURLs: string[] = ['', '', '', '', '', '', '', ''];
let nextRecentURL = 0;

/** `url` (an equal, shared copy of it) when it is a valid request URI, else undefined. */
function knownRequestURI(url: string): string | undefined {
  for (let i = 0; i < recentURLs.length; i++) if (recentURLs[i] === url) return recentURLs[i];
  let known = validURLs.get(url);
  if (known === undefined) {
    if (!isRequestURI(url)) return undefined;
    if (validURLs.size >= 10_000) validURLs.clear();
    validURLs.set(url, url);
    known = url;
  }
  recentURLs[nextRecentURL] = known;
  nextRecentURL = (nextRecentURL + 1) & 7;
  return known;
}

/** Parses and finishes each element independently, so one bad alert never costs the others. */
export function normalizeAlertList(
  items: readonly unknown[],
  base: string,
  schema: z.ZodType<RawAlert>,
  ctx: NormalizeContext,
  fast?: (item: unknown, ctx: NormalizeContext) => Alert | undefined,
): NormalizeResult {
  const alerts: Alert[] = [];
  const errors: string[] = [];
  let invalid = 0;
  for (let i = 0; i < items.length; i++) {
    if (fast !== undefined) {
      const alert = fast(items[i], ctx);
      if (alert !== undefined) {
        alerts.push(alert);
        continue;
      }
    }
    const parsed = schema.safeParse(items[i]);
    if (!parsed.success) {
      invalid++;
      errors.push(...formatIssues(`${base}[${i}]`, parsed.error.issues));
      continue;
    }
    const result = finishAlert(parsed.data, ctx);
    if (typeof result === 'string') {
      invalid++;
      errors.push(`${base}[${i}]: ${result}`);
      continue;
    }
    alerts.push(result);
  }
  return { alerts, errors, invalid };
}
