/**
 * Generates one incident scenario into a folder (default `.bench-tmp/incidents/<size>-<seed>/`) and
 * prints what it wrote.
 *
 *   npm run build && node dist/benchmarks/incidents/cli.js --size small --seed 1 [--out DIR]
 */
import { join } from 'node:path';
import { benchTmp, isMain } from '../lib/paths.js';
import { generateScenario } from './generate.js';
import { writeScenario } from './files.js';
import { SIZES, type SizeName } from './topology.js';

export function scenarioDir(size: string, seed: number): string {
  return join(benchTmp(), 'incidents', `${size}-${seed}`);
}

export function describeScenario(t: ReturnType<typeof generateScenario>['truth']): string {
  const s = t.stats;
  const byType = new Map<string, number>();
  for (const f of t.faults) byType.set(f.type, (byType.get(f.type) ?? 0) + 1);
  const noise = new Map<string, number>();
  for (const n of t.noise) noise.set(n.kind, (noise.get(n.kind) ?? 0) + 1);
  return [
    `${t.scenario.size} seed ${t.scenario.seed}: ${t.scenario.components} components, ${t.scenario.durationMs / 3_600_000} h (${t.scenario.start} → ${t.scenario.end})`,
    `  lines ${s.lines} (alerts ${s.alertLines}, signals ${s.signalLines}, changes ${s.changeLines}); raw records ${s.rawRecords} ` +
      `(alert sends ${s.alertSends}, of which HA duplicates ${s.duplicateSends} and resolved ${s.resolvedSends}; signals ${s.signals}; changes ${s.changes})`,
    `  distinct alerts ${s.distinctAlerts} (Prometheus ${s.distinctPrometheusAlerts}, signal-derived ${s.distinctSignalAlerts})`,
    `  faults ${t.faults.length} (${t.faults.filter((f) => f.expectPage).length} must page): ${[...byType].map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `  noise ${t.noise.length}: ${[...noise].map(([k, v]) => `${k} ${v}`).join(', ')}; changes ${t.changes.length} (${t.changes.filter((c) => c.causes).length} causal)`,
  ].join('\n');
}

function main(): void {
  const args = process.argv.slice(2);
  const get = (n: string) => {
    const i = args.indexOf(n);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const size = (get('--size') ?? 'small') as SizeName;
  if (!SIZES[size]) throw new Error(`--size: one of ${Object.keys(SIZES).join(', ')}`);
  const seed = Number(get('--seed') ?? '1');
  const dir = get('--out') ?? scenarioDir(size, seed);
  const t0 = performance.now();
  const sc = generateScenario({ size, seed });
  const w = writeScenario(sc, dir);
  console.log(describeScenario(sc.truth));
  console.log(`  wrote ${dir} (${(w.bytes / 1e6).toFixed(1)} MB input) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

if (isMain(import.meta.url)) main();
