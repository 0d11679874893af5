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
  readonly matchesTarget: boolean;
  readonly rule: CompiledInhibitRule;
  /** The equal-label key the entry is filed under. */
  readonly key: string;
}

class CompiledInhibitRule {
  readonly matchesSource: (l: Labels) => boolean;
  readonly matchesTarget: (l: Labels) => boolean;
  // equal-label key → fingerprint → source
  private readonly sources = new Map<string, Map<string, SourceEntry>>();
  private count = 0;

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

  /** Files `alert` as a source (the caller has checked the source side) and returns its entry. */
  add(alert: Alert): SourceEntry {
    const key = this.equalKey(alert.labels);
    let bucket = this.sources.get(key);
    if (!bucket) {
      bucket = new Map();
      this.sources.set(key, bucket);
    }
    const entry: SourceEntry = { alert, matchesTarget: this.matchesTarget(alert.labels), rule: this, key };
    bucket.set(alert.fingerprint, entry);
    this.count++;
    return entry;
  }

  remove(entry: SourceEntry): void {
    const bucket = this.sources.get(entry.key);
    if (!bucket || !bucket.delete(entry.alert.fingerprint)) return;
    this.count--;
    if (bucket.size === 0) this.sources.delete(entry.key);
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
    return this.count;
  }
}

const NO_ENTRIES: readonly SourceEntry[] = [];

export class Inhibitor {
  private readonly rules: CompiledInhibitRule[];
  // The source entries of each fingerprint, one per rule it is a source for. Labels never change for a
  // fingerprint, so a re-send only swaps the alert in its entries: one map lookup, no matcher runs.
  // Alerts that are sources for no rule map to the shared empty list.
  private readonly entriesOf = new Map<string, readonly SourceEntry[]>();

  constructor(rules: readonly InhibitRuleConfig[]) {
    this.rules = rules.map((r, i) => new CompiledInhibitRule(r, i));
  }

  get ruleCount(): number {
    return this.rules.length;
  }

  /** Every stored version of an alert passes here, so source indexes follow the store. */
  observe(alert: Alert): void {
    if (this.rules.length === 0) return;
    const entries = this.entriesOf.get(alert.fingerprint);
    if (entries) {
      for (const e of entries) e.alert = alert;
      return;
    }
    const added: SourceEntry[] = [];
    for (const r of this.rules) if (r.matchesSource(alert.labels)) added.push(r.add(alert));
    this.entriesOf.set(alert.fingerprint, added.length === 0 ? NO_ENTRIES : added);
  }

  forget(fingerprint: string): void {
    const entries = this.entriesOf.get(fingerprint);
    if (!entries) return;
    this.entriesOf.delete(fingerprint);
    for (const e of entries) e.rule.remove(e);
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
