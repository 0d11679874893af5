/**
 * Alertmanager's data model, functions and default templates, rendered against realistic notification
 * data. Expected strings are derived by hand from default.tmpl and Go's rules (and agree with what the
 * real Alertmanager renders for the same data: see alertmanagerOracle.test.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  compileTemplate,
  DEFAULT_TEMPLATES,
  defaultTemplateSet,
  templateData,
  TemplateExecError,
  TemplateSet,
} from '../../../src/notify/template/index.js';
import type { NotificationData } from '../../../src/notify/data.js';
import { FIRING_GROUP, RESOLVED_GROUP } from './fixtures.js';

const render = (tmpl: string, d: NotificationData = FIRING_GROUP, now?: number): string =>
  compileTemplate(tmpl, 'test').execute(templateData(d), now === undefined ? undefined : { now: () => now });

const alertText = (instance: string): string =>
  'Labels:\n' +
  ' - alertname = HighLatency\n' +
  ` - instance = ${instance}\n` +
  ' - service = api\n' +
  ' - severity = critical\n' +
  'Annotations:\n' +
  ' - runbook_url = https://runbooks/latency\n' +
  ' - summary = p99 latency above 2s\n' +
  'Source: http://prometheus:9090/graph?g0.expr=latency\n';

const resolvedText = (labels: [string, string][]): string =>
  'Labels:\n' +
  labels.map(([k, v]) => ` - ${k} = ${v}\n`).join('') +
  'Annotations:\n' +
  ' - runbook_url = https://runbooks/latency\n' +
  ' - summary = p99 latency above 2s\n' +
  'Source: http://prometheus:9090/graph?g0.expr=latency\n';

const FIRING_LIST = alertText('api-1:9090') + alertText('api-2:9090');
const RESOLVED_LIST = alertText('api-3:9090');
const URL = 'http://alertmanager.example:9093/#/alerts?receiver=team-a%5C.pager';

describe('default templates (default.tmpl)', () => {
  const cases: [string, string, NotificationData, string][] = [
    ['__subject firing', '{{ template "__subject" . }}', FIRING_GROUP, '[FIRING:2] HighLatency api (critical)'],
    // Nothing in common beyond the group labels: no parentheses, but the space before them stays.
    ['__subject resolved', '{{ template "__subject" . }}', RESOLVED_GROUP, '[RESOLVED] HighLatency api '],
    ['__alertmanager', '{{ template "__alertmanager" . }}', FIRING_GROUP, 'Alertmanager'],
    // The receiver goes through regexp.QuoteMeta (team-a\.pager), then urlquery.
    ['__alertmanagerURL', '{{ template "__alertmanagerURL" . }}', FIRING_GROUP, URL],
    ['__description', '[{{ template "__description" . }}]', FIRING_GROUP, '[]'],
    ['__text_alert_list', '{{ template "__text_alert_list" .Alerts.Firing }}', FIRING_GROUP, FIRING_LIST],
    [
      '__text_alert_list_markdown',
      '{{ template "__text_alert_list_markdown" .Alerts.Resolved }}',
      FIRING_GROUP,
      '\nLabels:\n  - alertname = HighLatency\n  - instance = api-3:9090\n  - service = api\n  - severity = critical\n\n' +
        'Annotations:\n  - runbook_url = https://runbooks/latency\n  - summary = p99 latency above 2s\n\n' +
        'Source: http://prometheus:9090/graph?g0.expr=latency\n\n',
    ],
    ['slack.default.title', '{{ template "slack.default.title" . }}', FIRING_GROUP, '[FIRING:2] HighLatency api (critical)'],
    ['slack.default.username', '{{ template "slack.default.username" . }}', FIRING_GROUP, 'Alertmanager'],
    ['slack.default.titlelink', '{{ template "slack.default.titlelink" . }}', FIRING_GROUP, URL],
    ['slack.default.fallback', '{{ template "slack.default.fallback" . }}', FIRING_GROUP, `[FIRING:2] HighLatency api (critical) | ${URL}`],
    ['slack.default.text', '[{{ template "slack.default.text" . }}]', FIRING_GROUP, '[]'],
    ['slack.default.pretext', '[{{ template "slack.default.pretext" . }}]', FIRING_GROUP, '[]'],
    ['pagerduty.default.description', '{{ template "pagerduty.default.description" . }}', FIRING_GROUP, '[FIRING:2] HighLatency api (critical)'],
    ['pagerduty.default.client', '{{ template "pagerduty.default.client" . }}', FIRING_GROUP, 'Alertmanager'],
    ['pagerduty.default.clientURL', '{{ template "pagerduty.default.clientURL" . }}', FIRING_GROUP, URL],
    ['pagerduty.default.instances firing', '{{ template "pagerduty.default.instances" .Alerts.Firing }}', FIRING_GROUP, FIRING_LIST],
    ['pagerduty.default.instances resolved', '{{ template "pagerduty.default.instances" .Alerts.Resolved }}', FIRING_GROUP, RESOLVED_LIST],
    [
      'opsgenie.default.description',
      '{{ template "opsgenie.default.description" . }}',
      FIRING_GROUP,
      `https://runbooks/latency p99 latency above 2s\nAlerts Firing:\n${FIRING_LIST}\nAlerts Resolved:\n${RESOLVED_LIST}`,
    ],
    [
      'opsgenie.default.description resolved only',
      '{{ template "opsgenie.default.description" . }}',
      RESOLVED_GROUP,
      '\n\nAlerts Resolved:\n' +
        resolvedText([
          ['alertname', 'HighLatency'],
          ['instance', 'api-3:9090'],
          ['service', 'api'],
        ]) +
        resolvedText([
          ['alertname', 'HighLatency'],
          ['instance', 'api-4:9090'],
          ['service', 'api'],
          ['zone', 'b'],
        ]),
    ],
    [
      'pushover.default.message',
      '{{ template "pushover.default.message" . }}',
      FIRING_GROUP,
      `https://runbooks/latency p99 latency above 2s\n\nAlerts Firing:\n${FIRING_LIST}\n\n\nAlerts Resolved:\n${RESOLVED_LIST}\n\n`,
    ],
    ['jira.default.priority critical', '{{ template "jira.default.priority" . }}', FIRING_GROUP, 'High'],
    ['jira.default.priority none', '[{{ template "jira.default.priority" . }}]', RESOLVED_GROUP, '[]'],
    ['victorops.default.entity_display_name', '{{ template "victorops.default.entity_display_name" . }}', RESOLVED_GROUP, '[RESOLVED] HighLatency api '],
    ['rocketchat.default.alias', '{{ template "rocketchat.default.alias" . }}', FIRING_GROUP, 'Alertmanager'],
  ];
  it.each(cases)('%s', (_name, tmpl, d, want) => {
    expect(render(tmpl, d)).toBe(want);
  });

  it("renders Alertmanager's PagerDuty config defaults", () => {
    // pagerduty_config defaults in Alertmanager's config package.
    const fields = {
      description: '{{ template "pagerduty.default.description" .}}',
      client: '{{ template "pagerduty.default.client" . }}',
      client_url: '{{ template "pagerduty.default.clientURL" . }}',
      firing: '{{ template "pagerduty.default.instances" .Alerts.Firing }}',
      resolved: '{{ template "pagerduty.default.instances" .Alerts.Resolved }}',
      num_firing: '{{ .Alerts.Firing | len }}',
      num_resolved: '{{ .Alerts.Resolved | len }}',
    };
    const out = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, render(v)]));
    expect(out).toEqual({
      description: '[FIRING:2] HighLatency api (critical)',
      client: 'Alertmanager',
      client_url: URL,
      firing: FIRING_LIST,
      resolved: RESOLVED_LIST,
      num_firing: '2',
      num_resolved: '1',
    });
  });

  it('parses every definition of default.tmpl', () => {
    const set = defaultTemplateSet();
    const defined = [...DEFAULT_TEMPLATES.matchAll(/define "([^"]+)"/g)].map((m) => m[1]!);
    expect(defined.length).toBeGreaterThan(50);
    for (const name of defined) expect(set.has(name), name).toBe(true);
    // And every one renders against real data without error.
    for (const name of defined) {
      const dot = name === '__text_alert_list' || name === '__text_alert_list_markdown' || name === 'pagerduty.default.instances' ? templateData(FIRING_GROUP).alerts : templateData(FIRING_GROUP);
      expect(() => set.execute(name, dot), name).not.toThrow();
    }
  });
});

describe('data model', () => {
  it.each([
    ['receiver is QuoteMeta-escaped', '{{ .Receiver }}', 'team-a\\.pager'],
    ['status and external URL', '{{ .Status }} {{ .ExternalURL }}', 'firing http://alertmanager.example:9093'],
    ['group key and truncated alerts', '{{ .GroupKey }}|{{ .TruncatedAlerts }}', '{}/{team="a"}:{alertname="HighLatency", service="api"}|0'],
    ['KV prints as sorted pairs', '{{ .CommonLabels }}', 'alertname=HighLatency, service=api, severity=critical'],
    ['SortedPairs', '{{ range .CommonLabels.SortedPairs }}{{ .Name }}={{ .Value }};{{ end }}', 'alertname=HighLatency;service=api;severity=critical;'],
    ['Names and Values', '{{ .CommonLabels.Names }} {{ .CommonLabels.Values }}', '[alertname service severity] [HighLatency api critical]'],
    ['Pairs.Names / Values', '{{ .GroupLabels.SortedPairs.Names | join "," }} {{ .GroupLabels.SortedPairs.Values | join "," }}', 'alertname,service HighLatency,api'],
    ['Remove', '{{ .CommonLabels.Remove .GroupLabels.Names }}', 'severity=critical'],
    ['Remove with stringSlice', '{{ (.CommonLabels.Remove (stringSlice "severity" "nope")).Names }}', '[alertname service]'],
    ['missing label is empty', '[{{ .CommonLabels.team }}][{{ index .CommonLabels "team" }}]', '[][]'],
    ['label field', '{{ .CommonLabels.severity }} {{ .CommonAnnotations.summary }}', 'critical p99 latency above 2s'],
    ['len of KV', '{{ len .CommonLabels }} {{ len .GroupLabels }} {{ len .CommonAnnotations }}', '3 2 2'],
    ['Firing and Resolved', '{{ len .Alerts }} {{ len .Alerts.Firing }} {{ .Alerts.Resolved | len }}', '3 2 1'],
    ['range alerts', '{{ range .Alerts }}{{ .Status }}:{{ .Labels.instance }}:{{ .Fingerprint }} {{ end }}', 'firing:api-1:9090:1a2b3c4d5e6f7081 firing:api-2:9090:2b3c4d5e6f708192 resolved:api-3:9090:3c4d5e6f708192a3 '],
    ['range with index', '{{ range $i, $a := .Alerts.Firing }}{{ $i }}={{ $a.Labels.instance }} {{ end }}', '0=api-1:9090 1=api-2:9090 '],
    ['times print like Go', '{{ range .Alerts }}{{ .StartsAt }}|{{ .EndsAt }}\n{{ end }}', '2026-08-22 10:00:00 +0000 UTC|0001-01-01 00:00:00 +0000 UTC\n2026-08-22 10:00:30.25 +0000 UTC|0001-01-01 00:00:00 +0000 UTC\n2026-08-22 09:50:00 +0000 UTC|2026-08-22 09:58:00 +0000 UTC\n'],
    ['time Format method', '{{ (index .Alerts 1).StartsAt.Format "2006-01-02T15:04:05.000Z07:00 Mon" }}', '2026-08-22T10:00:30.250Z Sat'],
    ['EndsAt of a firing alert is zero', '{{ (index .Alerts 0).EndsAt.IsZero }} {{ (index .Alerts 2).EndsAt.IsZero }}', 'true false'],
    ['date and tz', '{{ date "15:04 MST" (tz "Europe/Berlin" (index .Alerts 0).StartsAt) }}', '12:00 CEST'],
    ['alert duration', '{{ with index .Alerts.Resolved 0 }}{{ .EndsAt.Sub .StartsAt }}{{ end }}', '8m0s'],
    ['slice keeps the Alerts type', '{{ (slice .Alerts 1).Firing | len }}', '1'],
    ['toJson of labels', '{{ toJson .CommonLabels }}', '{"alertname":"HighLatency","service":"api","severity":"critical"}'],
    [
      'toJson of an alert',
      '{{ toJson (index .Alerts 2) }}',
      '{"status":"resolved","labels":{"alertname":"HighLatency","instance":"api-3:9090","service":"api","severity":"critical"},' +
        '"annotations":{"runbook_url":"https://runbooks/latency","summary":"p99 latency above 2s"},' +
        '"startsAt":"2026-08-22T09:50:00Z","endsAt":"2026-08-22T09:58:00Z","generatorURL":"http://prometheus:9090/graph?g0.expr=latency","fingerprint":"3c4d5e6f708192a3"}',
    ],
    ['toJson of pairs', '{{ toJson .GroupLabels.SortedPairs }}', '[{"Name":"alertname","Value":"HighLatency"},{"Name":"service","Value":"api"}]'],
    ['printf %v of a Pair', '{{ printf "%v %+v" (index .GroupLabels.SortedPairs 1) (index .GroupLabels.SortedPairs 1) }}', '{service api} {Name:service Value:api}'],
    ['type names', '{{ printf "%T %T %T %T %T %T" . .Alerts .Alerts.Firing .CommonLabels .CommonLabels.SortedPairs (index .Alerts 0).StartsAt }}', '*template.Data template.Alerts []template.Alert template.KV template.Pairs time.Time'],
  ])('%s', (_name, tmpl, want) => {
    expect(render(tmpl)).toBe(want);
  });

  it('puts alertname first in SortedPairs but ranges over the map in key order', () => {
    const d: NotificationData = { ...FIRING_GROUP, commonLabels: { b: '1', alertname: 'X', a: '2' } };
    expect(render('{{ range .CommonLabels.SortedPairs }}{{ .Name }} {{ end }}|{{ range $k, $v := .CommonLabels }}{{ $k }} {{ end }}', d)).toBe(
      'alertname a b |a alertname b ',
    );
  });

  it('since and humanizeDuration use the injected clock', () => {
    const now = Date.parse('2026-08-22T11:02:03.5Z');
    expect(render('{{ since (index .Alerts 0).StartsAt }}|{{ since (index .Alerts 0).StartsAt | humanizeDuration }}', FIRING_GROUP, now)).toBe('1h2m3.5s|1h 2m 3s');
  });

  it('Firing returns a plain slice without methods, as in Alertmanager', () => {
    expect(() => render('{{ .Alerts.Firing.Firing }}')).toThrow(/can't evaluate field Firing in type \[\]template\.Alert/);
  });

  it('refuses unknown fields of the data model', () => {
    expect(() => render('{{ .Foo }}')).toThrow(/can't evaluate field Foo in type \*template\.Data/);
    expect(() => render('{{ (index .Alerts 0).Foo }}')).toThrow(/can't evaluate field Foo in type template\.Alert/);
  });

  it('converts a notification once and reuses the conversion', () => {
    expect(templateData(FIRING_GROUP)).toBe(templateData(FIRING_GROUP));
  });
});

describe('Alertmanager functions', () => {
  it.each([
    ['title', `{{ title "hello wORLD foo-bar o'neil x_y" }}`, "Hello World Foo-Bar O'neil X_y"],
    ['toUpper rune by rune', '{{ toUpper "straße" }}', 'STRAßE'],
    ['toLower', '{{ toLower "ÀBC" }}', 'àbc'],
    ['trimSpace', '[{{ trimSpace "\\u00a0 x \\n" }}]', '[x]'],
    ['join pipeline', '{{ .CommonLabels.Values | join ", " }}', 'HighLatency, api, critical'],
    ['match', '{{ match "^api-[0-9]+:9090$" (index .Alerts 0).Labels.instance }}', 'true'],
    ['reReplaceAll', '{{ reReplaceAll ":[0-9]+$" "" (index .Alerts 0).Labels.instance }}', 'api-1'],
    ['safeHtml and safeUrl', '{{ safeHtml "<b>" }} {{ safeUrl "http://x/?a=b" }}', '<b> http://x/?a=b'],
    ['urlUnescape', '{{ urlUnescape "a%2Fb+c" }}', 'a/b c'],
    ['stringSlice', '{{ stringSlice "a" "b" | join "+" }}', 'a+b'],
    ['humanizeDuration', '{{ humanizeDuration 0 }}|{{ humanizeDuration 1 }}|{{ humanizeDuration 60 }}|{{ humanizeDuration 3600 }}|{{ humanizeDuration 86400 }}|{{ humanizeDuration 90000 }}|{{ humanizeDuration -183845 }}|{{ humanizeDuration 899.99 }}', '0s|1s|1m 0s|1h 0m 0s|1d 0h 0m 0s|1d 1h 0m 0s|-2d 3h 4m 5s|14m 59s'],
    ['humanizeDuration fractions', '{{ humanizeDuration .1 }}|{{ humanizeDuration .0001 }}|{{ humanizeDuration .12345 }}|{{ humanizeDuration 60.5 }}|{{ humanizeDuration 1.2345 }}|{{ humanizeDuration 12.345 }}', '100ms|100us|123.5ms|1m 0s|1.234s|12.35s'],
    ['humanizeDuration strings', '{{ humanizeDuration "86400" }}|{{ humanizeDuration ".12345" }}|{{ humanizeDuration 1234567 }}', '1d 0h 0m 0s|123.5ms|14d 6h 56m 7s'],
  ])('%s', (_name, tmpl, want) => {
    expect(render(tmpl)).toBe(want);
  });

  it('humanizeDuration refuses what is not a number', () => {
    expect(() => render('{{ humanizeDuration "one" }}')).toThrow(/error calling humanizeDuration/);
  });
});

describe('docs/templates.md examples', () => {
  it('PagerDuty description', () => {
    // YAML `>-` folds the two lines into one, joined by a space.
    const src =
      '[{{ .CommonLabels.severity | toUpper }}] {{ .CommonLabels.alertname }} on ' +
      '{{ range $i, $a := .Alerts.Firing }}{{ if $i }}, {{ end }}{{ reReplaceAll ":[0-9]+$" "" $a.Labels.instance }}{{ end }}';
    expect(render(src)).toBe('[CRITICAL] HighLatency on api-1, api-2');
  });

  it('Slack text', () => {
    const src =
      '{{ range .Alerts -}}\n*{{ .Status | title }}* {{ .Annotations.summary }}\n' +
      '{{- if .Annotations.runbook_url }} (<{{ .Annotations.runbook_url }}|runbook>){{ end }}\n' +
      'since {{ .StartsAt | tz "UTC" | date "15:04 MST" }}\n{{ end }}';
    expect(render(src)).toBe(
      '*Firing* p99 latency above 2s (<https://runbooks/latency|runbook>)\nsince 10:00 UTC\n' +
        '*Firing* p99 latency above 2s (<https://runbooks/latency|runbook>)\nsince 10:00 UTC\n' +
        '*Resolved* p99 latency above 2s (<https://runbooks/latency|runbook>)\nsince 09:50 UTC\n',
    );
  });

  it('overriding __subject', () => {
    const set = new TemplateSet().add('{{ define "__subject" }}{{ .Status | toUpper }}: {{ .CommonLabels.alertname }}{{ end }}', 'team.tmpl');
    expect(set.compile('{{ template "slack.default.title" . }}').execute(templateData(FIRING_GROUP))).toBe('FIRING: HighLatency');
  });
});

describe('TemplateSet', () => {
  it('lets user templates replace defaults, as Alertmanager template files do', () => {
    const set = new TemplateSet().add('{{ define "__subject" }}[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}{{ end }}', 'custom.tmpl');
    expect(set.compile('{{ template "slack.default.title" . }}').execute(templateData(FIRING_GROUP))).toBe('[FIRING] HighLatency');
    // The shared default set is untouched.
    expect(render('{{ template "slack.default.title" . }}')).toBe('[FIRING:2] HighLatency api (critical)');
  });

  it('does not let an empty definition replace a real one', () => {
    const set = new TemplateSet().add('{{ define "__alertmanager" }}  {{ end }}');
    expect(set.execute('__alertmanager', templateData(FIRING_GROUP))).toBe('Alertmanager');
  });

  it('keeps the defines of a compiled field private to it', () => {
    const set = new TemplateSet();
    const a = set.compile('{{ define "mine" }}A{{ end }}{{ template "mine" . }}', 'a');
    expect(a.execute(null)).toBe('A');
    expect(set.has('mine')).toBe(false);
    expect(() => set.compile('{{ template "mine" . }}', 'b').execute(null)).toThrow(/template "mine" not defined/);
  });

  it('lists templates a compiled field calls that do not exist', () => {
    const set = new TemplateSet().add('{{ define "x" }}{{ template "missing.inner" . }}{{ end }}');
    expect(set.compile('{{ template "x" . }}{{ if . }}{{ template "nope" }}{{ end }}{{ template "slack.default.title" . }}').undefinedTemplates()).toEqual(['missing.inner', 'nope']);
  });

  it('executes a named template, and says so when there is none', () => {
    expect(defaultTemplateSet().execute('slack.default.title', templateData(RESOLVED_GROUP))).toBe('[RESOLVED] HighLatency api ');
    expect(() => defaultTemplateSet().execute('nope', null)).toThrow(TemplateExecError);
  });

  it('can run without the defaults', () => {
    const set = new TemplateSet({ defaults: false });
    expect(set.names()).toEqual([]);
    expect(() => set.compile('{{ template "__subject" . }}').execute(null)).toThrow(/not defined/);
  });
});
