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
