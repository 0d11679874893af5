import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/domain/labels.js';
import { normalizeAlertmanagerWebhook } from '../../src/normalize/alertmanagerWebhook.js';
import type { NormalizeContext } from '../../src/normalize/apiV2Alerts.js';

const NOW = Date.parse('2026-08-22T10:02:00Z');
const RT = 5 * 60_000;
const ctx: NormalizeContext = { now: NOW, resolveTimeoutMs: RT, source: 'webhook' };

// Real webhook v4 bodies used upstream as fixtures (prometheus-msteams, MIT; see SOURCES.md there).
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = resolve(REPO_ROOT, '../shared/data/alertmanager-webhook-payloads/prometheus-msteams');
const fixture = (path: string): unknown => JSON.parse(readFileSync(resolve(FIXTURES, path), 'utf8'));

/** The webhook body of wire-formats.md (Alertmanager 0.34 field order, sender fingerprints included). */
function exampleBody(): Record<string, unknown> {
  return {
    receiver: 'infra-pager',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'InstanceDown', instance: 'db-1:9100', job: 'node', severity: 'critical', team: 'infra' },
        annotations: { summary: 'db-1 down', runbook_url: 'https://runbooks/instance-down' },
        startsAt: '2026-08-22T10:00:00.000Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus:9090/graph?g0.expr=up+%3D%3D+0',
        fingerprint: '83284038e6a8517a',
      },
      {
        status: 'resolved',
        labels: { alertname: 'InstanceDown', instance: 'db-2:9100', job: 'node', severity: 'critical', team: 'infra' },
        annotations: { summary: 'db-2 down' },
        startsAt: '2026-08-22T09:55:00.000Z',
        endsAt: '2026-08-22T10:01:30.000Z',
        generatorURL: 'http://prometheus:9090/graph?g0.expr=up+%3D%3D+0',
        fingerprint: '2437bec08a44e07f',
      },
    ],
    notification_reason: 'new alerts added',
    groupLabels: { alertname: 'InstanceDown', job: 'node' },
    commonLabels: { alertname: 'InstanceDown', job: 'node', severity: 'critical', team: 'infra' },
    commonAnnotations: {},
    routeLabels: {},
    externalURL: 'http://alertmanager:9093',
    version: '4',
    groupKey: '{}/{team="infra"}:{alertname="InstanceDown", job="node"}',
    truncatedAlerts: 0,
  };
}

describe('normalizeAlertmanagerWebhook: real payloads', () => {
  const files: [string, number][] = [
    ['pkg/card/testdata/prom_post_request.json', 1],
    ['alert/testdata/prom_post_request_12_alerts.json', 12],
    ['alert/testdata/large_prom_post_request.json', 19],
  ];
  for (const [file, count] of files) {
    it(`accepts ${file} (${count} firing alerts, no per-alert status or fingerprint)`, () => {
      const body = fixture(file) as { alerts: { labels: Record<string, string>; startsAt: string }[] };
      const r = normalizeAlertmanagerWebhook(body, ctx);
      expect(r.errors).toEqual([]);
      expect(r.invalid).toBe(0);
      expect(r.alerts).toHaveLength(count);
      r.alerts.forEach((a, i) => {
        const src = body.alerts[i]!;
        expect(a.labels).toEqual(src.labels);
        expect(a.fingerprint).toBe(fingerprint(src.labels));
        // Zero endsAt = firing with no known end: the resolve_timeout default.
        expect(a.endsAt).toBe(NOW + RT);
        expect(a.timeout).toBe(true);
        expect(a.source).toBe('webhook');
        expect(a.updatedAt).toBe(NOW);
      });
    });
  }

  it('parses nanosecond startsAt with an offset', () => {
    const r = normalizeAlertmanagerWebhook(fixture('pkg/card/testdata/prom_post_request.json'), ctx);
    // 2018-03-07T06:33:21.873077559-05:00
    expect(r.alerts[0]!.startsAt).toBe(Date.UTC(2018, 2, 7, 11, 33, 21, 873));
    expect(r.alerts[0]!.annotations).toEqual({
      description: '10.80.40.11 reported high memory usage with 23.28%.',
      summary: 'Server High Memory usage',
    });
    expect(r.alerts[0]!.generatorURL).toBe('');
  });
});

describe('normalizeAlertmanagerWebhook: semantics', () => {
  it('turns the wire-format example into one firing and one resolved alert', () => {
    const r = normalizeAlertmanagerWebhook(exampleBody(), ctx);
    expect(r.errors).toEqual([]);
    const [firing, resolved] = r.alerts;
    expect(firing).toMatchObject({
      startsAt: Date.parse('2026-08-22T10:00:00Z'),
      endsAt: NOW + RT,
      timeout: true,
      fingerprint: '83284038e6a8517a',
      generatorURL: 'http://prometheus:9090/graph?g0.expr=up+%3D%3D+0',
      annotations: { summary: 'db-1 down', runbook_url: 'https://runbooks/instance-down' },
    });
    expect(resolved).toMatchObject({
      startsAt: Date.parse('2026-08-22T09:55:00Z'),
      endsAt: Date.parse('2026-08-22T10:01:30Z'),
      timeout: false,
      fingerprint: '2437bec08a44e07f',
    });
  });

  it('ignores the sender fingerprint and recomputes it; a mismatch is not an error', () => {
    const body = exampleBody();
    (body['alerts'] as Record<string, unknown>[])[0]!['fingerprint'] = 'ffffffffffffffff';
    const r = normalizeAlertmanagerWebhook(body, ctx);
    expect(r.errors).toEqual([]);
    expect(r.alerts[0]!.fingerprint).toBe('83284038e6a8517a');
  });

  it('tolerates unknown fields at every level', () => {
    const body = {
      ...exampleBody(),
      somethingNew: { nested: [1, 2] },
      receiver: 42, // a field we do not use may even have an unexpected type
      alerts: [
        {
          labels: { alertname: 'A' },
          startsAt: '2026-08-22T10:00:00Z',
          endsAt: '0001-01-01T00:00:00Z',
          silencedBy: [],
          extra: { deep: true },
        },
      ],
    };
    const r = normalizeAlertmanagerWebhook(body, ctx);
    expect(r.errors).toEqual([]);
    expect(r.alerts).toHaveLength(1);
  });

  it('a resolved alert without an end ends now, explicitly', () => {
    const body = { version: '4', alerts: [{ status: 'resolved', labels: { a: 'b' }, startsAt: '2026-08-22T09:00:00Z', endsAt: '0001-01-01T00:00:00Z' }] };
    const a = normalizeAlertmanagerWebhook(body, ctx).alerts[0]!;
    expect([a.endsAt, a.timeout]).toEqual([NOW, false]);
  });

  it('a firing alert with an explicit end keeps it', () => {
    const body = { version: '4', alerts: [{ status: 'firing', labels: { a: 'b' }, startsAt: '2026-08-22T09:00:00Z', endsAt: '2026-08-22T12:00:00Z' }] };
    const a = normalizeAlertmanagerWebhook(body, ctx).alerts[0]!;
    expect([a.endsAt, a.timeout]).toEqual([Date.parse('2026-08-22T12:00:00Z'), false]);
  });

  it('applies the API v2 defaults when times are missing', () => {
    const a = normalizeAlertmanagerWebhook({ version: '4', alerts: [{ labels: { a: 'b' } }] }, ctx).alerts[0]!;
    expect([a.startsAt, a.endsAt, a.timeout]).toEqual([NOW, NOW + RT, true]);
  });

  it('does not check generatorURL as a URI (whatever the sender templated is passed through)', () => {
    const body = { version: '4', alerts: [{ labels: { a: 'b' }, generatorURL: 'not a url' }] };
    expect(normalizeAlertmanagerWebhook(body, ctx).alerts[0]!.generatorURL).toBe('not a url');
  });
});

describe('normalizeAlertmanagerWebhook: errors', () => {
  const whole: [string, unknown, string][] = [
    ['array body', [], 'body: expected a webhook message object, got array'],
    ['null body', null, 'body: expected a webhook message object, got null'],
    ['no body', undefined, 'body: expected a webhook message object, got nothing'],
    ['version missing', { alerts: [] }, 'version: expected "4", got nothing'],
    ['version 3', { version: '3', alerts: [] }, 'version: expected "4", got "3"'],
    ['version as a number', { version: 4, alerts: [] }, 'version: expected "4", got number'],
    ['alerts missing', { version: '4' }, 'alerts in body is required'],
    ['alerts not an array', { version: '4', alerts: {} }, 'alerts: expected array, got object'],
  ];
  for (const [name, body, error] of whole) {
    it(`rejects the whole body: ${name}`, () => {
      expect(normalizeAlertmanagerWebhook(body, ctx)).toEqual({ alerts: [], errors: [error], invalid: 0 });
    });
  }

  const perAlert: [string, unknown, string[]][] = [
    ['status not firing/resolved', { labels: { a: 'b' }, status: 'pending' }, ['alerts[0].status: expected "firing" or "resolved", got "pending"']],
    ['status as a number', { labels: { a: 'b' }, status: 1 }, ['alerts[0].status: expected string, got number']],
    ['labels missing', { startsAt: '2026-08-22T10:00:00Z' }, ['alerts[0].labels in body is required']],
    ['label value number', { labels: { a: 1 } }, ['alerts[0].labels.a: expected string, got number']],
    ['startsAt number', { labels: { a: 'b' }, startsAt: 1 }, ['alerts[0].startsAt: expected string, got number']],
    ['endsAt garbage', { labels: { a: 'b' }, endsAt: 'soon' }, ['alerts[0].endsAt in body must be of type date-time: "soon"']],
    ['generatorURL number', { labels: { a: 'b' }, generatorURL: 1 }, ['alerts[0].generatorURL: expected string, got number']],
    [
      'start after end',
      { labels: { a: 'b' }, startsAt: '2026-08-22T10:00:00Z', endsAt: '2026-08-22T09:00:00Z' },
      ['alerts[0]: start time must be before end time'],
    ],
    ['invalid label name', { labels: { 'a.b': 'x' } }, ['alerts[0]: invalid label set: invalid name "a.b"']],
    ['no labels', { labels: { a: '' } }, ['alerts[0]: at least one label pair required']],
  ];
  for (const [name, alert, errors] of perAlert) {
    it(`rejects one alert: ${name}`, () => {
      const r = normalizeAlertmanagerWebhook({ version: '4', alerts: [alert] }, ctx);
      expect(r.errors).toEqual(errors);
      expect(r.invalid).toBe(1);
      expect(r.alerts).toEqual([]);
    });
  }

  it('keeps the valid alerts of a batch with invalid ones', () => {
    const body = exampleBody();
    (body['alerts'] as unknown[]).splice(1, 0, { labels: { 'bad name': 'x' } }, 7);
    const r = normalizeAlertmanagerWebhook(body, ctx);
    expect(r.alerts.map((a) => a.fingerprint)).toEqual(['83284038e6a8517a', '2437bec08a44e07f']);
    expect(r.errors).toEqual(['alerts[1]: invalid label set: invalid name "bad name"', 'alerts[2]: expected object, got number']);
    expect(r.invalid).toBe(2);
  });
});
