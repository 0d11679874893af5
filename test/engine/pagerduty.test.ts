import { describe, expect, it } from 'vitest';
import { makeEngine } from './support.js';

const PD = `route: {receiver: pd, group_by: [alertname], group_wait: 1s, group_interval: 10s, repeat_interval: 1h}
receivers:
- name: pd
  pagerduty_configs:
  - routing_key: 0123456789abcdef0123456789abcdef
    url: http://pd.invalid/v2/enqueue
`;

type PdBody = { event_action: string; dedup_key: string; routing_key: string; payload?: { summary: string; severity: string } };

describe('a page always gets its resolve', () => {
  it('an alert paged, then silenced, then resolved while silenced: PagerDuty receives the resolve', async () => {
    const { engine, transport, at, alert } = makeEngine(PD);
    engine.receiveAlerts([alert({ alertname: 'DiskFull', severity: 'critical' }, { endsAt: 3600_000 })]);
    await at(1000);
    expect(transport.sent.map((s) => (s.req.body as PdBody).event_action)).toEqual(['trigger']);
    engine.upsertSilence({
      matchers: [{ name: 'alertname', type: '=', value: 'DiskFull' }],
      startsAt: engine.now(),
      endsAt: engine.now() + 3600_000,
      createdBy: 'oncall',
      comment: 'working on it',
    });
    // The alert resolves while silenced.
    await at(20_000);
    engine.receiveAlerts([alert({ alertname: 'DiskFull', severity: 'critical' }, { startsAt: 0, endsAt: 25_000 })]);
    await at(60_000);
    const bodies = transport.sent.map((s) => s.req.body as PdBody);
    expect(bodies.map((b) => b.event_action)).toEqual(['trigger', 'resolve']);
    expect(bodies[1]!.dedup_key).toBe(bodies[0]!.dedup_key);
  });

  it('an alert paged and then silenced while still firing closes the incident; it pages again when the silence ends', async () => {
    const { engine, transport, at, alert } = makeEngine(PD);
    engine.receiveAlerts([alert({ alertname: 'DiskFull' }, { endsAt: 3600_000 })]);
    await at(1000);
    engine.upsertSilence({
      matchers: [{ name: 'alertname', type: '=', value: 'DiskFull' }],
      startsAt: engine.now(),
      endsAt: engine.now() + 30_000,
      createdBy: 'oncall',
      comment: 'maintenance',
    });
    await at(120_000);
    const actions = transport.sent.map((s) => [s.at, (s.req.body as PdBody).event_action]);
    expect(actions).toEqual([
      [1000, 'trigger'],
      [11_000, 'resolve'],
      [31_000, 'trigger'], // the silence ends at 31 s, on a tick
    ]);
  });

  it('webhooks keep Alertmanager behaviour: a muted batch sends nothing', async () => {
    const { engine, transport, at, alert } = makeEngine(`route: {receiver: w, group_wait: 1s, group_interval: 10s}
receivers: [{name: w, webhook_configs: [{url: 'http://sink.invalid/'}]}]
`);
    engine.receiveAlerts([alert({ alertname: 'A' }, { endsAt: 3600_000 })]);
    await at(1000);
    engine.upsertSilence({
      matchers: [{ name: 'alertname', type: '=', value: 'A' }],
      startsAt: engine.now(),
      endsAt: engine.now() + 3600_000,
      createdBy: 'x',
      comment: 'y',
    });
    engine.receiveAlerts([alert({ alertname: 'A' }, { startsAt: 0, endsAt: 5000 })]);
    await at(60_000);
    expect(transport.sent).toHaveLength(1);
  });
});
