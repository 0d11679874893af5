/**
 * Writes `benchmarks/RESULTS.md`: a fixed header (how to run, method, scenarios), then one section per
 * run (date + machine), newest first, each with its tables, a comparison against the previous run, and
 * its figures as JSON in an HTML comment (so the next run can compare). Re-running on the same date and
 * machine replaces that run's section but keeps its hand-written notes block.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CompareResult } from '../alertmanager-compare.js';
import { COUNT_NOTE, formatCompare } from '../alertmanager-compare.js';
import type { ThroughputResult } from '../replay-throughput.js';
import { formatThroughput } from '../replay-throughput.js';
import { SCENARIOS } from '../generator/scenarios.js';
import { machineLine, type MachineInfo } from './machine.js';
import { repoRoot } from './paths.js';
import { fmtInt, table } from './stats.js';

export interface RunRecord {
  readonly date: string;
  readonly machine: MachineInfo;
  /** `git rev-parse --short HEAD`, with `+dirty` when src/ or benchmarks/ had uncommitted changes. */
  readonly revision?: string;
  /** Hash of the compiled engine the figures were measured on (lib/snapshot.ts). */
  readonly build?: string;
  readonly throughput: readonly ThroughputResult[];
  readonly compare?: CompareResult;
}

const RUN_RE = /<!-- run:(.+?) -->\n([\s\S]*?)<!-- \/run -->\n?/g;
const DATA_RE = /<!-- bench-data (.+?) -->/;
const NOTES_RE = /<!-- notes:begin -->[\s\S]*?<!-- notes:end -->/;

function runKey(r: Pick<RunRecord, 'date' | 'machine'>): string {
  return `${r.date} | ${machineLine(r.machine)}`;
}

const HEADER = `# Benchmark results

Produced by \`npm run bench -- --write\` (\`benchmarks/run.ts\`); the figures below are copied from its
output, never edited by hand. Streams are generated, seeded and deterministic (\`benchmarks/generator/\`),
into \`.bench-tmp/\` (not committed).

## How to run

| what | command |
|---|---|
| everything (Alertmanager part when installed) | \`npm run bench\` |
| and update this file | \`npm run bench -- --write\` |
| replay throughput only | \`npm run bench -- --no-compare\` (or \`--scenarios 10k,100k --reps 3\`) |
| Alertmanager side-by-side only | \`benchmarks/alertmanager/install.sh && npm run build && node dist/benchmarks/alertmanager-compare.js\` |
| where replay time goes | \`npm run bench -- --profile 100k\` (\`node --cpu-prof\`, top self-time functions) |
| look at a stream | \`node dist/benchmarks/generator/cli.js --scenario 10k\` (prints the file paths) |

## Targets (from the issue)

- replay within **3x** of the time it takes merely to \`JSON.parse\` the same input file, in the same run;
- cost per alert (ns per alert sent) growing **no more than 2x** from 10k to 1M active alerts.

## Method

**Replay throughput.** Each scenario runs in a fresh child process (\`node --expose-gc
--max-old-space-size=16384\`). Within it, repeated and interleaved: the *floor* reads the JSONL file with
the benchmark's line reader and \`JSON.parse\`s every line; the *replay* calls \`replay()\`
(\`src/intake/replay/replay.ts\`) over the same reader with output to a counting sink and \`until\` = the
last line's time. Times are medians over the repetitions (7 for 10k, 5 for 100k, 3 for 1M); ± is half
the range over the median. RSS and heap are sampled every 64 lines; at the end of input (engine state
live) two full GCs run and the *settled heap* is read; that pause is excluded from the replay time.
*heap B/active* = (settled heap − heap before the replay) / active alerts: everything the engine keeps
per alert (store, groups, notification log, inhibition index). *ns/send* = replay time / alerts sent.
*output* = characters of the request lines the replay wrote (exact bodies, which the replay must
serialize), and their ratio to the input file's size.

**Alertmanager side-by-side.** Scenario am-30k (30k active alerts, ~3k groups, the same 50-route tree):
stream and every timer of the config divided by 30, so 5 minutes of Prometheus traffic play in 10 s of
wall time. Per variant (no inhibition rules; the three inhibition rules): alertsift replays the file in
virtual time; a fresh Alertmanager (127.0.0.1, temporary storage, \`--cluster.listen-address=\`) takes the
same batches as fast as 8 concurrent POSTs allow (*burst*, its ingest ceiling); another fresh instance
takes them on the stream's own schedule (*paced*) while a webhook sink in the benchmark process counts
the notification POSTs and their alerts over the same observation window as the replay (stream + two
root group_intervals). Client, sink and Alertmanager share the machine's cores.

**Honesty aids.** A run executes from a private copy of \`dist/\` (\`lib/snapshot.ts\`); the commit and a
hash of the compiled engine are taken before anything is measured, so one run's figures belong to one
build. The CPU that *other* processes used during each measurement is recorded (\`lib/cpu.ts\`: all cores'
busy time from /proc/stat minus the benchmark's own and Alertmanager's); above ~0.2 cores the figures are
pessimistic and the run says so.

${COUNT_NOTE}
`;

function scenarioTable(t: readonly ThroughputResult[], c?: CompareResult): string {
  const rows: string[][] = t.map((r) => [
    r.scenario,
    SCENARIOS[r.scenario]?.models ?? r.models,
    fmtInt(r.activeAlerts),
    fmtInt(r.groups),
    String(r.routes),
    fmtInt(r.sends),
    fmtInt(r.lines),
    r.meanAlertBytes.toFixed(0),
    `${(r.fileBytes / 1e6).toFixed(0)} MB`,
  ]);
  if (c) {
    rows.push([
      c.scenario,
      SCENARIOS[c.scenario]?.models ?? '',
      fmtInt(c.activeAlerts),
      fmtInt(c.groups),
      String(c.routes),
      fmtInt(c.sends),
      fmtInt(c.posts),
      '',
      '',
    ]);
  }
  return table(['scenario', 'models', 'active alerts', 'groups', 'routes', 'alerts sent', 'lines (POSTs)', 'B/alert', 'file'], rows);
}

function pct(now: number, before: number): string {
  const d = (now / before - 1) * 100;
  return `${d >= 0 ? '+' : ''}${d.toFixed(0)}%`;
}

function comparison(now: RunRecord, prev: RunRecord | undefined): string {
  if (!prev) return 'Previous baseline: none (first recorded run).';
  const rows: string[][] = [];
  for (const r of now.throughput) {
    const p = prev.throughput.find((x) => x.scenario === r.scenario);
    if (!p) continue;
    rows.push([r.scenario, `${p.nsPerSend.toFixed(0)} → ${r.nsPerSend.toFixed(0)} (${pct(r.nsPerSend, p.nsPerSend)})`, `${p.ratioToParse.toFixed(1)}x → ${r.ratioToParse.toFixed(1)}x`, `${p.bytesPerActiveAlert.toFixed(0)} → ${r.bytesPerActiveAlert.toFixed(0)}`]);
  }
  if (rows.length === 0) return `Previous baseline (${prev.date}): no common scenarios.`;
  return `Against the previous baseline (${runKey(prev)}):\n\n` + table(['scenario', 'ns/send', 'replay/parse', 'heap B/active'], rows);
}

function runSection(r: RunRecord, prev: RunRecord | undefined, notes: string): string {
  const parts: string[] = [`### ${r.date} — ${machineLine(r.machine)}`, ''];
  if (r.revision) parts.push(`Engine and benchmark code: commit ${r.revision}${r.build ? `, compiled engine ${r.build}` : ''} (taken before measuring).`, '');
  if (r.throughput.length > 0) {
    parts.push('Scenarios:', '', scenarioTable(r.throughput, r.compare), '');
    parts.push('Replay throughput (medians):', '', formatThroughput(r.throughput), '');
    parts.push(comparison(r, prev), '');
  }
  if (r.compare) parts.push('```', formatCompare(r.compare), '```', '');
  parts.push(notes, '');
  const data = JSON.stringify(r).replace(/--/g, '-\\u002d');
  parts.push(`<!-- bench-data ${data} -->`);
  return parts.join('\n');
}

export function resultsPath(): string {
  return join(repoRoot(), 'benchmarks', 'RESULTS.md');
}

export function writeResults(r: RunRecord, file: string = resultsPath()): string {
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const runs: { key: string; body: string; record?: RunRecord }[] = [];
  for (const m of old.matchAll(RUN_RE)) {
    const body = m[2]!;
    const d = DATA_RE.exec(body);
    let record: RunRecord | undefined;
    try {
      record = d ? (JSON.parse(d[1]!) as RunRecord) : undefined;
    } catch {
      record = undefined;
    }
    runs.push({ key: m[1]!, body, ...(record ? { record } : {}) });
  }
  const key = runKey(r);
  const existing = runs.find((x) => x.key === key);
  const notes =
    (existing && NOTES_RE.exec(existing.body)?.[0]) ??
    '<!-- notes:begin -->\n_Notes on this run (kept when the run is re-written):_ none yet.\n<!-- notes:end -->';
  const others = runs.filter((x) => x.key !== key);
  // Re-writing the same run (same date and machine) with a subset — one scenario measured again on a
  // quiet machine, or only the comparison — replaces those figures and keeps the rest.
  // Only figures of the same compiled engine are merged; a different build starts the run afresh.
  const sameBuild = r.build !== undefined && existing?.record?.build === r.build;
  const prior = sameBuild ? existing?.record : undefined;
  const kept = (prior?.throughput ?? []).filter((t) => !r.throughput.some((n) => n.scenario === t.scenario));
  const order = (id: string) => {
    const i = Object.keys(SCENARIOS).indexOf(id);
    return i < 0 ? 99 : i;
  };
  const merged: RunRecord = {
    ...r,
    throughput: [...kept, ...r.throughput].sort((a, b) => order(a.scenario) - order(b.scenario)),
    ...(r.compare ? { compare: r.compare } : prior?.compare ? { compare: prior.compare } : {}),
  };
  const prev = others.find((x) => x.record && x.record.throughput.length > 0)?.record;
  const sections = [`<!-- run:${key} -->\n${runSection(merged, prev, notes)}\n<!-- /run -->\n`, ...others.map((x) => `<!-- run:${x.key} -->\n${x.body}<!-- /run -->\n`)];
  writeFileSync(file, `${HEADER}\n## Runs (newest first)\n\n${sections.join('\n')}`);
  return file;
}

/** The commit the figures belong to, marked dirty when the measured code had local changes. */
export function gitRevision(): string | undefined {
  try {
    const cwd = repoRoot();
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'benchmarks'], { cwd, encoding: 'utf8' }).trim();
    return dirty ? `${head}+dirty` : head;
  } catch {
    return undefined;
  }
}
