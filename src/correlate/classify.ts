/**
 * What an alert (or a change) maps to under the rules: track, component, template steps, label-window
 * rules. Computed once per label set; the correlator caches the answer per fingerprint.
 */
import type { Labels } from '../domain/labels.js';
import type { ChangeEvent, Track } from '../domain/signal.js';
import { MatcherIndex } from './matcherIndex.js';
import type { CausalTemplate, CorrelationRules } from './rules.js';
import { TopologyIndex } from './topology.js';
import { classifyTrack } from './tracks.js';

export interface StepRef {
  /** Index into `rules.templates`. */
  readonly template: number;
  /** Index into that template's steps. */
  readonly step: number;
}

export interface AlertInfo {
  /** A topology component, a label-window rule or a template step wants this alert. */
  readonly claimed: boolean;
  readonly track: Track;
  readonly component: string | undefined;
  /** Template steps the alert matches (a step with `track:` only matches alerts of that track). */
  readonly steps: readonly StepRef[];
  /** Label-window rules whose filter matches and whose keys are all present. */
  readonly windowRules: readonly number[];
  /** For each entry of `windowRules`, the key values joined: alerts join when these are equal. */
  readonly windowKeys: readonly string[];
  readonly alertname: string;
}

export interface ChangeInfo {
  readonly component: string | undefined;
  readonly steps: readonly StepRef[];
}

/** The label set a change event is matched as: its labels plus `change_kind` (it has no alertname). */
export function changeLabels(change: ChangeEvent): Labels {
  return { ...change.labels, change_kind: change.kind };
}

export class Classifier {
  readonly topology: TopologyIndex;
  private readonly steps = new MatcherIndex<StepRef>();
  private readonly windows = new MatcherIndex<number>();

  constructor(readonly rules: CorrelationRules) {
    this.topology = new TopologyIndex(rules.topology, rules.incidents.maxHops);
    rules.templates.forEach((t: CausalTemplate, ti) => {
      t.steps.forEach((s, si) => {
        const ref: StepRef = { template: ti, step: si };
        for (const sel of s.selectors) this.steps.add(ref, sel);
      });
    });
    rules.correlation.forEach((r, i) => this.windows.add(i, r.filter));
  }

  classify(labels: Labels): AlertInfo {
    const track = classifyTrack(this.rules, labels);
    const component = this.topology.componentOf(labels);
    const steps = this.matchSteps(labels, track);
    const windowRules: number[] = [];
    const windowKeys: string[] = [];
    for (const i of this.windows.all(labels)) {
      const rule = this.rules.correlation[i]!;
      let key = '';
      let complete = true;
      for (const k of rule.keys) {
        const v = labels[k];
        // An alert without one of the keys would otherwise join every other alert missing it.
        if (typeof v !== 'string' || v === '') {
          complete = false;
          break;
        }
        key += `${k}=${JSON.stringify(v)},`;
      }
      if (!complete) continue;
      windowRules.push(i);
      windowKeys.push(key);
    }
    const name = labels['alertname'];
    return {
      claimed: component !== undefined || steps.length > 0 || windowRules.length > 0,
      track,
      component,
      steps,
      windowRules,
      windowKeys,
      alertname: typeof name === 'string' ? name : '',
    };
  }

  classifyChange(change: ChangeEvent): ChangeInfo {
    const labels = changeLabels(change);
    return { component: this.topology.componentOf(labels), steps: this.matchSteps(labels, 'change') };
  }

  private matchSteps(labels: Labels, track: Track): StepRef[] {
    const out: StepRef[] = [];
    for (const ref of this.steps.all(labels)) {
      const stepTrack = this.rules.templates[ref.template]!.steps[ref.step]!.track;
      if (stepTrack === undefined || stepTrack === track) out.push(ref);
    }
    return out;
  }
}

/**
 * Without a topology link, two alerts linked by a template must agree on the template's scope: the first
 * scope label present on both decides (equal values link, different values do not); none present on both
 * means no link.
 */
export function scopeAgrees(a: Labels, b: Labels, scope: readonly string[]): string | undefined {
  for (const name of scope) {
    const x = a[name];
    const y = b[name];
    if (typeof x === 'string' && x !== '' && typeof y === 'string' && y !== '') return x === y ? `${name}=${JSON.stringify(x)}` : undefined;
  }
  return undefined;
}
