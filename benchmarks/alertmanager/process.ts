/**
 * Starts and stops a real Alertmanager (Debian's prometheus-alertmanager) for the side-by-side run:
 * 127.0.0.1 only, a temporary storage path, gossip disabled (`--cluster.listen-address=`), so nothing
 * leaves the machine and each run starts from empty state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../lib/net.js';
export { freePort };

export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

export function alertmanagerInstalled(bin = ALERTMANAGER_BIN): boolean {
  return existsSync(bin);
}

export function alertmanagerVersion(bin = ALERTMANAGER_BIN): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn(bin, ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', () => resolve(out.split('\n')[0]?.trim() ?? 'unknown'));
    p.on('error', () => resolve('not installed'));
  });
}


export interface RunningAlertmanager {
  readonly url: string;
  readonly pid: number;
  /** CPU seconds (user + system) used so far, from /proc. */
  cpuSeconds(): number;
  /** Peak resident set size so far (VmHWM), bytes. */
  peakRssBytes(): number;
  /** Error lines in its log so far, with the most frequent message. */
  logErrors(): { count: number; top?: string };
  stop(): Promise<void>;
}

function procStatCpu(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which is in parentheses and may hold spaces).
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    return (utime + stime) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

function procPeakRss(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

function logErrors(file: string): { count: number; top?: string } {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { count: 0 };
  }
  const byMsg = new Map<string, number>();
  let count = 0;
  for (const line of text.split('\n')) {
    if (!line.includes('level=error')) continue;
    count++;
    const msg = (/msg="([^"]*)"/.exec(line)?.[1] ?? '') + ((/err="([^"]*)"/.exec(line)?.[1] ?? '') ? `: ${/err="([^"]*)"/.exec(line)![1]}` : '');
    byMsg.set(msg, (byMsg.get(msg) ?? 0) + 1);
  }
  const top = [...byMsg.entries()].sort((a, b) => b[1] - a[1])[0];
  return top ? { count, top: `${top[0]} (${top[1]}x)` } : { count };
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`alertmanager exited early with code ${child.exitCode}`);
    try {
      const r = await fetch(`${url}/-/ready`);
      if (r.ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`alertmanager not ready at ${url} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startAlertmanager(opts: { configFile: string; workDir: string; bin?: string }): Promise<RunningAlertmanager> {
  const port = await freePort();
  const storage = join(opts.workDir, `am-data-${port}`);
  mkdirSync(storage, { recursive: true });
  const logFile = join(opts.workDir, `am-${port}.log`);
  const logFd = openSync(logFile, 'w');
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    opts.bin ?? ALERTMANAGER_BIN,
    [
      `--config.file=${opts.configFile}`,
      `--storage.path=${storage}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', logFd, logFd] },
  );
  closeSync(logFd);
  const pid = child.pid!;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitReady(url, child, 15_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    url,
    pid,
    cpuSeconds: () => procStatCpu(pid),
    peakRssBytes: () => procPeakRss(pid),
    logErrors: () => logErrors(logFile),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(storage, { recursive: true, force: true });
    },
  };
}
