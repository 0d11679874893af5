/**
 * `alertsift check-config <file>`: validates a configuration the way the server would load it and prints
 * either a short inventory or every problem found (in the spirit of `amtool check-config`).
 */
import { formatConfigError, loadConfigFile } from './load.js';
import type { RouteConfig } from './types.js';

function countRoutes(r: RouteConfig): number {
  let n = 1;
  for (const c of r.routes) n += countRoutes(c);
  return n;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function checkConfig(path: string): { ok: boolean; output: string } {
  const r = loadConfigFile(path);
  if (!r.ok) {
    const lines = [`Checking '${path}'  FAILED: ${plural(r.errors.length, 'error')}`, ...r.errors.map(formatConfigError)];
    return { ok: false, output: lines.join('\n') + '\n' };
  }
  const c = r.config;
  const routes = countRoutes(c.route);
  const integrations = c.receivers.reduce(
    (n, rc) => n + rc.webhookConfigs.length + rc.pagerdutyConfigs.length + rc.slackConfigs.length,
    0,
  );
  const lines = [
    `Checking '${path}'  SUCCESS`,
    'Found:',
    ` - ${plural(routes, 'route')} (the root and ${plural(routes - 1, 'child route')})`,
    ` - ${plural(c.receivers.length, 'receiver')} (${plural(integrations, 'integration')})`,
    ` - ${plural(c.inhibitRules.length, 'inhibit rule')}`,
    ` - ${plural(c.timeIntervals.size, 'time interval')}`,
  ];
  return { ok: true, output: lines.join('\n') + '\n' };
}
