/**
 * `--rules <dir>`: loads and compiles the correlation rules once and returns the factory the engine
 * builds its correlator with. Without the flag, or with rules that claim nothing, the engine runs without
 * correlation — Alertmanager exactly.
 */
import { existsSync, statSync } from 'node:fs';
import { formatConfigError } from '../config/load.js';
import { createCorrelator } from '../correlate/correlator.js';
import { hasCorrelation, loadRules } from '../correlate/rules.js';
import { loadSlos, type SloDefinition } from '../budget/slos.js';
import type { CorrelationFactory } from '../engine/engine.js';

export type CorrelationLoad =
  | { ok: true; factory: CorrelationFactory | undefined; slos: SloDefinition[] }
  | { ok: false; errors: string[] };

export async function loadCorrelation(dir: string | undefined): Promise<CorrelationLoad> {
  if (dir === undefined) return { ok: true, factory: undefined, slos: [] };
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return { ok: false, errors: [`--rules: not a directory: ${dir}`] };
  const loaded = loadRules(dir);
  const slos = loadSlos(dir);
  const errors = [...(loaded.ok ? [] : loaded.errors), ...(slos.ok ? [] : slos.errors)];
  if (!loaded.ok || !slos.ok) return { ok: false, errors: errors.map(formatConfigError) };
  const rules = loaded.rules;
  const factory: CorrelationFactory | undefined = hasCorrelation(rules)
    ? ({ clock, sink, onChange }) => createCorrelator({ rules, clock, sink, ...(onChange && { onChange }) })
    : undefined;
  return { ok: true, factory, slos: slos.slos };
}
