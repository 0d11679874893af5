/**
 * Properties of correlation, over generated streams:
 * - the result does not depend on arrival order: the same alerts (same onsets) sent in a different order,
 *   at different times, give the same incidents (partition of fingerprints) and the same top hints;
 * - faults in unrelated parts of the system (no dependency path, no shared label-window key, no template
 *   link) never share an incident, and changes never attach across them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fingerprint, type Labels } from '../../src/domain/labels.js';
import type { CorrelationRules } from '../../src/correlate/rules.js';
import { Harness, M, rules, S, T0, y } from './support.js';

type Universe = 'a' | 'b';

/** Two copies of one small system; nothing connects them. Defaults (templates, model-signals) included. */
const RULES = rules(
  y(
    'incidents: {hold_down: 1m, join_window: 15m}',
    'topology:',
    '  components:',
    ...(['a', 'b'] as const).flatMap((u) => [
      `    - {name: ${u}-store, kind: feature_store}`,
      `    - {name: ${u}-job, kind: feature_pipeline, depends_on: [${u}-store]}`,
      `    - {name: ${u}-model, kind: model, depends_on: [${u}-job]}`,
      `    - {name: ${u}-api, depends_on: [${u}-model]}`,
      `    - {name: ${u}-cache}`,
    ]),
    'correlation:',
    '  - name: same-namespace',
    '    keys: [namespace]',
    '    window: 10m',
    "    filter: ['severity=~\"warning|critical\"']",
  ),
);

const COMPONENTS = ['store', 'job', 'model', 'api', 'cache'] as const;

/** One alert of universe `u`: every identifying label value carries the universe as a prefix. */
function alertOf(u: Universe, kind: number, k: number): Labels {
  switch (kind % 8) {
    case 0:
      return { alertname: ['KubePodCrashLooping', 'TargetDown', 'HighLatency'][k % 3]!, service: `${u}-${COMPONENTS[k % 5]}`, instance: `${u}-i${k}`, severity: 'critical' };
    case 1:
      return { alertname: 'KubeDeploymentReplicasMismatch', namespace: `${u}-ns${k % 2}`, deployment: `${u}-d${k}`, severity: 'warning' };
    case 2:
      return { alertname: 'ModelDrift', signal_kind: 'drift', model: `${u}-model`, feature: `${u}-f${k % 6}`, severity: 'warning' };
    case 3:
      return { alertname: 'FeatureFreshness', signal_kind: 'freshness', model: `${u}-model`, pipeline: `${u}-job`, severity: 'warning' };
    case 4:
      return { alertname: 'DataQuality', signal_kind: 'data_quality', model: `${u}-model`, feature: `${u}-f${k % 6}`, method: 'null_rate', severity: 'warning' };
    case 5:
      return { alertname: 'GPUHighUtilization', node: `${u}-gpu${k % 2}`, severity: 'warning' };
    case 6:
      return { alertname: 'TritonQueueTimeHigh', model: `${u}-model`, node: `${u}-gpu${k % 2}`, severity: 'warning' };
    default:
      return { alertname: 'KafkaConsumerGroupLag', consumergroup: `${u}-cg`, topic: `${u}-t${k % 2}`, severity: 'warning' };
  }
}

function universeOf(labels: Labels): Universe {
  for (const v of Object.values(labels)) {
    if (v.startsWith('a-')) return 'a';
    if (v.startsWith('b-')) return 'b';
  }
  throw new Error(`no universe in ${JSON.stringify(labels)}`);
}

interface Gen {
  readonly labels: Labels;
  /** Onset offset from T0. */
  readonly onset: number;
}

const alertArb = (universes: readonly Universe[], onsetSpan: number): fc.Arbitrary<Gen> =>
  fc
    .record({
      u: fc.constantFrom(...universes),
      kind: fc.nat(7),
      k: fc.nat(11),
      onset: fc.integer({ min: 0, max: onsetSpan / S }),
    })
    .map(({ u, kind, k, onset }) => ({ labels: alertOf(u, kind, k), onset: onset * S }));

/** Distinct label sets only (one fingerprint, one onset). */
const streamArb = (universes: readonly Universe[], onsetSpan: number, max: number): fc.Arbitrary<Gen[]> =>
  fc.uniqueArray(alertArb(universes, onsetSpan), { minLength: 1, maxLength: max, selector: (g) => fingerprint(g.labels) });

/** Sends each alert at its arrival time (in arrival order), then lets an hour pass. */
async function run(r: CorrelationRules, stream: readonly Gen[], arrivals: readonly number[]): Promise<Harness> {
  const h = new Harness(r);
  const order = stream.map((g, i) => ({ g, at: arrivals[i]! })).sort((x, y) => x.at - y.at);
  for (const { g, at } of order) {
    await h.clock.advanceTo(T0 + at);
    h.fire(g.labels, { startsAt: T0 + g.onset });
  }
  await h.clock.advanceTo(T0 + 60 * M);
  return h;
}

/** Per incident (keyed by its members), the top hint's identity and score. */
function outcome(h: Harness): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const inc of h.list()) {
    const key = inc.members
      .map((m) => m.fingerprint)
      .sort()
      .join(',');
    const top = inc.rootCause[0]!;
    out[key] = {
      component: top.component,
      labels: top.labels,
      score: top.score,
      reason: top.reason,
      evidence: top.evidence.map((e) => [e.kind, e.weight]),
    };
  }
  return out;
}

describe('correlation does not depend on arrival order', () => {
  it('same partition and same top hints for any two arrival orders within the window', async () => {
    const ONSETS = 10 * M;
    const scenario = streamArb(['a', 'b'], ONSETS, 24).chain((stream) =>
      fc.record({
        stream: fc.constant(stream),
        // Run 1: everything arrives after the last onset, in a random order, one second apart.
        order: fc.shuffledSubarray(
          stream.map((_, i) => i),
          { minLength: stream.length, maxLength: stream.length },
        ),
        // Run 2: each alert arrives some random time after its own onset.
        delays: fc.array(fc.integer({ min: 0, max: 300 }), { minLength: stream.length, maxLength: stream.length }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(scenario, async ({ stream, order, delays }) => {
        const first = stream.map(() => 0);
        order.forEach((idx, rank) => (first[idx] = ONSETS + rank * S));
        const second = stream.map((g, i) => g.onset + delays[i]! * S);
        const h1 = await run(RULES, stream, first);
        const h2 = await run(RULES, stream, second);
        expect(h1.partition()).toEqual(h2.partition());
        expect(outcome(h1)).toEqual(outcome(h2));
        // Every claimed alert is in exactly one incident.
        const claimed = [...h1.claimed].filter(([, c]) => c).map(([fp]) => fp);
        expect(h1.partition().flat().sort()).toEqual(claimed.sort());
      }),
      { numRuns: 100 },
    );
  });
});

describe('unrelated faults never merge', () => {
  it('no incident holds alerts of both halves; no change attaches across them', async () => {
    const scenario = fc.record({
      stream: streamArb(['a', 'b'], 40 * M, 30),
      delays: fc.array(fc.integer({ min: 0, max: 600 }), { minLength: 30, maxLength: 30 }),
      resolveAfter: fc.array(fc.option(fc.integer({ min: 10, max: 3600 }), { nil: undefined }), { minLength: 30, maxLength: 30 }),
      changes: fc.array(
        fc.record({ u: fc.constantFrom<Universe>('a', 'b'), at: fc.integer({ min: -3600, max: 2400 }), target: fc.constantFrom('api', 'store', 'model') }),
        { maxLength: 4 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(scenario, async ({ stream, delays, resolveAfter, changes }) => {
        const h = new Harness(RULES);
        type Ev = { at: number; run: () => void };
        const events: Ev[] = [];
        stream.forEach((g, i) => {
          const arrive = g.onset + delays[i]! * S;
          events.push({ at: arrive, run: () => h.fire(g.labels, { startsAt: T0 + g.onset }) });
          const r = resolveAfter[i];
          if (r !== undefined) events.push({ at: arrive + r * S, run: () => h.resolve(g.labels) });
        });
        changes.forEach((c, i) => {
          const labels: Labels = c.target === 'model' ? { model: `${c.u}-model` } : { service: `${c.u}-${c.target}` };
          events.push({ at: Math.max(0, c.at * S), run: () => h.change('deploy', labels, T0 + c.at * S, `chg-${i}`) });
        });
        events.sort((a, b) => a.at - b.at);
        for (const e of events) {
          await h.clock.advanceTo(T0 + e.at);
          e.run();
        }
        await h.clock.advanceTo(T0 + 3 * 60 * M);
        const byFp = new Map(stream.map((g) => [fingerprint(g.labels), universeOf(g.labels)]));
        for (const inc of h.list()) {
          const us = new Set(inc.members.map((m) => byFp.get(m.fingerprint)));
          expect(us.size).toBe(1);
          const u = [...us][0]!;
          for (const ch of inc.changes) expect(universeOf(ch.labels)).toBe(u);
          expect(universeOf(inc.rootCause[0]!.labels)).toBe(u);
        }
      }),
      { numRuns: 100 },
    );
  });
});
