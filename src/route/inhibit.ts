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
  /** Still filed in its rule's index (false once `forget` took it out). */
  filed: boolean;
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
    const entry: SourceEntry = { alert, filed: true, matchesTarget: this.matchesTarget(alert.labels), rule: this, key };
    bucket.set(alert.fingerprint, entry);
    this.count++;
    return entry;
  }

  /** Takes the entry of `fingerprint` (whose labels are `labels`) out of the index, if filed. */
  forget(fingerprint: string, labels: Labels): void {
    const entry = this.sources.get(this.equalKey(labels))?.get(fingerprint);
    if (entry !== undefined) this.remove(entry);
  }

  remove(entry: SourceEntry): void {
    entry.filed = false;
    const bucket = this.sources.get(entry.key);
    if (!bucket || !bucket.delete(entry.alert.fingerprint)) return;
    this.count--;
    if (bucket.size === 0) this.sources.delete(entry.key);
  }

  /** Fingerprint of a firing source that inhibits `labels`, if any. */
  inhibitor(labels: Labels, now: number): string | undefined {
    if (!this.matchesTarget(labels)) return undefined;
    return this.firingSource(this.equalKey(labels), this.matchesSource(labels), now);
  }

  /** Like `inhibitor`, and notes what the answer depended on (the bucket and the two-sided flag) in `watch`. */
  inhibits(labels: Labels, now: number, watch: InhibitionWatch): boolean {
    if (!this.matchesTarget(labels)) return false;
    const key = this.equalKey(labels);
    const excludeTwoSided = this.matchesSource(labels);
    const inhibited = this.firingSource(key, excludeTwoSided, now) !== undefined;
    watch.note(this, key, excludeTwoSided, inhibited);
    return inhibited;
  }

  /** The first source filed under `key` that is firing at `now` (and, if asked, not two-sided). */
  firingSource(key: string, excludeTwoSided: boolean, now: number): string | undefined {
    const bucket = this.sources.get(key);
    if (!bucket) return undefined;
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

/**
 * Where the caller lets the inhibitor remember an alert's source entries next to its own record of
 * the alert (the store's record, see `AlertRecord`), so that neither a new alert nor a re-send costs
 * a lookup in `entriesOf`. Valid only for the inhibitor named in it: a reload builds a new one.
 */
export interface InhibitionMemo {
  /** Undefined only until the record is first observed: every `observe` names its inhibitor here. */
  inhibitor: Inhibitor | undefined;
  sources: readonly SourceEntry[] | undefined;
}

export class Inhibitor {
  private readonly rules: CompiledInhibitRule[];
  // The source entries of each fingerprint observed without a memo (or filed again by a reload), one
  // per rule it is a source for. Labels never change for a fingerprint, so a re-send only swaps the
  // alert in its entries: one map lookup, no matcher runs. Alerts that are sources for no rule map to
  // the shared empty list.
  private readonly entriesOf = new Map<string, readonly SourceEntry[]>();

  constructor(rules: readonly InhibitRuleConfig[]) {
    this.rules = rules.map((r, i) => new CompiledInhibitRule(r, i));
  }

  get ruleCount(): number {
    return this.rules.length;
  }

  /**
   * Every stored version of an alert passes here, so source indexes follow the store. `memo`: the
   * caller's record of this fingerprint, where its entries are remembered instead of in `entriesOf`
   * (the caller then passes the alert's labels to `forget`).
   */
  observe(alert: Alert, memo?: InhibitionMemo): void {
    if (this.rules.length === 0) {
      // Named even here, so that a memo naming no inhibitor is one that was never observed (below).
      if (memo !== undefined) memo.inhibitor = this;
      return;
    }
    let entries = memo !== undefined && memo.inhibitor === this ? memo.sources : undefined;
    // Entries that `forget` took out of the index are not to be updated but filed again. A memo naming
    // no inhibitor is a record just made, whose fingerprint has no entries filed (those of an earlier
    // record were forgotten when it was dropped): `entriesOf` need not be asked.
    const neverObserved = memo !== undefined && memo.inhibitor === undefined;
    if (!neverObserved && (entries === undefined || (entries.length > 0 && !entries[0]!.filed))) {
      entries = this.entriesOf.get(alert.fingerprint);
    }
    if (entries === undefined) {
      // Built by copying rather than `push`, which would take room for 17 entries in a list that is kept
      // for as long as the alert is stored and mostly holds one.
      let added: readonly SourceEntry[] = NO_ENTRIES;
      for (const r of this.rules) if (r.matchesSource(alert.labels)) added = [...added, r.add(alert)];
      entries = added;
      // With a memo the entries are kept there only, and `forget` finds them from the alert's labels:
      // `entriesOf` with an entry per active alert cost each new alert a miss and an insert in a map of
      // every active alert (each about 60 ms in a profile of the 100k stream's first minute), and memory.
      if (memo === undefined) this.entriesOf.set(alert.fingerprint, entries);
    } else {
      for (let i = 0; i < entries.length; i++) entries[i]!.alert = alert;
    }
    if (memo !== undefined && memo.sources !== entries) {
      memo.inhibitor = this;
      memo.sources = entries;
    }
  }

  /**
   * The alert left the store: its source entries leave the index. `labels`: its labels, needed for
   * alerts observed with a memo, whose entries are not in `entriesOf`.
   */
  forget(fingerprint: string, labels?: Labels): void {
    const entries = this.entriesOf.get(fingerprint);
    if (entries !== undefined) {
      this.entriesOf.delete(fingerprint);
      for (const e of entries) e.rule.remove(e);
      return;
    }
    if (labels === undefined) return;
    for (const r of this.rules) if (r.matchesSource(labels)) r.forget(fingerprint, labels);
  }

  /** The fingerprint of the first firing alert that inhibits `labels` at `now`, or undefined. */
  inhibitedBy(labels: Labels, now: number): string | undefined {
    for (const r of this.rules) {
      const fp = r.inhibitor(labels, now);
      if (fp !== undefined) return fp;
    }
    return undefined;
  }

  /**
   * Whether `labels` is inhibited at `now` (the same answer as `inhibitedBy`), noting in `watch` every
   * (rule, equal-label key) the answer was read from, so that `watch.holds(later)` can tell whether the
   * answer would still be the same later without looking at the alert again.
   */
  isInhibited(labels: Labels, now: number, watch: InhibitionWatch): boolean {
    const rules = this.rules;
    for (let i = 0; i < rules.length; i++) if (rules[i]!.inhibits(labels, now, watch)) return true;
    return false;
  }
}

/**
 * What a set of inhibition answers depended on: for each (rule, equal-label key, two-sided flag) read,
 * whether a firing source was found. The answers of every alert that was checked are a function of
 * these (rule matchers and a fingerprint's labels never change), so if each still gives the same answer
 * at a later instant, so does every alert. A rule after the first one that inhibited was not read and
 * is not needed: as long as that one still inhibits, the alert's answer stays the same.
 */
export class InhibitionWatch {
  // One triple per (rule, equal-label key) read: the rule, the key, and bits (1: read without the
  // two-sided exclusion, 2: its answer; 4: read with it, 8: its answer). Flat and small: a group's
  // alerts mostly share their keys, and a watch lives as long as its group stays quiet.
  private reads: (CompiledInhibitRule | string | number)[] = [];
  /** Position by rule and key, once there are too many reads to scan (only while recording). */
  private index: Map<string, number> | undefined;

  note(rule: CompiledInhibitRule, key: string, excludeTwoSided: boolean, inhibited: boolean): void {
    const i = this.position(rule, key);
    this.reads[i + 2] = (this.reads[i + 2] as number) | (excludeTwoSided ? 4 | (inhibited ? 8 : 0) : 1 | (inhibited ? 2 : 0));
  }

  private position(rule: CompiledInhibitRule, key: string): number {
    const reads = this.reads;
    const n = reads.length;
    if (this.index === undefined) {
      for (let i = 0; i < n; i += 3) if (reads[i] === rule && reads[i + 1] === key) return i;
      if (n >= 48) {
        this.index = new Map();
        for (let i = 0; i < n; i += 3) this.index.set(`${(reads[i] as CompiledInhibitRule).index}\x00${reads[i + 1] as string}`, i);
      }
    } else {
      const id = `${rule.index}\x00${key}`;
      const i = this.index.get(id);
      if (i !== undefined) return i;
      this.index.set(id, n);
    }
    reads.push(rule, key, 0);
    return n;
  }

  /**
   * Done recording: the watch is kept while its group stays quiet. The list, grown by `push`, has room
   * for 20 or more entries where it mostly holds 3 to 9, so it is trimmed to size.
   */
  seal(): void {
    this.index = undefined;
    this.reads = this.reads.slice();
  }

  /** Whether every answer read would be the same at `now`. */
  holds(now: number): boolean {
    this.index = undefined;
    const reads = this.reads;
    for (let i = 0; i < reads.length; i += 3) {
      const rule = reads[i] as CompiledInhibitRule;
      const key = reads[i + 1] as string;
      const bits = reads[i + 2] as number;
      if (bits & 1 && (rule.firingSource(key, false, now) !== undefined) !== ((bits & 2) !== 0)) return false;
      if (bits & 4 && (rule.firingSource(key, true, now) !== undefined) !== ((bits & 8) !== 0)) return false;
    }
    return true;
  }
}
