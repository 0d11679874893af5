/**
 * `--rules <dir>`: loads and compiles the correlation rules once and returns the factory the engine
 * builds its correlator with. Without the flag, or with rules that claim nothing, the engine runs without
 * correlation — Alertmanager exactly.
 */
// TEMPORARY (session 2, while src/correlate lands): modules loaded by a non-literal path.
import { existsSync, statSync } from 'node:fs';
import { formatConfigError } from '../config/load.js';
import type { CorrelationFactory } from '../engine/engine.js';

export type CorrelationLoad = { ok: true; factory: CorrelationFactory | undefined } | { ok: false; errors: string[] };

export async function loadCorrelation(dir: string | undefined): Promise<CorrelationLoad> {
  if (dir === undefined) return { ok: true, factory: undefined };
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return { ok: false, errors: [`--rules: not a directory: ${dir}`] };
  const rulesModule = '../correlate/rules.js';
  const correlatorModule = '../correlate/correlator.js';
  /* eslint-disable */
  const { hasCorrelation, loadRules } = (await import(rulesModule)) as any;
  const { createCorrelator } = (await import(correlatorModule)) as any;
  const loaded = loadRules(dir);
  if (!loaded.ok) return { ok: false, errors: loaded.errors.map(formatConfigError) };
  const rules = loaded.rules;
  if (!hasCorrelation(rules)) return { ok: true, factory: undefined };
  return { ok: true, factory: ({ clock, sink }) => createCorrelator({ rules, clock, sink }) };
}
