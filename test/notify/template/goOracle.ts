/**
 * Runs Go's own text/template (oracle/main.go, standard library only) on the engine cases, and turns
 * the cases' JSON data into the JavaScript values our engine takes.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GoFloat, GoTime } from '../../../src/notify/template/index.js';
import { GoMap, GoStringSlice, compareStrings } from '../../../src/notify/template/values.js';
import { parseTime } from '../../../src/domain/time.js';
import { D, type EngineCase } from './engineCases.js';

const HERE = dirname(fileURLToPath(import.meta.url));

export interface GoResult {
  readonly out?: string;
  readonly err?: string;
}

export function goAvailable(): boolean {
  const r = spawnSync('go', ['version'], { encoding: 'utf8', env: goEnv() });
  return r.status === 0;
}

function goEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod', GO111MODULE: 'on', HOME: process.env.HOME ?? '/tmp' };
}

export function runGo(cases: readonly EngineCase[]): GoResult[] {
  const input = JSON.stringify(cases.map((c) => ({ tmpl: c.tmpl, data: c.data === undefined ? D : c.data, missingkey: c.missingkey ?? '' })));
  const r = spawnSync('go', ['run', join(HERE, 'oracle', 'main.go')], { input, encoding: 'utf8', env: goEnv(), timeout: 180_000, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`go oracle failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as GoResult[];
}

/** A plain Go map[string]string (no methods), for the `{"$kv": …}` marker. */
class StringMap extends GoMap {
  readonly goType = 'map[string]string';
  readonly zero = '';
  constructor(private readonly m: Record<string, string>) {
    super();
  }
  size(): number {
    return Object.keys(this.m).length;
  }
  sortedKeys(): readonly string[] {
    return Object.keys(this.m).sort(compareStrings);
  }
  lookup(key: string): unknown {
    return Object.prototype.hasOwnProperty.call(this.m, key) ? this.m[key] : undefined;
  }
  goJSON(): unknown {
    return this.m;
  }
}

/** The case's JSON data as engine values (markers become Go-typed values). */
export function toEngineData(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toEngineData);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      if ('$float' in o) return new GoFloat(o.$float as number);
      if ('$kv' in o) return new StringMap(o.$kv as Record<string, string>);
      if ('$strings' in o) return new GoStringSlice(o.$strings as string[]);
      if ('$time' in o) return new GoTime(parseTime(o.$time as string)!);
    }
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = toEngineData(o[k]);
    return out;
  }
  return v;
}

/** The message of a Go template error without its location prefix. */
export function errorCore(msg: string): string {
  const m = /^template: [^:]*:\d+(?::\d+)?: (?:executing "[^"]*" at <.*?>: )?(.*)$/s.exec(msg);
  return m ? m[1]! : msg;
}
