/**
 * `alertsift serve` in distributed mode (docs/production.md, docs/state.md): N instances in one Kafka
 * consumer group, state in Redis, **one engine per owned partition**.
 *
 *   partition assigned ─► repository.load([p]) (takes ownership, fences the previous owner)
 *                         ─► Engine on TrackingAlertStore / TrackingNotificationLog (+ SilenceTracker),
 *                            state restored, restored alerts routed again (the restored notification log
 *                            decides whether anything is sent again: nothing is, unless it changed)
 *   each batch of p     ─► that engine (synchronous) ─► persist = tracker.commit(repository) ─► offsets
 *   every second        ─► commit p again when its tracker has changes (notifications logged between
 *                          batches, GC), through the same one-at-a-time queue as the batch commits
 *   partition revoked   ─► engine.stop() ─► final commit (best effort) ─► repository.release([p])
 *   every notification  ─► ClaimingTransport: the first instance to claim (nflog key, state) sends
 *
 * Repository errors (docs/state.md):
 * - `StateUnavailableError`: the batch is not committed (persist rejects, Kafka redelivers it later); the
 *   intake pauses (backpressure) until `ping()` answers again;
 * - `StaleOwnerError` / `NotOwnerError`: another instance has loaded the partition: its engine here stops at
 *   once and is dropped; the partition is not loaded again before the next rebalance assigns it to us;
 * - `OwnershipLostError` (Redis lost its data): load again (ownership) and commit a full snapshot.
 *
 * The HTTP doors produce into Kafka (`forward`); silences are broadcast to every partition of the raw
 * topic with a server-assigned id (see `SilenceDoor`); the read side of the API answers from the union of
 * this instance's partition engines (`DistributedEngines`).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Counter, Gauge } from 'prom-client';
import type { SloDefinition } from '../budget/slos.js';
import type { SloView } from '../budget/stage.js';
import { formatConfigError, loadConfigFile } from '../config/load.js';
import type { Config } from '../config/types.js';
import type { IncidentSnapshot, SuppressionView } from '../correlate/types.js';
import { compareLabelSets } from '../domain/labels.js';
import { formatTime } from '../domain/time.js';
import { DeliveryLog, type DeliveryRecord } from '../dispatch/deliveryLog.js';
import { type CorrelationFactory, Engine } from '../engine/engine.js';
import { EngineMetrics } from '../engine/metrics.js';
import type { AlertGroupView, AlertQuery, AlertView, EnginePort, PostableSilence, SilenceView, StatusView } from '../engine/port.js';
import { redactConfigText } from '../config/redact.js';
import { registerInbox } from '../intake/http/inbox.js';
import { buildServer } from '../intake/http/server.js';
import { startKafkaRuntime, type KafkaRuntime, type KafkaSettings } from '../intake/kafka/index.js';
import type { IntakeSink } from '../intake/kafka/records.js';
import { parsePostableSilence } from '../normalize/silence.js';
import { ClaimingTransport } from '../notify/claimingTransport.js';
import { createLiveTransport } from '../notify/live.js';
import type { Transport } from '../notify/transport.js';
import type { Matcher } from '../route/matchers.js';
import { apiMatcher, silenceState, silenceView, type Silence } from '../route/silences.js';
import { type Clock, WallClock } from '../state/clock.js';
import { RedisStateRepository } from '../state/redis/redisRepository.js';
import { redactUrl } from '../state/redis/client.js';
import {
  NotOwnerError,
  OwnershipLostError,
  partitionId,
  type PartitionId,
  type PartitionState,
  StaleOwnerError,
  type StateRepository,
  StateUnavailableError,
} from '../state/repository.js';
import { PartitionTracker, SilenceTracker, TrackingAlertStore, TrackingNotificationLog } from '../state/tracking.js';

// ---------------------------------------------------------------------------------------------------
// Settings

export interface DistributedStateSettings {
  /** `ALERTSIFT_REDIS_URL`, else `REDIS_URL`. */
  readonly redisUrl: string;
  /** `ALERTSIFT_REDIS_PREFIX` (default `alertsift`): one prefix per deployment sharing a Redis. */
  readonly redisPrefix: string;
  /** `ALERTSIFT_STATE_COMMIT_INTERVAL_MS` (default 1000): commits between batches, when something changed. */
  readonly commitIntervalMs: number;
  /** `ALERTSIFT_OUTBOX_BACKLOG_LIMIT` (default 10000): the intake pauses while more notifications wait. */
  readonly outboxBacklogLimit: number;
  /** `ALERTSIFT_INSTANCE_ID` (default host-pid-random): who this instance is for claims and ownership. */
  readonly instanceId?: string;
  /** Test-only fault hook, `ALERTSIFT_TEST_PERSIST_DELAY_MS`: persist waits this long before committing. */
  readonly testPersistDelayMs: number;
}

export function distributedStateFromEnv(env: NodeJS.ProcessEnv = process.env): DistributedStateSettings | { error: string } {
  const redisUrl = env['ALERTSIFT_REDIS_URL'] || env['REDIS_URL'];
  if (!redisUrl) {
    return { error: 'distributed mode (Kafka brokers are set) needs Redis for its state: set ALERTSIFT_REDIS_URL (or REDIS_URL)' };
  }
  const num = (name: string, dflt: number, min = 1) => {
    const raw = env[name];
    const n = raw === undefined || raw.trim() === '' ? dflt : Number(raw);
    return Number.isFinite(n) && n >= min ? n : dflt;
  };
  return {
    redisUrl,
    redisPrefix: env['ALERTSIFT_REDIS_PREFIX'] || 'alertsift',
    commitIntervalMs: num('ALERTSIFT_STATE_COMMIT_INTERVAL_MS', 1000, 10),
    outboxBacklogLimit: num('ALERTSIFT_OUTBOX_BACKLOG_LIMIT', 10_000),
    ...(env['ALERTSIFT_INSTANCE_ID'] ? { instanceId: env['ALERTSIFT_INSTANCE_ID'] } : {}),
    testPersistDelayMs: num('ALERTSIFT_TEST_PERSIST_DELAY_MS', 0, 0),
  };
}

// ---------------------------------------------------------------------------------------------------
// One partition's engine

/** The engine of one owned partition, its change trackers and its commit queue. */
export class PartitionEngine {
  readonly sink: IntakeSink;
  /** Set once stopping (revoked, fenced, shutting down): batches and commits are refused from then on. */
  closing = false;
  /** Another instance owns the partition now: never commit again. */
  fenced = false;
  /** The next commit must be a full snapshot (after OwnershipLostError). */
  needsSnapshot = false;
  /** When the last commit succeeded (wall clock). */
  lastCommitAt = Date.now();
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;

  constructor(
    readonly id: PartitionId,
    readonly engine: Engine,
    readonly tracker: PartitionTracker,
  ) {
    const e = engine;
    const open = () => {
      if (this.closing) throw new Error(`partition ${id} is being handed over; the batch is left for its next owner`);
    };
    this.sink = {
      now: () => e.now(),
      resolveTimeoutMs: () => e.resolveTimeoutMs(),
      receiveAlerts: (alerts) => {
        open();
        e.receiveAlerts(alerts);
      },
      receiveSignals: (input) => {
        open();
        return e.receiveSignals(input);
      },
      receiveChanges: (changes) => {
        open();
        e.receiveChanges(changes);
      },
      upsertSilence: (s) => {
        open();
        return putSilence(e, s);
      },
      expireSilence: (sid) => {
        open();
        return e.expireSilence(sid);
      },
    };
  }

  /** Runs `task` after every commit queued before it (one commit in flight per partition). */
  enqueue(task: () => Promise<void>): Promise<void> {
    this.queued++;
    const run = this.chain.then(task).finally(() => this.queued--);
    this.chain = run.catch(() => {});
    return run;
  }

  /** A commit is queued or running. */
  get busy(): boolean {
    return this.queued > 0;
  }
}

/**
 * Applies a silence record to one partition's engine so that every partition ends up with the same
 * silence: the id is the record's (or, for a record without one, derived from its content, so the copies
 * on all partitions agree), and times are taken as given (no clamping to this partition's "now"). An
 * identical silence already held is left alone, so redelivery changes nothing.
 */
export function putSilence(engine: Engine, s: PostableSilence): { ok: true; id: string } | { ok: false; error: string } {
  if (s.endsAt <= s.startsAt) return { ok: false, error: 'start time must be before end time' };
  const id = s.id ?? contentSilenceId(s);
  const prior = engine.silences.get(id);
  if (
    prior &&
    prior.startsAt === s.startsAt &&
    prior.endsAt === s.endsAt &&
    prior.createdBy === s.createdBy &&
    prior.comment === s.comment &&
    sameMatchers(prior.matchers, s.matchers)
  ) {
    return { ok: true, id };
  }
  engine.silences.restore({
    id,
    matchers: s.matchers,
    startsAt: s.startsAt,
    endsAt: s.endsAt,
    updatedAt: engine.now(),
    createdBy: s.createdBy,
    comment: s.comment,
  });
  return { ok: true, id };
}

/** A UUID-shaped id from a silence's content: the same record gives the same id on every partition. */
function contentSilenceId(s: PostableSilence): string {
  const text = JSON.stringify([
    [...s.matchers].map((m) => [m.name, m.type, m.value]).sort(),
    s.startsAt,
    s.endsAt,
    s.createdBy,
    s.comment,
  ]);
  // FNV-1a 128 bits would do; four 32-bit FNV-1a lanes with different seeds are enough for an id.
  const lanes = [0x811c9dc5, 0x01000193, 0x9e3779b9, 0x85ebca6b].map((seed) => {
    let h = seed >>> 0;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
    return h.toString(16).padStart(8, '0');
  });
  const hex = lanes.join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function sameMatchers(a: readonly Matcher[], b: readonly Matcher[]): boolean {
  if (a.length !== b.length) return false;
  const key = (m: Matcher) => `${m.name}\x00${m.type}\x00${m.value}`;
  const as = a.map(key).sort();
  const bs = b.map(key).sort();
  return as.every((k, i) => k === bs[i]);
}

// ---------------------------------------------------------------------------------------------------
// The node: partitions, state, Kafka

/** A partition with no commit for this long gets an empty one (ownership check, epoch TTL). */
const IDLE_COMMIT_MS = 5_000;
/** Longest a partition hand-over waits for its engine's flushes in flight. */
const ENGINE_STOP_TIMEOUT_MS = 10_000;

export interface DistributedNodeOptions {
  readonly settings: KafkaSettings;
  readonly state: DistributedStateSettings;
  readonly config: Config;
  readonly configText: string;
  /** Re-reads the configuration (reload); absent: reload answers an error. */
  readonly configPath?: string;
  readonly clock: Clock;
  readonly externalURL: string;
  readonly metrics: EngineMetrics;
  readonly logger?: Logger;
  readonly correlation?: CorrelationFactory;
  readonly slos?: readonly SloDefinition[];
  /** The transport under the claims (default: the live outbox). Tests pass a capturing one. */
  readonly transport?: Transport & { pending?(): number };
  /** Use this repository instead of connecting to `state.redisUrl` (tests). */
  readonly repository?: StateRepository;
}

export interface PartitionInfo {
  readonly partition: PartitionId;
  readonly alerts: number;
  readonly groups: number;
  readonly silences: number;
}

/** Everything an instance runs in distributed mode, minus the HTTP server. */
export class DistributedNode {
  readonly deliveryLog = new DeliveryLog();
  readonly engines: DistributedEngines;
  readonly transport: ClaimingTransport;
  private readonly opts: DistributedNodeOptions;
  private readonly logger: Logger | undefined;
  private readonly inner: Transport & { pending?(): number };
  private repo!: StateRepository;
  private rt: KafkaRuntime | undefined;
  private readonly partitions = new Map<PartitionId, PartitionEngine>();
  private readonly opening = new Map<PartitionId, Promise<PartitionEngine>>();
  private readonly closing = new Map<PartitionId, Promise<void>>();
  /** Partitions another instance took over; not loaded again until a rebalance assigns them to us. */
  private readonly fenced = new Set<PartitionId>();
  private assigned = new Set<PartitionId>();
  private config: Config;
  private configText: string;
  private stateDown: string | undefined;
  private stateHealthy = true;
  private commitTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  /** The consumer has joined its group at least once. */
  private joined = false;
  private readonly commits: Counter<'result'>;
  private readonly stateUp: Gauge;

  constructor(opts: DistributedNodeOptions) {
    this.opts = opts;
    this.logger = opts.logger;
    this.config = opts.config;
    this.configText = opts.configText;
    this.inner = opts.transport ?? createLiveTransport({ clock: opts.clock, logger: opts.logger, deliveryLog: this.deliveryLog });
    this.transport = new ClaimingTransport({
      inner: this.inner,
      repository: {
        claimNotification: (k, h, ttl) => this.repo.claimNotification(k, h, ttl),
        releaseNotification: (k, h) => this.repo.releaseNotification(k, h),
      },
      now: () => opts.clock.now(),
      onEvent: (e) => {
        if (e.type === 'dropped') this.logger?.info({ receiver: e.receiver, integration: e.integration, key: e.key }, 'notification already sent by another instance: dropped');
        else this.logger?.warn({ receiver: e.receiver, integration: e.integration, error: e.error }, 'notification claim failed (Redis); sending anyway');
      },
    });
    this.engines = new DistributedEngines(this);
    const registers = [opts.metrics.registry];
    const self = this;
    this.commits = new Counter({
      name: 'alertsift_state_commits_total',
      help: 'Commits of partition state to the state repository, by result.',
      labelNames: ['result'],
      registers,
    });
    for (const result of ['ok', 'unavailable', 'stale_owner', 'ownership_lost', 'error']) this.commits.inc({ result }, 0);
    this.stateUp = new Gauge({ name: 'alertsift_state_up', help: 'Whether the state repository (Redis) answered the last check.', registers });
    new Gauge({
      name: 'alertsift_partitions_owned',
      help: 'Partitions of the raw-alerts topic this instance runs an engine for.',
      registers,
      collect() {
        this.set(self.partitionEngines().length);
      },
    });
    new Gauge({
      name: 'alertsift_notification_claims_dropped',
      help: 'Notifications dropped because another instance had already claimed them (since start).',
      registers,
      collect() {
        this.set(self.transport.stats.dropped);
      },
    });
  }

  get instanceId(): string {
    return this.repo?.instanceId ?? this.opts.state.instanceId ?? '';
  }

  get runtime(): KafkaRuntime | undefined {
    return this.rt;
  }

  get topic(): string {
    return this.opts.settings.topics.raw;
  }

  /** The configuration new partition engines are built with (the latest loaded). */
  get currentConfig(): Config {
    return this.config;
  }

  get currentConfigText(): string {
    return this.configText;
  }

  get clock(): Clock {
    return this.opts.clock;
  }

  /** Correlation rules are loaded (every partition engine runs a correlator). */
  get correlationOn(): boolean {
    return this.opts.correlation !== undefined;
  }

  /** Engines of the partitions owned now. */
  partitionEngines(): PartitionEngine[] {
    return [...this.partitions.values()].filter((p) => !p.closing);
  }

  /** Ready: the group is joined and consuming, and Redis answered the last check. */
  ready(): boolean {
    const intake = this.rt?.intake;
    return intake !== undefined && !intake.failed && this.joined && this.stateHealthy && this.stateDown === undefined;
  }

  info(): { instanceId: string; topic: string; group: string; partitions: PartitionInfo[]; state: { ok: boolean; error?: string }; paused: boolean } {
    return {
      instanceId: this.instanceId,
      topic: this.topic,
      group: this.opts.settings.groupId,
      partitions: this.partitionEngines()
        .map((p) => ({ partition: p.id, alerts: p.engine.store.size(), groups: p.engine.dispatcher.groupCount(), silences: p.engine.silences.list().length }))
        .sort((a, b) => (a.partition < b.partition ? -1 : 1)),
      state: this.stateDown === undefined && this.stateHealthy ? { ok: true } : { ok: false, error: this.stateDown ?? 'Redis did not answer the last check' },
      paused: this.rt?.intake?.paused ?? false,
    };
  }

  async start(): Promise<void> {
    const { state, settings, clock } = this.opts;
    this.repo =
      this.opts.repository ??
      (await RedisStateRepository.connect(state.redisUrl, {
        prefix: state.redisPrefix,
        now: () => clock.now(),
        ...(state.instanceId ? { instanceId: state.instanceId } : {}),
        client: { onError: (err) => this.logger?.debug({ err: err.message }, 'redis connection error') },
      }));
    this.stateUp.set(1);
    this.logger?.info({ redis: redactUrl(state.redisUrl), prefix: state.redisPrefix, instanceId: this.repo.instanceId }, 'state repository connected');
    this.rt = await startKafkaRuntime({
      settings,
      sink: (topic, partition) => this.sinkFor(topic, partition),
      now: () => clock.now(),
      registry: this.opts.metrics.registry,
      ...(this.logger ? { logger: this.logger } : {}),
      persist: (batch) => this.persist(partitionId(batch.topic, batch.partition)),
      backpressure: () => this.backpressure(),
      onAssignment: (assignment) => this.onAssignment(assignment),
      config: this.config,
    });
    this.commitTimer = setInterval(() => this.commitChanged(), state.commitIntervalMs);
    this.healthTimer = setInterval(() => void this.checkHealth(), 2000);
  }

  /** Graceful stop: commit, leave the group (the batch in progress commits), stop the engines, commit, release. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.commitTimer) clearInterval(this.commitTimer);
    if (this.healthTimer) clearInterval(this.healthTimer);
    // What is durable before the group rebalances is what the next owner loads.
    await Promise.allSettled(this.partitionEngines().map((p) => this.commit(p)));
    await this.rt?.stop();
    await Promise.allSettled([...this.opening.values()]);
    await Promise.allSettled([...this.partitions.keys()].map((id) => this.close(id, 'shutdown')));
    await Promise.allSettled([...this.closing.values()]);
    await this.repo?.close();
  }

  // ---- reload ----

  async reload(): Promise<{ ok: true } | { ok: false; errors: string[] }> {
    const path = this.opts.configPath;
    if (!path) return { ok: false, errors: ['this instance has no configuration file to reload'] };
    const r = loadConfigFile(path);
    this.opts.metrics.recordReload(r.ok, this.opts.clock.now());
    if (!r.ok) return { ok: false, errors: r.errors.map(formatConfigError) };
    const text = readFileSync(path, 'utf8');
    this.config = r.config;
    this.configText = text;
    for (const p of this.partitionEngines()) await p.engine.applyConfig(r.config, text);
    return { ok: true };
  }

  // ---- partitions ----

  private async sinkFor(topic: string, partition: number): Promise<IntakeSink> {
    const id = partitionId(topic, partition);
    const running = this.partitions.get(id);
    if (running && !running.closing) return running.sink;
    if (this.fenced.has(id)) throw new Error(`partition ${id} was taken over by another instance; waiting for the rebalance`);
    if (this.joined && !this.assigned.has(id)) throw new Error(`partition ${id} is not assigned to this instance`);
    return (await this.open(id)).sink;
  }

  private open(id: PartitionId): Promise<PartitionEngine> {
    let p = this.opening.get(id);
    if (!p) {
      p = this.load(id).finally(() => this.opening.delete(id));
      this.opening.set(id, p);
      // Nobody may await it (an eager load on assignment): errors are logged there.
      p.catch(() => {});
    }
    return p;
  }

  private async load(id: PartitionId): Promise<PartitionEngine> {
    await this.closing.get(id);
    let state: PartitionState | undefined;
    try {
      state = (await this.repo.load([id])).get(id);
    } catch (e) {
      if (e instanceof StateUnavailableError) this.markStateDown(e);
      this.logger?.error({ err: e, partition: id }, 'could not load partition state; its batches wait');
      throw e;
    }
    if (!state) throw new Error(`load ${id}: no state returned`);
    const pe = this.build(id, state);
    this.partitions.set(id, pe);
    return pe;
  }

  private build(id: PartitionId, state: PartitionState): PartitionEngine {
    const o = this.opts;
    const alerts = new TrackingAlertStore();
    const nflog = new TrackingNotificationLog();
    const engine = new Engine({
      config: this.config,
      configText: this.configText,
      clock: o.clock,
      transport: this.transport,
      externalURL: o.externalURL,
      observer: o.metrics.dispatchObserver(),
      deliveryLog: this.deliveryLog,
      alertStore: alerts,
      notificationLog: nflog,
      ...(o.correlation && { correlation: o.correlation }),
      ...(o.slos && o.slos.length > 0 && { slos: o.slos }),
      // Every incident change goes to the incidents topic; the runtime flushes the publisher before a
      // batch's offsets are committed, so consumers of the topic see each change at least once.
      onIncidentChange: (events, incident) => {
        void this.rt?.publisher.publish({ event: events.join(','), incident, at: o.clock.now() });
      },
    });
    const silences = new SilenceTracker(engine.silences);
    const tracker = new PartitionTracker(id, [alerts, nflog, silences]);
    const restored = tracker.restore(state);
    // Route the restored alerts: aggregation groups and inhibition are rebuilt; a group older than
    // group_wait flushes at once, and the restored notification log makes that a no-op unless it changed.
    const routed = [...alerts.values()];
    if (routed.length > 0) engine.receiveAlerts(routed);
    // Routing re-put what Redis already holds: nothing new to write.
    tracker.drain();
    this.logger?.info(
      {
        partition: id,
        epoch: state.epoch,
        alerts: restored.alerts?.restored ?? 0,
        nflog: restored.nflog?.restored ?? 0,
        silences: restored.silences?.restored ?? 0,
        skipped: (restored.alerts?.skipped ?? 0) + (restored.nflog?.skipped ?? 0) + (restored.silences?.skipped ?? 0),
      },
      'partition loaded: engine started',
    );
    return new PartitionEngine(id, engine, tracker);
  }

  private onAssignment(assignment: Readonly<Record<string, readonly number[]>>): void {
    this.joined = true;
    const mine = new Set((assignment[this.topic] ?? []).map((p) => partitionId(this.topic, p)));
    this.assigned = mine;
    // Kafka says they are ours now: a previous owner is a zombie, loading is legitimate again.
    for (const id of mine) this.fenced.delete(id);
    for (const id of [...this.partitions.keys()]) if (!mine.has(id)) void this.close(id, 'revoked');
    for (const id of [...this.opening.keys()]) if (!mine.has(id)) void this.opening.get(id)!.then(() => this.close(id, 'revoked'), () => {});
    // Load eagerly: a partition whose records were all committed still has alerts (and notifications due)
    // in Redis; they must not wait for the next record to arrive.
    this.openAssigned();
  }

  /** Stops a partition's engine and hands the partition over (final commit, release). */
  private close(id: PartitionId, why: 'revoked' | 'shutdown' | 'fenced'): Promise<void> {
    const pe = this.partitions.get(id);
    if (!pe) return this.closing.get(id) ?? Promise.resolve();
    if (pe.closing) return this.closing.get(id) ?? Promise.resolve();
    pe.closing = true;
    const done = (async () => {
      try {
        // Bounded: a flush retrying a failing receiver would hold the hand-over until its deadline. What
        // it logs after the final commit is not durable; the claims keep the next owner from re-sending.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([pe.engine.stop(), new Promise<void>((r) => (timer = setTimeout(r, ENGINE_STOP_TIMEOUT_MS)))]);
        clearTimeout(timer);
        if (!pe.fenced) {
          try {
            await pe.enqueue(() => this.commitNow(pe));
          } catch (e) {
            this.logger?.warn({ partition: id, err: (e as Error).message }, 'final commit failed (the next owner loads what was committed before)');
          }
        }
      } finally {
        this.repo.release([id]);
        if (this.partitions.get(id) === pe) this.partitions.delete(id);
        this.logger?.info({ partition: id, why }, 'partition engine stopped');
      }
    })().finally(() => {
      if (this.closing.get(id) === done) this.closing.delete(id);
    });
    this.closing.set(id, done);
    return done;
  }

  // ---- commits ----

  private async persist(id: PartitionId): Promise<void> {
    const delay = this.opts.state.testPersistDelayMs;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const pe = this.partitions.get(id);
    if (!pe || pe.fenced) throw new Error(`partition ${id} has no engine here (revoked or taken over); the batch stays uncommitted`);
    await this.commit(pe);
  }

  /** Queues a commit of the partition's changes behind any in flight. */
  commit(pe: PartitionEngine): Promise<void> {
    return pe.enqueue(() => (pe.fenced ? Promise.reject(new StaleOwnerError(pe.id, `${pe.id} was taken over`)) : this.commitNow(pe)));
  }

  /**
   * The timer: commits every partition with changes; and every partition idle for IDLE_COMMIT_MS, with
   * nothing in it — that checks ownership (a Redis that restarted empty answers OwnershipLostError, and
   * the partition is rewritten in full) and keeps the epoch's TTL fresh.
   */
  private commitChanged(all = false): void {
    if (this.stateDown !== undefined) return;
    const now = Date.now();
    for (const pe of this.partitionEngines()) {
      if (!pe.busy && !pe.fenced && (all || pe.needsSnapshot || pe.tracker.hasChanges() || now - pe.lastCommitAt > IDLE_COMMIT_MS)) {
        this.commit(pe).catch(() => {
          // Logged and counted in commitNow; the changes are back in the tracker for the next attempt.
        });
      }
    }
  }

  private async commitNow(pe: PartitionEngine, lostOnce = false): Promise<void> {
    try {
      if (pe.needsSnapshot) {
        const snapshot = pe.tracker.snapshot();
        pe.tracker.drain();
        await this.repo.commit(pe.id, snapshot);
        pe.needsSnapshot = false;
        this.logger?.info({ partition: pe.id }, 'partition state rewritten in full');
      } else {
        await pe.tracker.commit(this.repo);
      }
      pe.lastCommitAt = Date.now();
      this.commits.inc({ result: 'ok' });
    } catch (e) {
      if (e instanceof OwnershipLostError && !lostOnce) {
        this.commits.inc({ result: 'ownership_lost' });
        this.logger?.warn({ partition: pe.id }, 'Redis lost the partition state: taking ownership again and writing a full snapshot');
        try {
          await this.repo.load([pe.id]);
        } catch (le) {
          if (le instanceof StateUnavailableError) this.markStateDown(le);
          pe.needsSnapshot = true;
          throw le;
        }
        pe.needsSnapshot = true;
        return this.commitNow(pe, true);
      }
      if (e instanceof StateUnavailableError) {
        this.commits.inc({ result: 'unavailable' });
        this.markStateDown(e);
      } else if (e instanceof StaleOwnerError || e instanceof NotOwnerError) {
        this.commits.inc({ result: 'stale_owner' });
        this.fence(pe, e);
      } else {
        this.commits.inc({ result: 'error' });
        this.logger?.error({ err: e, partition: pe.id }, 'partition state commit failed');
      }
      throw e;
    }
  }

  private fence(pe: PartitionEngine, e: Error): void {
    if (pe.fenced) return;
    pe.fenced = true;
    this.fenced.add(pe.id);
    if (pe.closing) this.logger?.info({ partition: pe.id }, 'the next owner loaded the partition before its final commit here');
    else this.logger?.warn({ partition: pe.id, err: e.message }, 'another instance owns this partition now: stopping its engine here');
    void this.close(pe.id, 'fenced');
  }

  // ---- Redis health and backpressure ----

  private markStateDown(e: Error): void {
    if (this.stateDown === undefined) this.logger?.error({ err: e.message }, 'state repository unavailable: pausing the intake until it answers again');
    this.stateDown = e.message;
    this.stateUp.set(0);
  }

  private async backpressure(): Promise<boolean> {
    if (this.stateDown !== undefined) {
      const h = await this.repo.ping();
      if (!h.ok) return true;
      this.stateBack(h.latencyMs);
    }
    return (this.inner.pending?.() ?? 0) > this.opts.state.outboxBacklogLimit;
  }

  /** Every 2 s: readiness, and recovery when the intake is not asking (no batch, not paused). */
  private async checkHealth(): Promise<void> {
    const h = await this.repo.ping();
    this.stateHealthy = h.ok;
    if (h.ok && this.stateDown !== undefined) this.stateBack(h.latencyMs);
    this.stateUp.set(h.ok && this.stateDown === undefined ? 1 : 0);
    if (h.ok && this.stateDown === undefined) this.openAssigned();
  }

  private stateBack(latencyMs: number): void {
    this.logger?.info({ latencyMs }, 'state repository answers again: resuming');
    this.stateDown = undefined;
    this.stateHealthy = true;
    this.stateUp.set(1);
    // Every partition, changed or not: Redis may have come back empty (then each is rewritten in full).
    this.commitChanged(true);
    this.openAssigned();
  }

  /** Loads every assigned partition not loaded yet (an eager load that failed while Redis was away). */
  private openAssigned(): void {
    if (this.stopping) return;
    for (const id of this.assigned) {
      if (!this.partitions.has(id) && !this.opening.has(id) && !this.fenced.has(id)) void this.open(id).catch(() => {});
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// The read side of the API over all local partition engines

const ALL: AlertQuery = { filter: [], active: true, silenced: true, inhibited: true, unprocessed: true };

/**
 * `EnginePort` for the HTTP server in distributed mode. Intake goes through Kafka (`forward`), so the
 * intake methods are never called by the doors; reads answer from the union of this instance's partition
 * engines (each alert and group lives in exactly one partition). Silences are held by every partition
 * engine (broadcast), so they are listed once per id.
 */
export class DistributedEngines implements EnginePort {
  private readonly startedAt: number;

  constructor(private readonly node: DistributedNode) {
    this.startedAt = node.clock.now();
  }

  private get engines(): Engine[] {
    return this.node.partitionEngines().map((p) => p.engine);
  }

  now(): number {
    return this.node.clock.now();
  }

  resolveTimeoutMs(): number {
    return this.node.currentConfig.global.resolveTimeoutMs;
  }

  receiveAlerts(): void {
    throw new Error('distributed mode: alerts enter through Kafka (the doors forward them)');
  }

  listAlerts(q: AlertQuery): AlertView[] {
    const out = this.engines.flatMap((e) => e.listAlerts(q));
    out.sort((x, y) => (x.fingerprint < y.fingerprint ? -1 : x.fingerprint > y.fingerprint ? 1 : 0));
    return out;
  }

  listGroups(q: AlertQuery): AlertGroupView[] {
    const out = this.engines.flatMap((e) => e.listGroups(q));
    out.sort((x, y) => compareLabelSets(x.labels, y.labels) || (x.receiver.name < y.receiver.name ? -1 : 1));
    return out;
  }

  /** Used only if a silence request reached the engine port (the silence door handles them first). */
  upsertSilence(): { ok: false; error: string } {
    return { ok: false, error: 'distributed mode: silences are broadcast through Kafka' };
  }

  expireSilence(): { ok: false; error: string; notFound: boolean } {
    return { ok: false, error: 'distributed mode: silences are broadcast through Kafka', notFound: false };
  }

  /** The silence with this id, from whichever partition engine holds the latest version. */
  findSilence(id: string): Silence | undefined {
    let best: Silence | undefined;
    for (const e of this.engines) {
      const s = e.silences.get(id);
      if (s && (!best || s.updatedAt > best.updatedAt)) best = s;
    }
    return best;
  }

  private allSilences(): Silence[] {
    const byId = new Map<string, Silence>();
    for (const e of this.engines) {
      for (const s of e.silences.list()) {
        const prior = byId.get(s.id);
        if (!prior || s.updatedAt > prior.updatedAt) byId.set(s.id, s);
      }
    }
    return [...byId.values()];
  }

  listSilences(filter: PostableSilence['matchers']): SilenceView[] {
    const now = this.now();
    return this.allSilences()
      .filter((s) => filter.every((f) => s.matchers.some((m) => m.name === f.name && m.type === f.type && m.value === f.value)))
      .map((s) => silenceView(s, now));
  }

  getSilence(id: string): SilenceView | undefined {
    const s = this.findSilence(id);
    return s ? silenceView(s, this.now()) : undefined;
  }

  /** For `/metrics`: silences by state, once per id. */
  countSilencesByState(now: number): Record<'pending' | 'active' | 'expired', number> {
    const counts = { pending: 0, active: 0, expired: 0 };
    for (const s of this.allSilences()) counts[silenceState(s, now)]++;
    return counts;
  }

  reload(): Promise<{ ok: true } | { ok: false; errors: string[] }> {
    return this.node.reload();
  }

  status(): StatusView {
    const seconds = Math.floor((this.now() - this.startedAt) / 1000);
    return {
      cluster: { status: 'disabled', peers: [] },
      versionInfo: { version: '0.1.0', branch: 'main', revision: 'unknown', goVersion: process.version },
      config: { original: redactConfigText(this.node.currentConfigText) },
      uptime: formatTime(this.startedAt) + ` (${seconds}s)`,
    };
  }

  recentDeliveries(limit?: number): DeliveryRecord[] {
    return this.node.deliveryLog.recent(limit);
  }

  listSlos(): SloView[] | undefined {
    const engines = this.engines.filter((e) => e.budget !== undefined);
    if (engines.length === 0) return undefined;
    return engines.flatMap((e) => e.listSlos() ?? []);
  }

  listIncidents(status?: 'open' | 'resolved'): IncidentSnapshot[] | undefined {
    if (!this.node.correlationOn) return undefined;
    const out = this.engines.flatMap((e) => e.listIncidents(status) ?? []);
    out.sort((a, b) => (a.openedAt < b.openedAt ? 1 : a.openedAt > b.openedAt ? -1 : 0));
    return out;
  }

  getIncident(id: string): IncidentSnapshot | undefined {
    for (const e of this.engines) {
      const i = e.getIncident(id);
      if (i) return i;
    }
    return undefined;
  }

  listSuppressions(): SuppressionView[] | undefined {
    if (!this.node.correlationOn) return undefined;
    return this.engines.flatMap((e) => e.listSuppressions() ?? []);
  }

  /** What `/metrics` reads (`EngineMetrics.attachEngine`). */
  metricsSource() {
    const self = this;
    return {
      now: () => self.now(),
      listAlerts: (q: AlertQuery) => self.listAlerts(q),
      countAlertsByState: () => {
        const counts = { active: 0, suppressed: 0, unprocessed: 0 };
        for (const e of self.engines) {
          const c = e.countAlertsByState();
          counts.active += c.active;
          counts.suppressed += c.suppressed;
          counts.unprocessed += c.unprocessed;
        }
        return counts;
      },
      dispatcher: { groupCount: () => self.engines.reduce((n, e) => n + e.dispatcher.groupCount(), 0) },
      silences: { countByState: (now: number) => self.countSilencesByState(now) },
      correlator: {
        directory: {
          counts: () => {
            const c = { open: 0, resolved: 0 };
            for (const e of self.engines) {
              const d = e.correlator?.directory.counts();
              if (d) {
                c.open += d.open;
                c.resolved += d.resolved;
              }
            }
            return c;
          },
        },
      },
      listSlos: () => self.listSlos(),
    };
  }

  /** Everything listed, for tests and the status endpoint. */
  alertCount(): number {
    return this.listAlerts(ALL).length;
  }
}

// ---------------------------------------------------------------------------------------------------
// The silence door

const SILENCES_ROUTE = '/api/v2/silences';
const SILENCE_ROUTE = '/api/v2/silence/:silenceID';

/**
 * Silences in distributed mode. Every partition engine must hold every silence, so `POST
 * /api/v2/silences` and `DELETE /api/v2/silence/{id}` do not touch a local engine: they are produced as
 * `silence` / `expireSilence` records to **every** partition of the raw topic, with the id assigned here
 * (a new UUID, or the edited silence's id), and answered once Kafka acknowledged them. Each partition
 * engine applies the record in its partition's order (`putSilence`: same id, same times everywhere;
 * redelivery changes nothing) and commits it with its partition's state.
 *
 * Alertmanager's edit rule holds: a silence whose matchers change, or that has expired, is not edited in
 * place — this door expires it and creates a new one (both records in one produce, in that order). Which
 * silence exists is read from this instance's engines, so an instance that owns no partition yet answers
 * 503 to edits and deletes. Reads are eventually consistent: a silence appears in `GET` once this
 * instance's engines consumed it (usually milliseconds).
 */
export function registerSilenceDoor(app: FastifyInstance, node: DistributedNode): void {
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = request.routeOptions.url;
    if (request.method === 'POST' && route === SILENCES_ROUTE) return postSilence(node, request, reply);
    if (request.method === 'DELETE' && route === SILENCE_ROUTE) return deleteSilence(node, (request.params as { silenceID: string }).silenceID, reply);
    return undefined;
  });
}

function apiError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type('application/json').send(JSON.stringify(message));
}

async function postSilence(node: DistributedNode, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const now = node.clock.now();
  const parsed = parsePostableSilence(request.body, { now });
  if (!parsed.ok) return apiError(reply, 400, parsed.errors.join('; '));
  const s = parsed.silence;
  if (s.endsAt <= s.startsAt) return apiError(reply, 400, 'start time must be before end time');
  if (s.endsAt < now) return apiError(reply, 400, "end time can't be in the past");
  const records: unknown[] = [];
  let id: string;
  if (s.id) {
    const prior = node.engines.findSilence(s.id);
    if (!prior) {
      if (node.partitionEngines().length === 0) return apiError(reply, 503, 'this instance owns no partition yet, so it cannot tell whether the silence exists; retry');
      return apiError(reply, 404, 'silence not found');
    }
    if (silenceState(prior, now) !== 'expired' && sameMatchers(prior.matchers, s.matchers)) {
      id = s.id;
    } else {
      records.push({ expireSilence: s.id });
      id = randomUUID();
    }
  } else {
    id = randomUUID();
  }
  records.push({ silence: postableRecord({ ...s, id, startsAt: Math.max(s.startsAt, now) }) });
  try {
    await node.runtime!.forwarder.broadcast(records, 'silences');
  } catch (e) {
    return apiError(reply, 500, e instanceof Error ? e.message : String(e));
  }
  return reply.send({ silenceID: id });
}

async function deleteSilence(node: DistributedNode, id: string, reply: FastifyReply): Promise<FastifyReply> {
  if (!node.engines.findSilence(id)) {
    if (node.partitionEngines().length === 0) return apiError(reply, 503, 'this instance owns no partition yet, so it cannot tell whether the silence exists; retry');
    return reply.code(404).send();
  }
  try {
    await node.runtime!.forwarder.broadcast([{ expireSilence: id }], 'silences');
  } catch (e) {
    return apiError(reply, 500, e instanceof Error ? e.message : String(e));
  }
  return reply.code(200).send();
}

/** A silence as the `silence` record of a replay line carries it (the API v2 postable shape). */
function postableRecord(s: PostableSilence & { id: string }): Record<string, unknown> {
  return {
    id: s.id,
    matchers: s.matchers.map(apiMatcher),
    startsAt: new Date(s.startsAt).toISOString(),
    endsAt: new Date(s.endsAt).toISOString(),
    createdBy: s.createdBy,
    comment: s.comment,
  };
}

// ---------------------------------------------------------------------------------------------------
// HTTP wiring

/** The distributed node's own status: partitions, state, pause. */
export const DISTRIBUTED_STATUS_PATH = '/api/v1/distributed';

export function registerDistributedStatus(app: FastifyInstance, node: DistributedNode): void {
  app.get(DISTRIBUTED_STATUS_PATH, async (_request, reply) => reply.send(node.info()));
}

/**
 * The HTTP server of a started node: the doors forward into Kafka, reads answer from the local partition
 * engines, silences are broadcast, `/-/ready` follows Kafka and Redis, plus the inbox and
 * `GET /api/v1/distributed` (this instance's partitions and state).
 */
export function buildDistributedServer(node: DistributedNode, metrics: EngineMetrics, logger?: Logger): FastifyInstance {
  const runtime = node.runtime;
  if (!runtime) throw new Error('start the node before building its server');
  const app = buildServer({ engine: node.engines, metrics, ...(logger && { logger }), forward: runtime.forwarder.forward, readiness: () => node.ready() });
  registerSilenceDoor(app, node);
  registerDistributedStatus(app, node);
  registerInbox(app, 100, logger);
  return app;
}

export interface ServeDistributedOptions {
  readonly settings: KafkaSettings;
  readonly env?: NodeJS.ProcessEnv;
  readonly config: Config;
  readonly configPath: string;
  readonly configText: string;
  readonly host: string;
  readonly port: number;
  readonly externalURL: string;
  readonly logger: Logger;
  readonly correlation?: CorrelationFactory;
  readonly slos?: readonly SloDefinition[];
}

/** `serve` when Kafka brokers are configured: runs until SIGINT/SIGTERM, then hands its partitions over. */
export async function serveDistributed(opts: ServeDistributedOptions): Promise<number> {
  const { logger } = opts;
  const state = distributedStateFromEnv(opts.env);
  if ('error' in state) {
    logger.error(state.error);
    return 1;
  }
  const clock = new WallClock();
  const metrics = new EngineMetrics();
  const node = new DistributedNode({
    settings: opts.settings,
    state,
    config: opts.config,
    configText: opts.configText,
    configPath: opts.configPath,
    clock,
    externalURL: opts.externalURL,
    metrics,
    logger,
    ...(opts.correlation && { correlation: opts.correlation }),
    ...(opts.slos && { slos: opts.slos }),
  });
  metrics.recordReload(true, clock.now());
  metrics.attachEngine(node.engines.metricsSource());
  try {
    await node.start();
  } catch (e) {
    logger.error({ err: e }, 'distributed mode could not start');
    await node.stop().catch(() => {});
    clock.stopAll();
    return 1;
  }
  const app = buildDistributedServer(node, metrics, logger);
  await app.listen({ host: opts.host, port: opts.port });
  logger.info(
    { listen: `${opts.host}:${opts.port}`, externalURL: opts.externalURL, topic: opts.settings.topics.raw, group: opts.settings.groupId, instanceId: node.instanceId },
    'alertsift serving (distributed mode)',
  );
  const onHup = () => {
    void node.reload().then((r) => {
      if (r.ok) logger.info('configuration reloaded');
      else logger.error({ errors: r.errors }, 'reload failed; keeping the previous configuration');
    });
  };
  process.on('SIGHUP', onHup);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  process.off('SIGHUP', onHup);
  logger.info('shutting down: handing partitions over');
  await app.close();
  await node.stop();
  clock.stopAll();
  return 0;
}
