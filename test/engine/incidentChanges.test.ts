/** Incident state changes reach `onIncidentChange` once per incident per instant, complete (incidents topic). */
import { describe, expect, it } from 'vitest';
import type { IncidentSnapshot } from '../../src/correlate/types.js';
import { createCorrelator } from '../../src/correlate/correlator.js';
import { fingerprint } from '../../src/domain/labels.js';
import { Engine } from '../../src/engine/engine.js';
import { VirtualClock } from '../../src/state/clock.js';
import { rules, y } from '../correlate/support.js';
import { CapturingTransport, config, T0 } from './support.js';

const RULES = rules(
  y(
    'topology:',
    '  components:',
    '    - name: feature-store',
    '    - name: scorer',
    '      depends_on: [feature-store]',
  ),
);

describe('incident change stream', () => {
  it('reports opened, joined and resolved with the incident as it is after each change', async () => {
    const clock = new VirtualClock(T0);
    const changes: { events: readonly string[]; incident: IncidentSnapshot }[] = [];
    const engine = new Engine({
      config: config(`route: {receiver: r, group_wait: 1s}\nreceivers: [{name: r, webhook_configs: [{url: 'http://h/'}]}]`),
      clock,
      transport: new CapturingTransport(clock),
      externalURL: 'http://am',
      correlation: ({ clock: c, sink, onChange }) => createCorrelator({ rules: RULES, clock: c, sink, ...(onChange && { onChange }) }),
      onIncidentChange: (events, incident) => changes.push({ events, incident }),
    });
    const alert = (labels: Record<string, string>, endsAt: number) => ({
      labels,
      annotations: {},
      startsAt: clock.now(),
      endsAt,
      generatorURL: '',
      updatedAt: clock.now(),
      timeout: false,
      fingerprint: fingerprint(labels),
      source: 'api' as const,
    });
    const store = { alertname: 'FeatureStoreDown', service: 'feature-store', severity: 'critical' };
    const scorer = { alertname: 'ScorerErrors', service: 'scorer', severity: 'warning' };
    engine.receiveAlerts([alert(store, T0 + 3600_000)]);
    await clock.advanceTo(T0 + 60_000);
    engine.receiveAlerts([alert(scorer, T0 + 3600_000)]);
    await clock.advanceTo(T0 + 10 * 60_000);
    expect(changes.map((c) => c.events)).toEqual([['opened'], ['joined']]);
    expect(changes[1]!.incident.members).toHaveLength(2);
    // Both end: the incident resolves after the quiet period.
    engine.receiveAlerts([alert(store, clock.now()), alert(scorer, clock.now())]);
    await clock.advanceTo(T0 + 30 * 60_000);
    const last = changes.at(-1)!;
    expect(last.events).toContain('resolved');
    expect(last.incident.status).toBe('resolved');
    await engine.stop();
  });
});
