/**
 * Alertmanager's template data model (template/template.go) over alertsift's `NotificationData`:
 *
 * - `Data`: `.Receiver .Status .Alerts .GroupLabels .CommonLabels .CommonAnnotations .ExternalURL`,
 *   plus `.GroupKey` and `.TruncatedAlerts` (which Alertmanager only puts in webhook bodies);
 * - `Alerts` (a named slice) with `.Firing` and `.Resolved`, which return plain `[]Alert`;
 * - `Alert`: `.Status .Labels .Annotations .StartsAt .EndsAt .GeneratorURL .Fingerprint`;
 * - `KV` (a `map[string]string`) with `.SortedPairs .Names .Values .Remove` and `String()`; a missing
 *   label is "" (its zero value), so `{{ .CommonLabels.team }}` prints nothing rather than `<no value>`;
 * - `Pairs` with `.Names .Values` and `String()`, `Pair` with `.Name .Value`.
 *
 * As in Alertmanager, `.Receiver` is the receiver name passed through regexp.QuoteMeta (so `team.a`
 * reads `team\.a`), and `SortedPairs` puts `alertname` first, then the other names in order.
 *
 * Conversion is lazy where it is cheap to be (sorted keys are computed on first use) and memoized per
 * NotificationData object, so several templated fields of one notification share one conversion.
 */
import type { Labels } from '../../domain/labels.js';
import { parseTime } from '../../domain/time.js';
import type { NotificationAlert, NotificationData } from '../data.js';
import { GoTime, UTC, ZERO_TIME_MS } from './time.js';
import { GoMap, GoSlice, GoStringSlice, GoStruct, JSONFields, NO_FIELD, compareStrings, type GoMethod } from './values.js';

// ---- Pair, Pairs ----------------------------------------------------------------------------------

export class Pair extends GoStruct {
  readonly goType = 'template.Pair';
  constructor(
    readonly name: string,
    readonly value: string,
  ) {
    super();
  }
  goFieldNames(): readonly string[] {
    return PAIR_FIELDS;
  }
  goField(name: string): unknown {
    if (name === 'Name') return this.name;
    if (name === 'Value') return this.value;
    return NO_FIELD;
  }
  override goEquals(other: GoStruct): boolean {
    return other instanceof Pair && other.name === this.name && other.value === this.value;
  }
  goJSON(): unknown {
    // No JSON tags on Pair: Go uses the field names.
    return new JSONFields([
      ['Name', this.name],
      ['Value', this.value],
    ]);
  }
}
const PAIR_FIELDS = ['Name', 'Value'] as const;

const PAIRS_METHODS = new Map<string, GoMethod<Pairs>>([
  ['Names', { params: [], call: (p) => new GoStringSlice(p.items.map((x) => x.name)) }],
  ['Values', { params: [], call: (p) => new GoStringSlice(p.items.map((x) => x.value)) }],
  ['String', { params: [], call: (p) => p.goString() }],
]);

export class Pairs extends GoSlice {
  readonly goType = 'template.Pairs';
  constructor(readonly items: readonly Pair[]) {
    super();
  }
  withItems(items: readonly unknown[]): Pairs {
    return new Pairs(items as readonly Pair[]);
  }
  override goMethod(name: string): GoMethod | undefined {
    return PAIRS_METHODS.get(name);
  }
  /** `name=value, name=value`. */
  override goString(): string {
    return this.items.map((p) => `${p.name}=${p.value}`).join(', ');
  }
}

// ---- KV -------------------------------------------------------------------------------------------

const KV_METHODS = new Map<string, GoMethod<KV>>([
  ['SortedPairs', { params: [], call: (kv) => kv.sortedPairs() }],
  ['Names', { params: [], call: (kv) => new GoStringSlice(kv.sortedPairs().items.map((p) => p.name)) }],
  ['Values', { params: [], call: (kv) => new GoStringSlice(kv.sortedPairs().items.map((p) => p.value)) }],
  ['Remove', { params: ['stringSlice'], call: (kv, [keys]) => kv.remove((keys as readonly string[] | null) ?? []) }],
  ['String', { params: [], call: (kv) => kv.goString() }],
]);

/** A label or annotation set: Go's `template.KV`, a `map[string]string` with methods. */
export class KV extends GoMap {
  readonly goType = 'template.KV';
  readonly zero = '';
  private keys: readonly string[] | undefined;
  private pairs: Pairs | undefined;

  constructor(readonly labels: Labels) {
    super();
  }

  size(): number {
    return this.sortedKeys().length;
  }
  sortedKeys(): readonly string[] {
    return (this.keys ??= Object.keys(this.labels).sort(compareStrings));
  }
  lookup(key: string): unknown {
    return Object.prototype.hasOwnProperty.call(this.labels, key) ? this.labels[key] : undefined;
  }
  override goMethod(name: string): GoMethod | undefined {
    return KV_METHODS.get(name);
  }
  override goString(): string {
    return this.sortedPairs().goString();
  }
  goJSON(): unknown {
    return this.labels;
  }

  /** Pairs sorted by name, except that `alertname` comes first. */
  sortedPairs(): Pairs {
    if (this.pairs) return this.pairs;
    const keys = this.sortedKeys();
    const ordered = keys.includes('alertname') ? ['alertname', ...keys.filter((k) => k !== 'alertname')] : keys;
    this.pairs = new Pairs(ordered.map((k) => new Pair(k, this.labels[k]!)));
    return this.pairs;
  }

  /** A copy without the given names. */
  remove(names: readonly string[]): KV {
    const drop = new Set(names);
    const out: Record<string, string> = {};
    for (const k of this.sortedKeys()) if (!drop.has(k)) out[k] = this.labels[k]!;
    return new KV(out);
  }
}

// ---- Alert, Alerts --------------------------------------------------------------------------------

const ALERT_FIELDS = ['Status', 'Labels', 'Annotations', 'StartsAt', 'EndsAt', 'GeneratorURL', 'Fingerprint'] as const;

function toTime(text: string): GoTime {
  const ms = parseTime(text);
  return new GoTime(ms === undefined || ms < ZERO_TIME_MS ? ZERO_TIME_MS : ms, UTC);
}

export class Alert extends GoStruct {
  readonly goType = 'template.Alert';
  private labelsKV: KV | undefined;
  private annotationsKV: KV | undefined;
  private starts: GoTime | undefined;
  private ends: GoTime | undefined;

  constructor(readonly alert: NotificationAlert) {
    super();
  }

  get status(): string {
    return this.alert.status;
  }
  get labels(): KV {
    return (this.labelsKV ??= new KV(this.alert.labels));
  }
  get annotations(): KV {
    return (this.annotationsKV ??= new KV(this.alert.annotations));
  }
  get startsAt(): GoTime {
    return (this.starts ??= toTime(this.alert.startsAt));
  }
  get endsAt(): GoTime {
    return (this.ends ??= toTime(this.alert.endsAt));
  }

  goFieldNames(): readonly string[] {
    return ALERT_FIELDS;
  }
  goField(name: string): unknown {
    switch (name) {
      case 'Status':
        return this.alert.status;
      case 'Labels':
        return this.labels;
      case 'Annotations':
        return this.annotations;
      case 'StartsAt':
        return this.startsAt;
      case 'EndsAt':
        return this.endsAt;
      case 'GeneratorURL':
        return this.alert.generatorURL;
      case 'Fingerprint':
        return this.alert.fingerprint;
      default:
        return NO_FIELD;
    }
  }
  goJSON(): unknown {
    return new JSONFields([
      ['status', this.alert.status],
      ['labels', this.labels],
      ['annotations', this.annotations],
      ['startsAt', this.startsAt],
      ['endsAt', this.endsAt],
      ['generatorURL', this.alert.generatorURL],
      ['fingerprint', this.alert.fingerprint],
    ]);
  }
}

/** `[]template.Alert`: what `.Firing` and `.Resolved` return (no methods of its own). */
export class AlertSlice extends GoSlice {
  readonly goType = '[]template.Alert';
  constructor(readonly items: readonly Alert[]) {
    super();
  }
  withItems(items: readonly unknown[]): AlertSlice {
    return new AlertSlice(items as readonly Alert[]);
  }
}

const ALERTS_METHODS = new Map<string, GoMethod<Alerts>>([
  ['Firing', { params: [], call: (a) => a.firing() }],
  ['Resolved', { params: [], call: (a) => a.resolved() }],
]);

/** `template.Alerts`. */
export class Alerts extends GoSlice {
  readonly goType = 'template.Alerts';
  private firingCache: AlertSlice | undefined;
  private resolvedCache: AlertSlice | undefined;
  constructor(readonly items: readonly Alert[]) {
    super();
  }
  withItems(items: readonly unknown[]): Alerts {
    return new Alerts(items as readonly Alert[]);
  }
  override goMethod(name: string): GoMethod | undefined {
    return ALERTS_METHODS.get(name);
  }
  firing(): AlertSlice {
    return (this.firingCache ??= new AlertSlice(this.items.filter((a) => a.status === 'firing')));
  }
  resolved(): AlertSlice {
    return (this.resolvedCache ??= new AlertSlice(this.items.filter((a) => a.status === 'resolved')));
  }
}

// ---- Data -----------------------------------------------------------------------------------------

/** Alertmanager's fields, in its order (what `{{ . }}` prints); GroupKey and TruncatedAlerts are extra. */
const DATA_FIELDS = ['Receiver', 'Status', 'Alerts', 'GroupLabels', 'CommonLabels', 'CommonAnnotations', 'ExternalURL'] as const;

/** `*template.Data`. */
export class Data extends GoStruct {
  readonly goType = '*template.Data';
  readonly receiver: string;
  readonly alerts: Alerts;
  private group: KV | undefined;
  private commonL: KV | undefined;
  private commonA: KV | undefined;

  constructor(readonly data: NotificationData) {
    super();
    this.receiver = quoteMeta(data.receiver);
    this.alerts = new Alerts(data.alerts.map((a) => new Alert(a)));
  }

  get groupLabels(): KV {
    return (this.group ??= new KV(this.data.groupLabels));
  }
  get commonLabels(): KV {
    return (this.commonL ??= new KV(this.data.commonLabels));
  }
  get commonAnnotations(): KV {
    return (this.commonA ??= new KV(this.data.commonAnnotations));
  }

  goFieldNames(): readonly string[] {
    return DATA_FIELDS;
  }
  goField(name: string): unknown {
    switch (name) {
      case 'Receiver':
        return this.receiver;
      case 'Status':
        return this.data.status;
      case 'Alerts':
        return this.alerts;
      case 'GroupLabels':
        return this.groupLabels;
      case 'CommonLabels':
        return this.commonLabels;
      case 'CommonAnnotations':
        return this.commonAnnotations;
      case 'ExternalURL':
        return this.data.externalURL;
      case 'GroupKey':
        return this.data.groupKey;
      case 'TruncatedAlerts':
        return this.data.truncatedAlerts;
      default:
        return NO_FIELD;
    }
  }
  /** Alertmanager's template.Data JSON (GroupKey and TruncatedAlerts are not part of it there). */
  goJSON(): unknown {
    return new JSONFields([
      ['receiver', this.receiver],
      ['status', this.data.status],
      ['alerts', this.alerts],
      ['groupLabels', this.groupLabels],
      ['commonLabels', this.commonLabels],
      ['commonAnnotations', this.commonAnnotations],
      ['externalURL', this.data.externalURL],
    ]);
  }
}

/** regexp.QuoteMeta: backslash before every character that is special in a regular expression. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, (c) => '\\' + c);
}

const converted = new WeakMap<NotificationData, Data>();

/** The Go-shaped view of a notification that templates execute against (memoized per object). */
export function templateData(d: NotificationData): Data {
  let data = converted.get(d);
  if (data === undefined) {
    data = new Data(d);
    converted.set(d, data);
  }
  return data;
}
