/**
 * Benchmark scenarios. Each is a seeded, fully deterministic description of one production shape; the
 * generator (`stream.ts`) turns it into a replay JSONL stream and `config.ts` into the matching
 * `alertmanager.yml`. Sizes are steady-state *firing* alerts ("active alerts"); the stream holds many
 * more sends than that, because Prometheus re-sends every firing alert on every evaluation.
 */

export interface Scenario {
  readonly id: string;
  /** One line for tables and RESULTS.md. */
  readonly models: string;
  /** Firing alerts at any moment (steady state, within about 1%). */
  readonly activeAlerts: number;
  /** Target number of aggregation groups (the generator reports the exact count). */
  readonly groups: number;
  /** Prometheus servers, one per cluster; each evaluates and sends its own alerts. */
  readonly clusters: number;
  /** Evaluation rounds in the stream: each firing alert is sent once per round. */
  readonly rounds: number;
  /** Prometheus re-send period (`--rules.alert.resend-delay`, default 1m, at a 1m evaluation interval). */
  readonly resendMs: number;
  /** Share of firing alerts that resolve per round; as many new alerts start (steady state). */
  readonly churnPerRound: number;
  /** Share of warning groups whose alert name also has a critical rule firing on the same targets. */
  readonly criticalTwinShare: number;
  /** Share of hosts that are down (a NodeDown alert fires for each, inhibiting its instance's alerts). */
  readonly hostsDownShare: number;
  readonly seed: number;
}

const COMMON = {
  clusters: 8,
  rounds: 6,
  resendMs: 60_000,
  churnPerRound: 0.01,
  criticalTwinShare: 0.1,
  hostsDownShare: 0.002,
} as const;

/**
 * 10k active alerts over ~10k groups. Models a large production estate on an ordinary day: eight
 * Prometheus servers (one per site/cluster) evaluating kube-prometheus, wikimedia team rules and
 * awesome-prometheus-alerts rules, carrying the long tail of small standing problems that every big
 * estate has — roughly one firing alert per group, each team's warnings and pages spread across many
 * services and namespaces. Six minutes of traffic, every firing alert re-sent each minute.
 */
export const S10K: Scenario = {
  ...COMMON,
  id: '10k',
  models: 'large estate, ordinary day: 8 Prometheus servers, long tail of ~1 alert per group',
  activeAlerts: 10_000,
  groups: 10_000,
  seed: 0x10c0,
};

/**
 * 100k active alerts over the same ~10k groups. Models a bad day on the same estate: a rollout or a
 * dependency failure leaves whole deployments not ready, so groups hold ~10 alerts on average and the
 * largest groups (a cluster-wide KubePodNotReady, a fleet-wide disk rule) hold a few hundred.
 */
export const S100K: Scenario = {
  ...COMMON,
  id: '100k',
  models: 'same estate, bad day: ~10 alerts per group, largest groups a few hundred',
  activeAlerts: 100_000,
  groups: 10_000,
  seed: 0x100c0,
};

/**
 * 1M active alerts over the same ~10k groups. Models an alert storm: a site-wide network partition or
 * a monitoring misconfiguration makes every target on many hosts report at once; groups hold ~100
 * alerts on average and the largest several thousand. This is the stress shape the issue asks for,
 * beyond what a single Alertmanager is known to sustain.
 */
export const S1M: Scenario = {
  ...COMMON,
  id: '1m',
  models: 'alert storm across the fleet: ~100 alerts per group, largest groups several thousand',
  activeAlerts: 1_000_000,
  groups: 10_000,
  seed: 0x1000c0,
};

/**
 * 30k active alerts over ~3k groups, for the side-by-side run with Debian's Alertmanager 0.25. Models
 * a mid-size estate during an incident: the size at which Alertmanager with one inhibition rule is
 * reported to ingest only ~4k alerts/s. Five rounds keep the whole comparison under five minutes.
 */
export const SAM30K: Scenario = {
  ...COMMON,
  id: 'am-30k',
  models: 'mid-size estate during an incident, for the Alertmanager side-by-side',
  activeAlerts: 30_000,
  groups: 3_000,
  rounds: 5,
  seed: 0x30c0,
};

/** A few hundred alerts: for tests of the generator itself. */
export const TINY: Scenario = {
  ...COMMON,
  id: 'tiny',
  models: 'generator self-test',
  activeAlerts: 400,
  groups: 120,
  clusters: 3,
  rounds: 3,
  seed: 42,
};

export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  '10k': S10K,
  '100k': S100K,
  '1m': S1M,
  'am-30k': SAM30K,
  tiny: TINY,
};

export const THROUGHPUT_SCENARIOS = ['10k', '100k', '1m'] as const;

export function scenarioById(id: string): Scenario {
  const s = SCENARIOS[id];
  if (!s) throw new Error(`unknown scenario ${id}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  return s;
}
