/**
 * SLO specifications, OpenSLO-inspired (docs/budgets.md): `<rules>/slos/*.yml`, each file a list under
 * `slos:`. An SLO belongs to a track (infra or model) and has one SLI:
 *
 *   - `events`: a ratio of good to total events, fed by `sli_events` signals that name the SLO
 *     (availability, latency under a threshold, freshness, data quality);
 *   - `timeslices`: a window SLI fed by the model signals its matchers select — each signal is one slice,
 *     good while the monitor says `ok`/`warn`, bad on `breach`; `no_data` and `insufficient_sample` book
 *     nothing, so a quiet or under-sampled monitor freezes the budget instead of burning it.
 *
 * Tiers: ratio SLIs get the Workbook's four pairs scaled to the period; timeslice SLIs start at the
 * 5 %/6 h page and 10 %/3 d ticket (slo-budgets-and-drift.md §3.5: with hourly slices the 2 %/1 h tier
 * cannot be met meaningfully), with short windows of at least two slices so one late slice is not
 * mistaken for "no data".
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parseDuration } from '../config/duration.js';
import type { ConfigError } from '../config/load.js';
import { parseYamlWithSchema } from '../config/yamlSchema.js';
import { LABEL_NAME_RE, type Labels } from '../domain/labels.js';
import { compileMatchers, MatcherParseError, parseMatchers, type Matcher } from '../route/matchers.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, burnRateThreshold, tiersForPeriod, type BurnTier } from './burnRate.js';
import type { SloSpec } from './spec.js';

const duration = (what: string) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({ code: 'custom', message: `invalid ${what} "${text}" (want e.g. 30d, 4w, 1h)` });
      return z.NEVER;
    }
    return ms;
  });

const labelsSchema = z.record(z.string(), z.string()).superRefine((labels, ctx) => {
  for (const name of Object.keys(labels)) {
    if (!LABEL_NAME_RE.test(name)) ctx.addIssue({ code: 'custom', message: `invalid label name ${JSON.stringify(name)}`, path: [name] });
  }
});

const matchersSchema = z.array(z.string()).min(1).transform((texts, ctx): Matcher[] => {
  const out: Matcher[] = [];
  texts.forEach((text, i) => {
    try {
      out.push(...parseMatchers(text));
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: e instanceof MatcherParseError ? e.message : String(e), path: [i] });
    }
  });
  return out;
});

const sliSchema = z.union([
  z.strictObject({ events: z.strictObject({}).optional().default({}) }),
  z.strictObject({
    timeslices: z.strictObject({
      matchers: matchersSchema,
      /** How long one monitor window is; default 1h. */
      slice: duration('slice').optional(),
    }),
  }),
]);

const sloFileSchema = z.strictObject({
  slos: z.array(
    z.strictObject({
      name: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, { error: 'use letters, digits and _.:- (at most 128)' }),
      description: z.string().optional(),
      track: z.enum(['infra', 'model']),
      target: z.number().gt(0, { error: 'must be above 0' }).lt(1, { error: 'must be below 1 (a target of 1 leaves no budget)' }),
      period: duration('period').optional(),
      /** Topology component the SLO is about: its burn alerts carry `component`, so they join its incidents. */
      component: z.string().min(1).optional(),
      /** A symptom users see: a page-tier burn here is always actionable. */
      customer_facing: z.boolean().optional(),
      /** Labels every burn alert of this SLO carries (team, service, …). */
      labels: labelsSchema.optional(),
      /** Minimum events in a window before it may fire (low-traffic guard). */
      min_events: z.number().int().nonnegative().optional(),
      sli: sliSchema,
    }),
  ),
});

export interface SloDefinition {
  readonly spec: SloSpec;
  readonly description: string;
  readonly component: string | undefined;
  readonly customerFacing: boolean;
  readonly labels: Labels;
  readonly tiers: readonly BurnTier[];
  /** Timeslice SLIs: which signal alerts are slices of this SLO (compiled once). */
  readonly selectsSlices: ((labels: Labels) => boolean) | undefined;
  /** The same matchers, uncompiled: the stage indexes SLOs by one of their equality matchers. */
  readonly sliceMatchers: readonly Matcher[];
  readonly sliceMs: number;
  readonly file: string;
}

export type SloLoad = { ok: true; slos: SloDefinition[] } | { ok: false; errors: ConfigError[] };

/** Tiers of a timeslice SLI: 5 %/6 h page, 10 %/3 d ticket; short windows hold at least two slices. */
export function timesliceTiers(periodMs: number, sliceMs: number): BurnTier[] {
  const short = (min: number) => Math.max(min, 2 * sliceMs);
  const pair = (name: string, severity: BurnTier['severity'], long: number, shortMin: number, fraction: number): BurnTier => {
    const shortWindowMs = short(shortMin);
    const longWindowMs = Math.max(long, 3 * shortWindowMs);
    return {
      name,
      severity,
      longWindowMs,
      shortWindowMs,
      burnRate: burnRateThreshold(fraction, longWindowMs, periodMs),
      budgetFraction: fraction,
    };
  };
  return [pair('medium', 'page', 6 * HOUR_MS, 30 * MINUTE_MS, 0.05), pair('long', 'ticket', 3 * DAY_MS, 6 * HOUR_MS, 0.1)];
}

export function parseSloText(text: string, file: string): SloLoad {
  const parsed = parseYamlWithSchema(text, file, sloFileSchema);
  if (!parsed.ok) return parsed;
  const slos: SloDefinition[] = [];
  const errors: ConfigError[] = [];
  parsed.value.slos.forEach((s, i) => {
    const period = s.period ?? 30 * DAY_MS;
    const timeslice = 'timeslices' in s.sli ? s.sli.timeslices : undefined;
    const sliceMs = timeslice?.slice ?? HOUR_MS;
    const spec: SloSpec = {
      name: s.name,
      track: s.track,
      target: s.target,
      period,
      sli: timeslice ? 'timeslice' : 'ratio',
      minEvents: s.min_events ?? 0,
    };
    const tiers = timeslice ? timesliceTiers(period, sliceMs) : tiersForPeriod(period);
    const longest = Math.max(...tiers.map((t) => t.longWindowMs));
    if (longest > period) {
      errors.push({ file, line: 0, column: 0, path: `slos[${i}].period`, message: `must be at least ${longest / HOUR_MS}h, the longest alerting window` });
      return;
    }
    slos.push({
      spec,
      description: s.description ?? '',
      component: s.component,
      customerFacing: s.customer_facing ?? false,
      labels: s.labels ?? {},
      tiers,
      selectsSlices: timeslice ? compileMatchers(timeslice.matchers) : undefined,
      sliceMatchers: timeslice?.matchers ?? [],
      sliceMs,
      file,
    });
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, slos };
}

/** Every `*.yml`/`*.yaml` in `<rulesDir>/slos/`; names must be unique across files. No folder: no SLOs. */
export function loadSlos(rulesDir: string | undefined): SloLoad {
  if (rulesDir === undefined) return { ok: true, slos: [] };
  const dir = join(rulesDir, 'slos');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return { ok: true, slos: [] };
  const slos: SloDefinition[] = [];
  const errors: ConfigError[] = [];
  const seen = new Map<string, string>();
  for (const name of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    const file = join(dir, name);
    const r = parseSloText(readFileSync(file, 'utf8'), file);
    if (!r.ok) {
      errors.push(...r.errors);
      continue;
    }
    for (const s of r.slos) {
      const first = seen.get(s.spec.name);
      if (first !== undefined) errors.push({ file, line: 0, column: 0, path: 'slos', message: `SLO ${s.spec.name} is already defined in ${first}` });
      else seen.set(s.spec.name, file);
      slos.push(s);
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, slos };
}
