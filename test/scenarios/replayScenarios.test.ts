import { describe, expect, it } from 'vitest';
import { GO_ZERO_TIME } from '../../src/domain/time.js';
import { TIMED_SCENARIOS } from './alertmanagerScenarios.js';
import { checkScenario, runScenarioReplay } from './harness.js';

describe('Alertmanager acceptance scenarios through replay (virtual time)', () => {
  for (const s of TIMED_SCENARIOS) {
    it(s.name, async () => {
      const { batches, errors } = await runScenarioReplay(s);
      expect(errors).toEqual([]);
      expect(checkScenario(s, batches)).toEqual([]);
      // Wire details every batch must carry.
      for (const b of batches) {
        expect(b.body.version).toBe('4');
        expect(b.body.receiver).toBe('default');
        for (const al of b.body.alerts) {
          expect(al.fingerprint).toMatch(/^[0-9a-f]{16}$/);
          if (al.status === 'firing') expect(al.endsAt).toBe(GO_ZERO_TIME);
        }
      }
    });
  }

  it('replay is deterministic: the same input gives byte-identical output', async () => {
    for (const s of TIMED_SCENARIOS) {
      const one = await runScenarioReplay(s);
      const two = await runScenarioReplay(s);
      expect(JSON.stringify(two.batches)).toBe(JSON.stringify(one.batches));
    }
  });

  it('the checker itself fails on a wrong batch, a missing batch and extras', async () => {
    const s = TIMED_SCENARIOS[1]!;
    const { batches } = await runScenarioReplay(s);
    expect(checkScenario(s, batches.slice(1)).length).toBeGreaterThan(0);
    expect(checkScenario(s, [...batches, batches[0]!]).length).toBeGreaterThan(0);
    const shifted = batches.map((b) => ({ ...b, t: b.t + 0.7 }));
    expect(checkScenario(s, shifted).length).toBeGreaterThan(0);
  });
});
