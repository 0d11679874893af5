/**
 * Loads the committed rule vocabulary (`vocabulary.json`, derived from real rule files by
 * `extract-vocabulary.ts`; attribution in `SOURCES.md`) and indexes it for the generator.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { repoRoot } from '../lib/paths.js';
import type { Vocabulary, VocabularyRule } from './extract-vocabulary.js';

export type { Vocabulary, VocabularyRule };

let cached: { vocab: Vocabulary; sha: string } | undefined;

export function vocabularyPath(): string {
  return join(repoRoot(), 'benchmarks', 'generator', 'vocabulary.json');
}

export function loadVocabulary(): { vocab: Vocabulary; sha: string } {
  if (cached) return cached;
  const text = readFileSync(vocabularyPath(), 'utf8');
  const vocab = JSON.parse(text) as Vocabulary;
  cached = { vocab, sha: createHash('sha256').update(text).digest('hex').slice(0, 12) };
  return cached;
}

/**
 * Which wikimedia team owns a generic (kube-prometheus or awesome-prometheus-alerts) rule, by its
 * category. Real estates split ownership this way: the platform team owns Kubernetes, the database team
 * owns MySQL/Redis rules, and so on. Several candidates: the rule's name picks one (stable).
 */
const GENERIC_OWNERS: readonly [RegExp, readonly string[]][] = [
  [/^(kubernetes|kube|general\.rules|node-network|node-exporter)/i, ['sre', 'wmcs']],
  [/^(prometheus|alertmanager|config-reloaders|grafana)/i, ['o11y']],
  [/^Basic resource monitoring/, ['sre', 'dcops']],
  [/^Databases/, ['data-persistence', 'search-platform']],
  [/^Message brokers/, ['data-engineering']],
  [/^Proxies/, ['traffic']],
  [/^Runtimes/, ['perf', 'collaboration-services']],
  [/^Data engineering/, ['data-platform']],
  [/^Orchestrators/, ['sre', 'wmcs']],
  [/^CI\/CD/, ['collaboration-services']],
  [/^Network and security/, ['netops']],
  [/^Storage/, ['data-persistence', 'wmcs']],
  [/^Cloud providers/, ['wmcs']],
  [/^Observability/, ['o11y']],
  [/^Other/, ['ml', 'dcops']],
];

export function ownerOf(rule: VocabularyRule, hash: (s: string) => number): string {
  if (rule.team) return rule.team;
  for (const [re, teams] of GENERIC_OWNERS) {
    if (re.test(rule.category)) return teams[hash(rule.alertname) % teams.length]!;
  }
  return 'sre';
}
