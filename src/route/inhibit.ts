/**
 * Inhibition, evaluated at flush time against source alerts that are firing now.
 *
 * Alertmanager scans every cached source alert of a rule for each target it checks, which is why it
 * slows sharply once tens of thousands of alerts are active. Here each rule indexes its source alerts by
 * the values of its `equal` labels, so a check looks only at the sources that could inhibit the target.
 * Semantics are unchanged: a missing label equals the empty string, resolved sources are skipped, and an
 * alert matching both sides cannot be inhibited by a source that also matches both.
 */
import type { InhibitRuleConfig } from '../config/types.js';
import { type Alert, isResolvedAt } from '../domain/alert.js';
import type { Labels } from '../domain/labels.js';
import { compileMatchers } from './matchers.js';

interface SourceEntry {
  alert: Alert;
  /** Whether the source also matches the rule's target side (two-sided match). */
  matchesTarget: boolean;
}

class CompiledInhibitRule {
  readonly matchesSource: (l: Labels) => boolean;
  readonly matchesTarget: (l: Labels) => boolean;
  // equal-label key → fingerprint → source
  private readonly sources = new Map<string, Map<string, SourceEntry>>();
  // fingerprint → equal-label key it is filed under (alerts never change labels, but keep it exact)
  private readonly keyOf = new Map<string, string>();

  constructor(
    readonly config: InhibitRuleConfig,
    readonly index: number,
  ) {
    this.matchesSource = compileMatchers(config.sourceMatchers);
    this.matchesTarget = compileMatchers(config.targetMatchers);
  }

  equalKey(labels: Labels): string {
    const eq = this.config.equal;
    if (eq.length === 0) return '';
    let k = labels[eq[0]!] ?? '';
    for (let i = 1; i < eq.length; i++) k += '\xff' + (labels[eq[i]!] ?? '');
    return k;
  }

  observe(alert: Alert): void {
    if (!this.matchesSource(alert.labels)) return;
    const key = this.equalKey(alert.labels);
    let bucket = this.sources.get(key);
    if (!bucket) {
      bucket = new Map();
      this.sources.set(key, bucket);
    }
    const prior = bucket.get(alert.fingerprint);
    bucket.set(alert.fingerprint, {
      alert,
      matchesTarget: prior ? prior.matchesTarget : this.matchesTarget(alert.labels),
    });
    this.keyOf.set(alert.fingerprint, key);
  }

  forget(fingerprint: string): void {
    const key = this.keyOf.get(fingerprint);
    if (key === undefined) return;
    this.keyOf.delete(fingerprint);
    const bucket = this.sources.get(key);
    if (!bucket) return;
    bucket.delete(fingerprint);
    if (bucket.size === 0) this.sources.delete(key);
  }

  /** Fingerprint of a firing source that inhibits `labels`, if any. */
  inhibitor(labels: Labels, now: number): string | undefined {
    if (!this.matchesTarget(labels)) return undefined;
    const bucket = this.sources.get(this.equalKey(labels));
    if (!bucket) return undefined;
    const excludeTwoSided = this.matchesSource(labels);
    for (const entry of bucket.values()) {
      if (isResolvedAt(entry.alert, now)) continue;
      if (excludeTwoSided && entry.matchesTarget) continue;
      return entry.alert.fingerprint;
    }
    return undefined;
  }

  sourceCount(): number {
    return this.keyOf.size;
  }
}

export class Inhibitor {
  private readonly rules: CompiledInhibitRule[];

  constructor(rules: readonly InhibitRuleConfig[]) {
    this.rules = rules.map((r, i) => new CompiledInhibitRule(r, i));
  }

  get ruleCount(): number {
    return this.rules.length;
  }

  /** Every stored version of an alert passes here, so source indexes follow the store. */
  observe(alert: Alert): void {
    for (const r of this.rules) r.observe(alert);
  }

  forget(fingerprint: string): void {
    for (const r of this.rules) r.forget(fingerprint);
  }

  /** The fingerprint of the first firing alert that inhibits `labels` at `now`, or undefined. */
  inhibitedBy(labels: Labels, now: number): string | undefined {
    for (const r of this.rules) {
      const fp = r.inhibitor(labels, now);
      if (fp !== undefined) return fp;
    }
    return undefined;
  }
}
