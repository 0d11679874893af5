/**
 * Differential test against Go: every engine case is run by Go's text/template (when a Go toolchain is
 * installed) and by ours; outputs must be identical and errors must be errors on both sides, with the
 * same message. With UPDATE_GO_EXPECTATIONS=1, Go's results are recorded in engineCases.expected.json
 * (which engine.test.ts checks without needing Go).
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENGINE_CASES } from './engineCases.js';
import { goAvailable, runGo } from './goOracle.js';
import { runEngineCase } from './runCase.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const haveGo = goAvailable();
if (!haveGo) console.warn('SKIPPED: the Go text/template oracle needs a Go toolchain (go) on PATH');

describe.skipIf(!haveGo)('Go text/template oracle', () => {
  const results = haveGo ? runGo(ENGINE_CASES) : [];
  if (process.env.UPDATE_GO_EXPECTATIONS) {
    const rec: Record<string, { out?: string; err?: string }> = {};
    ENGINE_CASES.forEach((c, i) => (rec[c.name] = results[i]!));
    writeFileSync(join(HERE, 'engineCases.expected.json'), JSON.stringify(rec, null, 1) + '\n');
  }
  it.each(ENGINE_CASES.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    const go = results[i]!;
    const ours = runEngineCase(c);
    expect(ours).toEqual(go.err !== undefined ? { err: expect.any(String) } : { out: go.out });
  });
});
