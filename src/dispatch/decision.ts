/**
 * Whether a flush notifies a receiver integration: Alertmanager's `DedupStage.needsUpdate` as a pure
 * function of the last notification-log entry, the current firing and resolved sets, and the clock.
 * Table-tested in test/dispatch/decision.test.ts.
 */

export type NotifyReason =
  | 'first notification'
  | 'new alerts added'
  | 'some alerts resolved'
  | 'all alerts resolved'
  | 'repeat interval elapsed';

/** What the notification log remembers of the last successful notification. */
export interface LogEntry {
  readonly firing: ReadonlySet<string>;
  readonly resolved: ReadonlySet<string>;
  /** When it was sent (epoch ms). */
  readonly timestamp: number;
  /**
   * What the destination told us to remember (Alertmanager's nflog `receiver_data`): for Slack's Web API
   * the channel id and message ts, so later notifications edit the same message.
   */
  readonly receiverData?: ReceiverData;
}

export interface ReceiverData {
  readonly channel: string;
  readonly ts: string;
}

export interface DecisionInput {
  readonly entry: LogEntry | undefined;
  readonly firing: ReadonlySet<string>;
  readonly resolved: ReadonlySet<string>;
  readonly sendResolved: boolean;
  readonly repeatIntervalMs: number;
  readonly now: number;
}

/** The reason to notify, or undefined when nothing needs to be sent. */
export function notifyReason(d: DecisionInput): NotifyReason | undefined {
  const { entry, firing, resolved } = d;
  // Never notified: notify right away, unless only resolved alerts are left.
  if (!entry) return firing.size > 0 ? 'first notification' : undefined;
  if (!isSubset(firing, entry.firing)) {
    // After an "all resolved" notification the group starts over.
    return entry.firing.size === 0 ? 'first notification' : 'new alerts added';
  }
  if (firing.size === 0) {
    // Sent regardless of send_resolved so the log forgets the firing set; when nothing was firing at the
    // last notification either, the receiver never heard of these alerts and nothing is sent.
    return entry.firing.size > 0 ? 'all alerts resolved' : undefined;
  }
  if (d.sendResolved && !isSubset(resolved, entry.resolved)) return 'some alerts resolved';
  if (entry.timestamp < d.now - d.repeatIntervalMs) return 'repeat interval elapsed';
  return undefined;
}

function isSubset(subset: ReadonlySet<string>, set: ReadonlySet<string>): boolean {
  if (subset.size > set.size) return false;
  for (const x of subset) if (!set.has(x)) return false;
  return true;
}
