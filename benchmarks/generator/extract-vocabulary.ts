/**
 * Regenerates `vocabulary.json` (alert names, severities, summaries and team/service names) from the
 * real rule files in `shared/data/alert-rules/` (kube-prometheus manifests, wikimedia operations-alerts
 * team-* folders, awesome-prometheus-alerts `_data/rules.yml`). The benchmarks read the committed
 * JSON, so they do not depend on that folder at run time; run this only when the sources change:
 *
 *   npm run build && node dist/benchmarks/generator/extract-vocabulary.js [--rules-dir <dir>]
 *
 * Attribution and licences: see `SOURCES.md` beside this file (awesome-prometheus-alerts content is
 * CC-BY-4.0; its alert names are derived from the rule titles, as the project's own dist/ files do).
 */
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join, basename } from 'node:path';
import { parse } from 'yaml';
import { isMain, repoRoot } from '../lib/paths.js';

export interface VocabularyRule {
  readonly alertname: string;
  readonly severity: string;
  /** Summary template as written (Go template syntax, `{{ $labels.x }}`), trimmed to 120 chars. */
  readonly summary: string;
  readonly source: 'kube-prometheus' | 'wikimedia' | 'awesome-prometheus-alerts';
  /** Owning team for wikimedia rules (from the team-* folder); generic rules get one at generation time. */
  readonly team?: string;
  /** Rule group (kube-prometheus, wikimedia) or awesome-prometheus-alerts category. */
  readonly category: string;
}

export interface Vocabulary {
  readonly attribution: readonly string[];
  /** Wikimedia team names (folder `team-<name>`), with the services named by their rule files. */
  readonly teams: Readonly<Record<string, readonly string[]>>;
  readonly rules: readonly VocabularyRule[];
}

// `none` is kept for kube-prometheus' Watchdog and InfoInhibitor, which the generator uses by name.
const SEVERITIES = new Set(['critical', 'warning', 'info', 'page', 'task', 'none']);

function trimSummary(s: unknown): string {
  const text = typeof s === 'string' ? s.replace(/\s+/g, ' ').trim() : '';
  return text.length > 120 ? text.slice(0, 117) + '...' : text;
}

function severityOf(labels: unknown): string | undefined {
  const sev = (labels as Record<string, unknown> | undefined)?.['severity'];
  return typeof sev === 'string' && SEVERITIES.has(sev) ? sev : undefined;
}

/** awesome-prometheus-alerts' dist/ turns "Host out of memory" into "HostOutOfMemory". */
export function pascalName(title: string): string {
  return title
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

interface RuleGroup {
  name?: string;
  rules?: { alert?: string; labels?: unknown; annotations?: Record<string, unknown> }[];
}

function fromRuleGroups(groups: RuleGroup[] | undefined, source: VocabularyRule['source'], team?: string): VocabularyRule[] {
  const out: VocabularyRule[] = [];
  for (const g of groups ?? []) {
    for (const r of g.rules ?? []) {
      if (typeof r.alert !== 'string') continue;
      const severity = severityOf(r.labels);
      if (!severity) continue;
      out.push({
        alertname: r.alert,
        severity,
        summary: trimSummary(r.annotations?.['summary'] ?? r.annotations?.['description']),
        source,
        // The folder owns the rule (its `team` label is sometimes a template or a sub-team).
        ...(team !== undefined ? { team } : {}),
        category: g.name ?? 'default',
      });
    }
  }
  return out;
}

export function extractVocabulary(rulesDir: string): Vocabulary {
  const rules: VocabularyRule[] = [];
  const teams: Record<string, string[]> = {};

  const kp = join(rulesDir, 'kube-prometheus', 'manifests');
  for (const f of readdirSync(kp).sort()) {
    if (!f.endsWith('-prometheusRule.yaml')) continue;
    const doc = parse(readFileSync(join(kp, f), 'utf8')) as { spec?: { groups?: RuleGroup[] } };
    rules.push(...fromRuleGroups(doc.spec?.groups, 'kube-prometheus'));
  }

  const wm = join(rulesDir, 'wikimedia-alerts');
  for (const dir of readdirSync(wm).sort()) {
    if (!dir.startsWith('team-') || !statSync(join(wm, dir)).isDirectory()) continue;
    const team = dir.slice('team-'.length);
    const services: string[] = [];
    for (const f of readdirSync(join(wm, dir)).sort()) {
      if (!f.endsWith('.yaml') || f.endsWith('_test.yaml')) continue;
      services.push(basename(f, '.yaml').replace(/_/g, '-'));
      let doc: { groups?: RuleGroup[] } | undefined;
      try {
        doc = parse(readFileSync(join(wm, dir, f), 'utf8')) as { groups?: RuleGroup[] };
      } catch {
        continue; // a few files hold several documents or templates; the vocabulary does not need them
      }
      rules.push(...fromRuleGroups(doc?.groups, 'wikimedia', team));
    }
    teams[team] = services;
  }

  const apa = parse(readFileSync(join(rulesDir, 'awesome-prometheus-alerts', '_data', 'rules.yml'), 'utf8')) as {
    groups: { name: string; services: { name: string; exporters: { rules?: { name: string; severity?: string }[] }[] }[] }[];
  };
  for (const g of apa.groups) {
    for (const s of g.services) {
      for (const e of s.exporters) {
        for (const r of e.rules ?? []) {
          const severity = r.severity && SEVERITIES.has(r.severity) ? r.severity : undefined;
          if (!severity) continue;
          rules.push({
            alertname: pascalName(r.name),
            severity,
            // dist/rules/*.yml renders the summary as "<title> (instance {{ $labels.instance }})".
            summary: trimSummary(`${r.name} (instance {{ $labels.instance }})`),
            source: 'awesome-prometheus-alerts',
            category: `${g.name} / ${s.name}`,
          });
        }
      }
    }
  }

  // One entry per (alertname, severity, team): the same rule shipped twice adds nothing.
  const seen = new Set<string>();
  const unique = rules.filter((r) => {
    const k = `${r.alertname}\u0000${r.severity}\u0000${r.team ?? ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });

  return {
    attribution: [
      'kube-prometheus (prometheus-operator/kube-prometheus @ 4d719f1d), manifests/*-prometheusRule.yaml, Apache-2.0',
      'wikimedia/operations-alerts @ 859092e5, team-*/*.yaml, Apache-2.0',
      'awesome-prometheus-alerts (samber/awesome-prometheus-alerts @ a8533189), _data/rules.yml, CC-BY-4.0 — ' +
        'alert names derived from rule titles (PascalCase, as its dist/ files do), summaries rendered as in dist/',
    ],
    teams,
    rules: unique,
  };
}

function main(): void {
  const args = process.argv.slice(2);
  const i = args.indexOf('--rules-dir');
  const rulesDir = i >= 0 && args[i + 1] ? args[i + 1]! : join(repoRoot(), '..', 'shared', 'data', 'alert-rules');
  const vocab = extractVocabulary(rulesDir);
  const out = join(repoRoot(), 'benchmarks', 'generator', 'vocabulary.json');
  // One rule per line: small diffs when a source moves, and still plain JSON.
  const body = [
    '{',
    `"attribution": ${JSON.stringify(vocab.attribution)},`,
    `"teams": ${JSON.stringify(vocab.teams)},`,
    '"rules": [',
    vocab.rules.map((r) => JSON.stringify(r)).join(',\n'),
    ']}',
  ].join('\n');
  writeFileSync(out, body + '\n');
  const bySource: Record<string, number> = {};
  for (const r of vocab.rules) bySource[r.source] = (bySource[r.source] ?? 0) + 1;
  console.log(`wrote ${out}: ${vocab.rules.length} rules`, bySource, `${Object.keys(vocab.teams).length} teams`);
}

if (isMain(import.meta.url)) main();
