/**
 * The same incident stream through Debian's Prometheus Alertmanager 0.25 (benchmarks/alertmanager:
 * install.sh, process.ts, sender.ts), on the wall clock, with the stream and every timer divided by
 * `timeScale`. The generated alertmanager.yml is used as is, except that receivers post to a local sink
 * and PagerDuty events carry a `fingerprints` detail (so the scorer can attribute Alertmanager's pages).
 *
 * Alertmanager has no door for model signals or change events. A team without alertsift bridges its
 * monitors into alerts; the bridge here posts the alert alertsift would derive from each signal (same
 * labels), firing with `endsAt` = report time + window + 5 min on a breach, resolved on the next `ok`.
 * Change events are dropped (Alertmanager cannot use them).
 *
 * The sink's notifications are turned back into replay-output lines (virtual time = stream start +
 * wall offset × timeScale), so the same scorer measures both engines.
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alertmanagerInstalled, alertmanagerVersion, startAlertmanager } from '../alertmanager/process.js';
import { sendBatches, type Batch } from '../alertmanager/sender.js';
import { signalAlertLabels } from './catalog.js';
import { alertmanagerYaml, TIMERS } from './files.js';
import type { Scenario } from './generate.js';
import type { OutputLine } from './score.js';

interface Captured {
  readonly at: number;
  readonly path: string;
  readonly body: unknown;
}

class CaptureSink {
  readonly received: Captured[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        const at = Date.now();
        let body: unknown = null;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          /* kept as null */
        }
        this.received.push({ at, path: req.url ?? '', body });
        if ((req.url ?? '').startsWith('/pagerduty/')) {
          res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success","message":"Event processed"}');
        } else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    const addr = this.server.address();
    this.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

/** The stream as Alertmanager batches, times divided by `scale` from the stream's start. */
export function alertmanagerBatches(sc: Scenario, scale: number): Batch[] {
  const start = Date.parse(sc.truth.scenario.start);
  const map = (t: number) => start + Math.round((t - start) / scale);
  const out: Batch[] = [];
  for (const r of sc.records) {
    if (r.kind === 'alerts') {
      out.push({
        at: map(r.at),
        alerts: r.alerts.map((a) => ({ labels: a.labels, annotations: a.annotations, startsAt: map(a.startsAt), endsAt: map(a.endsAt), generatorURL: a.generatorURL })),
      });
    } else if (r.kind === 'signal') {
      const s = r.signal;
      if (s.status !== 'breach' && s.status !== 'warn' && s.status !== 'ok') continue;
      const labels = signalAlertLabels(s.identity);
      const firing = s.status !== 'ok';
      const window = s.window.end - s.window.start;
      out.push({
        at: map(r.at),
        alerts: [
          {
            labels,
            annotations: { summary: `${labels.alertname} ${s.identity.method}=${s.value}`, value: String(s.value) },
            startsAt: map(firing ? s.window.start : r.at - 1),
            endsAt: map(firing ? r.at + window + 5 * 60_000 : r.at),
          },
        ],
      });
    }
  }
  return out;
}

export interface AlertmanagerRun {
  readonly version: string;
  readonly timeScale: number;
  readonly output: OutputLine[];
  readonly accepted: number;
  readonly failed: number;
  readonly maxLagMs: number;
  readonly wallMs: number;
  readonly logErrors: { count: number; top?: string };
}

export async function runAlertmanager(sc: Scenario, opts: { timeScale: number; workDir: string; log: (s: string) => void }): Promise<AlertmanagerRun> {
  if (!alertmanagerInstalled()) throw new Error('prometheus-alertmanager is not installed: run `sh benchmarks/alertmanager/install.sh` as root');
  mkdirSync(opts.workDir, { recursive: true });
  const sink = new CaptureSink();
  await sink.start();
  const configFile = join(opts.workDir, 'alertmanager.scaled.yml');
  writeFileSync(configFile, alertmanagerYaml({ sinkUrl: sink.url, timeScale: opts.timeScale, fingerprintDetail: true }));
  const batches = alertmanagerBatches(sc, opts.timeScale);
  const start = Date.parse(sc.truth.scenario.start);
  const end = Date.parse(sc.truth.scenario.end);
  const am = await startAlertmanager({ configFile, workDir: opts.workDir });
  try {
    const t0 = Date.now() + 500;
    const shift = t0 - start;
    opts.log(`    alertmanager: ${batches.length} POSTs over ${((end - start) / opts.timeScale / 1000).toFixed(0)} s of wall time (stream and timers divided by ${opts.timeScale})`);
    const sent = await sendBatches({ url: am.url, batches, shiftMs: shift, paced: true, concurrency: 4 });
    // Same observation window as the replay's drain: until the last group flushed (bounded).
    const settle = (2 * TIMERS.root.groupIntervalMs) / opts.timeScale + 1000;
    const until = t0 + (end - start) / opts.timeScale + settle;
    while (Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    const errors = am.logErrors();
    const output: OutputLine[] = sink.received.map((c) => {
      const [, integration, receiver, index] = c.path.split('/');
      return {
        at: new Date(start + Math.round((c.at - t0) * opts.timeScale)).toISOString(),
        receiver: receiver ?? '',
        integration: integration ?? '',
        index: Number(index ?? 0),
        body: c.body,
      };
    });
    return {
      version: await alertmanagerVersion(),
      timeScale: opts.timeScale,
      output,
      accepted: sent.accepted,
      failed: sent.failed,
      maxLagMs: sent.maxLagMs,
      wallMs: Date.now() - t0,
      logErrors: errors,
    };
  } finally {
    await am.stop();
    await sink.stop();
  }
}
