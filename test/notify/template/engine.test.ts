/**
 * Every engine case (engineCases.ts) against the output Go's text/template produced for it, recorded
 * in engineCases.expected.json: outputs must match byte for byte; errors must be errors, with Go's
 * message except where listed below (where ours is deliberately different, and why).
 */
import { describe, expect, it } from 'vitest';
import expectedJson from './engineCases.expected.json' with { type: 'json' };
import { ENGINE_CASES } from './engineCases.js';
import { errorCore } from './goOracle.js';
import { runEngineCase } from './runCase.js';

const expected = expectedJson as Record<string, { out?: string; err?: string }>;

/** Cases whose error message differs from Go's on purpose. */
const MESSAGE_DIFFERS: Readonly<Record<string, string>> = {
  'field of string': 'Go names the static type (interface {}); we name the dynamic one (string)',
  'field of int': 'same: int rather than interface {}',
  'field of slice': 'same: []interface {} rather than interface {}',
  'len of missing': 'Go leaks a reflect panic message; we say len of nil pointer',
  'index out of range': 'Go leaks a reflect panic message; we say index out of range: 5',
  'eq slices': 'Go formats the operands with %s',
  'bad escape in string': 'we quote the offending literal',
  'match bad regexp': "JavaScript's regexp parser words its errors differently",
  'reReplaceAll bad regexp': "JavaScript's regexp parser words its errors differently",
};

describe('engine cases recorded from Go text/template', () => {
  it('has a recorded result for every case', () => {
    const missing = ENGINE_CASES.filter((c) => !(c.name in expected)).map((c) => c.name);
    expect(missing).toEqual([]);
    expect(new Set(ENGINE_CASES.map((c) => c.name)).size).toBe(ENGINE_CASES.length);
  });

  it.each(ENGINE_CASES.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const want = expected[name]!;
    const got = runEngineCase(c);
    if (want.err === undefined) {
      expect(got).toEqual({ out: want.out });
      return;
    }
    expect(got.err, `expected an error like Go's: ${want.err}`).toBeDefined();
    if (!(name in MESSAGE_DIFFERS)) expect(errorCore(got.err!)).toBe(errorCore(want.err));
  });
});
