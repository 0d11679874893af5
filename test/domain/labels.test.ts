import { describe, expect, it } from 'vitest';
import { compareLabelSets, fingerprint, goQuote, labelSetString } from '../../src/domain/labels.js';

describe('fingerprint', () => {
  it('matches the Alertmanager test vectors', () => {
    expect(fingerprint({ job: 'foo', severity: 'warning' })).toBe('9266ef3da838ad95');
    expect(fingerprint({ job: 'foo', severity: 'critical' })).toBe('3b15fd163d36582e');
  });
  it('is the FNV-1a offset basis for the empty set and hashes UTF-8 bytes', () => {
    expect(fingerprint({})).toBe('cbf29ce484222325');
    // Reference computed with a big-integer FNV-1a over the UTF-8 bytes.
    expect(fingerprint({ a: 'é' })).toBe('0019cb2f2449a23e');
  });
  it('does not depend on key insertion order', () => {
    expect(fingerprint({ b: '2', a: '1' })).toBe(fingerprint({ a: '1', b: '2' }));
  });
  it('matches the wire-format note examples', () => {
    expect(
      fingerprint({ alertname: 'InstanceDown', instance: 'db-1:9100', job: 'node', severity: 'critical', team: 'infra' }),
    ).toBe('83284038e6a8517a');
  });
});

describe('label set printing and order', () => {
  it('prints sorted and Go-quoted', () => {
    expect(labelSetString({ service: 'api', alertname: 'HighErrorRate', cluster: 'aa' })).toBe(
      '{alertname="HighErrorRate", cluster="aa", service="api"}',
    );
    expect(labelSetString({})).toBe('{}');
    expect(goQuote('a"b\\c\n')).toBe('"a\\"b\\\\c\\n"');
  });
  it('orders like LabelSet.Before', () => {
    expect(compareLabelSets({ a: '1' }, { a: '2' })).toBeLessThan(0);
    expect(compareLabelSets({ a: '1' }, { a: '1', b: '1' })).toBeLessThan(0);
    expect(compareLabelSets({ b: '1' }, { a: '1', b: '1' })).toBeGreaterThan(0);
    expect(compareLabelSets({ a: '1' }, { a: '1' })).toBe(0);
  });
});

describe('fingerprint implementations agree', () => {
  it('WebAssembly and JavaScript give the same hash, including non-ASCII and large sets', async () => {
    const { fingerprintJs } = await import('../../src/domain/labels.js');
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 40 })), (labels) => {
        expect(fingerprint(labels)).toBe(fingerprintJs(labels));
      }),
    );
    const huge = { big: 'x'.repeat(70_000), alertname: 'A' };
    expect(fingerprint(huge)).toBe(fingerprintJs(huge));
  });
});

describe('fingerprint of label sets of a known shape (names written once into WebAssembly memory)', () => {
  it('agrees with the JavaScript hash for repeated shapes, shape switches beyond the cache, and every fallback', async () => {
    const { fingerprintJs } = await import('../../src/domain/labels.js');
    const fc = (await import('fast-check')).default;
    const check = (labels: Record<string, string>) => expect(fingerprint(labels)).toBe(fingerprintJs(labels));
    // Many sets of one shape in the sender's (unsorted) order, with non-ASCII, astral, lone-surrogate and
    // empty values.
    const value = fc.string({ unit: 'binary', maxLength: 30 });
    fc.assert(
      fc.property(value, value, value, (a, b, c) => {
        check({ severity: a, alertname: b, instance: c });
        check({ severity: a, alertname: b, instance: c, pod: a });
        // A prefix of a known shape, and the same names in another order.
        check({ severity: a, alertname: b });
        check({ instance: c, alertname: b, severity: a });
      }),
    );
    // More shapes than the cache holds, in turn, so slots are reused while sets of the old shapes recur.
    for (let round = 0; round < 3; round++) {
      for (let s = 0; s < 12; s++) {
        const labels: Record<string, string> = {};
        for (let i = 0; i <= s; i++) labels[`n${(i * 7) % 13}_${s}`] = `v${round}${i}é`;
        check(labels);
      }
    }
    // Names and values that do not fit a slot or the buffer, more names than a shape may have, integer-like
    // names, non-ASCII names, and objects that are not plain.
    check({ ['x'.repeat(2000)]: 'a', b: 'c' });
    check({ ['x'.repeat(2000)]: 'a', b: 'd' });
    check({ alertname: 'A', big: 'y'.repeat(20_000) });
    check({ alertname: 'A', big: 'é'.repeat(20_000) });
    const many: Record<string, string> = {};
    for (let i = 0; i < 40; i++) many[`label_${39 - i}`] = `${i}`;
    check(many);
    check(many);
    check({ 10: 'ten', 2: 'two', b: 'bee' });
    check({ 'é': '1', 'ü': '2' });
    const bare = Object.assign(Object.create(null) as Record<string, string>, { severity: 'x', alertname: 'y', instance: 'z' });
    check(bare);
    class Box {
      severity = 'x';
      alertname = 'y';
      instance = 'z';
    }
    check({ ...new Box() });
    check(new Box() as unknown as Record<string, string>);
  });
});
