/**
 * Dispatch: routes alerts into aggregation groups and flushes each group on its timers, through the
 * notification pipeline (inhibition, time intervals, silences, then per integration: dedup against the
 * notification log, send, log). Timing follows Alertmanager's `aggrGroup`:
 *   - first flush at group creation + group_wait, or at once when an alert inserted before the first
 *     flush started more than group_wait ago;
 *   - then a flush every group_interval, counted from the previous flush;
 *   - empty groups are removed by a maintenance pass every 30 s, so an alert arriving shortly after a
 *     group emptied rejoins it on its existing ticks.
 * All time comes from the clock port, so replay (virtual clock) and serve (wall clock) share this code.
 */
import type { Alert } from '../domain/alert.js';
import { compareLabelSets, goQuote, type Labels, sortedNames } from '../domain/labels.js';
import { buildNotificationData, type FlushAlert } from '../notify/data.js';
import type { Integration } from '../notify/integrations.js';
import type { DeliveryResult, Transport } from '../notify/transport.js';
import { InhibitionWatch, type Inhibitor } from '../route/inhibit.js';
import { groupLabelsFor, matchRoutes, type Route } from '../route/routeTree.js';
import type { SilenceRegistry } from '../route/silences.js';
import { isActiveAt, type TimeInterval } from '../route/timeIntervals.js';
import type { Clock, TimerHandle } from '../state/clock.js';
import { type LogEntry, notifyReason } from './decision.js';
import type { DeliveryLog } from './deliveryLog.js';
import { logKey, type NotificationLogPort } from './notificationLog.js';

export const MAINTENANCE_INTERVAL_MS = 30_000;

/**
 * Whether a tick may skip a flush that provably does nothing (`Dispatcher.stillQuiet`). Always on; the
 * differential tests (test/dispatch/quietFlush.test.ts) turn it off to check that skipping changes no
 * output.
 */
export const quietFlushes = { skip: true };

/** Alertmanager keeps notification-log entries for 120 h by default (`--data.retention`). */
export const NFLOG_RETENTION_MS = 120 * 3600_000;

export interface DispatchObserver {
  onDelivery?(integration: Integration, result: DeliveryResult, seconds: number): void;
}

export interface DispatcherDeps {
  readonly clock: Clock;
  readonly route: Route;
  readonly integrations: ReadonlyMap<string, readonly Integration[]>;
  readonly inhibitor: Inhibitor;
  readonly silences: SilenceRegistry;
  readonly timeIntervals: ReadonlyMap<string, readonly TimeInterval[]>;
  readonly nflog: NotificationLogPort;
  readonly transport: Transport;
  readonly externalURL: string;
  readonly observer?: DispatchObserver;
  readonly deliveryLog?: DeliveryLog;
}

/**
 * What the last flush of a group saw, when it proved that flushing again would do nothing (see
 * `Dispatcher.stillQuiet`): every input of the notification pipeline other than the alerts themselves.
 */
interface QuietState {
  /** `AggregationGroup.membership` after the flush (after resolved alerts left). */
  readonly membership: number;
  /** The receiver has no integrations: only resolved alerts leaving makes a flush do anything. */
  readonly noIntegrations: boolean;
  /** Whether the route's time intervals muted the group. */
  readonly timeMuted: boolean;
  /** The silence registry's version, and the first silence start or end after the flush. */
  readonly silenceVersion: number;
  readonly silenceStableUntil: number;
  /** What the inhibition answers depended on (undefined when none was asked). */
  readonly inhibition: InhibitionWatch | undefined;
  /** The integrations the decision ran for and the log entry each one had (identity). */
  readonly integrations: readonly Integration[];
  readonly entries: readonly (LogEntry | undefined)[];
  /** The earliest instant after which a repeat interval elapses for one of them. */
  readonly repeatDue: number;
}

export class AggregationGroup {
  readonly alerts = new Map<string, Alert>();
  /** Set when maintenance removes the group, so cached routings can tell it is gone. */
  removed = false;
  /**
   * Notification-log keys per integration, built once per group rather than per flush: pairs in a flat
   * list (a receiver has one or two integrations, so a scan beats a Map, which is also much larger).
   * Replaced rather than pushed to: an array grown by `push` from empty takes room for 17 elements or
   * more, where a group needs two or four.
   */
  logKeys: readonly (Integration | string)[] = NO_LOG_KEYS;
  /** The group's timer callback, made once: a group is rescheduled at every tick. */
  onTimer: (() => void | Promise<void>) | undefined = undefined;
  hasFlushed = false;
  timer: TimerHandle | undefined;
  flushing = false;
  tickPending = false;
  /** Bumped when an alert joins or leaves (not when a member is replaced by a newer version). */
  membership = 0;
  /** No earlier end among the members (a lower bound: updated on insert, made exact when needed). */
  minEndsAt = Infinity;
  /** An alert was inserted while a flush was delivering. */
  changedDuringFlush = false;
  /** Set by a flush that proved the next one would do nothing while its inputs stay the same. */
  quiet: QuietState | undefined = undefined;
  /** The members in notification order at the last flush, reused while no alert joins or leaves. */
  order: NotificationOrder | undefined = undefined;
  /** `[this]`: the routing of every alert whose only group this is (see `Dispatcher.process`). */
  asOnlyGroup: readonly AggregationGroup[] | undefined = undefined;

  constructor(
    readonly route: Route,
    readonly labels: Labels,
    /** `<route key>:<group labels>` */
    readonly key: string,
    /** The group-labels part of the key (`groupLabelsKey`), under which the route's groups file it. */
    readonly labelsKey: string = key.slice(key.indexOf(':') + 1),
  ) {}
}

/**
 * Where the caller lets the dispatcher remember the groups an alert was routed to next to its own
 * record of the alert (the store's record, see `AlertRecord`), so a re-send needs no lookup in
 * `routed`. Valid only for the dispatcher named in it (a reload builds a new one); a group removed
 * since is noticed as in `routed`.
 */
export interface RoutingMemo {
  dispatcher: Dispatcher | undefined;
  groups: readonly AggregationGroup[] | undefined;
  /**
   * The version last inserted into `groups`, and each group's `membership` count right after that
   * insert. While both still hold, each group still maps the fingerprint to that very object (only an
   * insert of this fingerprint, which comes with this memo, could replace it, and its leaving would
   * have moved the count), so re-inserting the same object (a stored version extended in place) can
   * skip the group's map.
   */
  inserted: Alert | undefined;
  memberships: number[] | undefined;
}

export class Dispatcher {
  private readonly groups = new Map<Route, Map<string, AggregationGroup>>();
  private maintenanceTimer: TimerHandle | undefined;
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** (alert, group) memberships across all groups: replay drains until none is left. */
  private memberships = 0;
  /** Groups a flush left empty: the only candidates for removal by maintenance. */
  private readonly emptied = new Set<AggregationGroup>();
  /**
   * The groups each fingerprint was last routed to. Senders re-send every firing alert each evaluation
   * interval, so most alerts seen were seen before: routing them again is wasted work. Entries are
   * dropped when their alert leaves the store (`forget`), and ignored once a group is removed. Alerts
   * that come with a `RoutingMemo` (the store's record) keep theirs there instead.
   */
  private readonly routed = new Map<string, readonly AggregationGroup[]>();

  constructor(private readonly deps: DispatcherDeps) {
    this.scheduleMaintenance();
  }

  /**
   * Sorts a stored alert into the groups of every route it matches. `memo`: the caller's record of this
   * fingerprint (the store's), where its groups are remembered instead of in `routed`.
   */
  process(alert: Alert, memo?: RoutingMemo): void {
    const now = this.deps.clock.now();
    const cached = memo === undefined ? this.routed.get(alert.fingerprint) : memo.dispatcher === this ? memo.groups : undefined;
    if (cached && allPresent(cached)) {
      if (memo === undefined) {
        for (let i = 0; i < cached.length; i++) this.insert(cached[i]!, alert, now);
        return;
      }
      const memberships = memo.memberships!;
      const sameVersion = memo.inserted === alert;
      for (let i = 0; i < cached.length; i++) {
        const group = cached[i]!;
        if (sameVersion && memberships[i] === group.membership) this.refresh(group, alert, now);
        else this.insert(group, alert, now);
        memberships[i] = group.membership;
      }
      memo.inserted = alert;
      return;
    }
    const routes = matchRoutes(this.deps.route, alert.labels);
    let groups: readonly AggregationGroup[];
    if (routes.length === 1) {
      // Most alerts go to one group: they share that group's one-element list instead of each keeping
      // its own (one array less per active alert).
      const group = this.groupOf(routes[0]!, alert, now);
      this.insert(group, alert, now);
      groups = group.asOnlyGroup ??= [group];
    } else {
      const several: AggregationGroup[] = [];
      for (const route of routes) {
        const group = this.groupOf(route, alert, now);
        this.insert(group, alert, now);
        several.push(group);
      }
      groups = several;
    }
    if (memo === undefined) {
      this.routed.set(alert.fingerprint, groups);
    } else {
      memo.dispatcher = this;
      memo.groups = groups;
      memo.inserted = alert;
      memo.memberships = groups.map((g) => g.membership);
    }
  }

  /** The group of `route` that `alert` belongs to, created (and its first flush scheduled) if new. */
  private groupOf(route: Route, alert: Alert, now: number): AggregationGroup {
    let byLabels = this.groups.get(route);
    if (!byLabels) {
      byLabels = new Map();
      this.groups.set(route, byLabels);
    }
    const labelsKey = groupLabelsKey(route, alert.labels);
    let group = byLabels.get(labelsKey);
    if (!group) {
      group = new AggregationGroup(route, groupLabelsFor(route, alert.labels), `${route.key}:${labelsKey}`, labelsKey);
      byLabels.set(labelsKey, group);
      this.schedule(group, now + route.groupWaitMs);
    }
    return group;
  }

  /** The store dropped this alert: its routing need not be remembered. */
  forget(fingerprint: string): void {
    this.routed.delete(fingerprint);
  }

  private insert(group: AggregationGroup, alert: Alert, now: number): void {
    const before = group.alerts.size;
    group.alerts.set(alert.fingerprint, alert);
    if (group.alerts.size !== before) {
      this.memberships++;
      group.membership++;
    }
    this.refresh(group, alert, now);
  }

  /** What inserting `alert` does besides filing it in the group's map (which already holds it). */
  private refresh(group: AggregationGroup, alert: Alert, now: number): void {
    if (alert.endsAt < group.minEndsAt) group.minEndsAt = alert.endsAt;
    if (group.flushing) group.changedDuringFlush = true;
    // An alert that has already waited longer than group_wait is flushed at once (first flush only).
    if (!group.hasFlushed && alert.startsAt + group.route.groupWaitMs < now && group.timer && group.timer.at > now) {
      this.schedule(group, now);
    }
  }

  /** Every aggregation group, for the API and metrics. */
  *allGroups(): IterableIterator<AggregationGroup> {
    for (const byLabels of this.groups.values()) yield* byLabels.values();
  }

  groupCount(): number {
    let n = 0;
    for (const byLabels of this.groups.values()) n += byLabels.size;
    return n;
  }

  /** Whether any group still holds alerts (replay drains until this is false). */
  hasAlerts(): boolean {
    return this.memberships > 0;
  }

  membershipCount(): number {
    return this.memberships;
  }

  /** Stops all timers (reload, shutdown) and waits for flushes in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.maintenanceTimer) this.deps.clock.cancel(this.maintenanceTimer);
    for (const g of this.allGroups()) if (g.timer) this.deps.clock.cancel(g.timer);
    await Promise.all([...this.inFlight]);
  }

  private schedule(group: AggregationGroup, at: number): void {
    if (group.timer) this.deps.clock.cancel(group.timer);
    group.timer = this.deps.clock.schedule(at, (group.onTimer ??= this.timerCallback(group)));
  }

  /** Made here rather than in `schedule`: a closure there would allocate a context at every call. */
  private timerCallback(group: AggregationGroup): () => void | Promise<void> {
    return () => this.tick(group);
  }

  private tick(group: AggregationGroup): Promise<void> | void {
    if (this.stopped) return;
    if (group.flushing) {
      // A flush still delivering: Alertmanager's group loop is sequential, so the tick runs right after.
      group.tickPending = true;
      return;
    }
    const now = this.deps.clock.now();
    this.schedule(group, now + group.route.groupIntervalMs);
    group.hasFlushed = true;
    if (group.alerts.size === 0) return;
    if (group.quiet !== undefined && quietFlushes.skip && this.stillQuiet(group, group.quiet, now)) return;
    group.quiet = undefined;
    const p = this.flush(group, now).finally(() => {
      this.inFlight.delete(p);
      group.flushing = false;
      if (group.tickPending) {
        group.tickPending = false;
        if (group.timer) this.deps.clock.cancel(group.timer);
        group.timer = undefined;
        void this.tick(group);
      }
    });
    group.flushing = true;
    this.inFlight.add(p);
    return p;
  }

  private async flush(group: AggregationGroup, now: number): Promise<void> {
    const snapshot = inNotificationOrder(group);
    let minFiringEnd = Infinity;
    for (let i = 0; i < snapshot.length; i++) {
      const alert = snapshot[i]!.alert;
      if (alert.endsAt > now) {
        if (alert.endsAt < minFiringEnd) minFiringEnd = alert.endsAt;
      } else {
        snapshot[i] = { alert, resolved: true };
      }
    }
    group.changedDuringFlush = false;

    const outcome = await this.notify(group, snapshot, now);
    if (!outcome.ok) return;
    // Resolved alerts leave the group after a successful flush, unless they changed meanwhile.
    for (const f of snapshot) {
      if (f.resolved && group.alerts.get(f.alert.fingerprint) === f.alert) {
        group.alerts.delete(f.alert.fingerprint);
        this.memberships--;
        group.membership++;
      }
    }
    if (group.alerts.size === 0) this.emptied.add(group);
    // Nothing arrived during the flush, so the group now holds exactly the snapshot's firing alerts.
    if (!group.changedDuringFlush) {
      group.minEndsAt = minFiringEnd;
      group.quiet = this.quietAfter(group, outcome.muting, now);
    }
  }

  /**
   * The notification pipeline for one flush. `ok` when every integration succeeded or had nothing to do;
   * `muting` is what muting decided, for `quietAfter`.
   */
  private async notify(group: AggregationGroup, snapshot: readonly FlushAlert[], now: number): Promise<FlushOutcome> {
    const { inhibitor, silences } = this.deps;
    const route = group.route;
    const integrations = this.deps.integrations.get(route.receiver) ?? NO_INTEGRATIONS;
    if (integrations.length === 0) return { ok: true, muting: NO_RECEIVER };
    const timeMuted = this.timeMuted(route, now);
    const alerts: FlushAlert[] = [];
    let inhibition: InhibitionWatch | undefined;
    const silenceVersion = silences.version;
    if (!timeMuted) {
      if (inhibitor.ruleCount > 0) inhibition = new InhibitionWatch();
      for (const f of snapshot) {
        const labels = f.alert.labels;
        if (inhibition !== undefined && inhibitor.isInhibited(labels, now, inhibition)) continue;
        if (silences.mutedBy(labels, now).length > 0) continue;
        alerts.push(f);
      }
    }
    // The sets are kept by the notification log: the empty ones (most often `resolved`) are shared.
    let firingSet: Set<string> | undefined;
    let resolvedSet: Set<string> | undefined;
    for (const f of alerts) {
      if (f.resolved) (resolvedSet ??= new Set()).add(f.alert.fingerprint);
      else (firingSet ??= new Set()).add(f.alert.fingerprint);
    }
    const firing: ReadonlySet<string> = firingSet ?? NOTHING_FIRING;
    const resolved: ReadonlySet<string> = resolvedSet ?? NOTHING_FIRING;
    const muting: Muting = { timeMuted, inhibition, silenceVersion, firing };
    if (alerts.length === 0) {
      // A batch emptied by muting is not sent and leaves the notification log untouched (Alertmanager)...
      // except that a page, once sent, always gets its resolve (alertmanager#226, #2754): integrations
      // that keep an open incident on the other side close it when nothing unmuted is firing any more.
      const closing = closingIntegrations(integrations);
      if (closing.length === 0) return { ok: true, muting };
      const resolvedOnly = snapshot.filter((f) => f.resolved);
      const resolvedAll = new Set(resolvedOnly.map((f) => f.alert.fingerprint));
      const results = await Promise.all(
        closing.map((i) => this.notifyIntegration(group, i, resolvedOnly, NOTHING_FIRING, resolvedAll, now)),
      );
      return { ok: results.every(Boolean), muting };
    }

    // Most receivers have one integration: awaited directly, without `Promise.all`'s arrays and closures.
    if (integrations.length === 1) {
      return { ok: await this.notifyIntegration(group, integrations[0]!, alerts, firing, resolved, now), muting };
    }
    const results = await Promise.all(
      integrations.map((integration) => this.notifyIntegration(group, integration, alerts, firing, resolved, now)),
    );
    return { ok: results.every(Boolean), muting };
  }

  private timeMuted(route: Route, now: number): boolean {
    const { timeIntervals } = this.deps;
    return (
      (route.activeTimeIntervals.length > 0 && !inAnyInterval(timeIntervals, route.activeTimeIntervals, now)) ||
      (route.muteTimeIntervals.length > 0 && inAnyInterval(timeIntervals, route.muteTimeIntervals, now))
    );
  }

  /**
   * After a successful flush at `now` during which nothing arrived: the group holds the snapshot's firing
   * alerts (the resolved ones left). A flush at a later instant with the same members, none of them
   * resolved by then, and the same muting (time intervals, silences, inhibition answers), takes the same
   * decisions as one at `now` would with the group as it is now, apart from the repeat interval (the
   * decision's only dependence on the clock). So run those decisions now: when none of them notifies,
   * later flushes can be skipped for as long as all of that holds (`stillQuiet`).
   */
  private quietAfter(group: AggregationGroup, muting: Muting, now: number): QuietState | undefined {
    const route = group.route;
    const all = this.deps.integrations.get(route.receiver) ?? NO_INTEGRATIONS;
    // With nothing unmuted firing, the next flush takes the muted path: only closing integrations decide.
    const integrations = muting === NO_RECEIVER ? NO_INTEGRATIONS : muting.firing.size === 0 ? closingIntegrations(all) : all;
    // Sized up front: kept as long as the group stays quiet, and an array grown by `push` from empty
    // takes room for 17 elements or more.
    const entries: (LogEntry | undefined)[] = new Array(integrations.length);
    let repeatDue = Infinity;
    for (let i = 0; i < integrations.length; i++) {
      const integration = integrations[i]!;
      const entry = this.deps.nflog.get(this.logKeyOf(group, integration));
      const reason = notifyReason({
        entry,
        firing: muting.firing,
        resolved: NOTHING_FIRING,
        sendResolved: integration.sendResolved,
        repeatIntervalMs: route.repeatIntervalMs,
        now,
      });
      if (reason !== undefined) return undefined;
      entries[i] = entry;
      if (entry !== undefined) repeatDue = Math.min(repeatDue, entry.timestamp + route.repeatIntervalMs);
    }
    const { silences } = this.deps;
    muting.inhibition?.seal();
    return {
      membership: group.membership,
      noIntegrations: muting === NO_RECEIVER,
      timeMuted: muting.timeMuted,
      silenceVersion: muting.silenceVersion,
      silenceStableUntil: muting.silenceVersion === silences.version ? silences.stableUntil(now) : -Infinity,
      inhibition: muting.inhibition,
      integrations,
      entries,
      repeatDue,
    };
  }

  /**
   * Whether a flush at `now` would do nothing, because nothing that decides it changed since the flush
   * that recorded `q`: no alert joined or left, none is resolved at `now` (a member replaced by a newer
   * version only matters through its end), time intervals, silences and inhibition answers are as they
   * were, every integration's notification-log entry is the one that flush decided against, and no
   * repeat interval has elapsed. A skipped flush changes nothing, exactly like the flush it replaces.
   */
  private stillQuiet(group: AggregationGroup, q: QuietState, now: number): boolean {
    if (q.membership !== group.membership) return false;
    if (now >= group.minEndsAt) {
      // The bound is stale when members were re-sent with later ends: make it exact.
      let min = Infinity;
      for (const a of group.alerts.values()) {
        if (a.endsAt <= now) return false;
        if (a.endsAt < min) min = a.endsAt;
      }
      group.minEndsAt = min;
    }
    if (q.noIntegrations) return true;
    if (now > q.repeatDue) return false;
    const route = group.route;
    if (q.timeMuted !== this.timeMuted(route, now)) return false;
    if (!q.timeMuted) {
      const { silences } = this.deps;
      if (q.silenceVersion !== silences.version || now >= q.silenceStableUntil) return false;
      if (q.inhibition !== undefined && !q.inhibition.holds(now)) return false;
    }
    const { nflog } = this.deps;
    for (let i = 0; i < q.integrations.length; i++) {
      if (nflog.get(this.logKeyOf(group, q.integrations[i]!)) !== q.entries[i]) return false;
    }
    return true;
  }

  private logKeyOf(group: AggregationGroup, integration: Integration): string {
    const keys = group.logKeys;
    for (let i = 0; i < keys.length; i += 2) if (keys[i] === integration) return keys[i + 1] as string;
    const key = logKey(group.key, group.route.receiver, integration.kind, integration.index);
    group.logKeys = [...keys, integration, key];
    return key;
  }

  private async notifyIntegration(
    group: AggregationGroup,
    integration: Integration,
    alerts: readonly FlushAlert[],
    firing: ReadonlySet<string>,
    resolved: ReadonlySet<string>,
    now: number,
  ): Promise<boolean> {
    const { nflog, clock } = this.deps;
    const route = group.route;
    const key = this.logKeyOf(group, integration);
    const entry = nflog.get(key);
    const reason = notifyReason({
      entry,
      firing,
      resolved,
      sendResolved: integration.sendResolved,
      repeatIntervalMs: route.repeatIntervalMs,
      now,
    });
    if (!reason) return true;
    let toSend: readonly FlushAlert[] = alerts;
    if (!integration.sendResolved) {
      // Only resolved alerts left and the receiver does not want them: log without sending, so the
      // dedup stage forgets the firing set.
      toSend = firing.size === 0 ? [] : alerts.filter((f) => !f.resolved);
    }
    let receiverData = entry?.receiverData;
    // A resolve for an incident whose alerts were muted carries no alerts but must still be sent.
    const closeEmpty = toSend.length === 0 && reason === 'all alerts resolved' && integration.closesWhenMuted && integration.sendResolved;
    if (toSend.length > 0 || closeEmpty) {
      const data = buildNotificationData({
        receiver: route.receiver,
        groupKey: group.key,
        groupLabels: group.labels,
        alerts: toSend,
        externalURL: this.deps.externalURL,
        reason,
        maxAlerts: integration.maxAlerts,
      });
      const deadline = now + route.groupIntervalMs;
      const requests = integration.requests(data, entry?.receiverData);
      for (let i = 0; i < requests.length; i++) {
        const started = clock.now();
        const result = await this.deps.transport.send(requests[i]!, deadline);
        this.deps.observer?.onDelivery?.(integration, result, (clock.now() - started) / 1000);
        this.deps.deliveryLog?.record({
          at: clock.now(),
          receiver: route.receiver,
          integration: integration.kind,
          index: integration.index,
          groupKey: group.key,
          reason: i === 0 ? reason : `${reason} (follow-up)`,
          outcome: result.ok ? 'delivered' : 'failed',
          attempts: result.attempts,
          ...(result.ok ? {} : { error: result.reason }),
          firing: data.alerts.length - countResolved(data.alerts),
          resolved: countResolved(data.alerts),
        });
        // The first request is the notification; later ones (a threaded timeline reply) are best effort.
        if (i === 0) {
          if (!result.ok) return false;
          receiverData = integration.receiverData?.(result.response, entry?.receiverData);
        }
      }
    }
    const logged: LogEntry = receiverData
      ? { firing, resolved, timestamp: clock.now(), receiverData }
      : { firing, resolved, timestamp: clock.now() };
    nflog.log(key, logged, clock.now() + NFLOG_RETENTION_MS);
    return true;
  }

  private scheduleMaintenance(): void {
    const { clock } = this.deps;
    this.maintenanceTimer = clock.schedule(clock.now() + MAINTENANCE_INTERVAL_MS, () => {
      if (this.stopped) return;
      this.maintain();
      this.scheduleMaintenance();
    });
  }

  /**
   * Removes empty groups, as Alertmanager's dispatcher maintenance does. A group only becomes empty when
   * a flush lets its resolved alerts go, so only the groups flushes left empty are looked at, not all.
   */
  maintain(): void {
    for (const g of this.emptied) {
      if (g.alerts.size > 0) {
        this.emptied.delete(g);
        continue;
      }
      if (g.flushing) continue;
      this.emptied.delete(g);
      const byLabels = this.groups.get(g.route);
      if (byLabels === undefined || byLabels.get(g.labelsKey) !== g) continue;
      if (g.timer) this.deps.clock.cancel(g.timer);
      g.removed = true;
      byLabels.delete(g.labelsKey);
      if (byLabels.size === 0) this.groups.delete(g.route);
    }
  }
}

const NO_INTEGRATIONS: readonly Integration[] = [];
const NO_LOG_KEYS: readonly (Integration | string)[] = [];
const NOTHING_FIRING: ReadonlySet<string> = new Set();

function countResolved(alerts: readonly { readonly status: string }[]): number {
  let n = 0;
  for (let i = 0; i < alerts.length; i++) if (alerts[i]!.status === 'resolved') n++;
  return n;
}

/** What muting decided in a flush: the inputs a later flush must find unchanged to be skipped. */
interface Muting {
  readonly timeMuted: boolean;
  readonly inhibition: InhibitionWatch | undefined;
  readonly silenceVersion: number;
  /** Fingerprints of the unmuted firing alerts. */
  readonly firing: ReadonlySet<string>;
}

interface FlushOutcome {
  readonly ok: boolean;
  readonly muting: Muting;
}

/** The receiver has no integrations: a flush never does anything but let resolved alerts go. */
const NO_RECEIVER: Muting = { timeMuted: false, inhibition: undefined, silenceVersion: 0, firing: NOTHING_FIRING };

const closingCache = new WeakMap<readonly Integration[], readonly Integration[]>();

/** The integrations that still get a resolve when everything is muted (see `notify`). */
function closingIntegrations(integrations: readonly Integration[]): readonly Integration[] {
  let closing = closingCache.get(integrations);
  if (!closing) {
    closing = integrations.filter((i) => i.closesWhenMuted && i.sendResolved);
    closingCache.set(integrations, closing);
  }
  return closing;
}

function allPresent(groups: readonly AggregationGroup[]): boolean {
  for (let i = 0; i < groups.length; i++) if (groups[i]!.removed) return false;
  return true;
}

function inAnyInterval(
  all: ReadonlyMap<string, readonly TimeInterval[]>,
  names: readonly string[],
  now: number,
): boolean {
  for (const name of names) {
    const intervals = all.get(name);
    if (intervals && isActiveAt(intervals, now)) return true;
  }
  return false;
}

/** The group-labels part of a group key, `{a="x", b="y"}`, built without an intermediate object. */
export function groupLabelsKey(route: Route, labels: Labels): string {
  const names = route.groupByAll ? Object.keys(labels).sort() : route.groupBy;
  let out = '{';
  let first = true;
  for (const name of names) {
    const v = labels[name];
    if (v === undefined) continue;
    out += (first ? '' : ', ') + name + '=' + goQuote(v);
    first = false;
  }
  return out + '}';
}

/** A group's members in notification order, as of its `membership` count. */
interface NotificationOrder {
  readonly membership: number;
  readonly fingerprints: readonly string[];
  /** Each member's label set when the order was taken (the order depends on nothing else). */
  readonly labels: readonly Labels[];
}

/**
 * The group's alerts as a flush snapshot in notification order, all marked firing (the caller marks
 * the resolved ones). The order depends only on the members' label sets, and a fingerprint's label set
 * does not change, so while no alert joined or left (`membership`) the last flush's order is reused
 * instead of sorting again; a label set found different (a fingerprint collision) sorts again.
 */
function inNotificationOrder(group: AggregationGroup): FlushAlert[] {
  const order = group.order;
  if (order !== undefined && order.membership === group.membership) {
    const snapshot: FlushAlert[] = new Array(order.fingerprints.length);
    let same = true;
    for (let i = 0; i < snapshot.length; i++) {
      const alert = group.alerts.get(order.fingerprints[i]!);
      if (alert === undefined || alert.labels !== order.labels[i]) {
        same = false;
        break;
      }
      snapshot[i] = { alert, resolved: false };
    }
    if (same) return snapshot;
  }
  const snapshot: FlushAlert[] = [];
  for (const alert of group.alerts.values()) snapshot.push({ alert, resolved: false });
  // A single alert needs no order (most groups of a quiet day): nothing to remember.
  if (snapshot.length < 2) return snapshot;
  sortForNotification(snapshot);
  group.order = {
    membership: group.membership,
    fingerprints: snapshot.map((f) => f.alert.fingerprint),
    labels: snapshot.map((f) => f.alert.labels),
  };
  return snapshot;
}

/**
 * Sorts like Alertmanager's `AlertSlice.Less`: by label `job`, then `instance` (alerts without the label
 * after those with it), then the whole label set in `LabelSet.Before` order. For that last step an
 * alert's label set is turned into one string (names sorted, `\x00`-separated, which orders exactly
 * like comparing name by name and value by value), instead of re-sorting label names in every
 * comparison; only when first needed, since the alerts of a group mostly differ by instance.
 */
export function sortForNotification(alerts: FlushAlert[]): void {
  if (alerts.length < 2) return;
  // `job` and `instance` are read once per alert rather than in every comparison: label sets have many
  // shapes, so each read is a slow generic lookup, and a large first flush compares n log n times
  // (in a profile of the 100k stream's first minute, sorting took about half as long).
  const keyed = alerts.map((f): SortEntry => ({ f, job: f.alert.labels.job, instance: f.alert.labels.instance, key: undefined }));
  keyed.sort((x, y) => {
    const byJobInstance = compareAbsentLast(x.job, y.job) || compareAbsentLast(x.instance, y.instance);
    if (byJobInstance !== 0) return byJobInstance;
    const xk = (x.key ??= labelOrderKey(x.f.alert.labels));
    const yk = (y.key ??= labelOrderKey(y.f.alert.labels));
    return xk < yk ? -1 : xk > yk ? 1 : 0;
  });
  for (let i = 0; i < keyed.length; i++) alerts[i] = keyed[i]!.f;
}

interface SortEntry {
  readonly f: FlushAlert;
  readonly job: string | undefined;
  readonly instance: string | undefined;
  /** `labelOrderKey`, made when first needed. */
  key: string | undefined;
}

/** One key of `AlertSlice.Less`: a value without the label sorts after every value with it. */
function compareAbsentLast(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return a < b ? -1 : 1;
}

function labelOrderKey(labels: Labels): string {
  let key = '';
  for (const name of sortedNames(labels)) key += name + '\x00' + labels[name] + '\x00';
  return key;
}

/** The same order as `sortForNotification`, as a comparator (tests use it as the reference). */
export function compareFlushAlerts(x: FlushAlert, y: FlushAlert): number {
  return compareJobInstance(x.alert.labels, y.alert.labels) || compareLabelSets(x.alert.labels, y.alert.labels);
}

/** The first two keys of `AlertSlice.Less`: `job`, then `instance`; a set without the label sorts after. */
function compareJobInstance(a: Labels, b: Labels): number {
  return compareAbsentLast(a.job, b.job) || compareAbsentLast(a.instance, b.instance);
}
