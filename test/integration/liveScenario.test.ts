/**
 * The same acceptance scenarios as the replay tests, through the live HTTP doors on the wall clock:
 * alerts POSTed to /api/v2/alerts, notifications received by a real local webhook sink. Live and
 * replay share every stage but the clock and the transport, so they must agree.
 */
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { Engine } from '../../src/engine/engine.js';
import { EngineMetrics } from '../../src/engine/metrics.js';
import { buildServer } from '../../src/intake/http/server.js';
import { createLiveTransport } from '../../src/notify/live.js';
import { WallClock } from '../../src/state/clock.js';
import { S2, S6, S8 } from '../scenarios/alertmanagerScenarios.js';
import { checkScenario, scenarioConfig } from '../scenarios/harness.js';
import { driveScenario, startSink } from '../scenarios/liveDriver.js';

describe('acceptance scenarios through the live HTTP doors (wall clock)', () => {
  for (const s of [S6, S2, S8]) {
    it(s.name, async () => {
      // The scenario starts a little in the future so setup cost does not eat into the first window.
      const base = Date.now() + 300;
      const sink = await startSink(() => base);
      const parsed = parseConfig(scenarioConfig(s, sink.url), `${s.name}.yml`);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      const clock = new WallClock();
      const engine = new Engine({
        config: parsed.config,
        clock,
        transport: createLiveTransport({ clock }),
        externalURL: 'http://localhost:9093',
      });
      const app = buildServer({ engine, metrics: new EngineMetrics({ defaultMetrics: false }) });
      await app.listen({ host: '127.0.0.1', port: 0 });
      try {
        await driveScenario(s, `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, base);
        const batches = sink.batches.filter((b) => b.t <= s.until);
        expect(checkScenario(s, batches, base)).toEqual([]);
      } finally {
        await app.close();
        await engine.stop();
        clock.stopAll();
        await sink.close();
      }
    });
  }
});
