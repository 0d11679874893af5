/**
 * Generates scenario files into `.bench-tmp/` (or reuses them), printing the manifest path.
 *
 *   node dist/benchmarks/generator/cli.js --scenario 100k [--force] [--time-scale 30] [--no-inhibition]
 *
 * The benchmarks call `ensureScenarioFiles` themselves; this is for looking at a stream by hand.
 */
import { isMain } from '../lib/paths.js';
import { ensureScenarioFiles } from './files.js';
import { SCENARIOS } from './scenarios.js';

function main(): void {
  const args = process.argv.slice(2);
  const get = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const ids = (get('--scenario') ?? '10k').split(',');
  const timeScale = Number(get('--time-scale') ?? '1');
  for (const id of ids) {
    if (!SCENARIOS[id]) throw new Error(`unknown scenario ${id}`);
    const m = ensureScenarioFiles(id, {
      force: args.includes('--force'),
      stream: { timeScale },
      config: { inhibition: !args.includes('--no-inhibition'), timeScale },
      log: (s) => console.error(s),
    });
    console.log(JSON.stringify({ id, stream: m.streamFile, config: m.configFile, topology: m.topology, stats: m.stream, bytes: m.bytes }));
  }
}

if (isMain(import.meta.url)) main();
