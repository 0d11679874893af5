import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';
import { parseTime } from '../../src/domain/time.js';
import { replay } from '../../src/intake/replay/replay.js';
import { normalizeApiV2Alerts } from '../../src/normalize/apiV2Alerts.js';
import { buildConfigYaml, countRoutes, buildRouteTree, formatDuration, matchRoutes } from '../../benchmarks/generator/config.js';
import { topologyStats } from '../../benchmarks/generator/files.js';
import { Rng } from '../../benchmarks/generator/prng.js';
import { TINY, type Scenario } from '../../benchmarks/generator/scenarios.js';
import { BATCH_MAX, StreamGenerator } from '../../benchmarks/generator/stream.js';
import { buildTopology } from '../../benchmarks/generator/topology.js';

function generate(s: Scenario, timeScale = 1): { lines: string[]; gen: StreamGenerator } {
  const gen = new StreamGenerator(buildTopology(s), { timeScale });
  return { lines: [...gen.lines()], gen };
}

const dir = mkdtempSync(join(tmpdir(), 'alertsift-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('benchmark stream generator', () => {
  it('is deterministic for a seed, and the seed matters', () => {
    const a = generate(TINY).lines;
    const b = generate(TINY).lines;
    expect(a.join('\n')).toBe(b.join('\n'));
    const c = generate({ ...TINY, seed: TINY.seed + 1 }).lines;
    expect(c.join('\n')).not.toBe(a.join('\n'));
    // The PRNG itself: same seed, same sequence.
    const r1 = new Rng(7);
    const r2 = new Rng(7);
    expect(Array.from({ length: 5 }, () => r1.next())).toEqual(Array.from({ length: 5 }, () => r2.next()));
  });

  it('writes time-ordered lines of valid API v2 postable alerts, as Prometheus batches them', () => {
    const { lines, gen } = generate(TINY);
    let prev = -Infinity;
    let sends = 0;
    for (const line of lines) {
      const o = JSON.parse(line) as { at: string; alerts: unknown[] };
      expect(Object.keys(o)).toEqual(['at', 'alerts']);
      const at = parseTime(o.at);
      expect(at).toBeDefined();
      expect(at!).toBeGreaterThanOrEqual(prev);
      prev = at!;
      expect(o.alerts.length).toBeGreaterThan(0);
      expect(o.alerts.length).toBeLessThanOrEqual(BATCH_MAX);
      // The engine's own door accepts every alert.
      const r = normalizeApiV2Alerts(o.alerts, { now: at!, resolveTimeoutMs: 300_000, source: 'replay' });
      expect(r.errors).toEqual([]);
      expect(r.alerts.length).toBe(o.alerts.length);
      for (const a of r.alerts) {
        expect(a.startsAt).toBeLessThanOrEqual(a.endsAt);
        expect(a.timeout).toBe(false); // Prometheus always sends endsAt
        for (const name of ['alertname', 'severity', 'cluster', 'namespace']) expect(a.labels[name]).toBeTruthy();
      }
      sends += o.alerts.length;
    }
    expect(sends).toBe(gen.stats.sends);
    expect(gen.stats.lines).toBe(lines.length);
    // Sends ≫ distinct alerts: every firing alert is re-sent each round.
    expect(gen.stats.sends).toBeGreaterThan(2.5 * gen.stats.distinctAlerts);
    // Steady state near the scenario's size.
    expect(Math.abs(gen.stats.activeAtEnd - TINY.activeAlerts) / TINY.activeAlerts).toBeLessThan(0.1);
    // Alerts are about the size of real ones.
    const mean = gen.stats.alertBytes / gen.stats.sends;
    expect(mean).toBeGreaterThan(250);
    expect(mean).toBeLessThan(600);
  });

  it('compresses time by the scale factor', () => {
    const plain = generate(TINY).gen.stats;
    const scaled = generate(TINY, 30).gen.stats;
    const span = (s: typeof plain) => parseTime(s.lastAt)! - parseTime(s.firstAt)!;
    expect(span(scaled)).toBeCloseTo(span(plain) / 30, -2);
    expect(scaled.sends).toBe(plain.sends);
  });

  it('routes like Alertmanager: first matching child, continue, fallback to the parent', () => {
    const { root } = buildRouteTree(buildTopology(TINY));
    const crit = matchRoutes(root, { alertname: 'X', severity: 'critical', team: 'sre', cluster: 'eqiad' });
    // critical-audit (continue) and the sre pager route.
    expect(crit.map((r) => r.path)).toEqual(['/1', expect.stringMatching(/^\/\d+\/\d+$/)]);
    const staging = matchRoutes(root, { alertname: 'X', severity: 'warning', team: 'sre', cluster: 'staging-eqiad' });
    expect(staging.map((r) => r.path)).toEqual(['/2']);
    const nobody = matchRoutes(root, { alertname: 'X', severity: 'warning', team: 'nobody', cluster: 'eqiad' });
    expect(nobody.map((r) => r.path)).toEqual(['']);
    expect(formatDuration(4 * 3600_000)).toBe('4h');
    expect(formatDuration(10_000 / 30)).toBe('333ms');
    expect(formatDuration(90_000)).toBe('1m30s');
  });

  it('produces configurations that load, with a few dozen routes and the inhibition rules', () => {
    const topo = buildTopology(TINY);
    for (const [inhibition, timeScale] of [
      [true, 1],
      [false, 1],
      [true, 30],
    ] as const) {
      const file = join(dir, `am-${inhibition}-${timeScale}.yml`);
      writeFileSync(file, buildConfigYaml(topo, { webhookUrl: 'http://127.0.0.1:9/hook', timeScale, inhibition }));
      const r = loadConfigFile(file);
      if (!r.ok) throw new Error(JSON.stringify(r.errors));
      expect(r.config.inhibitRules.length).toBe(inhibition ? 3 : 0);
      const countLoaded = (x: { routes: readonly unknown[] }): number =>
        1 + x.routes.reduce<number>((n, c) => n + countLoaded(c as { routes: readonly unknown[] }), 0);
      expect(countLoaded(r.config.route)).toBe(countRoutes(buildRouteTree(topo).root));
      expect(countLoaded(r.config.route)).toBeGreaterThanOrEqual(24);
      expect(r.config.route.groupIntervalMs).toBe(Math.round(300_000 / timeScale));
    }
    expect(topologyStats(topo).groups).toBeGreaterThan(TINY.groups);
  });

  it('replays through the engine without rejections', async () => {
    const topo = buildTopology(TINY);
    const file = join(dir, 'replay.yml');
    writeFileSync(file, buildConfigYaml(topo, { webhookUrl: 'http://127.0.0.1:9/hook', timeScale: 1, inhibition: true }));
    const r = loadConfigFile(file);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const { lines, gen } = generate(TINY);
    let outputs = 0;
    const stats = await replay({ config: r.config, lines, output: () => outputs++, until: parseTime(gen.stats.lastAt)! });
    expect(stats.rejected).toBe(0);
    expect(stats.alertsReceived).toBe(gen.stats.sends);
    expect(outputs).toBeGreaterThan(0);
  });
});
