/**
 * `npm run bench`: replay throughput and memory for the 10k/100k/1M scenarios, then the side-by-side
 * with Debian's Alertmanager when it is installed (or `--compare` is given), then a results table.
 *
 *   npm run bench                         # everything (the Alertmanager part only if installed)
 *   npm run bench -- --scenarios 10k,100k # a subset of the throughput scenarios
 *   npm run bench -- --reps 3             # repetitions per scenario (default 7 / 5 / 3)
 *   npm run bench -- --no-compare         # skip the Alertmanager side-by-side
 *   npm run bench -- --compare            # require it (fails when Alertmanager is missing)
 *   npm run bench -- --profile 100k       # one replay under --cpu-prof: top self-time functions, time by stage
 *   npm run bench -- --write              # also update benchmarks/RESULTS.md (or --results <file>)
 *
 * Everything runs from a private copy of dist/ (lib/snapshot.ts), so a rebuild by other work during a
 * long run cannot mix two builds into one set of figures.
 */
import { runCompare, formatCompare, type CompareResult } from './alertmanager-compare.js';
import { alertmanagerInstalled } from './alertmanager/process.js';
import { THROUGHPUT_SCENARIOS } from './generator/scenarios.js';
import { formatStages, stageBreakdown } from './lib/cpuprofile.js';
import { machineInfo, machineLine } from './lib/machine.js';
import { isMain } from './lib/paths.js';
import { gitRevision, writeResults } from './lib/results.js';
import { runInSnapshot, snapshotBuild } from './lib/snapshot.js';
import { formatThroughput, profileScenario, runThroughput, type ThroughputResult } from './replay-throughput.js';

/** Re-runs this script from a private copy of dist/ (see lib/snapshot.ts); returns its exit code. */
async function runFromSnapshot(args: string[]): Promise<number> {
  const revision = gitRevision() ?? 'unknown';
  const snap = snapshotBuild();
  process.stderr.write(`[bench] running from a snapshot of dist/ (build ${snap.buildHash}, commit ${revision})\n`);
  return runInSnapshot(snap, snap.entry, [...args, '--snapshot-child', '--revision', revision, '--build', snap.buildHash]);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (!args.includes('--snapshot-child') && !args.includes('--no-snapshot')) {
    process.exitCode = await runFromSnapshot(args);
    return;
  }
  const get = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const log = (s: string) => process.stderr.write(s + '\n');
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    log('note: run with --expose-gc (npm run bench does) for settled-heap figures in this process; children get it anyway');
  }
  const machine = machineInfo();
  console.log(`machine: ${machineLine(machine)}`);

  const prof = get('--profile');
  if (prof) {
    const report = await profileScenario(prof, Number(get('--top') ?? '25'));
    console.log(report);
    // The same profile by pipeline stage (the first line names the .cpuprofile file).
    const file = /^profile (.+)$/m.exec(report)?.[1];
    if (file) console.log('\n' + formatStages(stageBreakdown(file)));
    return;
  }

  const ids = (get('--scenarios') ?? THROUGHPUT_SCENARIOS.join(',')).split(',').filter((s) => s.length > 0);
  const reps = get('--reps');
  let throughput: ThroughputResult[] = [];
  if (!args.includes('--no-throughput')) {
    throughput = await runThroughput(ids, reps ? Number(reps) : undefined);
    console.log('\nReplay throughput (medians):');
    console.log(formatThroughput(throughput));
  }

  let compare: CompareResult | undefined;
  const wantCompare = args.includes('--compare') || (!args.includes('--no-compare') && alertmanagerInstalled());
  if (wantCompare) {
    compare = await runCompare({
      timeScale: Number(get('--time-scale') ?? '30'),
      concurrency: Number(get('--concurrency') ?? '8'),
      log,
    });
    console.log('');
    console.log(formatCompare(compare));
  } else {
    log('Alertmanager side-by-side skipped (not installed: benchmarks/alertmanager/install.sh, or --no-compare)');
  }

  if (args.includes('--write')) {
    // The revision and build were taken when the snapshot was made, before anything was measured.
    const revision = get('--revision') ?? gitRevision();
    const build = get('--build');
    const record = {
      date: get('--date') ?? new Date().toISOString().slice(0, 10),
      machine,
      ...(revision ? { revision } : {}),
      ...(build ? { build } : {}),
      throughput,
      ...(compare ? { compare } : {}),
    };
    const file = writeResults(record, get('--results'));
    console.log(`\nwrote ${file}`);
  }
}

if (isMain(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
