import type { NotificationData } from '../../../src/notify/data.js';

const T0 = '2026-08-22T10:00:00Z';

/** A realistic group: two firing alerts and one resolved, grouped by alertname and service. */
export const FIRING_GROUP: NotificationData = {
  receiver: 'team-a.pager',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'HighLatency', service: 'api', severity: 'critical', instance: 'api-1:9090' },
      annotations: { summary: 'p99 latency above 2s', runbook_url: 'https://runbooks/latency' },
      startsAt: T0,
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph?g0.expr=latency',
      fingerprint: '1a2b3c4d5e6f7081',
    },
    {
      status: 'firing',
      labels: { alertname: 'HighLatency', service: 'api', severity: 'critical', instance: 'api-2:9090' },
      annotations: { summary: 'p99 latency above 2s', runbook_url: 'https://runbooks/latency' },
      startsAt: '2026-08-22T10:00:30.25Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph?g0.expr=latency',
      fingerprint: '2b3c4d5e6f708192',
    },
    {
      status: 'resolved',
      labels: { alertname: 'HighLatency', service: 'api', severity: 'critical', instance: 'api-3:9090' },
      annotations: { summary: 'p99 latency above 2s', runbook_url: 'https://runbooks/latency' },
      startsAt: '2026-08-22T09:50:00Z',
      endsAt: '2026-08-22T09:58:00Z',
      generatorURL: 'http://prometheus:9090/graph?g0.expr=latency',
      fingerprint: '3c4d5e6f708192a3',
    },
  ],
  groupLabels: { alertname: 'HighLatency', service: 'api' },
  commonLabels: { alertname: 'HighLatency', service: 'api', severity: 'critical' },
  commonAnnotations: { summary: 'p99 latency above 2s', runbook_url: 'https://runbooks/latency' },
  externalURL: 'http://alertmanager.example:9093',
  groupKey: '{}/{team="a"}:{alertname="HighLatency", service="api"}',
  truncatedAlerts: 0,
  reason: 'firing' as NotificationData['reason'],
};

/** Everything resolved, and nothing in common beyond the group labels. */
export const RESOLVED_GROUP: NotificationData = {
  ...FIRING_GROUP,
  receiver: 'ops',
  status: 'resolved',
  alerts: [
    { ...FIRING_GROUP.alerts[2]!, labels: { alertname: 'HighLatency', service: 'api', instance: 'api-3:9090' } },
    { ...FIRING_GROUP.alerts[2]!, labels: { alertname: 'HighLatency', service: 'api', instance: 'api-4:9090', zone: 'b' }, fingerprint: '4d5e6f708192a3b4' },
  ],
  commonLabels: { alertname: 'HighLatency', service: 'api' },
  commonAnnotations: {},
  truncatedAlerts: 3,
};
