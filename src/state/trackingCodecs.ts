/**
 * JSON forms of the engine's state documents, and back. Decoders check the shape and return undefined
 * for anything malformed (a corrupt document is skipped and counted, never a crash on partition gain).
 * Every form carries `v` (format version) so a later change can read older documents.
 */
import type { Alert, AlertSource } from '../domain/alert.js';
import type { Labels } from '../domain/labels.js';
import type { LogEntry, ReceiverData } from '../dispatch/decision.js';
import { isMatchType, type Matcher } from '../route/matchers.js';
import type { Silence } from '../route/silences.js';

const V = 1;

export interface AlertDoc {
  v: 1;
  labels: Labels;
  annotations: Labels;
  startsAt: number;
  endsAt: number;
  generatorURL: string;
  updatedAt: number;
  timeout: boolean;
  fingerprint: string;
  source: AlertSource;
}

export function encodeAlert(a: Alert): AlertDoc {
  return {
    v: V,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.startsAt,
    endsAt: a.endsAt,
    generatorURL: a.generatorURL,
    updatedAt: a.updatedAt,
    timeout: a.timeout,
    fingerprint: a.fingerprint,
    source: a.source,
  };
}

const SOURCES: ReadonlySet<string> = new Set<AlertSource>(['api', 'webhook', 'kafka', 'replay', 'signal', 'incident']);

export function decodeAlert(doc: unknown): Alert | undefined {
  if (!isObject(doc) || doc.v !== V) return undefined;
  const { labels, annotations, startsAt, endsAt, generatorURL, updatedAt, timeout, fingerprint, source } = doc;
  if (!isLabels(labels) || !isLabels(annotations)) return undefined;
  if (!isNum(startsAt) || !isNum(endsAt) || !isNum(updatedAt)) return undefined;
  if (typeof generatorURL !== 'string' || typeof timeout !== 'boolean' || typeof fingerprint !== 'string') return undefined;
  if (typeof source !== 'string' || !SOURCES.has(source)) return undefined;
  return { labels, annotations, startsAt, endsAt, generatorURL, updatedAt, timeout, fingerprint, source: source as AlertSource };
}

export interface LogEntryDoc {
  v: 1;
  firing: string[];
  resolved: string[];
  timestamp: number;
  receiverData?: ReceiverData;
}

export function encodeLogEntry(e: LogEntry): LogEntryDoc {
  const doc: LogEntryDoc = { v: V, firing: [...e.firing].sort(), resolved: [...e.resolved].sort(), timestamp: e.timestamp };
  if (e.receiverData) doc.receiverData = { channel: e.receiverData.channel, ts: e.receiverData.ts };
  return doc;
}

export function decodeLogEntry(doc: unknown): LogEntry | undefined {
  if (!isObject(doc) || doc.v !== V) return undefined;
  const { firing, resolved, timestamp, receiverData } = doc;
  if (!isStrings(firing) || !isStrings(resolved) || !isNum(timestamp)) return undefined;
  const entry = { firing: new Set(firing), resolved: new Set(resolved), timestamp };
  if (receiverData === undefined) return entry;
  if (!isObject(receiverData) || typeof receiverData.channel !== 'string' || typeof receiverData.ts !== 'string') return undefined;
  return { ...entry, receiverData: { channel: receiverData.channel, ts: receiverData.ts } };
}

export interface SilenceDoc {
  v: 1;
  id: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  updatedAt: number;
  createdBy: string;
  comment: string;
}

export function encodeSilence(s: Silence): SilenceDoc {
  return {
    v: V,
    id: s.id,
    matchers: s.matchers.map((m) => ({ name: m.name, type: m.type, value: m.value })),
    startsAt: s.startsAt,
    endsAt: s.endsAt,
    updatedAt: s.updatedAt,
    createdBy: s.createdBy,
    comment: s.comment,
  };
}

export function decodeSilence(doc: unknown): Silence | undefined {
  if (!isObject(doc) || doc.v !== V) return undefined;
  const { id, matchers, startsAt, endsAt, updatedAt, createdBy, comment } = doc;
  if (typeof id !== 'string' || !Array.isArray(matchers)) return undefined;
  if (!isNum(startsAt) || !isNum(endsAt) || !isNum(updatedAt)) return undefined;
  if (typeof createdBy !== 'string' || typeof comment !== 'string') return undefined;
  const ms: Matcher[] = [];
  for (const m of matchers as unknown[]) {
    if (!isObject(m) || typeof m.name !== 'string' || typeof m.value !== 'string') return undefined;
    if (typeof m.type !== 'string' || !isMatchType(m.type)) return undefined;
    ms.push({ name: m.name, type: m.type, value: m.value });
  }
  return { id, matchers: ms, startsAt, endsAt, updatedAt, createdBy, comment };
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isNum(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

function isStrings(x: unknown): x is string[] {
  return Array.isArray(x) && x.every((s) => typeof s === 'string');
}

function isLabels(x: unknown): x is Labels {
  if (!isObject(x)) return false;
  for (const v of Object.values(x)) if (typeof v !== 'string') return false;
  return true;
}
