import { describe, expect, it } from 'vitest';
import { makeEngine } from './support.js';

describe('alert counts by state (/metrics)', () => {
  it('agree with the API view: silenced, inhibited and time-muted alerts are suppressed', async () => {
    // T0 is a Sunday: the weekend interval is active.
    const { engine, alert } = makeEngine(`route:
  receiver: default
  routes:
  - {matchers: ['team="weekend-off"'], mute_time_intervals: [weekend]}
inhibit_rules: [{source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: [service]}]
time_intervals: [{name: weekend, time_intervals: [{weekdays: ['saturday', 'sunday']}]}]
receivers: [{name: default, webhook_configs: [{url: 'http://sink.invalid/'}]}]
`);
    engine.receiveAlerts([
      alert({ alertname: 'A', service: 's1', severity: 'critical' }),
      alert({ alertname: 'B', service: 's1', severity: 'warning' }), // inhibited
      alert({ alertname: 'C', service: 's2', severity: 'warning' }),
      alert({ alertname: 'D', team: 'weekend-off' }), // muted by the time interval
      alert({ alertname: 'E' }, { startsAt: 0, endsAt: 0 }), // resolved: not held
    ]);
    engine.upsertSilence({ matchers: [{ name: 'alertname', type: '=', value: 'C' }], startsAt: engine.now(), endsAt: engine.now() + 60_000, createdBy: 'x', comment: 'y' });
    const fromViews = { active: 0, suppressed: 0, unprocessed: 0 };
    for (const v of engine.listAlerts({ filter: [], active: true, silenced: true, inhibited: true, unprocessed: true })) fromViews[v.status.state]++;
    expect(engine.countAlertsByState()).toEqual(fromViews);
    expect(fromViews).toEqual({ active: 1, suppressed: 3, unprocessed: 0 });
  });
});
