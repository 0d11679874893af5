/**
 * Writes a scenario's stream (JSONL) and configuration to `.bench-tmp/` (gitignored), with a manifest
 * describing what was generated. Files are reused while the scenario, the vocabulary and the generator
 * version are unchanged, so repeated benchmark runs do not pay for generation.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { benchTmp } from '../lib/paths.js';
import { buildConfigYaml, buildRouteTree, countRoutes, matchRoutes, type ConfigOptions } from './config.js';
import { scenarioById, type Scenario } from './scenarios.js';
import { DEFAULT_START, StreamGenerator, type StreamOptions, type StreamStats } from './stream.js';
import { buildTopology, type Topology } from './topology.js';

/** Bump when the generator's output changes for the same scenario. */
export const GENERATOR_VERSION = 5;

export interface TopologyStats {
  seeds: number;
  criticalTwins: number;
  /** Aggregation groups the stream creates, by Alertmanager's routing of the seeds' labels. */
  groups: number;
  largestSeed: number;
  routes: number;
  receivers: number;
  hosts: number;
  hostsDownAtStart: number;
}

export interface Manifest {
  readonly scenario: Scenario;
  readonly generatorVersion: number;
  readonly vocabularySha: string;
  readonly key: string;
  readonly streamFile: string;
  readonly configFile: string;
  readonly bytes: number;
  readonly generationMs: number;
  readonly topology: TopologyStats;
  readonly stream: StreamStats;
  readonly timeScale: number;
}

export function topologyStats(topo: Topology): TopologyStats {
  const { root, receivers } = buildRouteTree(topo);
  const groups = new Set<string>();
  const add = (labels: Record<string, string>) => {
    for (const r of matchRoutes(root, labels)) groups.add(`${r.path}:${r.groupBy.map((n) => labels[n] ?? '').join('\u0000')}`);
  };
  for (const s of topo.seeds) {
    add({ alertname: s.rule.alertname, severity: s.rule.severity, team: s.team, service: s.service, namespace: s.namespace, cluster: s.cluster, job: s.job });
  }
  for (const cluster of topo.clusters) {
    add({ alertname: 'NodeDown', severity: 'critical', team: 'sre', service: 'node', namespace: 'node', cluster, job: 'node' });
    add({ alertname: 'Watchdog', severity: 'none', cluster, namespace: 'monitoring' });
  }
  return {
    seeds: topo.seeds.length,
    criticalTwins: topo.seeds.filter((s) => s.twinOf !== undefined).length,
    groups: groups.size,
    largestSeed: topo.seeds.reduce((m, s) => Math.max(m, s.size), 0),
    routes: countRoutes(root),
    receivers: receivers.length,
    hosts: topo.hostsPerCluster.reduce((a, b) => a + b, 0),
    hostsDownAtStart: topo.downHosts.reduce((a, b) => a + b.length, 0),
  };
}

/** Streams the lines into a file, a few MB per write. */
export function writeStream(path: string, lines: Iterable<string>): number {
  const fd = openSync(path, 'w');
  let bytes = 0;
  try {
    let chunk: string[] = [];
    let size = 0;
    for (const line of lines) {
      chunk.push(line);
      size += line.length + 1;
      if (size > 4 << 20) {
        bytes += writeSync(fd, chunk.join('\n') + '\n');
        chunk = [];
        size = 0;
      }
    }
    if (chunk.length > 0) bytes += writeSync(fd, chunk.join('\n') + '\n');
  } finally {
    closeSync(fd);
  }
  return bytes;
}

export interface EnsureOptions {
  readonly dir?: string;
  readonly force?: boolean;
  readonly stream?: StreamOptions;
  readonly config?: Partial<ConfigOptions>;
  readonly log?: (msg: string) => void;
}

/** Placeholder receiver URL for replay-only configs: replay records, it never sends. */
export const REPLAY_WEBHOOK_URL = 'http://127.0.0.1:9/alertsift-bench';

export function ensureScenarioFiles(scenarioOrId: Scenario | string, opts: EnsureOptions = {}): Manifest {
  const scenario = typeof scenarioOrId === 'string' ? scenarioById(scenarioOrId) : scenarioOrId;
  const dir = opts.dir ?? benchTmp();
  mkdirSync(dir, { recursive: true });
  const configOpts: ConfigOptions = {
    webhookUrl: opts.config?.webhookUrl ?? REPLAY_WEBHOOK_URL,
    timeScale: opts.config?.timeScale ?? opts.stream?.timeScale ?? 1,
    inhibition: opts.config?.inhibition ?? true,
  };
  const streamOpts: StreamOptions = { startMs: opts.stream?.startMs ?? DEFAULT_START, timeScale: configOpts.timeScale };
  const topo = buildTopology(scenario);
  const key = createHash('sha256')
    .update(JSON.stringify({ scenario, GENERATOR_VERSION, vocab: topo.vocabularySha, streamOpts, configOpts }))
    .digest('hex')
    .slice(0, 10);
  const base = join(dir, `${scenario.id}-${key}`);
  const manifestFile = `${base}.manifest.json`;
  if (!opts.force && existsSync(manifestFile)) {
    const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
    if (existsSync(m.streamFile) && statSync(m.streamFile).size === m.bytes && existsSync(m.configFile)) return m;
  }
  const t0 = performance.now();
  const configFile = `${base}.alertmanager.yml`;
  writeFileSync(configFile, buildConfigYaml(topo, configOpts));
  const gen = new StreamGenerator(topo, streamOpts);
  const tmp = `${base}.jsonl.partial`;
  const bytes = writeStream(tmp, gen.lines());
  renameSync(tmp, `${base}.jsonl`);
  const manifest: Manifest = {
    scenario,
    generatorVersion: GENERATOR_VERSION,
    vocabularySha: topo.vocabularySha,
    key,
    streamFile: `${base}.jsonl`,
    configFile,
    bytes,
    generationMs: Math.round(performance.now() - t0),
    topology: topologyStats(topo),
    stream: gen.stats,
    timeScale: configOpts.timeScale,
  };
  writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
  opts.log?.(`generated ${scenario.id}: ${manifest.stream.sends} sends in ${manifest.stream.lines} lines, ${(bytes / 1e6).toFixed(0)} MB, ${manifest.generationMs} ms`);
  return manifest;
}
