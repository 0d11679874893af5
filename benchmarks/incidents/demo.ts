/**
 * `npm run demo`: replays the bundled scenario in examples/demo/ (a 30-component estate, two hours,
 * generated once by this benchmark's generator: `node dist/benchmarks/incidents/demo.js --regenerate`)
 * through `alertsift replay` with its rules folder, then prints the funnel, the incidents as PagerDuty
 * received them (summary, members, ranked root-cause hints) and what really happened (the truth).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { isMain, repoRoot } from '../lib/paths.js';
import { writeScenario } from './files.js';
import { generateScenario, type Truth } from './generate.js';
import { cliSupportsRules, replayCli } from './run.js';
import { formatScore, readOutput, score, type OutputLine } from './score.js';
import { SIZES, type SizeSpec } from './topology.js';

/** The demo: the small estate over two hours, three faults. */
export const DEMO_SIZE: SizeSpec = { ...SIZES.small, faults: 3, durationMs: 2 * 3_600_000 };
export const DEMO_SEED = 3;

export function demoDir(): string {
  return join(repoRoot(), 'examples', 'demo');
}

type Json = Record<string, unknown>;
const obj = (x: unknown): Json => (x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Json) : {});
const hhmm = (iso: string) => iso.slice(11, 19);

interface Incident {
  key: string;
  first: string;
  resolved?: string;
  summary: string;
  severity: string;
  incidentId: string;
  members: Map<string, { labels: Record<string, string>; status: string }>;
  rootCause: { component?: string; labels?: Record<string, string>; score?: number; reason?: string }[];
  updates: number;
}

export function incidentsFromPagerduty(out: readonly OutputLine[]): Incident[] {
  const open = new Map<string, Incident>();
  const all: Incident[] = [];
  for (const l of out) {
    if (l.integration !== 'pagerduty') continue;
    const b = obj(l.body);
    const key = String(b.dedup_key ?? '');
    const p = obj(b.payload);
    const cd = obj(p.custom_details);
    if (b.event_action === 'resolve') {
      const i = open.get(key);
      if (i) {
        i.resolved = l.at;
        open.delete(key);
      }
      continue;
    }
    if (b.event_action !== 'trigger') continue;
    let i = open.get(key);
    if (!i) {
      i = { key, first: l.at, summary: String(p.summary ?? ''), severity: String(p.severity ?? ''), incidentId: String(cd.incident_id ?? key), members: new Map(), rootCause: [], updates: 0 };
      open.set(key, i);
      all.push(i);
    }
    i.updates++;
    for (const a of (cd.alerts as unknown[] | undefined) ?? []) {
      const o = obj(a);
      i.members.set(String(o.fingerprint ?? JSON.stringify(o.labels)), { labels: obj(o.labels) as Record<string, string>, status: String(o.status ?? '') });
    }
    if (Array.isArray(cd.root_cause)) i.rootCause = cd.root_cause as Incident['rootCause'];
  }
  return all;
}

function memberName(l: Record<string, string>): string {
  const where = l.model ?? l.pipeline ?? l.destination_service_name ?? l.destination_canonical_service ?? l.node ?? l.kafka_cluster ?? l.pod ?? l.instance ?? l.namespace ?? '';
  return `${l.alertname}${l.feature ? `[${l.feature}]` : ''}${where ? ` ${where}` : ''}`;
}

export function formatIncidents(incidents: readonly Incident[]): string {
  const out: string[] = [];
  for (const i of incidents) {
    out.push(`• ${hhmm(i.first)}${i.resolved ? `–${hhmm(i.resolved)}` : ''} [${i.severity}] ${i.summary.slice(0, 140)}`);
    out.push(`    incident ${i.incidentId}, ${i.members.size} member alerts, ${i.updates} PagerDuty update(s)`);
    const names = [...i.members.values()].map((m) => memberName(m.labels));
    out.push(`    members: ${names.slice(0, 8).join('; ')}${names.length > 8 ? `; … (+${names.length - 8})` : ''}`);
    i.rootCause.slice(0, 3).forEach((h, n) => {
      out.push(`    root cause #${n + 1}: ${h.component ?? JSON.stringify(h.labels ?? {})}${h.score !== undefined ? ` (score ${h.score.toFixed(2)})` : ''}${h.reason ? ` — ${h.reason}` : ''}`);
    });
  }
  return out.join('\n');
}

export function formatTruth(t: Truth): string {
  return t.faults
    .map(
      (f) =>
        `• ${hhmm(f.onset)} ${f.type} at ${f.root} (${f.chain})${f.change ? `, caused by ${f.change.kind} ${f.change.id} at ${hhmm(f.change.at)}` : ''}: ` +
        `${f.members.length} alerts/signals${f.expectPage ? ', must page' : ', no critical symptom'}`,
    )
    .join('\n');
}

async function main(): Promise<void> {
  const dir = demoDir();
  if (process.argv.includes('--regenerate')) {
    const sc = generateScenario({ size: DEMO_SIZE, seed: DEMO_SEED });
    const w = writeScenario(sc, dir);
    console.log(`regenerated ${dir} (${(w.bytes / 1e6).toFixed(2)} MB input)`);
  }
  const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Truth;
  const rules = await cliSupportsRules();
  const tmp = mkdtempSync(join(tmpdir(), 'alertsift-demo-'));
  try {
    const w = { dir, configFile: join(dir, 'alertmanager.yml'), rulesDir: join(dir, 'rules'), inputFile: join(dir, 'input.jsonl'), truthFile: join(dir, 'truth.json'), bytes: 0 };
    console.log(`alertsift demo: ${truth.scenario.components} components, ${truth.scenario.durationMs / 3_600_000} h of production traffic (${truth.stats.lines} lines), replayed in virtual time`);
    console.log(`  node bin/alertsift.js replay --config examples/demo/alertmanager.yml${rules ? ' --rules examples/demo/rules' : ''} --input examples/demo/input.jsonl --output <out>`);
    if (!rules) console.log('  (this build has no --rules: showing the plain Alertmanager-compatible pipeline)');
    const r = await replayCli(w, rules, join(tmp, 'out.jsonl'));
    if (!r.ok) throw new Error(`replay failed: ${r.stderr}`);
    const output = readOutput(r.outputFile);
    const s = score(truth, output);
    console.log('');
    console.log(formatScore(s));
    console.log('');
    console.log('Incidents paged (PagerDuty):');
    console.log(formatIncidents(incidentsFromPagerduty(output)) || '  none');
    const other = output.filter((l) => l.integration !== 'pagerduty').length;
    console.log(`  (+ ${other} Slack/webhook notifications for warning and info alerts)`);
    console.log('');
    console.log('What really happened (truth.json):');
    console.log(formatTruth(truth));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
