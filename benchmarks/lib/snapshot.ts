/**
 * Other work may rebuild dist/ while a long benchmark runs. `npm run bench` therefore copies the
 * compiled engine and benchmarks to a private folder first and runs everything (including the
 * per-scenario child processes) from that copy, so every figure of one run belongs to one build.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchTmp } from './paths.js';

export interface Snapshot {
  readonly dir: string;
  /** The copied run.js to execute. */
  readonly entry: string;
  /** sha256 (12 hex) of the compiled engine (dist/src/**.js): which build the figures belong to. */
  readonly buildHash: string;
}

function jsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...jsFiles(p));
    else if (name.endsWith('.js')) out.push(p);
  }
  return out;
}

export function buildHash(distRoot: string): string {
  const h = createHash('sha256');
  const src = join(distRoot, 'src');
  for (const f of jsFiles(src)) h.update(relative(src, f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex').slice(0, 12);
}

/** The dist/ folder this module was loaded from. */
export function currentDistRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

export function snapshotBuild(): Snapshot {
  const from = currentDistRoot();
  const dir = join(benchTmp(), 'snapshots', `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  for (const part of ['src', 'benchmarks']) {
    cpSync(join(from, part), join(dir, 'dist', part), { recursive: true, filter: (p) => !p.endsWith('.map') });
  }
  const dist = join(dir, 'dist');
  return { dir, entry: join(dist, 'benchmarks', 'run.js'), buildHash: buildHash(dist) };
}

export function removeSnapshot(s: Snapshot): void {
  rmSync(s.dir, { recursive: true, force: true });
}

/**
 * Runs `entry` (a script inside the snapshot) in a child Node with --expose-gc and the given arguments,
 * then removes the snapshot; resolves to the child's exit code.
 */
export async function runInSnapshot(snap: Snapshot, entry: string, args: readonly string[]): Promise<number> {
  try {
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, ['--expose-gc', entry, ...args], { stdio: 'inherit' });
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    removeSnapshot(snap);
  }
}
