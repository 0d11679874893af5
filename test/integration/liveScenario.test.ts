/**
 * The same acceptance scenarios as the replay tests, through the live HTTP doors on the wall clock:
 * alerts POSTed to /api/v2/alerts, notifications received by a real local webhook sink. Live and
 * replay share every stage but the clock and the transport, so they must agree.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { formatTime } from '../../src/domain/time.js';
import { Engine } from '../../src/engine/engine.js';
import { EngineMetrics } from '../../src/engine/metrics.js';
import { buildServer } from '../../src/intake/http/server.js';
import { HttpTransport } from '../../src/notify/httpTransport.js';
import { WallClock } from '../../src/state/clock.js';
import { S2, S6, S8, type Scenario } from '../scenarios/alertmanagerScenarios.js';
import { type Batch, checkScenario, scenarioConfig, type WebhookBody } from '../scenarios/harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function startSink(onBody: (b: WebhookBody) => void): Promise<string> {
  const server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      onBody(JSON.parse(data) as WebhookBody);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

async function runLive(s: Scenario): Promise<{ batches: Batch[]; base: number }> {
  const batches: Batch[] = [];
  // The scenario starts a little in the future so setup cost does not eat into the first window.
  const base = Date.now() + 300;
  const sinkUrl = await startSink((body) => batches.push({ t: (Date.now() - base) / 1000, body }));
  const parsed = parseConfig(scenarioConfig(s, sinkUrl), `${s.name}.yml`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const clock = new WallClock();
  const engine = new Engine({
    config: parsed.config,
    clock,
    transport: new HttpTransport({ now: () => clock.now() }),
    externalURL: 'http://localhost:9093',
  });
  const app = buildServer({ engine, metrics: new EngineMetrics() });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const api = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  cleanups.push(async () => {
    await app.close();
    await engine.stop();
    clock.stopAll();
  });
  const iso = (t: number) => formatTime(base + Math.round(t * 1000));
  const actions: { t: number; run: () => Promise<void> }[] = [];
  for (const p of s.pushes) {
    actions.push({
      t: p.t,
      run: async () => {
        const body = p.alerts.map((al) => ({
          labels: al.labels,
          ...(al.startsAt !== undefined ? { startsAt: iso(al.startsAt) } : {}),
          ...(al.endsAt !== undefined ? { endsAt: iso(al.endsAt) } : {}),
        }));
        const res = await fetch(`${api}/api/v2/alerts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        expect(res.status).toBe(200);
      },
    });
  }
  for (const sil of s.silences ?? []) {
    actions.push({
      t: sil.t,
      run: async () => {
        const res = await fetch(`${api}/api/v2/silences`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            matchers: sil.matchers.map((m) => ({ ...m, isEqual: true })),
            startsAt: iso(sil.startsAt),
            endsAt: iso(sil.endsAt),
            createdBy: 'admin@example.com',
            comment: 'some comment',
          }),
        });
        expect(res.status).toBe(200);
      },
    });
  }
  actions.sort((x, y) => x.t - y.t);
  for (const act of actions) {
    const wait = base + act.t * 1000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await act.run();
  }
  const endWait = base + s.until * 1000 - Date.now();
  if (endWait > 0) await new Promise((r) => setTimeout(r, endWait));
  return { batches: batches.filter((b) => b.t <= s.until), base };
}

describe('acceptance scenarios through the live HTTP doors (wall clock)', () => {
  for (const s of [S6, S2, S8]) {
    it(s.name, async () => {
      const { batches, base } = await runLive(s);
      expect(checkScenario(s, batches, base)).toEqual([]);
    });
  }
});
