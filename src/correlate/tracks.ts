/**
 * Tracks (docs/correlation.md, "Tracks"): every alert and signal is `infra`, `data`, `model` or `change`.
 * Order of decision: an explicit, valid `track` label; the first matching `tracks:` entry (user files
 * before the defaults); signal-derived alerts by kind; `infra` for everything else.
 */
import type { Labels } from '../domain/labels.js';
import { TRACKS, type ModelSignalKind, type Track } from '../domain/signal.js';
import { SIGNAL_ALERTNAMES } from '../normalize/signal.js';
import { MatcherIndex } from './matcherIndex.js';
import type { CorrelationRules } from './rules.js';

const KIND_TRACK: Readonly<Record<ModelSignalKind, Track>> = Object.freeze({
  freshness: 'data',
  data_quality: 'data',
  integration_health: 'data',
  drift: 'model',
  skew: 'model',
  perf_estimated: 'model',
  perf_realized: 'model',
});

const ALERTNAME_KIND = new Map<string, ModelSignalKind>(
  (Object.entries(SIGNAL_ALERTNAMES) as [ModelSignalKind, string][]).map(([k, n]) => [n, k]),
);

/** The signal kind of a signal-derived alert: its `signal_kind` label, else its alertname. */
export function signalKindOf(labels: Labels): ModelSignalKind | undefined {
  const k = labels['signal_kind'];
  if (typeof k === 'string' && Object.prototype.hasOwnProperty.call(KIND_TRACK, k)) return k as ModelSignalKind;
  const name = labels['alertname'];
  return typeof name === 'string' ? ALERTNAME_KIND.get(name) : undefined;
}

function isTrack(s: unknown): s is Track {
  return typeof s === 'string' && (TRACKS as readonly string[]).includes(s);
}

/** The track index of a rules object, built once per rules (they are immutable). */
const indexes = new WeakMap<CorrelationRules, MatcherIndex<number>>();

function trackIndex(rules: CorrelationRules): MatcherIndex<number> {
  let idx = indexes.get(rules);
  if (!idx) {
    idx = new MatcherIndex<number>();
    rules.tracks.forEach((t, i) => idx!.add(i, t.matchers));
    indexes.set(rules, idx);
  }
  return idx;
}

export function classifyTrack(rules: CorrelationRules, labels: Labels): Track {
  const explicit = labels['track'];
  if (isTrack(explicit)) return explicit;
  const hit = trackIndex(rules).first(labels);
  if (hit !== undefined) return rules.tracks[hit]!.track;
  const kind = signalKindOf(labels);
  if (kind) return KIND_TRACK[kind];
  return 'infra';
}
