/**
 * Plays a scenario on the wall clock against any server speaking Alertmanager's API v2 (alertsift's
 * live doors, or the real Alertmanager as an oracle), and collects what a local webhook sink receives.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatTime } from '../../src/domain/time.js';
import type { Scenario } from './alertmanagerScenarios.js';
import type { Batch, WebhookBody } from './harness.js';

export interface Sink {
  url: string;
  batches: Batch[];
  close(): Promise<void>;
}

/** A webhook sink on 127.0.0.1 that records bodies with their arrival time relative to `base()`. */
export async function startSink(base: () => number): Promise<Sink> {
  const batches: Batch[] = [];
  const server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      batches.push({ t: (Date.now() - base()) / 1000, body: JSON.parse(data) as WebhookBody });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    batches,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Sends the scenario's pushes and silences at their times (seconds after `base`), then waits until `until`. */
export async function driveScenario(s: Scenario, api: string, base: number): Promise<void> {
  const iso = (t: number) => formatTime(base + Math.round(t * 1000));
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${api}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  };
  const actions: { t: number; run: () => Promise<void> }[] = [];
  for (const p of s.pushes) {
    const body = p.alerts.map((al) => ({
      labels: al.labels,
      ...(al.startsAt !== undefined ? { startsAt: iso(al.startsAt) } : {}),
      ...(al.endsAt !== undefined ? { endsAt: iso(al.endsAt) } : {}),
    }));
    actions.push({ t: p.t, run: () => post('/api/v2/alerts', body) });
  }
  for (const sil of s.silences ?? []) {
    const body = {
      matchers: sil.matchers.map((m) => ({ ...m, isEqual: true })),
      startsAt: iso(sil.startsAt),
      endsAt: iso(sil.endsAt),
      createdBy: 'admin@example.com',
      comment: 'some comment',
    };
    actions.push({ t: sil.t, run: () => post('/api/v2/silences', body) });
  }
  actions.sort((x, y) => x.t - y.t);
  for (const act of actions) {
    const wait = base + act.t * 1000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await act.run();
  }
  const endWait = base + s.until * 1000 - Date.now();
  if (endWait > 0) await new Promise((r) => setTimeout(r, endWait));
}
