/**
 * Rule lookup by alertname first. Nearly every rule (track entries, topology selectors, template steps)
 * names the alerts it wants by `alertname`, and a stream has few distinct alertnames but many distinct
 * label sets. So each rule's matchers are split once into the `alertname` part and the rest; which rules
 * survive a given alertname is computed once per alertname and remembered, and only the rest is evaluated
 * per label set. The answer is the same as evaluating every rule in order.
 */
import { compileMatchers, type LabelPredicate } from '../route/matchers.js';
import type { MatcherSet } from './rules.js';

interface Entry<T> {
  readonly owner: T;
  /** Position in the original order: the first match is the one that counts. */
  readonly order: number;
  readonly nameOk: (alertname: string) => boolean;
  readonly rest: LabelPredicate;
}

/** Bound on remembered alertnames; a stream that invents alertnames must not grow memory without end. */
const MAX_NAMES = 10_000;

export class MatcherIndex<T> {
  private readonly entries: Entry<T>[] = [];
  private readonly byName = new Map<string, readonly Entry<T>[]>();

  /** Adds a rule; entries are tried in the order they were added. */
  add(owner: T, set: MatcherSet): void {
    const nameMatchers = set.matchers.filter((m) => m.name === 'alertname');
    const rest = set.matchers.filter((m) => m.name !== 'alertname');
    const namePred = compileMatchers(nameMatchers);
    this.entries.push({
      owner,
      order: this.entries.length,
      nameOk: (alertname) => namePred({ alertname }),
      rest: compileMatchers(rest),
    });
    this.byName.clear();
  }

  get size(): number {
    return this.entries.length;
  }

  private candidates(alertname: string): readonly Entry<T>[] {
    let list = this.byName.get(alertname);
    if (list === undefined) {
      list = this.entries.filter((e) => e.nameOk(alertname));
      if (this.byName.size >= MAX_NAMES) this.byName.clear();
      this.byName.set(alertname, list);
    }
    return list;
  }

  /** The owner of the first rule that matches, if any. */
  first(labels: Readonly<Record<string, string>>): T | undefined {
    const name = labels['alertname'];
    for (const e of this.candidates(typeof name === 'string' ? name : '')) if (e.rest(labels)) return e.owner;
    return undefined;
  }

  /** The owners of every rule that matches, in order, each once. */
  all(labels: Readonly<Record<string, string>>): T[] {
    const name = labels['alertname'];
    const out: T[] = [];
    for (const e of this.candidates(typeof name === 'string' ? name : '')) {
      if (e.rest(labels) && !out.includes(e.owner)) out.push(e.owner);
    }
    return out;
  }
}
