/**
 * Settings of distributed mode's Kafka side, with their environment variables, and the kafkajs client
 * built from them (logging through pino).
 *
 * | setting | environment | default |
 * |---|---|---|
 * | brokers | `ALERTSIFT_KAFKA_BROKERS`, else `KAFKA_BROKERS` (comma-separated `host:port`) | — (required) |
 * | clientId | `ALERTSIFT_KAFKA_CLIENT_ID` | `alertsift` |
 * | groupId | `ALERTSIFT_KAFKA_GROUP` | `alertsift` |
 * | topics.raw | `ALERTSIFT_KAFKA_TOPIC_RAW` | `alertsift.alerts.raw` |
 * | topics.deadLetter | `ALERTSIFT_KAFKA_TOPIC_DLQ` | `alertsift.alerts.dlq` |
 * | topics.incidents | `ALERTSIFT_KAFKA_TOPIC_INCIDENTS` | `alertsift.incidents` |
 * | scopeLabels | `ALERTSIFT_KAFKA_SCOPE_LABELS` (comma-separated label names) | `cluster,namespace` |
 * | fromBeginning | `ALERTSIFT_KAFKA_FROM_BEGINNING` (`true`/`false`) | `false` |
 * | resumeCheckMs | `ALERTSIFT_KAFKA_RESUME_CHECK_MS` | `1000` |
 * | createTopics | `ALERTSIFT_KAFKA_CREATE_TOPICS` (partitions of missing topics; `0` = do not create) and `ALERTSIFT_KAFKA_REPLICATION_FACTOR` (default 1) | not created |
 * | consumer.sessionTimeout | `ALERTSIFT_KAFKA_SESSION_TIMEOUT_MS` | kafkajs: 30000 |
 * | consumer.heartbeatInterval | `ALERTSIFT_KAFKA_HEARTBEAT_INTERVAL_MS` | kafkajs: 3000 |
 * | consumer.rebalanceTimeout | `ALERTSIFT_KAFKA_REBALANCE_TIMEOUT_MS` | kafkajs: 60000 |
 * | consumer.maxWaitTimeInMs | `ALERTSIFT_KAFKA_MAX_WAIT_MS` (longest a fetch waits for data) | kafkajs: 5000 |
 * | concurrency | `ALERTSIFT_KAFKA_CONCURRENCY` (partitions processed at the same time per instance) | 1 |
 */
import { Kafka, logLevel as KafkaLogLevel, type KafkaConfig, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly topics: { readonly raw: string; readonly deadLetter: string; readonly incidents: string };
  /** Labels whose values form the partition key (see `scope.ts`): the correlation scope. */
  readonly scopeLabels: readonly string[];
  /** Where a consumer group with no committed offset starts: false = only new records (Kafka's default). */
  readonly fromBeginning: boolean;
  /** How often a paused consumer asks the backpressure predicate whether it may resume. */
  readonly resumeCheckMs: number;
  /** Create missing topics at start with these settings; absent: the topics must exist. */
  readonly createTopics?: { readonly partitions: number; readonly replicationFactor: number };
  /** kafkajs consumer timings set in the environment (absent: kafkajs's defaults). */
  readonly consumer?: KafkaConsumerTimings;
  /** Batches of different partitions one instance processes at the same time (default 1). */
  readonly concurrency?: number;
}

export interface KafkaConsumerTimings {
  readonly sessionTimeout?: number;
  readonly heartbeatInterval?: number;
  readonly rebalanceTimeout?: number;
  readonly maxWaitTimeInMs?: number;
}

export const DEFAULT_TOPICS = { raw: 'alertsift.alerts.raw', deadLetter: 'alertsift.alerts.dlq', incidents: 'alertsift.incidents' } as const;
export const DEFAULT_SCOPE_LABELS: readonly string[] = ['cluster', 'namespace'];

/** Settings from the environment; `undefined` when no brokers are configured (embedded mode). */
export function kafkaSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaSettings | undefined {
  const brokers = splitList(env['ALERTSIFT_KAFKA_BROKERS'] ?? env['KAFKA_BROKERS']);
  if (brokers.length === 0) return undefined;
  const scope = env['ALERTSIFT_KAFKA_SCOPE_LABELS'];
  const resume = Number(env['ALERTSIFT_KAFKA_RESUME_CHECK_MS'] ?? 1000);
  const partitions = Number(env['ALERTSIFT_KAFKA_CREATE_TOPICS'] ?? 0);
  const replicationFactor = Number(env['ALERTSIFT_KAFKA_REPLICATION_FACTOR'] ?? 1);
  const consumer: { -readonly [K in keyof KafkaConsumerTimings]: number } = {};
  const timings = [
    ['sessionTimeout', 'ALERTSIFT_KAFKA_SESSION_TIMEOUT_MS'],
    ['heartbeatInterval', 'ALERTSIFT_KAFKA_HEARTBEAT_INTERVAL_MS'],
    ['rebalanceTimeout', 'ALERTSIFT_KAFKA_REBALANCE_TIMEOUT_MS'],
    ['maxWaitTimeInMs', 'ALERTSIFT_KAFKA_MAX_WAIT_MS'],
  ] as const;
  for (const [field, name] of timings) {
    const v = positiveInt(env[name]);
    if (v !== undefined) consumer[field] = v;
  }
  const concurrency = positiveInt(env['ALERTSIFT_KAFKA_CONCURRENCY']);
  return {
    brokers,
    clientId: env['ALERTSIFT_KAFKA_CLIENT_ID'] || 'alertsift',
    groupId: env['ALERTSIFT_KAFKA_GROUP'] || 'alertsift',
    topics: {
      raw: env['ALERTSIFT_KAFKA_TOPIC_RAW'] || DEFAULT_TOPICS.raw,
      deadLetter: env['ALERTSIFT_KAFKA_TOPIC_DLQ'] || DEFAULT_TOPICS.deadLetter,
      incidents: env['ALERTSIFT_KAFKA_TOPIC_INCIDENTS'] || DEFAULT_TOPICS.incidents,
    },
    scopeLabels: scope === undefined ? DEFAULT_SCOPE_LABELS : splitList(scope),
    fromBeginning: /^(1|true|yes)$/i.test(env['ALERTSIFT_KAFKA_FROM_BEGINNING'] ?? ''),
    resumeCheckMs: Number.isFinite(resume) && resume > 0 ? resume : 1000,
    ...(Number.isInteger(partitions) && partitions > 0
      ? { createTopics: { partitions, replicationFactor: Number.isInteger(replicationFactor) && replicationFactor > 0 ? replicationFactor : 1 } }
      : {}),
    ...(Object.keys(consumer).length > 0 ? { consumer } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
  };
}

function positiveInt(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

function splitList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * A kafkajs client. kafkajs logs through `logger` (pino) at the matching level; without one it logs
 * errors only, to stderr, as kafkajs does.
 */
export function createKafka(settings: Pick<KafkaSettings, 'brokers' | 'clientId'>, logger?: Logger, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: [...settings.brokers],
    logLevel: logger ? KafkaLogLevel.INFO : KafkaLogLevel.ERROR,
    ...(logger ? { logCreator: pinoLogCreator(logger) } : {}),
    ...extra,
  });
}

/** kafkajs → pino: `{namespace, label, log: {message, ...extra}}` becomes one pino line. */
export function pinoLogCreator(logger: Logger): logCreator {
  const child = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _ts, logger: _l, ...extra } = log as LogEntry['log'] & { logger?: string };
      const obj = { namespace, ...extra };
      switch (level) {
        case KafkaLogLevel.ERROR:
          child.error(obj, message);
          break;
        case KafkaLogLevel.WARN:
          child.warn(obj, message);
          break;
        case KafkaLogLevel.INFO:
          child.info(obj, message);
          break;
        default:
          child.debug(obj, message);
      }
    };
}
