import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alert.js';
import { fingerprint } from '../../src/domain/labels.js';
import { type InhibitionMemo, Inhibitor } from '../../src/route/inhibit.js';
import type { Matcher } from '../../src/route/matchers.js';

const eq = (name: string, value: string): Matcher => ({ name, type: '=', value });
const alert = (labels: Record<string, string>, endsAt = 1_000_000): Alert => ({
  labels,
  annotations: {},
  startsAt: 0,
  endsAt,
  generatorURL: '',
  updatedAt: 0,
  timeout: false,
  fingerprint: fingerprint(labels),
  source: 'api',
});

describe('Inhibitor', () => {
  const rule = {
    sourceMatchers: [eq('severity', 'critical')],
    targetMatchers: [eq('severity', 'warning')],
    equal: ['alertname', 'zone'],
    path: 'inhibit_rules[0]',
  };

  it('inhibits a target when a firing source has equal labels', () => {
    const inh = new Inhibitor([rule]);
    const src = alert({ alertname: 'A', zone: 'z1', severity: 'critical' });
    inh.observe(src);
    expect(inh.inhibitedBy({ alertname: 'A', zone: 'z1', severity: 'warning' }, 10)).toBe(src.fingerprint);
    expect(inh.inhibitedBy({ alertname: 'A', zone: 'z2', severity: 'warning' }, 10)).toBeUndefined();
    expect(inh.inhibitedBy({ alertname: 'A', zone: 'z1', severity: 'info' }, 10)).toBeUndefined();
  });

  it('treats a missing equal label as the empty string on both sides', () => {
    const inh = new Inhibitor([rule]);
    inh.observe(alert({ alertname: 'A', severity: 'critical' }));
    expect(inh.inhibitedBy({ alertname: 'A', severity: 'warning' }, 10)).toBeDefined();
    expect(inh.inhibitedBy({ alertname: 'A', zone: '', severity: 'warning' }, 10)).toBeDefined();
    expect(inh.inhibitedBy({ alertname: 'A', zone: 'z', severity: 'warning' }, 10)).toBeUndefined();
  });

  it('ignores resolved sources and forgets collected ones', () => {
    const inh = new Inhibitor([rule]);
    const src = alert({ alertname: 'A', severity: 'critical' }, 100);
    inh.observe(src);
    expect(inh.inhibitedBy({ alertname: 'A', severity: 'warning' }, 99)).toBeDefined();
    expect(inh.inhibitedBy({ alertname: 'A', severity: 'warning' }, 100)).toBeUndefined();
    inh.observe(alert({ alertname: 'A', severity: 'critical' }, 1_000));
    expect(inh.inhibitedBy({ alertname: 'A', severity: 'warning' }, 200)).toBeDefined();
    inh.forget(src.fingerprint);
    expect(inh.inhibitedBy({ alertname: 'A', severity: 'warning' }, 200)).toBeUndefined();
  });

  it('an alert matching both sides is not inhibited by sources that also match both', () => {
    const both = {
      sourceMatchers: [eq('alertname', 'Down')],
      targetMatchers: [eq('alertname', 'Down')],
      equal: ['cluster'],
      path: 'inhibit_rules[0]',
    };
    const inh = new Inhibitor([both]);
    const a = alert({ alertname: 'Down', cluster: 'c', instance: '1' });
    const b = alert({ alertname: 'Down', cluster: 'c', instance: '2' });
    inh.observe(a);
    inh.observe(b);
    expect(inh.inhibitedBy(a.labels, 10)).toBeUndefined();
    expect(inh.inhibitedBy(b.labels, 10)).toBeUndefined();
  });

  it("keeps a caller's memo in step: re-sends, forget, and a new inhibitor (reload)", () => {
    const target = { alertname: 'A', severity: 'warning' };
    const memo: InhibitionMemo = { inhibitor: undefined, sources: undefined };
    const inh = new Inhibitor([rule]);
    inh.observe(alert({ alertname: 'A', severity: 'critical' }, 100), memo);
    expect(memo.inhibitor).toBe(inh);
    // A re-send found through the memo moves the source's end.
    inh.observe(alert({ alertname: 'A', severity: 'critical' }, 1_000), memo);
    expect(inh.inhibitedBy(target, 500)).toBeDefined();
    // Forgotten (collected), then seen again through the same memo: filed again, not left out.
    inh.forget(fingerprint({ alertname: 'A', severity: 'critical' }), { alertname: 'A', severity: 'critical' });
    expect(inh.inhibitedBy(target, 500)).toBeUndefined();
    inh.observe(alert({ alertname: 'A', severity: 'critical' }, 2_000), memo);
    expect(inh.inhibitedBy(target, 1_500)).toBeDefined();
    // A memo filled by another inhibitor is not trusted.
    const reloaded = new Inhibitor([rule]);
    reloaded.observe(alert({ alertname: 'A', severity: 'critical' }, 3_000), memo);
    expect(memo.inhibitor).toBe(reloaded);
    expect(reloaded.inhibitedBy(target, 2_500)).toBeDefined();
    expect(inh.inhibitedBy(target, 2_500)).toBeUndefined();
  });
});
