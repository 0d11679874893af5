import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alert.js';
import { fingerprint } from '../../src/domain/labels.js';
import { MemoryAlertStore } from '../../src/store/alertStore.js';
import { mergeAlerts, overlaps } from '../../src/store/merge.js';

const labels = { alertname: 'X' };
const alert = (o: Partial<Alert>): Alert => ({
  labels,
  annotations: {},
  startsAt: 0,
  endsAt: 300_000,
  generatorURL: '',
  updatedAt: 0,
  timeout: false,
  fingerprint: fingerprint(labels),
  source: 'api',
  ...o,
});

describe('overlap (when a re-send merges)', () => {
  it('merges an end inside the stored range', () => {
    expect(overlaps(alert({ startsAt: 1000, endsAt: 301_000 }), alert({ startsAt: 1000, endsAt: 3000 }))).toBe(true);
  });
  it('does not merge a re-send with the same start and a later end (it replaces)', () => {
    expect(overlaps(alert({ startsAt: 1000, endsAt: 301_000 }), alert({ startsAt: 1000, endsAt: 361_000 }))).toBe(false);
  });
  it('merges a later start inside the stored range', () => {
    expect(overlaps(alert({ startsAt: 1000, endsAt: 301_000 }), alert({ startsAt: 2000, endsAt: 400_000 }))).toBe(true);
  });
  it('a re-send after resolution starts a new occurrence', () => {
    expect(overlaps(alert({ startsAt: 1000, endsAt: 3000 }), alert({ startsAt: 5000, endsAt: 305_000 }))).toBe(false);
  });
});

describe('mergeAlerts', () => {
  it('keeps the earliest start and the newest annotations', () => {
    const old = alert({ startsAt: 1000, updatedAt: 1000, annotations: { v: 'old' } });
    const neu = alert({ startsAt: 2000, updatedAt: 2000, annotations: { v: 'new' } });
    const m = mergeAlerts(old, neu, 2000);
    expect(m.startsAt).toBe(1000);
    expect(m.annotations).toEqual({ v: 'new' });
  });
  it('a later explicit end of the older version wins over a timeout end', () => {
    const old = alert({ endsAt: 900_000, updatedAt: 1000, timeout: false });
    const neu = alert({ endsAt: 400_000, updatedAt: 2000, timeout: true });
    expect(mergeAlerts(old, neu, 2000).endsAt).toBe(900_000);
  });
  it('a timeout end of the older version never overrides', () => {
    const old = alert({ endsAt: 900_000, updatedAt: 1000, timeout: true });
    const neu = alert({ endsAt: 400_000, updatedAt: 2000, timeout: false });
    expect(mergeAlerts(old, neu, 2000).endsAt).toBe(400_000);
  });
  it('when both are resolved the latest end wins', () => {
    const old = alert({ endsAt: 5000, updatedAt: 1000 });
    const neu = alert({ endsAt: 4000, updatedAt: 2000 });
    expect(mergeAlerts(old, neu, 6000).endsAt).toBe(5000);
  });
  it('the newer resolving version resolves a firing one', () => {
    const old = alert({ startsAt: 1000, endsAt: 301_000, updatedAt: 1000, timeout: true });
    const neu = alert({ startsAt: 1000, endsAt: 3000, updatedAt: 3500 });
    expect(mergeAlerts(old, neu, 3500).endsAt).toBe(3000);
  });
  it('is symmetric in argument order (the younger one is found by updatedAt)', () => {
    const old = alert({ startsAt: 1000, updatedAt: 1000, annotations: { v: 'old' } });
    const neu = alert({ startsAt: 2000, updatedAt: 2000, annotations: { v: 'new' } });
    expect(mergeAlerts(neu, old, 2000)).toEqual(mergeAlerts(old, neu, 2000));
  });
});

describe('MemoryAlertStore', () => {
  it('merges overlapping re-sends and collects resolved alerts', () => {
    const store = new MemoryAlertStore();
    store.put(alert({ startsAt: 1000, endsAt: 301_000, updatedAt: 1000, timeout: true }), 1000);
    const merged = store.put(alert({ startsAt: 1000, endsAt: 3000, updatedAt: 3500 }), 3500);
    expect(merged.endsAt).toBe(3000);
    expect(store.size()).toBe(1);
    expect(store.collectResolved(3000).length).toBe(1);
    expect(store.size()).toBe(0);
  });
});
