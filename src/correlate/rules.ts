/**
 * The correlation rules folder (docs/correlation.md, "The rules folder"): YAML in, validated and compiled
 * `CorrelationRules` out, or every problem as `file:line:col: path: message`.
 *
 * Like `config/load.ts`, validation walks the YAML node tree (not a plain object) so that each message can
 * point at the offending node, and it keeps going after a problem so one run reports everything. Matchers
 * are parsed with Alertmanager's grammar and compiled here, once; the correlator only calls the compiled
 * predicates.
 *
 * Loading order: the shipped defaults (`rules/defaults/*.yml`) first, then every `*.yml`/`*.yaml` of the
 * user's folder (not recursive), each folder's files in name order. Lists from several files are
 * concatenated, except `tracks:`, where the user's entries come before the defaults' so that a user entry
 * wins (first match decides).
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { ConfigError } from '../config/load.js';
import { scalarText, YamlNodeReader } from '../config/yamlNodes.js';
import { parseDuration } from '../config/duration.js';
import { LABEL_NAME_RE } from '../domain/labels.js';
import { TRACKS, type Track } from '../domain/signal.js';
import { compileMatchers, MatcherParseError, matcherString, parseMatchers, type LabelPredicate, type Matcher } from '../route/matchers.js';

export type { ConfigError };

// ---------------------------------------------------------------------------------------------------------
// The compiled rules

/** Where a rule was written, so later checks (and the API) can point at it. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** A list of matchers that must all match (Alertmanager `matchers:`), compiled once. */
export interface MatcherSet {
  readonly matchers: readonly Matcher[];
  /** The matchers printed the Alertmanager way, for messages and the API. */
  readonly text: string;
  readonly match: LabelPredicate;
}

export interface IncidentSettings {
  readonly holdDownMs: number;
  readonly joinWindowMs: number;
  readonly resolveQuietMs: number;
  readonly reopenWindowMs: number;
  /** How long after it resolved an incident still takes late consequences of its cause (as an aftermath). */
  readonly aftermathWindowMs: number;
  readonly flapWindowMs: number;
  readonly flapChanges: number;
  readonly changeWindowMs: number;
  readonly maxHops: number;
  readonly titleLabels: readonly string[];
  readonly retentionMs: number;
}

export const DEFAULT_INCIDENT_SETTINGS: IncidentSettings = Object.freeze({
  holdDownMs: 2 * 60_000,
  joinWindowMs: 30 * 60_000,
  resolveQuietMs: 5 * 60_000,
  reopenWindowMs: 30 * 60_000,
  // The longest event-time lead (correlator.ts MAX_EVENT_TIME_LEAD_MS): a day-TTL view can go stale hours
  // after the outage that caused it.
  aftermathWindowMs: 6 * 3600_000,
  flapWindowMs: 30 * 60_000,
  flapChanges: 4,
  changeWindowMs: 60 * 60_000,
  // Benchmarked (benchmarks/RESULTS-incidents.md, 9 runs): 4 hops 7.4 % false merges by page, 3 → 7.9 %,
  // 2 → 4.3 % with fewer missed pages and a better top-3; 1 splits faults (1.8 pages each).
  maxHops: 2,
  titleLabels: Object.freeze(['alertname', 'component']),
  retentionMs: 24 * 3600_000,
});

export const DEFAULT_IDENTITY_LABELS: readonly string[] = Object.freeze(['component', 'service', 'job', 'pipeline', 'model', 'node', 'instance']);

/** Template scope when a template names none: the first of these present on both alerts must be equal. */
export const DEFAULT_TEMPLATE_SCOPE: readonly string[] = Object.freeze(['model', 'service']);

export interface TrackRule {
  readonly track: Track;
  readonly matchers: MatcherSet;
  readonly origin: SourcePosition;
}

export const COMPONENT_KINDS = [
  'service',
  'node',
  'gpu',
  'queue',
  'feature_pipeline',
  'feature_store',
  'model',
  'data_source',
  'database',
] as const;
export type ComponentKind = (typeof COMPONENT_KINDS)[number];

export interface Component {
  readonly name: string;
  readonly kind: ComponentKind;
  readonly dependsOn: readonly string[];
  /** An alert maps to the first component one of whose selectors matches (then identity labels decide). */
  readonly selectors: readonly MatcherSet[];
  readonly origin: SourcePosition;
}

export interface Topology {
  readonly identityLabels: readonly string[];
  readonly components: readonly Component[];
}

export interface LabelWindowRule {
  readonly name: string;
  readonly keys: readonly string[];
  readonly windowMs: number;
  /** Empty matches everything. */
  readonly filter: MatcherSet;
  readonly origin: SourcePosition;
  readonly isDefault: boolean;
}

export interface CausalStep {
  readonly name: string;
  /** The step matches when any of these matches (one entry when the step was written with `matchers:`). */
  readonly selectors: readonly MatcherSet[];
  /** When set, only alerts of this track match the step. */
  readonly track?: Track;
  /** Longest expected gap from the previous step's onset to this one's (0 for the first step). */
  readonly maxLagMs: number;
}

export interface CausalTemplate {
  readonly name: string;
  readonly description: string;
  /** Without topology, linked alerts must agree on the first of these labels present on both. */
  readonly scope: readonly string[];
  readonly steps: readonly CausalStep[];
  readonly origin: SourcePosition;
  readonly isDefault: boolean;
}

export interface CorrelationRules {
  readonly incidents: IncidentSettings;
  /** User entries first, then the defaults': the first match decides. */
  readonly tracks: readonly TrackRule[];
  readonly topology: Topology;
  /** Label-and-window rules in force (disabled defaults removed). */
  readonly correlation: readonly LabelWindowRule[];
  /** Causal templates in force (disabled defaults removed). */
  readonly templates: readonly CausalTemplate[];
  readonly disabledTemplates: readonly string[];
  readonly disabledCorrelation: readonly string[];
  /** The files read, in order. */
  readonly files: readonly string[];
}

export type RulesResult = { readonly ok: true; readonly rules: CorrelationRules } | { readonly ok: false; readonly errors: ConfigError[] };

/** True when any rule can claim an alert: a topology component, a label-window rule or a causal template. */
export function hasCorrelation(rules: CorrelationRules): boolean {
  return rules.topology.components.length > 0 || rules.correlation.length > 0 || rules.templates.length > 0;
}

// ---------------------------------------------------------------------------------------------------------
// One file, parsed but not yet cross-checked

interface Ref {
  readonly name: string;
  readonly pos: SourcePosition;
  readonly path: string;
}

interface PartialSettings {
  holdDownMs?: number;
  joinWindowMs?: number;
  resolveQuietMs?: number;
  reopenWindowMs?: number;
  aftermathWindowMs?: number;
  flapWindowMs?: number;
  flapChanges?: number;
  changeWindowMs?: number;
  maxHops?: number;
  titleLabels?: string[];
  retentionMs?: number;
}

interface DraftComponent extends Omit<Component, 'dependsOn'> {
  readonly dependsOn: Ref[];
}

interface DraftStep extends Omit<CausalStep, 'maxLagMs'> {
  readonly maxLagMs: number | undefined;
}

interface DraftTemplate extends Omit<CausalTemplate, 'steps'> {
  readonly steps: DraftStep[];
}

interface DraftWindowRule extends Omit<LabelWindowRule, 'windowMs'> {
  readonly windowMs: number | undefined;
}

/** What one rules file says, positions kept for the checks that span files. */
export interface RulesFragment {
  readonly file: string;
  readonly isDefault: boolean;
  readonly incidents?: { readonly settings: PartialSettings; readonly pos: SourcePosition };
  readonly identityLabels?: { readonly labels: string[]; readonly pos: SourcePosition };
  readonly tracks: TrackRule[];
  readonly components: DraftComponent[];
  readonly correlation: DraftWindowRule[];
  readonly templates: DraftTemplate[];
  readonly disableTemplates: Ref[];
  readonly disableCorrelation: Ref[];
}

const TOP_KEYS = ['incidents', 'tracks', 'topology', 'correlation', 'causal_templates', 'disable_templates', 'disable_correlation'];
const INCIDENT_KEYS = [
  'hold_down',
  'join_window',
  'resolve_quiet',
  'reopen_window',
  'aftermath_window',
  'flap',
  'change_window',
  'max_hops',
  'title_labels',
  'retention',
];

interface Field {
  readonly key: string;
  readonly keyNode: Node;
  /** null when the key has no value. */
  readonly value: Node | null;
  readonly path: string;
}

/** Walks one YAML document, collecting errors with positions. */
class Reader extends YamlNodeReader {
  pos(node: Node | null | undefined): SourcePosition {
    return { file: this.file, ...this.position(node) };
  }

  /** The fields of a mapping; unknown keys are reported and dropped. undefined when it is not a mapping. */
  fields(raw: Node | null, at: Node | null, path: string, known: readonly string[]): Map<string, Field> | undefined {
    const node = this.deref(raw);
    const out = new Map<string, Field>();
    if (node === null) return out;
    if (!isMap(node)) {
      this.error(node ?? at, path, `expected a mapping, got ${this.got(node)}`);
      return undefined;
    }
    for (const pair of node.items) {
      const keyNode = pair.key as Node;
      const key = this.deref(keyNode);
      if (!isScalar(key) || typeof key.value === 'object') {
        this.error(keyNode, path, 'mapping keys must be strings');
        continue;
      }
      const name = scalarText(key);
      if (!known.includes(name)) {
        this.error(keyNode, path, `unknown key "${name}"`);
        continue;
      }
      out.set(name, { key: name, keyNode, value: (pair.value as Node | null) ?? null, path: path ? `${path}.${name}` : name });
    }
    return out;
  }

  at(f: Field): Node {
    return this.deref(f.value) ?? f.keyNode;
  }

  require(fields: Map<string, Field>, key: string, node: Node | null, at: Node | null, path: string): Field | undefined {
    const f = fields.get(key);
    if (!f || this.deref(f.value) === null) {
      this.error(f?.keyNode ?? node ?? at, f?.path ?? path, `missing required key "${key}"`);
      return undefined;
    }
    return f;
  }

  str(f: Field | undefined): string | undefined {
    if (!f) return undefined;
    const v = this.deref(f.value);
    if (v === null) return '';
    if (isScalar(v) && typeof v.value !== 'object') return scalarText(v);
    this.error(v, f.path, `expected a string, got ${this.got(v)}`);
    return undefined;
  }

  duration(f: Field | undefined): number | undefined {
    if (!f) return undefined;
    const v = this.deref(f.value);
    const text = v !== null && isScalar(v) ? scalarText(v) : undefined;
    const ms = text === undefined ? undefined : parseDuration(text);
    if (ms === undefined) {
      this.error(v ?? f.keyNode, f.path, `expected a duration like 30s, got ${this.got(v)}`);
      return undefined;
    }
    return ms;
  }

  int(f: Field | undefined, min: number): number | undefined {
    if (!f) return undefined;
    const v = this.deref(f.value);
    if (v !== null && isScalar(v) && typeof v.value === 'number' && Number.isSafeInteger(v.value) && v.value >= min) return v.value;
    this.error(v ?? f.keyNode, f.path, `expected a whole number (${min} or more), got ${this.got(v)}`);
    return undefined;
  }

  strList(f: Field | undefined): { value: string; node: Node; path: string }[] | undefined {
    const items = this.list(f);
    if (!items) return undefined;
    const out: { value: string; node: Node; path: string }[] = [];
    let ok = true;
    for (const item of items) {
      if (item.node === null || !isScalar(item.node) || typeof item.node.value === 'object') {
        this.error(item.node ?? item.raw, item.path, `expected a string, got ${this.got(item.node)}`);
        ok = false;
        continue;
      }
      out.push({ value: scalarText(item.node), node: item.node, path: item.path });
    }
    return ok ? out : undefined;
  }

  labelNames(f: Field | undefined, opts: { nonEmpty: boolean }): string[] | undefined {
    const items = this.strList(f);
    if (!items || !f) return items === undefined ? undefined : [];
    let ok = true;
    const seen = new Set<string>();
    for (const it of items) {
      if (!LABEL_NAME_RE.test(it.value)) {
        this.error(it.node, it.path, `invalid label name ${JSON.stringify(it.value)}`);
        ok = false;
      } else if (seen.has(it.value)) {
        this.error(it.node, it.path, `label "${it.value}" is listed twice`);
        ok = false;
      }
      seen.add(it.value);
    }
    if (opts.nonEmpty && items.length === 0) {
      this.error(this.at(f), f.path, 'must list at least one label');
      ok = false;
    }
    return ok ? items.map((i) => i.value) : undefined;
  }

  /** A list of Alertmanager matcher strings, all of which must match. */
  matcherSet(f: Field | undefined, opts: { nonEmpty: boolean }): MatcherSet | undefined {
    const items = this.strList(f);
    if (!items) return undefined;
    if (opts.nonEmpty && items.length === 0) {
      this.error(f ? this.at(f) : null, f?.path ?? '', 'must list at least one matcher');
      return undefined;
    }
    return this.compileItems(items);
  }

  compileItems(items: { value: string; node: Node; path: string }[]): MatcherSet | undefined {
    const matchers: Matcher[] = [];
    let ok = true;
    for (const it of items) {
      try {
        matchers.push(...parseMatchers(it.value));
      } catch (e) {
        if (!(e instanceof MatcherParseError)) throw e;
        this.error(it.node, it.path, `invalid matcher: ${e.message}`);
        ok = false;
      }
    }
    return ok ? compileMatcherSet(matchers) : undefined;
  }

  /** A list of matcher lists (any one of which may match). */
  selectors(f: Field | undefined): MatcherSet[] | undefined {
    const items = this.list(f);
    if (!items) return undefined;
    const out: MatcherSet[] = [];
    let ok = true;
    for (const item of items) {
      if (item.node === null || !isSeq(item.node)) {
        this.error(item.node ?? item.raw, item.path, `expected a list of matchers, got ${this.got(item.node)}`);
        ok = false;
        continue;
      }
      const ms = this.matcherSet({ key: '', keyNode: item.raw, value: item.node, path: item.path }, { nonEmpty: true });
      if (ms) out.push(ms);
      else ok = false;
    }
    return ok ? out : undefined;
  }

  track(f: Field | undefined): Track | undefined {
    const s = this.str(f);
    if (s === undefined || !f) return undefined;
    if (!(TRACKS as readonly string[]).includes(s)) {
      this.error(this.at(f), f.path, `expected one of ${TRACKS.join(', ')}, got ${JSON.stringify(s)}`);
      return undefined;
    }
    return s as Track;
  }

  name(fields: Map<string, Field>, node: Node | null, raw: Node, path: string): { value: string; pos: SourcePosition } | undefined {
    const f = this.require(fields, 'name', node, raw, path);
    const s = this.str(f);
    if (s === undefined || !f) return undefined;
    if (s.trim() === '') {
      this.error(this.at(f), f.path, 'must not be empty');
      return undefined;
    }
    return { value: s, pos: this.pos(this.at(f)) };
  }
}

export function compileMatcherSet(matchers: readonly Matcher[]): MatcherSet {
  return { matchers, text: matchers.map(matcherString).join(', '), match: compileMatchers(matchers) };
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return (i < 0 ? s : s.slice(0, i)).trim();
}

/**
 * Parses one rules file. The result is a fragment: references that may point into other files
 * (`depends_on`, `disable_templates`) are checked when fragments are combined (`buildRules`).
 */
export function parseRulesText(
  text: string,
  file: string,
  opts: { isDefault?: boolean } = {},
): { ok: true; fragment: RulesFragment } | { ok: false; errors: ConfigError[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const R = new Reader(file, lc, doc);
  if (R.reportParseErrors(text, firstLine)) return { ok: false, errors: sortErrors(R.errors) };

  const isDefault = opts.isDefault ?? false;
  const fragment: RulesFragment = {
    file,
    isDefault,
    tracks: [],
    components: [],
    correlation: [],
    templates: [],
    disableTemplates: [],
    disableCorrelation: [],
  };
  const root = R.deref(doc.contents);
  const top = root === null ? new Map<string, Field>() : R.fields(root, root, '', TOP_KEYS);
  if (!top) return { ok: false, errors: sortErrors(R.errors) };

  const mutable = fragment as { -readonly [K in keyof RulesFragment]: RulesFragment[K] };
  const inc = top.get('incidents');
  if (inc) {
    const settings = readIncidents(R, inc);
    if (settings) mutable.incidents = { settings, pos: R.pos(inc.keyNode) };
  }
  readTracks(R, top.get('tracks'), fragment.tracks);
  const topo = top.get('topology');
  if (topo) {
    const tf = R.fields(topo.value, topo.keyNode, topo.path, ['identity_labels', 'components']);
    if (tf) {
      const il = tf.get('identity_labels');
      if (il) {
        const labels = R.labelNames(il, { nonEmpty: false });
        if (labels) mutable.identityLabels = { labels, pos: R.pos(il.keyNode) };
      }
      readComponents(R, tf.get('components'), fragment.components);
    }
  }
  readWindowRules(R, top.get('correlation'), fragment.correlation, isDefault);
  readTemplates(R, top.get('causal_templates'), fragment.templates, isDefault);
  for (const [key, into] of [
    ['disable_templates', fragment.disableTemplates],
    ['disable_correlation', fragment.disableCorrelation],
  ] as const) {
    for (const it of R.strList(top.get(key)) ?? []) into.push({ name: it.value, pos: R.pos(it.node), path: it.path });
  }
  if (R.errors.length > 0) return { ok: false, errors: sortErrors(R.errors) };
  return { ok: true, fragment };
}

function readIncidents(R: Reader, e: Field): PartialSettings | undefined {
  const f = R.fields(e.value, e.keyNode, e.path, INCIDENT_KEYS);
  if (!f) return undefined;
  const s: PartialSettings = {};
  const dur = (key: string): number | undefined => R.duration(f.get(key));
  s.holdDownMs = dur('hold_down');
  s.joinWindowMs = dur('join_window');
  s.resolveQuietMs = dur('resolve_quiet');
  s.reopenWindowMs = dur('reopen_window');
  s.aftermathWindowMs = dur('aftermath_window');
  s.changeWindowMs = dur('change_window');
  s.retentionMs = dur('retention');
  s.maxHops = R.int(f.get('max_hops'), 0);
  const flap = f.get('flap');
  if (flap) {
    const ff = R.fields(flap.value, flap.keyNode, flap.path, ['window', 'changes']);
    if (ff) {
      s.flapWindowMs = R.duration(ff.get('window'));
      // One change is a plain firing; two is a blip. Fewer than two would call every alert flapping.
      s.flapChanges = R.int(ff.get('changes'), 2);
    }
  }
  const tl = f.get('title_labels');
  if (tl) s.titleLabels = R.labelNames(tl, { nonEmpty: true });
  for (const k of Object.keys(s) as (keyof PartialSettings)[]) if (s[k] === undefined) delete s[k];
  return s;
}

function readTracks(R: Reader, e: Field | undefined, into: TrackRule[]): void {
  for (const item of R.list(e) ?? []) {
    const f = R.fields(item.node, item.raw, item.path, ['track', 'matchers']);
    if (!f) continue;
    const trackField = R.require(f, 'track', item.node, item.raw, item.path);
    const track = R.track(trackField);
    const mf = R.require(f, 'matchers', item.node, item.raw, item.path);
    const matchers = mf ? R.matcherSet(mf, { nonEmpty: true }) : undefined;
    if (track && matchers) into.push({ track, matchers, origin: R.pos(item.node ?? item.raw) });
  }
}

function readComponents(R: Reader, e: Field | undefined, into: DraftComponent[]): void {
  for (const item of R.list(e) ?? []) {
    const f = R.fields(item.node, item.raw, item.path, ['name', 'kind', 'depends_on', 'selectors']);
    if (!f) continue;
    const name = R.name(f, item.node, item.raw, item.path);
    let kind: ComponentKind = 'service';
    const kf = f.get('kind');
    if (kf) {
      const k = R.str(kf);
      if (k !== undefined && !(COMPONENT_KINDS as readonly string[]).includes(k)) {
        R.error(R.at(kf), kf.path, `expected one of ${COMPONENT_KINDS.join(', ')}, got ${JSON.stringify(k)}`);
      } else if (k !== undefined) {
        kind = k as ComponentKind;
      }
    }
    const deps = R.strList(f.get('depends_on'));
    const selectors = R.selectors(f.get('selectors'));
    if (!name || !deps || !selectors) continue;
    into.push({
      name: name.value,
      kind,
      dependsOn: deps.map((d) => ({ name: d.value, pos: R.pos(d.node), path: d.path })),
      selectors,
      origin: name.pos,
    });
  }
}

function readWindowRules(R: Reader, e: Field | undefined, into: DraftWindowRule[], isDefault: boolean): void {
  for (const item of R.list(e) ?? []) {
    const f = R.fields(item.node, item.raw, item.path, ['name', 'keys', 'window', 'filter']);
    if (!f) continue;
    const name = R.name(f, item.node, item.raw, item.path);
    const kf = R.require(f, 'keys', item.node, item.raw, item.path);
    const keys = kf ? R.labelNames(kf, { nonEmpty: true }) : undefined;
    const wf = f.get('window');
    const windowMs = wf ? R.duration(wf) : undefined;
    const filter = f.has('filter') ? R.matcherSet(f.get('filter'), { nonEmpty: false }) : compileMatcherSet([]);
    if (!name || !keys || !filter || (wf && windowMs === undefined)) continue;
    into.push({ name: name.value, keys, windowMs, filter, origin: name.pos, isDefault });
  }
}

function readTemplates(R: Reader, e: Field | undefined, into: DraftTemplate[], isDefault: boolean): void {
  for (const item of R.list(e) ?? []) {
    const f = R.fields(item.node, item.raw, item.path, ['name', 'description', 'scope', 'steps']);
    if (!f) continue;
    const name = R.name(f, item.node, item.raw, item.path);
    const description = R.str(f.get('description')) ?? '';
    const scopeField = f.get('scope');
    const scope = scopeField ? R.labelNames(scopeField, { nonEmpty: true }) : [...DEFAULT_TEMPLATE_SCOPE];
    const sf = R.require(f, 'steps', item.node, item.raw, item.path);
    const stepItems = sf ? R.list(sf) : undefined;
    if (!stepItems) continue;
    if (sf && stepItems.length < 2) {
      R.error(R.at(sf), sf.path, 'a causal template needs at least two steps');
    }
    const steps: DraftStep[] = [];
    const stepNames = new Set<string>();
    let ok = true;
    stepItems.forEach((si, index) => {
      const s = R.fields(si.node, si.raw, si.path, ['name', 'matchers', 'selectors', 'track', 'max_lag']);
      if (!s) {
        ok = false;
        return;
      }
      const stepName = R.name(s, si.node, si.raw, si.path);
      if (stepName && stepNames.has(stepName.value)) {
        R.error(R.at(s.get('name')!), `${si.path}.name`, `step name "${stepName.value}" is used twice in this template`);
        ok = false;
      }
      if (stepName) stepNames.add(stepName.value);
      const hasM = s.has('matchers');
      const hasS = s.has('selectors');
      let selectors: MatcherSet[] | undefined;
      if (hasM && hasS) {
        R.error(s.get('selectors')!.keyNode, si.path, 'a step takes matchers or selectors, not both');
      } else if (hasM) {
        const ms = R.matcherSet(s.get('matchers'), { nonEmpty: true });
        selectors = ms ? [ms] : undefined;
      } else if (hasS) {
        selectors = R.selectors(s.get('selectors'));
        if (selectors && selectors.length === 0) {
          R.error(R.at(s.get('selectors')!), `${si.path}.selectors`, 'must list at least one selector');
          selectors = undefined;
        }
      } else {
        R.error(si.node ?? si.raw, si.path, 'missing required key "matchers" (or "selectors")');
      }
      const track = R.track(s.get('track'));
      const lagField = s.get('max_lag');
      const maxLagMs = R.duration(lagField);
      if (lagField && index === 0) {
        R.error(lagField.keyNode, lagField.path, 'the first step has no earlier step: max_lag does not apply');
        ok = false;
      }
      if (!stepName || !selectors || (s.has('track') && !track) || (lagField && maxLagMs === undefined)) {
        ok = false;
        return;
      }
      steps.push({ name: stepName.value, selectors, ...(track ? { track } : {}), maxLagMs });
    });
    if (!name || !scope || !ok || steps.length < 2) continue;
    into.push({ name: name.value, description, scope, steps, origin: name.pos, isDefault });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Combining files

function errorAt(pos: SourcePosition, path: string, message: string): ConfigError {
  return { file: pos.file, line: pos.line, column: pos.column, path, message };
}

function where(pos: SourcePosition): string {
  return `${pos.file}:${pos.line}`;
}

/** Combines parsed fragments (defaults first) into rules, checking what spans files. */
export function combineFragments(fragments: readonly RulesFragment[]): RulesResult {
  const errors: ConfigError[] = [];
  let incidents: PartialSettings = {};
  let incidentsPos: SourcePosition | undefined;
  let identityLabels: readonly string[] = DEFAULT_IDENTITY_LABELS;
  let identityPos: SourcePosition | undefined;
  const userTracks: TrackRule[] = [];
  const defaultTracks: TrackRule[] = [];
  const components = new Map<string, DraftComponent>();
  const windowRules = new Map<string, DraftWindowRule>();
  const templates = new Map<string, DraftTemplate>();
  const disabledT = new Map<string, Ref>();
  const disabledC = new Map<string, Ref>();

  for (const fr of fragments) {
    if (fr.incidents) {
      if (incidentsPos) {
        errors.push(errorAt(fr.incidents.pos, 'incidents', `incidents: may appear once (first at ${where(incidentsPos)})`));
      } else {
        incidents = fr.incidents.settings;
        incidentsPos = fr.incidents.pos;
      }
    }
    if (fr.identityLabels) {
      if (identityPos) {
        errors.push(
          errorAt(fr.identityLabels.pos, 'topology.identity_labels', `identity_labels may be set once (first at ${where(identityPos)})`),
        );
      } else {
        identityLabels = fr.identityLabels.labels;
        identityPos = fr.identityLabels.pos;
      }
    }
    (fr.isDefault ? defaultTracks : userTracks).push(...fr.tracks);
    for (const c of fr.components) {
      const seen = components.get(c.name);
      if (seen) errors.push(errorAt(c.origin, 'topology.components', `component "${c.name}" is defined twice (first at ${where(seen.origin)})`));
      else components.set(c.name, c);
    }
    for (const r of fr.correlation) {
      const seen = windowRules.get(r.name);
      if (seen) errors.push(errorAt(r.origin, 'correlation', `label-window rule "${r.name}" is defined twice (first at ${where(seen.origin)})`));
      else windowRules.set(r.name, r);
    }
    for (const t of fr.templates) {
      const seen = templates.get(t.name);
      // A user template may take a default's name only when that default is switched off; checked below.
      if (seen && !(seen.isDefault && !t.isDefault)) {
        errors.push(errorAt(t.origin, 'causal_templates', `causal template "${t.name}" is defined twice (first at ${where(seen.origin)})`));
      } else if (seen) {
        templates.set(`\u0000user:${t.name}`, t);
      } else {
        templates.set(t.name, t);
      }
    }
    for (const d of fr.disableTemplates) disabledT.set(d.name, d);
    for (const d of fr.disableCorrelation) disabledC.set(d.name, d);
  }

  // Switching defaults off, and user templates that reuse a switched-off default's name.
  for (const [name, ref] of disabledT) {
    const t = templates.get(name);
    if (!t) errors.push(errorAt(ref.pos, ref.path, `no causal template named "${name}"`));
    else if (!t.isDefault) errors.push(errorAt(ref.pos, ref.path, `"${name}" is not a default template: remove it instead`));
  }
  for (const [key, t] of [...templates]) {
    if (!key.startsWith('\u0000user:')) continue;
    templates.delete(key);
    if (!disabledT.has(t.name)) {
      const d = templates.get(t.name)!;
      errors.push(
        errorAt(
          t.origin,
          'causal_templates',
          `causal template "${t.name}" is already a default (${where(d.origin)}): add it to disable_templates to replace it`,
        ),
      );
    } else {
      templates.set(t.name, t);
    }
  }
  for (const [name, ref] of disabledC) {
    const r = windowRules.get(name);
    if (!r) errors.push(errorAt(ref.pos, ref.path, `no label-window rule named "${name}"`));
    else if (!r.isDefault) errors.push(errorAt(ref.pos, ref.path, `"${name}" is not a default rule: remove it instead`));
  }

  for (const c of components.values()) {
    for (const d of c.dependsOn) {
      if (d.name === c.name) errors.push(errorAt(d.pos, d.path, `component "${c.name}" cannot depend on itself`));
      else if (!components.has(d.name)) errors.push(errorAt(d.pos, d.path, `undefined component "${d.name}"`));
    }
  }
  if (errors.length > 0) return { ok: false, errors: sortErrors(errors) };

  const settings: IncidentSettings = Object.freeze({ ...DEFAULT_INCIDENT_SETTINGS, ...incidents });
  const rules: CorrelationRules = deepFreeze({
    incidents: settings,
    tracks: [...userTracks, ...defaultTracks],
    topology: {
      identityLabels: [...identityLabels],
      components: [...components.values()].map((c) => ({ ...c, dependsOn: [...new Set(c.dependsOn.map((d) => d.name))] })),
    },
    correlation: [...windowRules.values()]
      .filter((r) => !(r.isDefault && disabledC.has(r.name)))
      .map((r) => ({ ...r, windowMs: r.windowMs ?? settings.joinWindowMs })),
    templates: [...templates.values()]
      .filter((t) => !(t.isDefault && disabledT.has(t.name)))
      .map((t) => ({
        ...t,
        // A step without max_lag allows the join window after the step before it.
        steps: t.steps.map((s, i) => ({ ...s, maxLagMs: i === 0 ? 0 : (s.maxLagMs ?? settings.joinWindowMs) })),
      })),
    disabledTemplates: [...disabledT.keys()],
    disabledCorrelation: [...disabledC.keys()],
    files: fragments.map((f) => f.file),
  });
  return { ok: true, rules };
}

function sortErrors(errors: ConfigError[]): ConfigError[] {
  return errors.slice().sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) if (typeof v !== 'function') deepFreeze(v);
  }
  return o;
}

// ---------------------------------------------------------------------------------------------------------
// Reading folders

/**
 * `rules/defaults` of the package. The module runs from `src/correlate/` (vitest, tsx) and from
 * `dist/src/correlate/` (after `tsc -p tsconfig.build.json`, whose rootDir is the repository root), so
 * the folder is found by walking up to the package root rather than by a fixed number of `..`.
 */
export function defaultRulesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'rules', 'defaults');
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error('alertsift: rules/defaults not found above ' + dirname(fileURLToPath(import.meta.url)));
}

function readFolder(dir: string, isDefault: boolean, seen: Set<string>, fragments: RulesFragment[], errors: ConfigError[]): void {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : (code ?? 'error');
    errors.push({ file: dir, line: 0, column: 0, path: '', message: `cannot read rules folder: ${why}` });
    return;
  }
  for (const n of names) {
    const file = join(dir, n);
    let real: string;
    try {
      if (!statSync(file).isFile()) continue;
      real = realpathSync(file);
    } catch {
      continue;
    }
    // `--rules rules/defaults` must not load the defaults twice.
    if (seen.has(real)) continue;
    seen.add(real);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      errors.push({ file, line: 0, column: 0, path: '', message: `cannot read rules file (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
      continue;
    }
    const r = parseRulesText(text, file, { isDefault });
    if (r.ok) fragments.push(r.fragment);
    else errors.push(...r.errors);
  }
}

/** The shipped defaults, then every `*.yml`/`*.yaml` in `dir` (none when `dir` is undefined). */
export function loadRules(dir: string | undefined): RulesResult {
  const fragments: RulesFragment[] = [];
  const errors: ConfigError[] = [];
  const seen = new Set<string>();
  readFolder(defaultRulesDir(), true, seen, fragments, errors);
  if (dir !== undefined) readFolder(resolve(dir), false, seen, fragments, errors);
  if (errors.length > 0) return { ok: false, errors: sortErrors(errors) };
  return combineFragments(fragments);
}

/**
 * Rules from texts, for tests and tools: the defaults first when `defaults` is true (the default), then
 * each source in order, as if they were files of one folder.
 */
export function buildRules(sources: readonly { file: string; text: string }[], opts: { defaults?: boolean } = {}): RulesResult {
  const fragments: RulesFragment[] = [];
  const errors: ConfigError[] = [];
  if (opts.defaults ?? true) readFolder(defaultRulesDir(), true, new Set(), fragments, errors);
  for (const s of sources) {
    const r = parseRulesText(s.text, s.file);
    if (r.ok) fragments.push(r.fragment);
    else errors.push(...r.errors);
  }
  if (errors.length > 0) return { ok: false, errors: sortErrors(errors) };
  return combineFragments(fragments);
}
