/**
 * `alertsift serve`: the embedded default. One process, HTTP doors, in-memory state, wall clock.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { pino } from 'pino';
import { formatConfigError, loadConfigFile } from '../config/load.js';
import { DeliveryLog } from '../dispatch/deliveryLog.js';
import type { SloDefinition } from '../budget/slos.js';
import { type CorrelationFactory, Engine } from '../engine/engine.js';
import { EngineMetrics } from '../engine/metrics.js';
import { registerInbox } from '../intake/http/inbox.js';
import { buildServer } from '../intake/http/server.js';
import { kafkaSettingsFromEnv } from '../intake/kafka/settings.js';
import { createLiveTransport } from '../notify/live.js';
import { WallClock } from '../state/clock.js';
import { serveDistributed } from './distributed.js';

export interface ServeOptions {
  readonly configPath: string;
  readonly configText: string;
  readonly listen: string;
  readonly externalURL?: string;
  readonly logLevel: string;
  readonly correlation?: CorrelationFactory;
  readonly slos?: readonly SloDefinition[];
}

export async function serve(opts: ServeOptions): Promise<number> {
  const logger = pino({ level: opts.logLevel });
  const loaded = loadConfigFile(opts.configPath);
  if (!loaded.ok) {
    for (const e of loaded.errors) logger.error(formatConfigError(e));
    return 1;
  }
  const [host, portText] = splitHostPort(opts.listen);
  const port = Number(portText);
  // Distributed mode (docs/production.md): Kafka brokers configured → consumer group + Redis state.
  const kafka = kafkaSettingsFromEnv();
  if (kafka) {
    return serveDistributed({
      ...opts,
      settings: kafka,
      config: loaded.config,
      host,
      port,
      externalURL: opts.externalURL ?? `http://${hostname()}:${port}`,
      logger,
    });
  }
  const clock = new WallClock();
  const metrics = new EngineMetrics();
  const externalURL = opts.externalURL ?? `http://${hostname()}:${port}`;
  const deliveryLog = new DeliveryLog();
  const engine = new Engine({
    deliveryLog,
    config: loaded.config,
    configText: opts.configText,
    clock,
    transport: createLiveTransport({ clock, logger, deliveryLog }),
    externalURL,
    observer: metrics.dispatchObserver(),
    ...(opts.correlation && { correlation: opts.correlation }),
    ...(opts.slos && { slos: opts.slos }),
    loadConfig: async () => {
      const r = loadConfigFile(opts.configPath);
      metrics.recordReload(r.ok, clock.now());
      if (!r.ok) return { ok: false, errors: r.errors.map(formatConfigError) };
      return { ok: true, config: r.config, text: readFileSync(opts.configPath, 'utf8') };
    },
  });
  metrics.recordReload(true, clock.now());
  metrics.attachEngine(engine);
  const app = buildServer({ engine, metrics, logger });
  registerInbox(app, 100, logger);
  await app.listen({ host, port });
  logger.info({ listen: opts.listen, externalURL, correlation: engine.correlator !== undefined }, 'alertsift serving');

  process.on('SIGHUP', () => {
    void engine.reload().then((r) => {
      if (r.ok) logger.info('configuration reloaded');
      else logger.error({ errors: r.errors }, 'reload failed; keeping the previous configuration');
    });
  });
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  logger.info('shutting down');
  await app.close();
  await engine.stop();
  clock.stopAll();
  return 0;
}

function splitHostPort(listen: string): [string, string] {
  const i = listen.lastIndexOf(':');
  if (i < 0) return ['0.0.0.0', listen];
  const host = listen.slice(0, i) || '0.0.0.0';
  return [host.replace(/^\[|\]$/g, ''), listen.slice(i + 1)];
}
