import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alert.js';
import { fingerprint } from '../../src/domain/labels.js';
import { compareFlushAlerts, sortForNotification } from '../../src/dispatch/dispatcher.js';
import type { FlushAlert } from '../../src/notify/data.js';

const flush = (labels: Record<string, string>): FlushAlert => ({
  resolved: false,
  alert: { labels, annotations: {}, startsAt: 0, endsAt: 1, generatorURL: '', updatedAt: 0, timeout: false, fingerprint: fingerprint(labels), source: 'api' } as Alert,
});

describe('notification order (AlertSlice.Less)', () => {
  it('sorts by job, then instance, then the label set; missing job/instance last', () => {
    const xs = [
      flush({ alertname: 'b' }),
      flush({ alertname: 'a', instance: 'i2', job: 'j1' }),
      flush({ alertname: 'z', instance: 'i1', job: 'j1' }),
      flush({ alertname: 'a', job: 'j0' }),
      flush({ alertname: 'a' }),
    ];
    sortForNotification(xs);
    expect(xs.map((x) => x.alert.labels)).toEqual([
      { alertname: 'a', job: 'j0' },
      { alertname: 'z', instance: 'i1', job: 'j1' },
      { alertname: 'a', instance: 'i2', job: 'j1' },
      { alertname: 'a' },
      { alertname: 'b' },
    ]);
  });
  it('agrees with the pairwise comparator on arbitrary label sets', () => {
    const labelSet = fc.dictionary(fc.constantFrom('a', 'ab', 'b', 'job', 'instance', 'z'), fc.constantFrom('', 'x', 'xy', 'y'), {
      maxKeys: 4,
    });
    fc.assert(
      fc.property(fc.array(labelSet, { maxLength: 12 }), (sets) => {
        const a = sets.map(flush);
        const b = [...a];
        sortForNotification(a);
        b.sort(compareFlushAlerts);
        expect(a.map((x) => x.alert.labels)).toEqual(b.map((x) => x.alert.labels));
      }),
    );
  });
});
