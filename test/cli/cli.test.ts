/**
 * The `alertsift` command as a user runs it (the built bin, a real process, real files).
 * Requires `npm run build` first; `npm test` does that.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { S2 } from '../scenarios/alertmanagerScenarios.js';
import { scenarioConfig, scenarioLines } from '../scenarios/harness.js';
import { tempDir } from '../support/tempDir.js';

const run = promisify(execFile);
const BIN = resolve('bin/alertsift.js');
const SHARED = resolve('../shared/data/alertmanager-webhook-payloads/prometheus-msteams');

async function alertsift(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run('node', [BIN, ...args]);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const dir = tempDir('alertsift-cli-');

describe('alertsift check-config', () => {
  it('accepts the example configuration and summarises it', async () => {
    const r = await alertsift('check-config', 'examples/alertsift.yml');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/receiver/i);
  });

  it('reports every problem with file, line and path, and exits 1', async () => {
    const file = join(dir, 'bad.yml');
    writeFileSync(
      file,
      ['route:', '  receiver: nowhere', '  group_wait: soon', 'receivers:', '- name: default', '  colour: blue', ''].join('\n'),
    );
    const r = await alertsift('check-config', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:3:`);
    expect(r.stderr).toMatch(/group_wait/);
    expect(r.stderr).toMatch(/nowhere/);
    expect(r.stderr).toMatch(/unknown key "colour"/);
  });
});

describe('alertsift replay', () => {
  it('writes one line per outbound request per the replay contract', async () => {
    const config = join(dir, 's2.yml');
    const input = join(dir, 's2.jsonl');
    const output = join(dir, 's2.out.jsonl');
    writeFileSync(config, scenarioConfig(S2));
    writeFileSync(input, scenarioLines(S2).join('\n') + '\n');
    const r = await alertsift('replay', '--config', config, '--input', input, '--output', output, '--until', '2026-01-01T00:00:05Z');
    expect(r.code).toBe(0);
    const lines = readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.at)).toEqual(['2026-01-01T00:00:02Z', '2026-01-01T00:00:03Z', '2026-01-01T00:00:04Z']);
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(['at', 'receiver', 'integration', 'index', 'body']);
      expect(l).toMatchObject({ receiver: 'default', integration: 'webhook', index: 0 });
    }
    expect(lines[2].body.status).toBe('resolved');
    expect(r.stderr).toMatch(/3 notifications/);
  });

  it('reports bad lines with their number and keeps going', async () => {
    const config = join(dir, 'bad-lines.yml');
    const input = join(dir, 'bad-lines.jsonl');
    writeFileSync(config, scenarioConfig(S2));
    writeFileSync(
      input,
      [
        '{"at":"2026-01-01T00:00:00Z","alerts":[{"labels":{"alertname":"ok"}}]}',
        '{"at":"2026-01-01T00:00:00Z","alerts":[{"labels":{"alertname":"ok2"}}',
        '{"at":"2026-01-01T00:00:01Z","alerts":[{"labels":{}}],"silence":{}}',
        '{"at":"yesterday","alerts":[]}',
        '{"at":"2026-01-01T00:00:02Z","alerts":[{"labels":{"alertname":"x","bad-name":"v"}}, {"labels":{"alertname":"kept"}}]}',
      ].join('\n'),
    );
    const r = await alertsift('replay', '--config', config, '--input', input, '--until', '2026-01-01T00:00:10Z');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/line 2: malformed JSON/);
    expect(r.stderr).toMatch(/line 3: expected exactly one of/);
    expect(r.stderr).toMatch(/line 4: at: not an RFC 3339 time/);
    expect(r.stderr).toMatch(/line 5: alerts\[0\].*bad-name/);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const names = new Set(out.flatMap((l) => l.body.alerts.map((a: { labels: { alertname: string } }) => a.labels.alertname)));
    expect([...names].sort()).toEqual(['kept', 'ok']);
  });

  it('takes Alertmanager webhook bodies (the real fixtures) as input', async () => {
    const config = join(dir, 'wh.yml');
    const input = join(dir, 'wh.jsonl');
    writeFileSync(config, `route: {receiver: default, group_by: [alertname], group_wait: 10s}\nreceivers: [{name: default, webhook_configs: [{url: 'http://sink.invalid/'}]}]\n`);
    const body = JSON.parse(readFileSync(join(SHARED, 'alert/testdata/prom_post_request_12_alerts.json'), 'utf8'));
    writeFileSync(input, JSON.stringify({ at: '2026-01-01T00:00:00Z', alertmanager: body }) + '\n');
    const r = await alertsift('replay', '--config', config, '--input', input, '--until', '2026-01-01T00:00:30Z');
    expect(r.code).toBe(0);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const delivered = out.reduce((n, l) => n + l.body.alerts.length, 0);
    const firing = body.alerts.filter((a: { status: string }) => a.status === 'firing').length;
    // Every firing alert of the body is notified (resolved ones that were never firing here are not).
    expect(delivered).toBeGreaterThanOrEqual(firing);
    expect(r.stderr).toMatch(/0 rejected/);
  });
});
