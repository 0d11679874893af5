import { TemplateSet, TemplateError, TemplateExecError } from '../../../src/notify/template/index.js';
import { D, type EngineCase } from './engineCases.js';
import { toEngineData } from './goOracle.js';

const sets = new Map<string, TemplateSet>();

function set(missingKey: 'default' | 'zero' | 'error'): TemplateSet {
  let s = sets.get(missingKey);
  if (!s) {
    s = new TemplateSet({ defaults: false, missingKey });
    sets.set(missingKey, s);
  }
  return s;
}

/** Runs one case on our engine: the output, or the error message. */
export function runEngineCase(c: EngineCase): { out?: string; err?: string } {
  try {
    const t = set(c.missingkey ?? 'default').compile(c.tmpl, 't');
    return { out: t.execute(toEngineData(c.data === undefined ? D : c.data)) };
  } catch (e) {
    if (e instanceof TemplateError || e instanceof TemplateExecError) return { err: e.message };
    throw e;
  }
}
