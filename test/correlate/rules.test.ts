import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatConfigError } from '../../src/config/load.js';
import {
  buildRules,
  DEFAULT_INCIDENT_SETTINGS,
  defaultRulesDir,
  hasCorrelation,
  loadRules,
  parseRulesText,
  type ConfigError,
} from '../../src/correlate/rules.js';
import { classifyTrack } from '../../src/correlate/tracks.js';
import { tempDir } from '../support/tempDir.js';
import { rules, y } from './support.js';

function errorsOf(text: string, more: { file: string; text: string }[] = []): ConfigError[] {
  const r = buildRules([{ file: 'r.yml', text }, ...more]);
  if (r.ok) throw new Error('expected the rules to be refused');
  return r.errors;
}

/** `file:line:col: path: message` of each error. */
function formatted(text: string, more: { file: string; text: string }[] = []): string[] {
  return errorsOf(text, more).map(formatConfigError);
}

describe('the shipped defaults', () => {
  const defaults = rules();

  it('load, and are found from the module location', () => {
    expect(defaultRulesDir()).toMatch(/rules[/\\]defaults$/);
    expect(defaults.files.map((f) => f.replace(/.*[/\\]/, ''))).toEqual(['causal-templates.yml', 'signals.yml', 'tracks.yml']);
    expect(defaults.incidents).toEqual(DEFAULT_INCIDENT_SETTINGS);
  });

  it('cover the causal chains of the drift notes, section 4.2', () => {
    expect(defaults.templates.map((t) => t.name)).toEqual([
      'stale-features-drift',
      'stream-lag-score-drift',
      'schema-change-skew',
      'vocabulary-change-feature-drift',
      'deploy-training-serving-skew',
      'model-rollout-output-drift',
      'gpu-saturation-latency-fallback',
      'gpu-fault-availability',
      'enrichment-outage-slice-drift',
      'ingestion-drop-no-data',
      'label-delay-realized-performance',
      'training-stall-accuracy-decay',
      'nan-inf-serving-errors',
    ]);
    for (const t of defaults.templates) {
      expect(t.steps.length).toBeGreaterThanOrEqual(2);
      expect(t.steps[0]!.maxLagMs).toBe(0);
      for (const s of t.steps.slice(1)) expect(s.maxLagMs).toBeGreaterThan(0);
    }
  });

  it('name real alerts of the public rule sets in ../shared', () => {
    const text = readFileSync(join(defaultRulesDir(), 'causal-templates.yml'), 'utf8');
    for (const name of [
      'KafkaConsumerGroupLag',
      'KafkaLagIncreasing',
      'LiftWingServiceErrorRate',
      'KubernetesDeploymentUnavailableReplicas',
      'KubernetesContainerOomKiller',
      'NginxHighHttp5xxErrorRate',
      'BlackboxProbeFailed',
      'EventgateValidationErrors',
      'HaproxyKafkaNoMessages',
      'CPUThrottlingHigh',
      'KubeJobFailed',
    ]) {
      expect(text).toContain(name);
    }
  });

  it('are correlation in force; no rules at all are not', () => {
    expect(hasCorrelation(defaults)).toBe(true);
    const none = buildRules([], { defaults: false });
    expect(none.ok && hasCorrelation(none.rules)).toBe(false);
    const off = rules(
      y(
        `disable_templates: [${defaults.templates.map((t) => t.name).join(', ')}]`,
        'disable_correlation: [model-signals]',
      ),
    );
    expect(hasCorrelation(off)).toBe(false);
    expect(off.tracks.length).toBe(defaults.tracks.length);
  });
});

describe('parsing', () => {
  it('reads the example of docs/correlation.md', () => {
    const doc = readFileSync(new URL('../../docs/correlation.md', import.meta.url), 'utf8');
    const block = /```yaml\n(incidents:[\s\S]*?)```/.exec(doc)?.[1];
    expect(block).toBeDefined();
    // The doc's example template is named like a default: switch that one off to use it.
    const r = rules(block! + 'disable_templates: [stale-features-drift]\n');
    expect(r.incidents.holdDownMs).toBe(2 * 60_000);
    expect(r.incidents.flapChanges).toBe(4);
    const fraud = r.topology.components.find((c) => c.name === 'fraud-scorer')!;
    expect(fraud.kind).toBe('model');
    expect(fraud.dependsOn).toEqual(['user-stats-job', 'online-feature-store', 'triton-gpu-pool']);
    expect(r.correlation.map((c) => c.name)).toEqual(['model-signals', 'same-namespace']);
    expect(r.templates.find((t) => t.name === 'stale-features-drift')!.isDefault).toBe(false);
  });

  it('compiles durations, matchers, selectors and defaults', () => {
    const r = rules(
      y(
        'incidents:',
        '  hold_down: 30s',
        '  flap: {window: 10m, changes: 6}',
        '  title_labels: [alertname, service]',
        'topology:',
        '  identity_labels: [service]',
        '  components:',
        '    - name: db',
        '      kind: database',
        '    - name: api',
        '      depends_on: [db]',
        '      selectors:',
        "        - ['job=\"api\"', 'env=~\"prod|staging\"']",
        "        - ['alertname=\"ApiDown\"']",
        'correlation:',
        '  - name: ns',
        '    keys: [cluster, namespace]',
        'causal_templates:',
        '  - name: db-then-api',
        '    scope: [service]',
        '    steps:',
        "      - {name: db_slow, matchers: ['alertname=\"DbSlow\"']}",
        "      - {name: api_errors, matchers: ['alertname=\"ApiErrors\"'], track: infra}",
      ),
      { defaults: false },
    );
    expect(r.incidents).toMatchObject({ holdDownMs: 30_000, flapWindowMs: 600_000, flapChanges: 6, joinWindowMs: 30 * 60_000 });
    expect(r.incidents.titleLabels).toEqual(['alertname', 'service']);
    const api = r.topology.components.find((c) => c.name === 'api')!;
    expect(api.kind).toBe('service');
    expect(api.selectors.map((s) => s.text)).toEqual(['job="api", env=~"prod|staging"', 'alertname="ApiDown"']);
    expect(api.selectors[0]!.match({ job: 'api', env: 'prod' })).toBe(true);
    expect(api.selectors[0]!.match({ job: 'api', env: 'dev' })).toBe(false);
    expect(r.correlation[0]!.windowMs).toBe(30 * 60_000); // window defaults to join_window
    expect(r.templates[0]!.steps[1]).toMatchObject({ name: 'api_errors', track: 'infra', maxLagMs: 30 * 60_000 });
    expect(Object.isFrozen(r.templates[0]!.steps)).toBe(true);
  });

  it('lets a user template replace a default once the default is switched off', () => {
    const r = rules(
      y(
        'disable_templates: [nan-inf-serving-errors]',
        'causal_templates:',
        '  - name: nan-inf-serving-errors',
        '    steps:',
        "      - {name: a, matchers: ['alertname=\"A\"']}",
        "      - {name: b, matchers: ['alertname=\"B\"']}",
      ),
    );
    const t = r.templates.find((x) => x.name === 'nan-inf-serving-errors')!;
    expect(t.isDefault).toBe(false);
    expect(t.scope).toEqual(['model', 'service']);
  });

  it('parseRulesText returns a fragment for one file', () => {
    const r = parseRulesText("tracks:\n  - {track: data, matchers: ['alertname=\"X\"']}\n", 'one.yml');
    expect(r.ok && r.fragment.tracks.length).toBe(1);
  });
});

describe('errors carry file:line:col: path: message', () => {
  it('unknown keys, at the key', () => {
    expect(formatted(y('incidents:', '  hold_down: 2m', '  holddown: 3m', 'bogus: 1'))).toEqual([
      'r.yml:3:3: incidents: unknown key "holddown"',
      'r.yml:4:1: unknown key "bogus"',
    ]);
  });

  it('bad durations, numbers and tracks, at the value', () => {
    expect(
      formatted(
        y(
          'incidents:',
          '  join_window: soon',
          '  max_hops: -1',
          '  flap: {window: 5m, changes: 1}',
          'tracks:',
          "  - {track: ops, matchers: ['a=\"b\"']}",
        ),
      ),
    ).toEqual([
      'r.yml:2:16: incidents.join_window: expected a duration like 30s, got "soon"',
      'r.yml:3:13: incidents.max_hops: expected a whole number (0 or more), got "-1"',
      'r.yml:4:31: incidents.flap.changes: expected a whole number (2 or more), got "1"',
      'r.yml:6:13: tracks[0].track: expected one of infra, data, model, change, got "ops"',
    ]);
  });

  it('bad matchers, at the matcher', () => {
    const errs = errorsOf(y('tracks:', '  - track: data', '    matchers:', "      - 'alertname=~\"(\"'", "      - 'fine=\"x\"'"));
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ file: 'r.yml', line: 4, column: 9, path: 'tracks[0].matchers[0]' });
    expect(errs[0]!.message).toMatch(/^invalid matcher: invalid regular expression/);
  });

  it('missing and misplaced template parts', () => {
    expect(
      formatted(
        y(
          'causal_templates:',
          '  - name: t',
          '    steps:',
          "      - {name: a, matchers: ['x=\"1\"'], max_lag: 5m}",
          '      - {name: b}',
          '  - steps: []',
        ),
      ),
    ).toEqual([
      'r.yml:4:40: causal_templates[0].steps[0].max_lag: the first step has no earlier step: max_lag does not apply',
      'r.yml:5:9: causal_templates[0].steps[1]: missing required key "matchers" (or "selectors")',
      'r.yml:6:5: causal_templates[1]: missing required key "name"',
      'r.yml:6:12: causal_templates[1].steps: a causal template needs at least two steps',
    ]);
  });

  it('references across files: depends_on, duplicates, incidents twice, disable_*', () => {
    const a = y('incidents: {hold_down: 1m}', 'topology:', '  components:', '    - name: api', '      depends_on: [db, cache]');
    const b = y(
      'incidents: {hold_down: 2m}',
      'topology:',
      '  components:',
      '    - name: db',
      '    - name: api',
      'disable_templates: [no-such-template]',
      'disable_correlation: [model-signals, nope]',
    );
    expect(formatted(a, [{ file: 'b.yml', text: b }])).toEqual([
      'b.yml:1:1: incidents: incidents: may appear once (first at r.yml:1)',
      'b.yml:5:13: topology.components: component "api" is defined twice (first at r.yml:4)',
      'b.yml:6:21: disable_templates[0]: no causal template named "no-such-template"',
      'b.yml:7:38: disable_correlation[1]: no label-window rule named "nope"',
      'r.yml:5:24: topology.components[0].depends_on[1]: undefined component "cache"',
    ]);
  });

  it('a user template named like an enabled default', () => {
    const errs = formatted(
      y('causal_templates:', '  - name: stale-features-drift', '    steps:', "      - {name: a, matchers: ['x=\"1\"']}", "      - {name: b, matchers: ['x=\"2\"']}"),
    );
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(
      /^r\.yml:2:11: causal_templates: causal template "stale-features-drift" is already a default \(.*causal-templates\.yml:\d+\): add it to disable_templates to replace it$/,
    );
  });

  it('YAML syntax and duplicate keys', () => {
    expect(formatted('tracks: [\n')[0]).toMatch(/^r\.yml:2:1: YAML syntax error: /);
    expect(formatted(y('incidents:', '  hold_down: 1m', '  hold_down: 2m'))).toEqual(['r.yml:3:3: duplicate key "hold_down"']);
  });

  it('label names and list shapes', () => {
    expect(
      formatted(
        y(
          'correlation:',
          '  - name: w',
          '    keys: [ok, "not-ok"]',
          'topology:',
          '  components:',
          '    - name: x',
          '      kind: blob',
          '      selectors: [["a=\\"b\\""], "c"]',
        ),
      ),
    ).toEqual([
      'r.yml:3:16: correlation[0].keys[1]: invalid label name "not-ok"',
      'r.yml:7:13: topology.components[0].kind: expected one of service, node, gpu, queue, feature_pipeline, feature_store, model, data_source, database, got "blob"',
      'r.yml:8:32: topology.components[0].selectors[1]: expected a list of matchers, got "c"',
    ]);
  });
});

describe('loadRules reads a folder after the defaults', () => {
  it('every .yml and .yaml, not recursive, in name order', () => {
    const dir = tempDir('alertsift-rules-');
    writeFileSync(join(dir, 'b.yaml'), "tracks:\n  - {track: model, matchers: ['alertname=\"B\"']}\n");
    writeFileSync(join(dir, 'a.yml'), "tracks:\n  - {track: data, matchers: ['alertname=\"A\"']}\n");
    writeFileSync(join(dir, 'notes.txt'), 'not yaml: [');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'c.yml'), 'broken: [');
    const r = loadRules(dir);
    if (!r.ok) throw new Error(r.errors.map(formatConfigError).join('\n'));
    expect(r.rules.files.slice(-2)).toEqual([join(dir, 'a.yml'), join(dir, 'b.yaml')]);
    // User entries come before the defaults'.
    expect(r.rules.tracks.slice(0, 2).map((t) => t.track)).toEqual(['data', 'model']);
  });

  it('undefined: defaults only; the defaults folder itself is not read twice', () => {
    const d = loadRules(undefined);
    const again = loadRules(defaultRulesDir());
    expect(d.ok && again.ok && again.rules.files).toEqual(d.ok && d.rules.files);
  });

  it('reports an unreadable folder and a bad file with its path', () => {
    const missing = loadRules('/nonexistent/rules');
    expect(!missing.ok && missing.errors.map(formatConfigError)).toEqual(['/nonexistent/rules: cannot read rules folder: no such folder']);
    const dir = tempDir('alertsift-rules-');
    writeFileSync(join(dir, 'x.yml'), 'incidents:\n  resolve_quiet: never\n');
    const bad = loadRules(dir);
    expect(!bad.ok && bad.errors.map(formatConfigError)).toEqual([
      `${join(dir, 'x.yml')}:2:18: incidents.resolve_quiet: expected a duration like 30s, got "never"`,
    ]);
  });
});

describe('classifyTrack', () => {
  const r = rules(y('tracks:', "  - {track: model, matchers: ['alertname=\"AirflowDagBagEmpty\"']}"));

  it('an explicit, valid track label wins', () => {
    expect(classifyTrack(r, { alertname: 'KubePodCrashLooping', track: 'data' })).toBe('data');
    expect(classifyTrack(r, { alertname: 'KubePodCrashLooping', track: 'bogus' })).toBe('infra');
  });

  it('user entries before the defaults, then signal kinds, then infra', () => {
    expect(classifyTrack(r, { alertname: 'AirflowDagBagEmpty' })).toBe('model'); // user entry
    expect(classifyTrack(r, { alertname: 'AirflowNonHeartbeatingScheduler' })).toBe('data'); // default entry
    expect(classifyTrack(r, { alertname: 'FeatureFreshness', signal_kind: 'freshness' })).toBe('data');
    expect(classifyTrack(r, { alertname: 'DataQuality' })).toBe('data');
    expect(classifyTrack(r, { alertname: 'IntegrationHealth' })).toBe('data');
    expect(classifyTrack(r, { alertname: 'ModelDrift', signal_kind: 'drift' })).toBe('model');
    expect(classifyTrack(r, { alertname: 'X', signal_kind: 'perf_realized' })).toBe('model');
    expect(classifyTrack(r, { alertname: 'KafkaConsumerGroupLag' })).toBe('infra');
  });
});
