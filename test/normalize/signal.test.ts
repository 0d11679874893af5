import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/domain/labels.js';
import { normalizeChanges } from '../../src/normalize/change.js';
import { normalizeSignals, type SignalContext } from '../../src/normalize/signal.js';

const NOW = Date.parse('2026-11-28T11:00:00Z');
const RT = 5 * 60_000;
const ctx: SignalContext = { now: NOW, resolveTimeoutMs: RT, source: 'signal' };

const drift = (over: Record<string, unknown> = {}) => ({
  source: 'evidently',
  kind: 'drift',
  model_id: 'fraud-scorer',
  model_version: 'v12',
  feature: 'merchant_age_days',
  method: 'psi',
  value: 0.31,
  threshold: { upper: 0.2 },
  sample_size: { reference: 5000, current: 4200 },
  window: { start: '2026-11-28T10:00:00Z', end: '2026-11-28T11:00:00Z' },
  status: 'breach',
  labels: { team: 'ml-fraud' },
  ...over,
});

describe('model signal door', () => {
  it('turns a breach into a firing alert named by kind, identified by what is watched', () => {
    const r = normalizeSignals(drift(), ctx);
    expect(r.errors).toEqual([]);
    expect(r.alerts).toHaveLength(1);
    const a = r.alerts[0]!;
    expect(a.labels).toEqual({
      alertname: 'ModelDrift',
      signal_kind: 'drift',
      source: 'evidently',
      severity: 'warning',
      model: 'fraud-scorer',
      model_version: 'v12',
      feature: 'merchant_age_days',
      method: 'psi',
      team: 'ml-fraud',
    });
    expect(a.fingerprint).toBe(fingerprint(a.labels));
    expect(a.annotations.value).toBe('0.31');
    expect(a.annotations.threshold_upper).toBe('0.2');
    expect(a.annotations.sample_size).toBe('4200/5000');
    // Alive for one evaluation window (1 h here) plus resolve_timeout.
    expect(a.endsAt).toBe(NOW + 3600_000 + RT);
    expect(a.timeout).toBe(true);
  });

  it('keeps one identity across windows: value and window are annotations, not labels', () => {
    const a = normalizeSignals(drift({ value: 0.5, window: { start: '2026-11-28T11:00:00Z', end: '2026-11-28T12:00:00Z' } }), ctx);
    const b = normalizeSignals(drift(), ctx);
    expect(a.alerts[0]!.fingerprint).toBe(b.alerts[0]!.fingerprint);
  });

  it('resolves with ok and withholds no_data and insufficient_sample', () => {
    const r = normalizeSignals([drift({ status: 'ok' }), drift({ status: 'no_data' }), drift({ status: 'insufficient_sample' })], ctx);
    expect(r.errors).toEqual([]);
    expect(r.signals).toHaveLength(3);
    expect(r.alerts).toHaveLength(1);
    expect(r.alerts[0]!.endsAt).toBe(NOW);
    expect(r.alerts[0]!.timeout).toBe(false);
    expect(r.withheld).toBe(2);
  });

  it('names every problem with its path and keeps the valid signals (best effort)', () => {
    const r = normalizeSignals(
      [
        drift(),
        drift({ kind: 'vibes' }),
        drift({ value: 'high', extra: 1 }),
        { source: 'x', kind: 'freshness', status: 'breach' },
        drift({ threshold: { lower: 2, upper: 1 } }),
        drift({ labels: { 'bad-name': 'x' } }),
        'nope',
      ],
      ctx,
    );
    expect(r.alerts).toHaveLength(1);
    expect(r.invalid).toBe(6);
    const text = r.errors.join('\n');
    expect(text).toMatch(/signals\[1\]\.kind: /);
    expect(text).toMatch(/signals\[2\]\.value: expected number, got string/);
    expect(text).toMatch(/signals\[2\]: Unrecognized key: "extra"/i);
    expect(text).toMatch(/signals\[3\]: one of model_id or pipeline is required/);
    expect(text).toMatch(/signals\[4\]\.threshold: lower must not exceed upper/);
    expect(text).toMatch(/signals\[5\]\.labels\["bad-name"\]: invalid label name/);
    expect(text).toMatch(/signals\[6\]: expected object, got string/);
  });

  it('refuses an empty array and a window that ends before it starts', () => {
    expect(normalizeSignals([], ctx).errors).toEqual(['body: expected at least one signal']);
    const r = normalizeSignals(drift({ window: { start: '2026-11-28T11:00:00Z', end: '2026-11-28T10:00:00Z' } }), ctx);
    expect(r.errors).toEqual(['signal.window: end must not be before start']);
  });
});

describe('change event door', () => {
  it('accepts a change, defaulting at and deriving a stable id', () => {
    const body = { kind: 'deploy', labels: { service: 'feature-api' }, summary: 'feature-api v2.3.1' };
    const a = normalizeChanges(body, NOW);
    const b = normalizeChanges(body, NOW);
    expect(a.errors).toEqual([]);
    expect(a.changes[0]).toMatchObject({ kind: 'deploy', at: NOW, labels: { service: 'feature-api' }, summary: 'feature-api v2.3.1' });
    expect(a.changes[0]!.id).toMatch(/^chg-[0-9a-f]{16}$/);
    expect(a.changes[0]!.id).toBe(b.changes[0]!.id);
  });

  it('keeps the sender id and time', () => {
    const r = normalizeChanges({ id: 'deploy-4411', kind: 'model_rollout', at: '2026-11-28T10:30:00Z', labels: { model: 'fraud-scorer' } }, NOW);
    expect(r.changes[0]).toMatchObject({ id: 'deploy-4411', at: Date.parse('2026-11-28T10:30:00Z'), summary: 'model rollout {model="fraud-scorer"}' });
  });

  it('names every problem', () => {
    const r = normalizeChanges([{ kind: 'reboot', labels: {} }, { kind: 'deploy', labels: { service: 'a' }, at: 'yesterday' }], NOW);
    expect(r.changes).toEqual([]);
    expect(r.invalid).toBe(2);
    const text = r.errors.join('\n');
    expect(text).toMatch(/changes\[0\]\.kind: /);
    expect(text).toMatch(/changes\[0\]\.labels: at least one label/);
    expect(text).toMatch(/changes\[1\]\.at in body must be of type date-time: "yesterday"/);
  });
});

describe('distribution signals (drift computed for teams without a monitor)', () => {
  // A deterministic pseudo-normal sample: the sum of 12 uniforms minus 6 (seeded LCG).
  function normal(n: number, shift: number, seed: number): number[] {
    let x = seed >>> 0;
    const next = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    return Array.from({ length: n }, () => {
      let s = 0;
      for (let i = 0; i < 12; i++) s += next();
      return s - 6 + shift;
    });
  }
  const base = { kind: 'distribution', model_id: 'fraud-scorer', feature: 'amount' };

  it('a shifted sample is a breach with its PSI; the same distribution is ok', () => {
    const ref = normal(5000, 0, 1);
    const r = normalizeSignals(
      [
        { ...base, method: 'psi', reference: { samples: ref }, current: { samples: normal(2000, 1, 2) } },
        { ...base, feature: 'age', method: 'ks', reference: { samples: ref }, current: { samples: normal(2000, 0, 3) } },
      ],
      ctx,
    );
    expect(r.errors).toEqual([]);
    expect(r.signals.map((s) => [s.feature, s.method, s.status])).toEqual([
      ['amount', 'psi', 'breach'],
      ['age', 'ks', 'ok'],
    ]);
    expect(r.signals[0]!.value!).toBeGreaterThan(0.25);
    expect(r.alerts[0]!.labels).toMatchObject({ alertname: 'ModelDrift', model: 'fraud-scorer', feature: 'amount', method: 'psi' });
  });

  it('below the sample-size floor it is insufficient_sample, never drift, whatever the shift', () => {
    const r = normalizeSignals({ ...base, reference: { samples: normal(5000, 0, 1) }, current: { samples: normal(100, 3, 2) } }, ctx);
    expect(r.signals[0]!.status).toBe('insufficient_sample');
    expect(r.alerts).toEqual([]);
    expect(r.withheld).toBe(1);
  });

  it('accepts histograms over shared bins, refuses mismatched ones and KS on counts', () => {
    const ok = normalizeSignals({ ...base, method: 'js', reference: { counts: [300, 300, 400] }, current: { counts: [100, 200, 700] } }, ctx);
    expect(ok.signals[0]!.status).toBe('breach');
    const bad = normalizeSignals(
      [
        { ...base, reference: { counts: [1, 2, 3] }, current: { counts: [1, 2] } },
        { ...base, method: 'ks', reference: { counts: [600, 600] }, current: { counts: [600, 600] } },
        { ...base, reference: { samples: [1] }, current: { counts: [1, 2] } },
      ],
      ctx,
    );
    expect(bad.invalid).toBe(3);
    expect(bad.errors).toEqual([
      'signals[0]: reference has 3 bins and current 2: histograms must share bins',
      'signals[1]: ks needs samples, not histogram counts',
      'signals[2]: reference and current must both be samples or both be counts',
    ]);
  });
});
