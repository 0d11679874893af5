import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { makeEngine } from '../engine/support.js';
import { tempDir } from '../support/tempDir.js';

describe('templates in the configuration', () => {
  it('loads template files by glob, and templated fields use their defines', async () => {
    const dir = tempDir('alertsift-tmpl-');
    writeFileSync(join(dir, 'a.tmpl'), '{{ define "team.title" }}[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} on {{ .CommonLabels.service }}{{ end }}');
    writeFileSync(join(dir, 'ignored.txt'), '{{ broken');
    const yaml = `templates: ['${dir}/*.tmpl']
route: {receiver: r, group_wait: 1s}
receivers:
- name: r
  pagerduty_configs:
  - routing_key: 0123456789abcdef0123456789abcdef
    url: http://pd.invalid/v2/enqueue
    description: '{{ template "team.title" . }}'
    details: {firing: '{{ .Alerts.Firing | len }}'}
    component: '{{ .CommonLabels.service }}'
  slack_configs:
  - api_url: http://slack.invalid/services/x
    title: '{{ template "team.title" . }}'
    text: '{{ range .Alerts }}{{ .Labels.instance }} {{ end }}'
`;
    const parsed = parseConfig(yaml, join(dir, 'alertsift.yml'));
    expect(parsed.ok).toBe(true);
    const { engine, transport, at, alert } = makeEngine(yaml);
    engine.receiveAlerts([alert({ alertname: 'Latency', service: 'api', instance: 'i-1' }), alert({ alertname: 'Latency', service: 'api', instance: 'i-2' })]);
    await at(1000);
    const pd = transport.sent.find((s) => s.req.integration === 'pagerduty')!.req.body as {
      payload: { summary: string; component: string; custom_details: Record<string, unknown> };
    };
    expect(pd.payload.summary).toBe('[FIRING] Latency on api');
    expect(pd.payload.component).toBe('api');
    expect(pd.payload.custom_details.firing).toBe('2');
    const slack = transport.sent.find((s) => s.req.integration === 'slack')!.req.body as { text: string; blocks: { text?: { text: string } }[] };
    expect(slack.text).toBe('i-1 i-2 ');
    expect(slack.blocks[0]!.text!.text).toBe('[FIRING] Latency on api');
  });

  it('reports template errors with the field and its line, and undefined templates', () => {
    const r = parseConfig(
      `route: {receiver: r}
receivers:
- name: r
  slack_configs:
  - api_url: http://slack.invalid/services/x
    title: '{{ .CommonLabels.alertname '
    text: '{{ template "nope" . }}'
`,
      'bad.yml',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.line, e.path])).toEqual([
      [6, 'receivers[0].slack_configs[0].title'],
      [7, 'receivers[0].slack_configs[0].text'],
    ]);
    expect(r.errors[0]!.message).toMatch(/invalid template/);
    expect(r.errors[1]!.message).toBe('template "nope" is not defined');
  });

  it('a template file with a syntax error names the file and the line inside it', () => {
    const dir = tempDir('alertsift-tmpl-');
    writeFileSync(join(dir, 'bad.tmpl'), '{{ define "x" }}\nok\n{{ if }}{{ end }}{{ end }}');
    const r = parseConfig(`templates: [bad.tmpl]\nroute: {receiver: r}\nreceivers: [{name: r}]\n`, join(dir, 'c.yml'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]!.message).toMatch(/bad\.tmpl:3:/);
  });
});
