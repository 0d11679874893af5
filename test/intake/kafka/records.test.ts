import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/domain/alert.js';
import type { ChangeEvent } from '../../../src/domain/signal.js';
import type { PostableSilence } from '../../../src/engine/port.js';
import { deadLetterMessage, readDeadLetterHeaders } from '../../../src/intake/kafka/deadLetter.js';
import { processRecord, recognize, type IntakeSink, type RecordDecoders } from '../../../src/intake/kafka/records.js';
import { scopeKey, scopeProblems, splitByScope } from '../../../src/intake/kafka/scope.js';
import { config } from '../../engine/support.js';

const NOW = Date.parse('2026-03-01T00:00:00Z');

class FakeSink implements IntakeSink {
  alerts: Alert[] = [];
  silences: PostableSilence[] = [];
  expired: string[] = [];
  changes: ChangeEvent[] = [];
  receiveChanges?: IntakeSink['receiveChanges'];
  receiveSignals?: IntakeSink['receiveSignals'];
  now() {
    return NOW;
  }
  resolveTimeoutMs() {
    return 300_000;
  }
  receiveAlerts(alerts: readonly Alert[]) {
    this.alerts.push(...alerts);
  }
  upsertSilence(s: PostableSilence) {
    if (s.id === 'unknown') return { ok: false as const, error: 'silence unknown not found', notFound: true };
    this.silences.push(s);
    return { ok: true as const, id: s.id ?? 'new' };
  }
  expireSilence(id: string) {
    if (id !== 'known') return { ok: false as const, error: `silence ${id} not found`, notFound: true };
    this.expired.push(id);
    return { ok: true as const };
  }
}

const buf = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
const alert = (labels: Record<string, string>) => ({ labels, annotations: { summary: 'x' } });
const webhook = (alerts: unknown[]) => ({ version: '4', status: 'firing', receiver: 'r', groupKey: '{}:{}', alerts });
const silence = {
  matchers: [{ name: 'alertname', value: 'A', isRegex: false }],
  startsAt: '2026-03-01T00:00:00Z',
  endsAt: '2026-03-01T01:00:00Z',
  createdBy: 'me',
  comment: 'c',
};

describe('recognising records by shape', () => {
  it.each([
    ['an API v2 alert array', [alert({ alertname: 'A' })], 'alerts'],
    ['an empty array', [], 'alerts'],
    ['a webhook body', webhook([]), 'alertmanager'],
    ['a model signal', { source: 'evidently', kind: 'drift', status: 'breach' }, 'signal'],
    ['SLI counts', { kind: 'sli_events', slo: 's', good: 1, total: 1 }, 'signal'],
    ['an array of signals', [{ kind: 'freshness' }, { kind: 'drift' }], 'signal'],
    ['a change event', { id: 'd1', kind: 'deploy', summary: 's' }, 'change'],
    ['an array of changes', [{ kind: 'deploy' }, { kind: 'config_push' }], 'change'],
    ['a replay line with alerts', { at: '2026-03-01T00:00:00Z', alerts: [] }, 'alerts'],
    ['a replay line with a silence', { silence }, 'silence'],
    ['a replay line expiring a silence', { expireSilence: 'x' }, 'expireSilence'],
    ['a replay line with a webhook', { alertmanager: webhook([]) }, 'alertmanager'],
  ])('%s', (_name, value, kind) => {
    const r = recognize(buf(value));
    expect(r.ok && r.kind).toBe(kind);
  });

  it.each([
    ['an empty value', Buffer.alloc(0), 'malformed_json', 'empty record'],
    ['a tombstone', null, 'malformed_json', 'empty record'],
    ['broken JSON', buf('{"alerts": ['), 'malformed_json', 'not valid JSON'],
    ['invalid UTF-8', Buffer.from([0x5b, 0xff, 0x5d]), 'malformed_json', 'not valid UTF-8'],
    ['a number', buf(42), 'unrecognized', 'got number'],
    ['an unknown object', buf({ hello: 'world' }), 'unrecognized', 'keys "hello"'],
    ['an empty object', buf({}), 'unrecognized', '(none)'],
    ['a replay line with two kinds', buf({ alerts: [], silence }), 'unrecognized', 'got alerts, silence'],
    ['a replay line with only at', buf({ at: '2026-03-01T00:00:00Z' }), 'unrecognized', 'got none'],
    ['a replay line with a bad at', buf({ at: 'yesterday', alerts: [] }), 'invalid', 'at: not an RFC 3339 time: "yesterday"'],
  ])('%s is refused', (_name, value, reason, issue) => {
    const r = recognize(value as Buffer | null);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe(reason);
    expect(r.issues.join('\n')).toContain(issue);
  });
});

describe('applying records', () => {
  it('applies valid alerts with the kafka source and the engine clock', () => {
    const sink = new FakeSink();
    const out = processRecord(buf([alert({ alertname: 'A' }), alert({ alertname: 'B' })]), sink);
    expect(out).toEqual({ ok: true, kind: 'alerts', applied: 2, invalid: 0 });
    expect(sink.alerts.map((a) => [a.labels['alertname'], a.source, a.updatedAt, a.endsAt])).toEqual([
      ['A', 'kafka', NOW, NOW + 300_000],
      ['B', 'kafka', NOW, NOW + 300_000],
    ]);
  });

  it('applies the valid part of a partially invalid record and says which alerts failed', () => {
    const sink = new FakeSink();
    const out = processRecord(buf([alert({ alertname: 'A' }), { labels: {} }, alert({ 'bad-name': 'x' })]), sink);
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.reason).toBe('partially_invalid');
    expect(out.applied).toBe(1);
    expect(out.invalid).toBe(2);
    expect(out.issues).toEqual(['alerts[1]: at least one label pair required', 'alerts[2]: invalid label set: invalid name "bad-name"']);
    expect(sink.alerts).toHaveLength(1);
  });

  it('a record with nothing valid is invalid and applies nothing', () => {
    const sink = new FakeSink();
    const out = processRecord(buf(webhook([{ labels: {} }])), sink);
    expect(out).toMatchObject({ ok: false, reason: 'invalid', applied: 0 });
    const wrongVersion = processRecord(buf({ version: '3', alerts: [] }), sink);
    expect(wrongVersion).toMatchObject({ ok: false, reason: 'invalid', issues: ['version: expected "4", got "3"'] });
    expect(sink.alerts).toHaveLength(0);
  });

  it('webhook bodies go through the webhook normalizer', () => {
    const sink = new FakeSink();
    const out = processRecord(buf({ alertmanager: webhook([{ status: 'resolved', labels: { alertname: 'A' }, endsAt: '2026-02-28T23:00:00Z' }]) }), sink);
    expect(out.ok).toBe(true);
    expect(sink.alerts[0]!.endsAt).toBe(Date.parse('2026-02-28T23:00:00Z'));
  });

  it('silences and expiries reach the sink; refusals are dead-lettered as rejected', () => {
    const sink = new FakeSink();
    expect(processRecord(buf({ silence }), sink)).toMatchObject({ ok: true, kind: 'silence' });
    expect(sink.silences).toHaveLength(1);
    expect(processRecord(buf({ silence: { ...silence, id: 'unknown' } }), sink)).toMatchObject({ ok: false, reason: 'rejected' });
    expect(processRecord(buf({ silence: { ...silence, createdBy: 3 } }), sink)).toMatchObject({
      ok: false,
      reason: 'invalid',
      issues: ['silence: createdBy: expected string, got number'],
    });
    expect(processRecord(buf({ expireSilence: 'known' }), sink)).toMatchObject({ ok: true });
    expect(processRecord(buf({ expireSilence: 'nope' }), sink)).toMatchObject({ ok: false, reason: 'rejected' });
    expect(processRecord(buf({ expireSilence: 7 }), sink)).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it('model signals go through the signals normalizer; the raised alert reaches the engine', () => {
    const sink = new FakeSink();
    const signal = { source: 'evidently', kind: 'drift', model_id: 'fraud-scorer', feature: 'age', status: 'breach', labels: { cluster: 'eu' } };
    expect(processRecord(buf(signal), sink)).toMatchObject({ ok: true, kind: 'signal', applied: 1 });
    expect(sink.alerts[0]).toMatchObject({ labels: { alertname: 'ModelDrift', model: 'fraud-scorer', cluster: 'eu' }, source: 'signal' });
    const bad = processRecord(buf([signal, { source: 'x', kind: 'freshness', status: 'breach' }]), sink);
    expect(bad).toMatchObject({ ok: false, reason: 'partially_invalid', applied: 1, invalid: 1 });
    if (!bad.ok) expect(bad.issues[0]).toMatch(/^signals\[1\]: one of model_id or pipeline is required/);
  });

  it('hands signals to receiveSignals when the engine has it, and dead-letters refused SLI counts', () => {
    const sink = new FakeSink();
    const got: unknown[] = [];
    sink.receiveSignals = (input) => {
      got.push(input);
      return input.sliEvents.map((e) => `sli_events: unknown SLO ${JSON.stringify(e.slo)}`);
    };
    const sli = { kind: 'sli_events', slo: 'nope', good: 9, total: 10, window: { start: '2026-03-01T00:00:00Z', end: '2026-03-01T00:05:00Z' } };
    expect(processRecord(buf(sli), sink)).toMatchObject({ ok: false, kind: 'signal', reason: 'invalid', issues: ['sli_events: unknown SLO "nope"'] });
    expect(got).toHaveLength(1);
  });

  it('change events reach receiveChanges; an engine without it dead-letters them as unsupported', () => {
    const sink = new FakeSink();
    const change = { id: 'deploy-1', kind: 'deploy', labels: { service: 'api' }, summary: 'api v2' };
    expect(processRecord(buf({ change }), sink)).toMatchObject({ ok: false, kind: 'change', reason: 'unsupported' });
    sink.receiveChanges = (cs) => void sink.changes.push(...cs);
    expect(processRecord(buf(change), sink)).toMatchObject({ ok: true, kind: 'change', applied: 1 });
    expect(sink.changes.map((c) => [c.id, c.at])).toEqual([['deploy-1', NOW]]);
    expect(processRecord(buf([change, { kind: 'deploy' }]), sink)).toMatchObject({ ok: false, reason: 'partially_invalid', applied: 1, invalid: 1 });
  });

  it('signals and changes can be decoded by injected decoders', () => {
    const sink = new FakeSink();
    sink.receiveChanges = (cs) => void sink.changes.push(...cs);
    const decoders: RecordDecoders = {
      signal: () => ({ signals: [], sliEvents: [], alerts: [], errors: ['signal: decoded elsewhere'], invalid: 1, withheld: 0 }),
      change: (body, now) => ({ changes: [{ id: 'c', kind: 'deploy', at: now, labels: {}, summary: String((body as { summary: string }).summary) }], errors: [], invalid: 0 }),
    };
    expect(processRecord(buf({ source: 's', kind: 'drift', status: 'breach' }), sink, { decoders })).toMatchObject({ ok: false, issues: ['signal: decoded elsewhere'] });
    expect(processRecord(buf({ kind: 'deploy', summary: 'v2' }), sink, { decoders })).toMatchObject({ ok: true, kind: 'change' });
    expect(sink.changes.map((c) => c.summary)).toEqual(['v2']);
  });

  it('a throwing engine propagates: the batch is retried, not dead-lettered', () => {
    const sink = new FakeSink();
    sink.receiveAlerts = () => {
      throw new Error('state store down');
    };
    expect(() => processRecord(buf([alert({ alertname: 'A' })]), sink)).toThrow('state store down');
  });
});

describe('dead-letter records', () => {
  it('keep key, value and headers, and add the reason, issues and source', () => {
    const original = {
      key: Buffer.from('prod/payments'),
      value: Buffer.from('{"nope":1}'),
      headers: { trace: Buffer.from('abc'), 'alertsift-dlq-reason': Buffer.from('stale') },
      offset: '41',
      timestamp: '1772323200000',
      attributes: 0,
    };
    const m = deadLetterMessage(original, {
      reason: 'unrecognized',
      issues: ['value: expected …'],
      kind: undefined,
      applied: 0,
      topic: 'raw',
      partition: 2,
      groupId: 'g',
      at: NOW,
    });
    expect(m.key).toBe(original.key);
    expect(m.value).toBe(original.value);
    expect(m.headers?.['trace']).toEqual(Buffer.from('abc'));
    const h = readDeadLetterHeaders(m.headers);
    expect(h).toMatchObject({
      reason: 'unrecognized',
      issues: ['value: expected …'],
      applied: 0,
      source: { topic: 'raw', partition: 2, offset: '41', timestamp: '1772323200000' },
      groupId: 'g',
      at: '2026-03-01T00:00:00.000Z',
    });
    expect(h.kind).toBeUndefined();
  });

  it('cap the issues header', () => {
    const issues = Array.from({ length: 80 }, (_, i) => `alerts[${i}]: ${'x'.repeat(2000)}`);
    const m = deadLetterMessage(
      { key: null, value: Buffer.from('[]'), offset: '0', timestamp: '0', attributes: 0, headers: {} },
      { reason: 'invalid', issues, kind: 'alerts', applied: 0, topic: 't', partition: 0, groupId: 'g', at: NOW },
    );
    const h = readDeadLetterHeaders(m.headers);
    expect(h.issues).toHaveLength(51);
    expect(h.issues[50]).toBe('… and 30 more');
    expect(h.issues[0]!.length).toBeLessThan(1100);
  });
});

describe('correlation scope keys', () => {
  it('joins the scope labels in order, missing ones empty', () => {
    expect(scopeKey({ cluster: 'prod-eu', namespace: 'payments', pod: 'p' }, ['cluster', 'namespace'])).toBe('prod-eu/payments');
    expect(scopeKey({ namespace: 'payments' }, ['cluster', 'namespace'])).toBe('/payments');
    expect(scopeKey(undefined, ['cluster'])).toBe('');
    expect(scopeKey({ cluster: 'a' }, [])).toBe('');
  });

  it('splits an alert array by scope, keeping order within a scope', () => {
    const a1 = alert({ alertname: 'A', cluster: 'eu' });
    const a2 = alert({ alertname: 'B', cluster: 'us' });
    const a3 = alert({ alertname: 'C', cluster: 'eu' });
    expect(splitByScope('alerts', [a1, a2, a3], ['cluster'])).toEqual([
      { key: 'eu', body: [a1, a3] },
      { key: 'us', body: [a2] },
    ]);
  });

  it('splits a webhook body into webhook bodies; one scope keeps the body as it is', () => {
    const body = webhook([alert({ cluster: 'eu' }), alert({ cluster: 'us' })]);
    const parts = splitByScope('alertmanager', body, ['cluster']);
    expect(parts.map((p) => [p.key, (p.body as { version: string; alerts: unknown[] }).version, (p.body as { alerts: unknown[] }).alerts.length])).toEqual([
      ['eu', '4', 1],
      ['us', '4', 1],
    ]);
    const one = webhook([alert({ cluster: 'eu' })]);
    expect(splitByScope('alertmanager', one, ['cluster'])).toEqual([{ key: 'eu', body: one }]);
  });

  it('keys a model signal by the labels its alert will carry', () => {
    const s = { source: 'evidently', kind: 'drift', model_id: 'fraud', labels: { cluster: 'eu' } };
    expect(splitByScope('signal', s, ['cluster', 'model'])).toEqual([{ key: 'eu/fraud', body: s }]);
  });

  it('names the routes and inhibition rules that would split a group or an inhibition across partitions', () => {
    const c = config(`
route:
  receiver: r
  group_by: [alertname, cluster]
  routes:
    - matchers: ['team="a"']
      group_by: [alertname]
    - matchers: ['team="b"']
      group_by: ['...']
    - matchers: ['team="c"']
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [alertname]
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="info"']
    equal: [cluster, alertname]
receivers: [{name: r}]
`);
    expect(scopeProblems(c, ['cluster'])).toEqual([
      'route.routes[0]: group_by [alertname] lacks the scope label(s) cluster: one aggregation group can span two partitions, and two instances would both notify for it',
      'inhibit_rules[0]: equal [alertname] lacks the scope label(s) cluster: a source alert cannot inhibit a target that another instance holds',
    ]);
    expect(scopeProblems(c, [])).toEqual([]);
  });
});
