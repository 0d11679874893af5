/**
 * The real Alertmanager as the oracle for the data model and the default templates: one receiver with a
 * webhook (which tells us the exact notification data Alertmanager built) and one Slack config per
 * template (whose `text` Alertmanager renders with its own text/template). Each template is then
 * rendered by alertsift from the webhook body, and must produce exactly Alertmanager's text.
 *
 * Needs Debian's prometheus-alertmanager (0.25, installed by .ci/run); skipped with a notice elsewhere.
 * Alertmanager 0.25 predates some functions (date, tz, since, humanizeDuration, toJson, trimSpace, the
 * x/text `title`), so only functions it has are used here. It also predates KV.String and Pairs.String
 * (added in 0.26, prometheus/alertmanager#3256: labels print as `a=b, c=d`, not `map[a:b c:d]`); we
 * follow the current behaviour, so the templates that print a KV or Pairs value run only against 0.26+.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerInstalled, alertmanagerVersion, startAlertmanager, type RunningAlertmanager } from '../../../benchmarks/alertmanager/process.js';
import type { NotificationData } from '../../../src/notify/data.js';
import { compileTemplate, templateData } from '../../../src/notify/template/index.js';

const installed = alertmanagerInstalled();
if (!installed) console.warn('SKIPPED: the Alertmanager template oracle needs /usr/bin/prometheus-alertmanager');

/** Templates that print a KV or Pairs value (String() since 0.26), marked with a leading `!`. */
const TEMPLATES_MARKED: readonly string[] = [
  '{{ template "__subject" . }}',
  '{{ template "slack.default.title" . }}',
  '{{ template "slack.default.fallback" . }}',
  '{{ template "pagerduty.default.instances" .Alerts.Firing }}',
  '{{ template "__text_alert_list" .Alerts }}',
  '{{ template "opsgenie.default.description" . }}',
  '{{ template "pushover.default.message" . }}',
  '{{ template "wechat.default.message" . }}',
  '!{{ . }}',
  '!{{ .Alerts }}|{{ .Alerts.Firing }}',
  '{{ range .Alerts }}{{ .Status }} {{ .StartsAt }} {{ .EndsAt }} {{ .Fingerprint }} {{ .GeneratorURL }}|{{ end }}',
  '!{{ .CommonLabels }}|{{ .GroupLabels.SortedPairs }}|{{ .CommonLabels.Names }}|{{ .CommonLabels.Values }}|{{ .CommonLabels.Remove (stringSlice "severity") }}|{{ .CommonAnnotations }}',
  '{{ .Receiver }}|{{ .Status }}|{{ .ExternalURL }}|{{ len .Alerts.Firing }}|{{ len .Alerts.Resolved }}',
  '{{ range .Alerts.Firing }}{{ .Labels.instance | toUpper }} [{{ .Annotations.missing }}][{{ index .Labels "nope" }}]{{ end }}',
  '{{ reReplaceAll "(api)-(\\\\d)" "$2-$1" (index .Alerts 0).Labels.instance }}|{{ match "^api-[0-9]" (index .Alerts 0).Labels.instance }}|{{ reReplaceAll "a*" "-" "baaac" }}',
  '{{ (index .Alerts 0).StartsAt.Format "2006-01-02 15:04:05.000 MST Mon Jan _2 3PM" }}|{{ (index .Alerts 0).StartsAt.Unix }}',
  '{{ range $i, $a := .Alerts }}{{ $i }}:{{ $a.Labels.instance }} {{ end }}',
  '!{{ printf "%v|%s|%q|%d|%T|%T" .CommonLabels .GroupLabels.Names .Status (len .Alerts) .Alerts .Alerts.Firing }}',
  '{{ range $k, $v := .CommonLabels }}{{ $k }}={{ $v }};{{ end }}{{ range .CommonAnnotations.SortedPairs }}{{ .Name }};{{ end }}',
  '{{ if gt (len .CommonLabels) (len .GroupLabels) }}more{{ else }}same{{ end }}|[{{ .CommonLabels.nope }}]',
  '{{ html .CommonAnnotations.summary }}|{{ js .CommonAnnotations.summary }}|{{ urlquery .Receiver }}',
  '{{ with .CommonLabels.Remove .GroupLabels.Names }}{{ .Values | join "," }}{{ end }}|{{ toLower .Status }}',
  '{{ printf "%v|%s|%q|%d|%T|%T" .CommonLabels.Names .GroupLabels.Names .Status (len .Alerts) .Alerts .Alerts.Firing }}|{{ index .GroupLabels.SortedPairs 0 }}',
];
const TEMPLATES = TEMPLATES_MARKED.map((t) => t.replace(/^!/, ''));
const PRINTS_KV = new Set(TEMPLATES_MARKED.flatMap((t, i) => (t.startsWith('!') ? [i] : [])));
const version = installed ? await alertmanagerVersion() : '';
/** KV and Pairs print through String() from Alertmanager 0.26 on. */
const hasStringers = !/version 0\.(1\d|2[0-5])\./.test(version);

interface Post {
  path: string;
  body: Record<string, unknown>;
}

async function startSink(): Promise<{ url: string; posts: Post[]; close(): Promise<void> }> {
  const posts: Post[] = [];
  const server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', body: JSON.parse(data) as Record<string, unknown> });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    posts,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe.skipIf(!installed)('templates against the real Alertmanager', () => {
  let workDir = '';
  let am: RunningAlertmanager | undefined;
  let sink: Awaited<ReturnType<typeof startSink>> | undefined;
  let webhook: NotificationData | undefined;
  const slackTexts = new Map<number, string>();

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'alertsift-tmpl-oracle-'));
    sink = await startSink();
    const slack = TEMPLATES.map(
      (t, i) => `  - api_url: ${sink!.url}/slack/${i}\n    send_resolved: true\n    channel: '#c'\n    text: ${JSON.stringify(t)}\n`,
    ).join('');
    const config =
      `route:\n  receiver: team-a.pager\n  group_by: [alertname, service]\n  group_wait: 1s\n  group_interval: 1m\n  repeat_interval: 1h\n` +
      `receivers:\n- name: team-a.pager\n  webhook_configs:\n  - url: ${sink.url}/webhook\n    send_resolved: true\n  slack_configs:\n${slack}`;
    const configFile = join(workDir, 'alertmanager.yml');
    writeFileSync(configFile, config);
    am = await startAlertmanager({ configFile, workDir });
    const now = Math.floor(Date.now() / 1000) * 1000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const common = { alertname: 'HighLatency', service: 'api', severity: 'critical' };
    const annotations = { summary: `p99 > 2s & <rising> "fast"`, runbook_url: 'https://runbooks/latency' };
    const alerts = [
      { labels: { ...common, instance: 'api-1:9090' }, annotations, startsAt: iso(now - 60_000 + 250), generatorURL: 'http://prometheus:9090/graph?g0.expr=latency&x=1' },
      { labels: { ...common, instance: 'api-2:9090', zone: 'b' }, annotations, startsAt: iso(now - 30_000), generatorURL: 'http://prometheus:9090/graph' },
      { labels: { ...common, instance: 'api-3:9090' }, annotations: { ...annotations, extra: 'only here' }, startsAt: iso(now - 600_000), endsAt: iso(now - 120_000), generatorURL: '' },
    ];
    const res = await fetch(`${am.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
    expect(res.status).toBe(200);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && sink.posts.length < TEMPLATES.length + 1) await new Promise((r) => setTimeout(r, 100));
    for (const p of sink.posts) {
      // The webhook body is Alertmanager's template data, whose receiver is already QuoteMeta-escaped;
      // NotificationData holds the receiver's name as configured.
      if (p.path === '/webhook') webhook = { ...(p.body as unknown as NotificationData), receiver: 'team-a.pager', reason: 'firing' as NotificationData['reason'] };
      const m = /^\/slack\/(\d+)$/.exec(p.path);
      if (m) slackTexts.set(Number(m[1]), ((p.body.attachments as { text: string }[])[0]!).text);
    }
  }, 60_000);

  afterAll(async () => {
    await am?.stop();
    await sink?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('received the webhook and every Slack notification', () => {
    expect(webhook?.alerts.length).toBe(3);
    expect(slackTexts.size).toBe(TEMPLATES.length);
  });

  it.each(TEMPLATES.map((t, i) => [t, i] as const))('%s', (tmpl, i) => {
    if (PRINTS_KV.has(i) && !hasStringers) return;
    const want = slackTexts.get(i);
    expect(want).toBeDefined();
    expect(compileTemplate(tmpl).execute(templateData(webhook!))).toBe(want);
  });
});
