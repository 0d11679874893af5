import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The repository root: the nearest folder above this file holding package.json. Works from the
 * TypeScript sources (vitest) and from the compiled copy in dist/ alike.
 */
export function repoRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'benchmarks'))) return (cached = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** Scratch space for generated streams: gitignored, never committed. */
export function benchTmp(): string {
  return join(repoRoot(), '.bench-tmp');
}

/** True when this module is the process entry point (`node dist/benchmarks/x.js`). */
export function isMain(metaUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  return fileURLToPath(metaUrl) === entry || fileURLToPath(metaUrl) === entry + '.js';
}
