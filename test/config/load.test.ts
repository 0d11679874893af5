import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/config/checkConfig.js';
import { formatConfigError, loadConfigFile, parseConfig, type ConfigError } from '../../src/config/load.js';
import type { Config, RouteConfig } from '../../src/config/types.js';
import { compileMatchers, matchersKey } from '../../src/route/matchers.js';
import { isActiveAt } from '../../src/route/timeIntervals.js';
import { tempDir } from '../support/tempDir.js';

const DATA = '/work/shared/data/alertmanager-configs';
const UPSTREAM_SIMPLE = `${DATA}/prometheus-alertmanager/doc/examples/simple.yml`;
const FIXTURES = new URL('../fixtures/configs/', import.meta.url).pathname;

/** A YAML document from lines, so that line numbers in expectations are easy to read. */
const y = (...lines: string[]): string => lines.join('\n') + '\n';

function load(text: string, file = 'c.yml'): Config {
  const r = parseConfig(text, file);
  if (!r.ok) throw new Error(r.errors.map(formatConfigError).join('\n'));
  return r.config;
}

function errorsOf(text: string, file = 'c.yml'): ConfigError[] {
  const r = parseConfig(text, file);
  if (r.ok) throw new Error('expected the configuration to be refused');
  return r.errors;
}

/** [line, path, message] of each error, in order. */
function brief(text: string): [number, string, string][] {
  return errorsOf(text).map((e) => [e.line, e.path, e.message]);
}

/** Route keys (Alertmanager `Route.Key()`) of every node, depth first. */
function routeKeys(r: RouteConfig, parent?: string): string[] {
  const key = parent === undefined ? matchersKey(r.matchers) : `${parent}/${matchersKey(r.matchers)}`;
  return [key, ...r.routes.flatMap((c) => routeKeys(c, key))];
}

const RECEIVERS = ['receivers:', '- name: default', '  webhook_configs:', '  - url: http://sink'];

describe('the upstream example (doc/examples/simple.yml)', () => {
  it('is refused, naming every option alertsift does not support, each at its line', () => {
    const r = loadConfigFile(UPSTREAM_SIMPLE);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const notSupported = (key: string, note?: string): string =>
      `"${key}" is not supported by alertsift${note ? ` (${note})` : ''}`;
    const v1 =
      'service_key is the PagerDuty Events API v1, which alertsift does not support: use routing_key (Events API v2) instead';
    expect(r.errors.map((e) => [e.line, e.column, e.path, e.message])).toEqual([
      [3, 3, 'global', notSupported('smtp_smarthost', 'email notifications')],
      [4, 3, 'global', notSupported('smtp_from', 'email notifications')],
      [5, 3, 'global', notSupported('smtp_auth_username', 'email notifications')],
      [6, 3, 'global', notSupported('smtp_auth_password', 'email notifications')],
      [103, 5, 'receivers[0]', notSupported('email_configs', 'email notifications')],
      [107, 5, 'receivers[1]', notSupported('email_configs', 'email notifications')],
      [110, 9, 'receivers[1].pagerduty_configs[0]', v1],
      [113, 5, 'receivers[2]', notSupported('email_configs', 'email notifications')],
      [118, 9, 'receivers[3].pagerduty_configs[0]', v1],
      [122, 9, 'receivers[4].pagerduty_configs[0]', v1],
      [124, 1, '', notSupported('tracing')],
    ]);
    expect(r.errors.every((e) => e.file === UPSTREAM_SIMPLE)).toBe(true);
    expect(formatConfigError(r.errors[0]!)).toBe(`${UPSTREAM_SIMPLE}:3:3: global: "smtp_smarthost" is not supported by alertsift (email notifications)`);
  });

  it('loads once trimmed of those options (test/fixtures/configs/simple.yml)', () => {
    const r = loadConfigFile(join(FIXTURES, 'simple.yml'));
    if (!r.ok) throw new Error(r.errors.map(formatConfigError).join('\n'));
    const c = r.config;
    expect(c.global).toEqual({ resolveTimeoutMs: 300_000, pagerdutyUrl: 'https://events.pagerduty.com/v2/enqueue' });
    expect(c.route).toMatchObject({
      receiver: 'team-X-mails',
      groupBy: ['alertname', 'cluster', 'service'],
      groupWaitMs: 30_000,
      groupIntervalMs: 300_000,
      repeatIntervalMs: 3 * 3600_000,
      continue: false,
      matchers: [],
      path: 'route',
    });
    expect(routeKeys(c.route)).toEqual([
      '{}',
      '{}/{service=~"foo1|foo2|baz"}',
      '{}/{service=~"foo1|foo2|baz"}/{severity="critical"}',
      '{}/{service="files"}',
      '{}/{service="files"}/{severity="critical"}',
      '{}/{service="database"}',
      '{}/{service="database"}/{owner="team-X"}',
      '{}/{service="database"}/{owner="team-Y"}',
    ]);
    const db = c.route.routes[2]!;
    expect(db).toMatchObject({ receiver: 'team-DB-pager', groupBy: ['alertname', 'cluster', 'database'], path: 'route.routes[2]' });
    // Children leave unset options undefined: the route compiler resolves inheritance.
    expect(db.groupWaitMs).toBeUndefined();
    expect(db.routes[0]).toMatchObject({ receiver: 'team-X-pager', continue: true, path: 'route.routes[2].routes[0]' });
    expect(db.routes[0]!.groupBy).toBeUndefined();
    expect(c.inhibitRules).toEqual([
      {
        sourceMatchers: [{ name: 'severity', type: '=', value: 'critical' }],
        targetMatchers: [{ name: 'severity', type: '=', value: 'warning' }],
        equal: ['alertname', 'cluster', 'service'],
        path: 'inhibit_rules[0]',
      },
    ]);
    expect(c.receivers.map((x) => x.name)).toEqual(['team-X-mails', 'team-X-pager', 'team-Y-mails', 'team-Y-pager', 'team-DB-pager']);
    expect(c.receivers[1]!.pagerdutyConfigs[0]).toEqual({
      routingKey: 'team-X-routing-key',
      url: 'https://events.pagerduty.com/v2/enqueue',
      sendResolved: true,
      client: 'alertsift',
      clientUrl: '',
      severity: 'error',
      source: 'alertsift',
      details: {},
    });
  });
});

describe('real configurations', () => {
  it('loads the kube-prometheus alertmanager.yaml (embedded in a Secret)', () => {
    const secret = parseYaml(readFileSync(`${DATA}/kube-prometheus/manifests/alertmanager-secret.yaml`, 'utf8')) as {
      stringData: Record<string, string>;
    };
    const c = load(secret.stringData['alertmanager.yaml']!, 'alertmanager.yaml');
    expect(c.receivers.map((r) => r.name)).toEqual(['Default', 'Watchdog', 'Critical', 'null']);
    expect(c.receivers.every((r) => r.webhookConfigs.length + r.pagerdutyConfigs.length + r.slackConfigs.length === 0)).toBe(true);
    expect(c.route).toMatchObject({ groupBy: ['namespace'], groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 12 * 3600_000 });
    expect(routeKeys(c.route)).toEqual(['{}', '{}/{alertname="Watchdog"}', '{}/{alertname="InfoInhibitor"}', '{}/{severity="critical"}']);
    expect(c.inhibitRules).toHaveLength(3);
    expect(c.inhibitRules[0]!.targetMatchers).toEqual([{ name: 'severity', type: '=~', value: 'warning|info' }]);
    expect(c.inhibitRules[2]!.equal).toEqual(['namespace']);
  });

  it('refuses only unsupported options in the Wikimedia template (rendered crudely)', () => {
    const erb = readFileSync(`${DATA}/wikimedia-operations-puppet/modules/alertmanager/templates/alertmanager.yml.erb`, 'utf8');
    // Drop ERB control lines and substitute every interpolation: enough to get plain YAML.
    const text = erb
      .split('\n')
      .filter((l) => !/^\s*<%[^=].*%>\s*$/.test(l))
      .join('\n')
      .replace(/<%=[^%]*%>/g, 'eqiad');
    const errors = errorsOf(text, 'wikimedia.yml');
    const refused = new Set(errors.map((e) => /^"([a-z_]+)" is not supported by alertsift/.exec(e.message)?.[1] ?? `other: ${e.message}`));
    expect([...refused].sort()).toEqual([
      'email_configs',
      'smtp_from',
      'smtp_require_tls',
      'smtp_smarthost',
      'victorops_api_key',
      'victorops_configs',
    ]);
  });
});

describe('S10 routing tree (semantics note)', () => {
  const S10 = y(
    'receivers: [{name: kafka}, {name: prod}, {name: testing}]',
    'route:',
    '  group_by: [alertname]',
    '  group_wait: 10ms',
    '  group_interval: 10ms',
    '  receiver: prod',
    '  routes:',
    '    - {match: {env: testing}, receiver: testing, group_by: [alertname, service]}',
    '    - {match: {env: prod},    receiver: prod,    group_by: [alertname, service, cluster], continue: true}',
    "    - {match: {kafka: 'yes'}, receiver: kafka,   group_by: [alertname, service, cluster]}",
  );

  it('loads with the root defaults and the route keys of dispatch_test.go', () => {
    const c = load(S10);
    expect(c.route).toMatchObject({ receiver: 'prod', groupBy: ['alertname'], groupWaitMs: 10, groupIntervalMs: 10, repeatIntervalMs: 4 * 3600_000 });
    expect(routeKeys(c.route)).toEqual(['{}', '{}/{env="testing"}', '{}/{env="prod"}', '{}/{kafka="yes"}']);
    expect(c.route.routes.map((r) => [r.receiver, r.groupBy, r.continue])).toEqual([
      ['testing', ['alertname', 'service'], false],
      ['prod', ['alertname', 'service', 'cluster'], true],
      ['kafka', ['alertname', 'service', 'cluster'], false],
    ]);
    const a5 = { env: 'prod', alertname: 'HighLatency', cluster: 'bb', service: 'db', kafka: 'yes', instance: 'inst3' };
    expect(c.route.routes.map((r) => compileMatchers(r.matchers)(a5))).toEqual([false, true, true]);
  });

  it('reads an unquoted yes as the string "yes" in a match value (as yaml.v2 does)', () => {
    const c = load(S10.replace("{kafka: 'yes'}", '{kafka: yes}'));
    expect(c.route.routes[2]!.matchers).toEqual([{ name: 'kafka', type: '=', value: 'yes' }]);
  });
});

describe('values and defaults', () => {
  it('applies the defaults of Alertmanager', () => {
    const c = load(
      y(
        'route: {receiver: r}',
        'receivers:',
        '- name: r',
        '  webhook_configs: [{url: "http://hook.example/x"}]',
        '  pagerduty_configs: [{routing_key: k}]',
        '  slack_configs: [{api_url: "https://hooks.slack.example/T/B/X"}]',
      ),
    );
    expect(c.global).toEqual({ resolveTimeoutMs: 300_000, pagerdutyUrl: 'https://events.pagerduty.com/v2/enqueue' });
    expect(c.route).toEqual({
      receiver: 'r',
      continue: false,
      matchers: [],
      groupWaitMs: 30_000,
      groupIntervalMs: 300_000,
      repeatIntervalMs: 4 * 3600_000,
      muteTimeIntervals: [],
      activeTimeIntervals: [],
      routes: [],
      path: 'route',
    });
    expect(c.route.groupBy).toBeUndefined();
    const r = c.receivers[0]!;
    expect(r.webhookConfigs).toEqual([{ url: 'http://hook.example/x', sendResolved: true, maxAlerts: 0, timeoutMs: 0 }]);
    expect(r.pagerdutyConfigs[0]).toMatchObject({ url: 'https://events.pagerduty.com/v2/enqueue', sendResolved: true, client: 'alertsift', clientUrl: '', severity: 'error' });
    expect(r.slackConfigs).toEqual([{ apiUrl: 'https://hooks.slack.example/T/B/X', sendResolved: false, updateMessage: false }]);
    expect(c.inhibitRules).toEqual([]);
    expect(c.timeIntervals.size).toBe(0);
    expect(c.file).toBe('c.yml');
  });

  it('reads every supported option', () => {
    const c = load(
      y(
        'global:',
        '  resolve_timeout: 10s',
        '  pagerduty_url: https://pd.example/v2/enqueue',
        '  slack_api_url: https://hooks.slack.example/global',
        '  http_config:',
        '    follow_redirects: false',
        'route:',
        '  receiver: r',
        '  group_by: ["..."]',
        '  routes:',
        '  - receiver: r',
        '    group_by: []',
        '    continue: yes',
        '    match: {code: 500, ratio: 1.0}',
        '    match_re: {service: "api|db"}',
        '    matchers: [\'env=~"prod|staging"\', team!=infra]',
        '    group_wait: 0s',
        '    group_interval: 1m',
        '    repeat_interval: 1d',
        '    mute_time_intervals: [offhours]',
        '    active_time_intervals: [business]',
        'receivers:',
        '- name: r',
        '  webhook_configs:',
        '  - url: http://hook.example/x',
        '    send_resolved: false',
        '    max_alerts: 10',
        '    timeout: 1.5s',
        '    http_config:',
        '      basic_auth: {username: u, password: p}',
        '  pagerduty_configs:',
        '  - routing_key: k',
        '    send_resolved: off',
        '    client: c',
        '    client_url: https://c.example',
        '    severity: critical',
        '    class: availability',
        '    component: postgres',
        '    group: payments',
        '    source: src',
        '    description: d',
        '    details: {runbook: "https://runbooks/x", count: 3}',
        '    http_config: {authorization: {credentials: tok}}',
        '  slack_configs:',
        '  - channel: "#alerts"',
        '    send_resolved: true',
        '    title: T',
        '    text: X',
        '    username: bot',
        '    http_config: {bearer_token: bt}',
        'inhibit_rules:',
        '- name: crit-mutes-warn',
        '  source_match: {severity: critical}',
        '  source_match_re: {alertname: "High.*"}',
        '  source_matchers: [cluster!=""]',
        '  target_match: {severity: warning}',
        '  target_match_re: {team: "a|b"}',
        '  target_matchers: ["{env=prod}"]',
        '  equal: [alertname, cluster]',
        'mute_time_intervals:',
        '- name: offhours',
        '  time_intervals: [{times: [{start_time: "18:00", end_time: "24:00"}]}]',
        'time_intervals:',
        '- name: business',
        '  time_intervals:',
        '  - weekdays: [monday:friday]',
        '    location: Europe/Berlin',
      ),
    );
    expect(c.global).toEqual({
      resolveTimeoutMs: 10_000,
      pagerdutyUrl: 'https://pd.example/v2/enqueue',
      slackApiUrl: 'https://hooks.slack.example/global',
      httpConfig: { followRedirects: false },
    });
    expect(c.route.groupBy).toEqual(['...']);
    const child = c.route.routes[0]!;
    // An empty group_by list is unset (inherits), as in Alertmanager.
    expect(child.groupBy).toBeUndefined();
    expect(child).toMatchObject({
      continue: true,
      groupWaitMs: 0,
      groupIntervalMs: 60_000,
      repeatIntervalMs: 86_400_000,
      muteTimeIntervals: ['offhours'],
      activeTimeIntervals: ['business'],
    });
    // match, then match_re (anchored, as Alertmanager prints it), then matchers; scalars as written.
    expect(child.matchers).toEqual([
      { name: 'code', type: '=', value: '500' },
      { name: 'ratio', type: '=', value: '1.0' },
      { name: 'service', type: '=~', value: '^(?:api|db)$' },
      { name: 'env', type: '=~', value: 'prod|staging' },
      { name: 'team', type: '!=', value: 'infra' },
    ]);
    expect(matchersKey(child.matchers)).toBe('{code="500",env=~"prod|staging",ratio="1.0",service=~"^(?:api|db)$",team!="infra"}');
    const [r] = c.receivers;
    expect(r!.webhookConfigs[0]).toEqual({
      url: 'http://hook.example/x',
      sendResolved: false,
      maxAlerts: 10,
      timeoutMs: 1500,
      httpConfig: { basicAuth: { username: 'u', password: 'p' }, followRedirects: true },
    });
    expect(r!.pagerdutyConfigs[0]).toEqual({
      routingKey: 'k',
      url: 'https://pd.example/v2/enqueue',
      sendResolved: false,
      client: 'c',
      clientUrl: 'https://c.example',
      severity: 'critical',
      class: 'availability',
      component: 'postgres',
      group: 'payments',
      source: 'src',
      description: 'd',
      details: { runbook: 'https://runbooks/x', count: '3' },
      httpConfig: { authorization: { type: 'Bearer', credentials: 'tok' }, followRedirects: true },
    });
    expect(r!.slackConfigs[0]).toEqual({
      apiUrl: 'https://hooks.slack.example/global',
      updateMessage: false,
      channel: '#alerts',
      sendResolved: true,
      title: 'T',
      text: 'X',
      username: 'bot',
      httpConfig: { authorization: { type: 'Bearer', credentials: 'bt' }, followRedirects: true },
    });
    expect(c.inhibitRules[0]).toEqual({
      name: 'crit-mutes-warn',
      sourceMatchers: [
        { name: 'severity', type: '=', value: 'critical' },
        { name: 'alertname', type: '=~', value: '^(?:High.*)$' },
        { name: 'cluster', type: '!=', value: '' },
      ],
      targetMatchers: [
        { name: 'severity', type: '=', value: 'warning' },
        { name: 'team', type: '=~', value: '^(?:a|b)$' },
        { name: 'env', type: '=', value: 'prod' },
      ],
      equal: ['alertname', 'cluster'],
      path: 'inhibit_rules[0]',
    });
    expect([...c.timeIntervals.keys()]).toEqual(['offhours', 'business']);
    const business = c.timeIntervals.get('business')!;
    expect(business[0]).toMatchObject({ weekdays: [{ begin: 1, end: 5 }], location: 'Europe/Berlin' });
    expect(isActiveAt(business, Date.parse('2024-01-05T12:00:00Z'))).toBe(true);
    expect(isActiveAt(business, Date.parse('2024-01-06T12:00:00Z'))).toBe(false);
  });

  it('gives integrations the global http_config when they have none', () => {
    const c = load(
      y(
        'global: {http_config: {basic_auth: {username: g, password: gp}}}',
        'route: {receiver: r}',
        'receivers:',
        '- name: r',
        '  webhook_configs: [{url: "http://a"}, {url: "http://b", http_config: {follow_redirects: false}}]',
      ),
    );
    expect(c.receivers[0]!.webhookConfigs.map((w) => w.httpConfig)).toEqual([
      { basicAuth: { username: 'g', password: 'gp' }, followRedirects: true },
      { followRedirects: false },
    ]);
  });

  it('reads *_file options relative to the configuration file, trimmed', () => {
    const dir = tempDir('alertsift-config-');
    writeFileSync(join(dir, 'hook.url'), 'http://hook.example/from-file\n');
    writeFileSync(join(dir, 'pd.key'), '  pd-key-from-file \n');
    writeFileSync(join(dir, 'slack.url'), 'https://hooks.slack.example/from-file');
    const file = join(dir, 'alertsift.yml');
    writeFileSync(
      file,
      y(
        'global: {slack_api_url_file: slack.url}',
        'route: {receiver: r}',
        'receivers:',
        '- name: r',
        '  webhook_configs: [{url_file: hook.url}]',
        `  pagerduty_configs: [{routing_key_file: ${join(dir, 'pd.key')}}]`,
        '  slack_configs: [{channel: x}]',
      ),
    );
    const r = loadConfigFile(file);
    if (!r.ok) throw new Error(r.errors.map(formatConfigError).join('\n'));
    expect(r.config.global.slackApiUrl).toBe('https://hooks.slack.example/from-file');
    expect(r.config.receivers[0]!.webhookConfigs[0]!.url).toBe('http://hook.example/from-file');
    expect(r.config.receivers[0]!.pagerdutyConfigs[0]!.routingKey).toBe('pd-key-from-file');
    expect(r.config.receivers[0]!.slackConfigs[0]!.apiUrl).toBe('https://hooks.slack.example/from-file');
  });

  it('follows YAML anchors, aliases and merge keys', () => {
    const c = load(
      y(
        'route:',
        '  receiver: r',
        '  routes:',
        '  - &base {receiver: r, group_wait: 1s, match: {team: a}}',
        '  - <<: *base',
        '    match: {team: b}',
        'receivers: [{name: r}]',
      ),
    );
    expect(c.route.routes.map((r) => [r.groupWaitMs, matchersKey(r.matchers)])).toEqual([
      [1000, '{team="a"}'],
      [1000, '{team="b"}'],
    ]);
  });

  it('deep-freezes the result, including the time interval map', () => {
    const c = load(
      y(
        'route: {receiver: r, routes: [{receiver: r, matchers: [a=b]}]}',
        'receivers: [{name: r}]',
        'time_intervals: [{name: t, time_intervals: [{weekdays: [monday]}]}]',
      ),
    );
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.route.routes[0]!.matchers[0])).toBe(true);
    expect(Object.isFrozen(c.timeIntervals.get('t')![0]!.weekdays)).toBe(true);
    expect(() => (c.route.routes as RouteConfig[]).push(c.route)).toThrow(TypeError);
    expect(() => (c.timeIntervals as Map<string, never>).set('x', [] as never)).toThrow(TypeError);
    expect(() => (c.timeIntervals as Map<string, never>).delete('t')).toThrow(TypeError);
    expect(c.timeIntervals.size).toBe(1);
  });
});

describe('errors: every kind, with its line', () => {
  it.each<[string, string, [number, string, string][]]>([
    [
      'unknown top-level key',
      y('route: {receiver: default}', 'foo: 1', ...RECEIVERS),
      [[2, '', 'unknown key "foo"']],
    ],
    [
      'unknown key in a route',
      y('route:', '  receiver: default', '  routes:', '  - receiver: default', '    recevier: typo', ...RECEIVERS),
      [[5, 'route.routes[0]', 'unknown key "recevier"']],
    ],
    [
      'duration type error',
      y('route:', '  receiver: default', '  group_wait: abc', ...RECEIVERS),
      [[3, 'route.group_wait', 'expected a duration like 30s, got "abc"']],
    ],
    [
      'duration in a nested route',
      y('route:', '  receiver: default', '  routes:', '  - receiver: default', '  - group_wait: 1.5m', ...RECEIVERS),
      [[5, 'route.routes[1].group_wait', 'expected a duration like 30s, got "1.5m"']],
    ],
    [
      'zero intervals',
      y('route:', '  receiver: default', '  group_interval: 0s', '  repeat_interval: 0', ...RECEIVERS),
      [
        [3, 'route.group_interval', 'must be greater than zero'],
        [4, 'route.repeat_interval', 'must be greater than zero'],
      ],
    ],
    [
      'boolean type error',
      y('route:', '  receiver: default', '  routes:', '  - continue: maybe', ...RECEIVERS),
      [[4, 'route.routes[0].continue', 'expected true or false, got "maybe"']],
    ],
    [
      'group_by problems',
      y('route:', '  receiver: default', '  group_by: [alertname, "bad-name", alertname]', '  routes:', '  - group_by: ["...", job]', ...RECEIVERS),
      [
        [3, 'route.group_by[1]', 'invalid label name "bad-name" in group_by'],
        [3, 'route.group_by[2]', 'duplicate label "alertname" in group_by'],
        [5, 'route.routes[0].group_by', "'...' (group by all labels) cannot be combined with label names"],
      ],
    ],
    [
      'match and match_re problems',
      y('route:', '  receiver: default', '  routes:', '  - match: {"bad-name": x}', '    match_re:', '      job: "(unclosed"', ...RECEIVERS),
      [
        [4, 'route.routes[0].match', 'invalid label name "bad-name"'],
        [6, 'route.routes[0].match_re.job', 'invalid regular expression "(unclosed": missing closing )'],
      ],
    ],
    [
      'bad matchers',
      y('route:', '  receiver: default', '  routes:', '  - matchers:', '    - env="prod"', '    - just-a-word', '    - a=~"[z-a]"', ...RECEIVERS),
      [
        [6, 'route.routes[0].matchers[1]', 'bad matcher format: "just-a-word"'],
        [7, 'route.routes[0].matchers[2]', 'invalid regular expression "[z-a]" in matcher for label "a": invalid character class range: z-a'],
      ],
    ],
    [
      'root route rules',
      y('route:', '  continue: true', '  matchers: [a=b]', '  mute_time_intervals: [t]', 'time_intervals: [{name: t}]', ...RECEIVERS),
      [
        [2, 'route', 'the root route must have a receiver'],
        [2, 'route.continue', 'the root route cannot have continue'],
        [3, 'route', 'the root route must not have matchers: it receives every alert'],
        [4, 'route', 'the root route cannot have mute_time_intervals'],
      ],
    ],
    ['missing route', y(...RECEIVERS), [[1, '', 'missing required key "route"']]],
    ['empty route', y('route:', ...RECEIVERS), [[1, 'route', 'the root route is empty: it must have a receiver']]],
    ['route of the wrong type', y('route: [1]', ...RECEIVERS), [[1, 'route', 'expected a mapping, got a list']]],
    ['empty document', '# nothing here\n', [[1, '', 'the configuration is empty: a route and receivers are required']]],
    [
      'undefined receivers and time intervals',
      y('route:', '  receiver: nobody', '  routes:', '  - receiver: default', '    active_time_intervals: [never]', ...RECEIVERS),
      [
        [2, 'route.receiver', 'undefined receiver "nobody"'],
        [5, 'route.routes[0].active_time_intervals[0]', 'undefined time interval "never"'],
      ],
    ],
    [
      'receiver list problems',
      y('route: {receiver: default}', 'receivers:', '- name: default', '- name: default', '- webhook_configs: []', '- "just a string"'),
      [
        [4, 'receivers[1].name', 'receiver name "default" is not unique (first defined at line 3)'],
        [5, 'receivers[2]', 'missing required key "name"'],
        [6, 'receivers[3]', 'expected a mapping, got "just a string"'],
      ],
    ],
    [
      'receivers of the wrong type',
      y('route: {receiver: default}', 'receivers: {default: {}}'),
      [
        [1, 'route.receiver', 'undefined receiver "default"'],
        [2, 'receivers', 'expected a list, got a mapping'],
      ],
    ],
    [
      'webhook problems',
      y(
        'route: {receiver: default}',
        'receivers:',
        '- name: default',
        '  webhook_configs:',
        '  - {}',
        '  - url: http://a',
        '    url_file: /etc/hook',
        '  - url_file: /nonexistent/alertsift/hook.url',
        '  - url: http://b',
        '    max_alerts: -1',
        '    timeout: 1d',
        '    send_resolved: "true"',
      ),
      [
        [5, 'receivers[0].webhook_configs[0]', 'one of url or url_file is required'],
        [7, 'receivers[0].webhook_configs[1]', 'at most one of url and url_file may be configured'],
        [8, 'receivers[0].webhook_configs[2].url_file', 'cannot read file "/nonexistent/alertsift/hook.url" (ENOENT)'],
        [10, 'receivers[0].webhook_configs[3].max_alerts', 'expected a whole number (0 or more), got "-1"'],
        [11, 'receivers[0].webhook_configs[3].timeout', 'expected a duration like 10s, got "1d"'],
        [12, 'receivers[0].webhook_configs[3].send_resolved', 'expected true or false, got "true"'],
      ],
    ],
    [
      'PagerDuty problems',
      y(
        'route: {receiver: default}',
        'receivers:',
        '- name: default',
        '  pagerduty_configs:',
        '  - service_key: v1',
        '  - severity: critical',
        '  - routing_key: k',
        '    url: not-a-url',
        '    images: []',
      ),
      [
        [5, 'receivers[0].pagerduty_configs[0]', 'service_key is the PagerDuty Events API v1, which alertsift does not support: use routing_key (Events API v2) instead'],
        [6, 'receivers[0].pagerduty_configs[1]', 'one of routing_key or routing_key_file is required'],
        [8, 'receivers[0].pagerduty_configs[2].url', 'expected an http or https URL with a host, got "not-a-url"'],
        [9, 'receivers[0].pagerduty_configs[2]', '"images" is not supported by alertsift'],
      ],
    ],
    [
      'Slack without any API URL',
      y('route: {receiver: default}', 'receivers:', '- name: default', '  slack_configs:', '  - channel: "#x"', '    color: red'),
      [
        [
          5,
          'receivers[0].slack_configs[0]',
          'no Slack destination: set app_token (bot token), or api_url or api_url_file here, or global.slack_api_url or global.slack_api_url_file',
        ],
        [6, 'receivers[0].slack_configs[0]', '"color" is not supported by alertsift'],
      ],
    ],
    [
      'http_config problems',
      y(
        'route: {receiver: default}',
        'receivers:',
        '- name: default',
        '  webhook_configs:',
        '  - url: http://a',
        '    http_config:',
        '      tls_config: {insecure_skip_verify: true}',
        '      authorization: {type: Basic, credentials: x}',
        '      bearer_token: y',
        '      proxy: http://p',
      ),
      [
        [7, 'receivers[0].webhook_configs[0].http_config', '"tls_config" is not supported by alertsift'],
        [8, 'receivers[0].webhook_configs[0].http_config.authorization.type', 'authorization type cannot be "basic": use basic_auth instead'],
        [9, 'receivers[0].webhook_configs[0].http_config.bearer_token', 'bearer_token cannot be used together with authorization'],
        [10, 'receivers[0].webhook_configs[0].http_config', 'unknown key "proxy"'],
      ],
    ],
    [
      'global problems',
      y(
        'global:',
        '  resolve_timeout: soon',
        '  slack_api_url: https://hooks.slack.example/a',
        '  slack_api_url_file: /etc/slack',
        '  smtp_from: a@b',
        '  opsgenie_api_key: k',
        'route: {receiver: default}',
        ...RECEIVERS,
      ),
      [
        [2, 'global.resolve_timeout', 'expected a duration like 30s, got "soon"'],
        [4, 'global', 'at most one of slack_api_url and slack_api_url_file may be configured'],
        [5, 'global', '"smtp_from" is not supported by alertsift (email notifications)'],
        [6, 'global', '"opsgenie_api_key" is not supported by alertsift'],
      ],
    ],
    [
      'unsupported receiver kinds and top-level keys',
      y('tracing: {}', 'route: {receiver: default}', 'receivers:', '- name: default', '  email_configs: [{to: a@b}]', '  opsgenie_configs: [{api_key: k}]'),
      [
        [1, '', '"tracing" is not supported by alertsift'],
        [5, 'receivers[0]', '"email_configs" is not supported by alertsift (email notifications)'],
        [6, 'receivers[0]', '"opsgenie_configs" is not supported by alertsift'],
      ],
    ],
    [
      'inhibit rule problems',
      y('route: {receiver: default}', 'inhibit_rules:', '- source_matchers: [\'severity=~"("\']', '  equal: [ok, "not ok"]', '  sorce_match: {a: b}', ...RECEIVERS),
      [
        [3, 'inhibit_rules[0].source_matchers[0]', 'invalid regular expression "(" in matcher for label "severity": missing closing )'],
        [4, 'inhibit_rules[0].equal[1]', 'invalid label name "not ok" in equal'],
        [5, 'inhibit_rules[0]', 'unknown key "sorce_match"'],
      ],
    ],
    [
      'time interval problems',
      y(
        'route: {receiver: default}',
        'time_intervals:',
        '- name: t',
        '  time_intervals:',
        '  - weekdays: [monday, funday]',
        '    times:',
        '    - {start_time: "17:00", end_time: "09:00"}',
        '- name: t',
        '  time_intervals: []',
        'mute_time_intervals:',
        '- time_intervals: [{location: Nowhere/City}]',
        ...RECEIVERS,
      ),
      [
        [5, 'time_intervals[0].time_intervals[0].weekdays[1]', '"funday" is not a weekday name'],
        [7, 'time_intervals[0].time_intervals[0].times[0]', 'start_time 17:00 must be before end_time 09:00'],
        [8, 'time_intervals[1].name', 'time interval name "t" is not unique (first defined at line 3)'],
        [11, 'mute_time_intervals[0]', 'missing required key "name"'],
        [11, 'mute_time_intervals[0].time_intervals[0].location', 'unknown time zone "Nowhere/City"'],
      ],
    ],
    [
      'YAML syntax error',
      y('route:', '  receiver: default', '  routes: [', '    {receiver: default', 'receivers: []'),
      [
        [5, '', 'YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }'],
        [5, '', 'YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]'],
      ],
    ],
    [
      'duplicate keys',
      y('route: {receiver: default}', ...RECEIVERS, 'route: {receiver: default}'),
      [[6, '', 'duplicate key "route"']],
    ],
  ])('%s', (_d, text, expected) => {
    expect(brief(text)).toEqual(expected);
  });

  it('reports every problem at once, sorted by position', () => {
    const errors = errorsOf(
      y(
        'route:',
        '  receiver: default',
        '  group_wait: never',
        '  routes:',
        '  - receiver: ghost',
        '    matchers: ["!!"]',
        'receivers:',
        '- name: default',
        '  webhook_configs: [{}]',
        'unknown_section: {}',
      ),
    );
    expect(errors.map((e) => e.line)).toEqual([3, 5, 6, 9, 10]);
    expect(errors.map(formatConfigError)).toEqual([
      'c.yml:3:15: route.group_wait: expected a duration like 30s, got "never"',
      'c.yml:5:15: route.routes[0].receiver: undefined receiver "ghost"',
      'c.yml:6:16: route.routes[0].matchers[0]: bad matcher format: "!!"',
      'c.yml:9:21: receivers[0].webhook_configs[0]: one of url or url_file is required',
      'c.yml:10:1: unknown key "unknown_section"',
    ]);
  });

  it('reports an unreadable file as a ConfigError', () => {
    const r = loadConfigFile('/nonexistent/alertsift.yml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([{ file: '/nonexistent/alertsift.yml', line: 0, column: 0, path: '', message: 'cannot read configuration file: no such file' }]);
    expect(formatConfigError(r.errors[0]!)).toBe('/nonexistent/alertsift.yml: cannot read configuration file: no such file');
  });
});

describe('secrets never appear in messages', () => {
  const SECRETS = ['SECRETPASS', 'SECRETROUTINGKEY', 'SECRETSLACKTOKEN', 'SECRETBEARER', 'SECRETCRED', 'SECRETQUOTE'];
  it.each([
    [
      'invalid URLs and conflicting keys',
      y(
        'global:',
        '  slack_api_url: "hooks.slack.com/services/SECRETSLACKTOKEN"',
        'route: {receiver: default}',
        'receivers:',
        '- name: default',
        '  webhook_configs:',
        '  - url: "ftp://user:SECRETPASS@host/x"',
        '  pagerduty_configs:',
        '  - routing_key: SECRETROUTINGKEY',
        '    routing_key_file: /nonexistent/key',
        '  slack_configs:',
        '  - api_url: ":SECRETSLACKTOKEN"',
        '    http_config:',
        '      basic_auth: {username: u, password: [SECRETPASS]}',
        '      bearer_token: SECRETBEARER',
        '      authorization: {credentials: SECRETCRED}',
      ),
      7,
    ],
    ['a syntax error on a line holding a secret', y('route: {receiver: default}', 'receivers:', '- name: default', '  pagerduty_configs:', '  - routing_key: "SECRETQUOTE', ''), 1],
  ])('%s', (_d, text, count) => {
    const errors = errorsOf(text);
    expect(errors).toHaveLength(count);
    const all = JSON.stringify(errors) + errors.map(formatConfigError).join('\n');
    for (const s of SECRETS) expect(all).not.toContain(s);
  });
});

describe('checkConfig', () => {
  it('summarises a valid configuration', () => {
    const r = checkConfig(join(FIXTURES, 'simple.yml'));
    expect(r.ok).toBe(true);
    expect(r.output).toBe(
      [
        `Checking '${join(FIXTURES, 'simple.yml')}'  SUCCESS`,
        'Found:',
        ' - 8 routes (the root and 7 child routes)',
        ' - 5 receivers (6 integrations)',
        ' - 1 inhibit rule',
        ' - 0 time intervals',
        '',
      ].join('\n'),
    );
  });

  it('prints every error of an invalid one', () => {
    const r = checkConfig(UPSTREAM_SIMPLE);
    expect(r.ok).toBe(false);
    const lines = r.output.trimEnd().split('\n');
    expect(lines[0]).toBe(`Checking '${UPSTREAM_SIMPLE}'  FAILED: 11 errors`);
    expect(lines).toHaveLength(12);
    expect(lines[11]).toBe(`${UPSTREAM_SIMPLE}:124:1: "tracing" is not supported by alertsift`);
  });
});
