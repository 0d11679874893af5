/**
 * SLO spec schema for the budget ledger. Only the shape and its parsed type; `slos.ts` reads the SLO files
 * (`<rules>/slos/*.yml`) and builds these, so nothing here touches the file system.
 */
import { z } from 'zod';
import { parseDuration } from '../config/duration.js';

/**
 * Prometheus-style duration (`30d`, `4w`, `28d`), the grammar the rest of alertsift's config already uses.
 * Parsed to milliseconds so the ledger never re-parses text.
 */
const periodSchema = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `invalid SLO period "${text}" (want e.g. 30d, 4w)` });
    return z.NEVER;
  }
  return ms;
});

export const sloSpecSchema = z
  .object({
    name: z.string().min(1),
    /** Infra SLOs and model SLOs share the machinery but are attributed separately. */
    track: z.enum(['infra', 'model']),
    /** Open interval: a target of 1 leaves no budget (burn rate divides by 0), 0 is meaningless. */
    target: z.number().gt(0).lt(1),
    period: periodSchema.default(30 * 24 * 60 * 60 * 1000),
    /**
     * `ratio`: good/valid events. `timeslice`: good/total slices (OpenSLO Timeslices), booked the same way
     * with one event per slice, which is why the ledger only ever sees counts.
     */
    sli: z.enum(['ratio', 'timeslice']),
    /** Minimum events per window before the window may fire (low-traffic guard). */
    minEvents: z.number().int().nonnegative().default(0),
  })
  .strict();

/** What callers write (period as text). */
export type SloSpecInput = z.input<typeof sloSpecSchema>;
/** What the ledger consumes (period in milliseconds). */
export type SloSpec = z.output<typeof sloSpecSchema>;

export function parseSloSpec(raw: unknown): SloSpec {
  return sloSpecSchema.parse(raw);
}
