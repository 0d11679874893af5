/**
 * Alertmanager acceptance scenarios (shared/notes/alertmanager-semantics.md, restated from Alertmanager's
 * own acceptance tests) as data. Times are seconds after the scenario start. The same data drives the
 * replay tests (virtual time) and the live test (wall clock through the HTTP doors).
 */

export interface ScenarioAlert {
  labels: Record<string, string>;
  startsAt?: number;
  endsAt?: number;
}

export interface ExpectedAlert {
  labels: Record<string, string>;
  startsAt: number;
  /** Absent: firing (endsAt is Go's zero time on the wire). */
  endsAt?: number;
}

export interface Scenario {
  name: string;
  /** YAML, without the receivers section (added by the harness with the sink URL). */
  config: string;
  /** A receivers section of its own, with `SINK_URL` where the sink's URL goes (default: one webhook). */
  receivers?: string;
  pushes: { t: number; alerts: ScenarioAlert[] }[];
  silences?: { t: number; matchers: { name: string; value: string; isRegex: boolean }[]; startsAt: number; endsAt: number }[];
  expect: { window: [number, number]; batch: ExpectedAlert[] }[];
  totalAlerts: number;
  /** Run the virtual clock until this second. */
  until: number;
}

const a = (labels: Record<string, string>, startsAt: number, endsAt?: number): ExpectedAlert =>
  endsAt === undefined ? { labels, startsAt } : { labels, startsAt, endsAt };

export const S1: Scenario = {
  name: 'S1 batching and repeat (TestBatching)',
  config: `route: {receiver: default, group_by: [], group_wait: 1s, group_interval: 1s, repeat_interval: 4900ms}`,
  pushes: [
    { t: 1.1, alerts: [{ labels: { alertname: 'test1' }, startsAt: 1 }] },
    { t: 1.7, alerts: [{ labels: { alertname: 'test5' }, startsAt: 1 }] },
    {
      t: 3.3,
      alerts: [
        { labels: { alertname: 'test2' }, startsAt: 1.5 },
        { labels: { alertname: 'test3' }, startsAt: 1.5 },
        { labels: { alertname: 'test4' }, startsAt: 1.6 },
      ],
    },
  ],
  expect: [
    { window: [2.0, 2.5], batch: [a({ alertname: 'test1' }, 1), a({ alertname: 'test5' }, 1)] },
    {
      window: [4.1, 4.5],
      batch: [
        a({ alertname: 'test1' }, 1),
        a({ alertname: 'test5' }, 1),
        a({ alertname: 'test2' }, 1.5),
        a({ alertname: 'test3' }, 1.5),
        a({ alertname: 'test4' }, 1.6),
      ],
    },
    {
      window: [9.1, 9.5],
      batch: [
        a({ alertname: 'test1' }, 1),
        a({ alertname: 'test5' }, 1),
        a({ alertname: 'test2' }, 1.5),
        a({ alertname: 'test3' }, 1.5),
        a({ alertname: 'test4' }, 1.6),
      ],
    },
  ],
  totalAlerts: 12,
  until: 10,
};

export const S2: Scenario = {
  name: 'S2 repeat then resolve (TestRepeat)',
  config: `route: {receiver: default, group_by: [alertname], group_wait: 1s, group_interval: 1s, repeat_interval: 1ms}`,
  pushes: [
    { t: 1.0, alerts: [{ labels: { alertname: 'test' }, startsAt: 1 }] },
    { t: 3.5, alerts: [{ labels: { alertname: 'test' }, startsAt: 1, endsAt: 3 }] },
  ],
  expect: [
    { window: [2.0, 2.5], batch: [a({ alertname: 'test' }, 1)] },
    { window: [3.0, 3.5], batch: [a({ alertname: 'test' }, 1)] },
    { window: [4.0, 4.5], batch: [a({ alertname: 'test' }, 1, 3)] },
  ],
  totalAlerts: 3,
  until: 5,
};

export const S4: Scenario = {
  name: 'S4 auto-resolve by resolve_timeout (TestResolved)',
  config: `global: {resolve_timeout: 10s}
route: {receiver: default, group_by: [alertname], group_wait: 1s, group_interval: 5s}`,
  pushes: [
    {
      t: 1,
      alerts: [
        { labels: { alertname: 'test', lbl: 'v1' } },
        { labels: { alertname: 'test', lbl: 'v2' } },
        { labels: { alertname: 'test', lbl: 'v3' } },
      ],
    },
  ],
  expect: [
    {
      window: [2, 2.5],
      batch: [
        a({ alertname: 'test', lbl: 'v1' }, 1),
        a({ alertname: 'test', lbl: 'v2' }, 1),
        a({ alertname: 'test', lbl: 'v3' }, 1),
      ],
    },
    {
      window: [12, 13],
      batch: [
        a({ alertname: 'test', lbl: 'v1' }, 1, 11),
        a({ alertname: 'test', lbl: 'v2' }, 1, 11),
        a({ alertname: 'test', lbl: 'v3' }, 1, 11),
      ],
    },
  ],
  totalAlerts: 6,
  until: 14,
};

export const S6: Scenario = {
  name: 'S6 inhibition and un-inhibition (TestInhibiting)',
  config: `route: {receiver: default, group_by: [], group_wait: 1s, group_interval: 1s, repeat_interval: 1s}
inhibit_rules: [{source_match: {alertname: JobDown}, target_match: {alertname: InstanceDown}, equal: [job, zone]}]`,
  pushes: [
    { t: 1, alerts: [{ labels: { alertname: 'test1', job: 'testjob', zone: 'aa' } }] },
    { t: 1, alerts: [{ labels: { alertname: 'InstanceDown', job: 'testjob', zone: 'aa' } }] },
    { t: 1, alerts: [{ labels: { alertname: 'InstanceDown', job: 'testjob', zone: 'ab' } }] },
    { t: 2.2, alerts: [{ labels: { alertname: 'JobDown', job: 'testjob', zone: 'aa' } }] },
    { t: 3.6, alerts: [{ labels: { alertname: 'JobDown', job: 'testjob', zone: 'aa' }, startsAt: 2.2, endsAt: 3.6 }] },
  ],
  expect: [
    {
      window: [2, 2.5],
      batch: [
        a({ alertname: 'test1', job: 'testjob', zone: 'aa' }, 1),
        a({ alertname: 'InstanceDown', job: 'testjob', zone: 'aa' }, 1),
        a({ alertname: 'InstanceDown', job: 'testjob', zone: 'ab' }, 1),
      ],
    },
    {
      window: [3, 3.5],
      batch: [
        a({ alertname: 'test1', job: 'testjob', zone: 'aa' }, 1),
        a({ alertname: 'InstanceDown', job: 'testjob', zone: 'ab' }, 1),
        a({ alertname: 'JobDown', job: 'testjob', zone: 'aa' }, 2.2),
      ],
    },
    {
      window: [4, 4.5],
      batch: [
        a({ alertname: 'test1', job: 'testjob', zone: 'aa' }, 1),
        a({ alertname: 'InstanceDown', job: 'testjob', zone: 'aa' }, 1),
        a({ alertname: 'InstanceDown', job: 'testjob', zone: 'ab' }, 1),
        a({ alertname: 'JobDown', job: 'testjob', zone: 'aa' }, 2.2, 3.6),
      ],
    },
  ],
  totalAlerts: 10,
  until: 4.9,
};

export const S8: Scenario = {
  name: 'S8 silence window (TestSilencing)',
  config: `route: {receiver: default, group_by: [], group_wait: 1s, group_interval: 1s, repeat_interval: 1ms}`,
  pushes: [
    {
      t: 1,
      alerts: [
        { labels: { alertname: 'test1' }, startsAt: 1 },
        { labels: { alertname: 'test2' }, startsAt: 1 },
      ],
    },
  ],
  silences: [
    { t: 2.3, matchers: [{ name: 'alertname', value: 'test1', isRegex: false }], startsAt: 2.5, endsAt: 4.5 },
  ],
  expect: [
    { window: [2, 2.5], batch: [a({ alertname: 'test1' }, 1), a({ alertname: 'test2' }, 1)] },
    { window: [3, 3.5], batch: [a({ alertname: 'test2' }, 1)] },
    { window: [4, 4.5], batch: [a({ alertname: 'test2' }, 1)] },
    { window: [5, 5.5], batch: [a({ alertname: 'test1' }, 1), a({ alertname: 'test2' }, 1)] },
  ],
  totalAlerts: 6,
  until: 5.9,
};

export const TIMED_SCENARIOS = [S1, S2, S4, S6, S8];
