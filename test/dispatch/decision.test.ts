import { describe, expect, it } from 'vitest';
import { type DecisionInput, notifyReason } from '../../src/dispatch/decision.js';

const set = (...xs: string[]) => new Set(xs);
const NOW = 1_000_000;
const base: DecisionInput = {
  entry: undefined,
  firing: set(),
  resolved: set(),
  sendResolved: true,
  repeatIntervalMs: 10_000,
  now: NOW,
};

// Alertmanager's DedupStage.needsUpdate table (notify/notify_test.go TestDedupStageNeedsUpdate), with reasons.
const table: [string, Partial<DecisionInput>, string | undefined][] = [
  ['no entry, nothing firing', { firing: set(), resolved: set('a') }, undefined],
  ['no entry, something firing', { firing: set('a') }, 'first notification'],
  ['new firing alert', { entry: { firing: set('a'), resolved: set(), timestamp: NOW }, firing: set('a', 'b') }, 'new alerts added'],
  [
    'firing again after an all-resolved notification',
    { entry: { firing: set(), resolved: set('a'), timestamp: NOW }, firing: set('a') },
    'first notification',
  ],
  ['firing subset, within repeat', { entry: { firing: set('a', 'b'), resolved: set(), timestamp: NOW - 5_000 }, firing: set('a') }, undefined],
  [
    'all resolved, send_resolved off still notifies to clear the log',
    { entry: { firing: set('a'), resolved: set(), timestamp: NOW }, firing: set(), resolved: set('a'), sendResolved: false },
    'all alerts resolved',
  ],
  [
    'nothing firing now or at the last notification',
    { entry: { firing: set(), resolved: set('a'), timestamp: NOW }, firing: set(), resolved: set('a', 'b') },
    undefined,
  ],
  [
    'new resolved alert with send_resolved',
    { entry: { firing: set('a', 'b'), resolved: set(), timestamp: NOW }, firing: set('a'), resolved: set('b') },
    'some alerts resolved',
  ],
  [
    'new resolved alert without send_resolved',
    { entry: { firing: set('a', 'b'), resolved: set(), timestamp: NOW }, firing: set('a'), resolved: set('b'), sendResolved: false },
    undefined,
  ],
  ['repeat interval elapsed', { entry: { firing: set('a'), resolved: set(), timestamp: NOW - 10_001 }, firing: set('a') }, 'repeat interval elapsed'],
  ['repeat interval exactly elapsed is not yet (strict)', { entry: { firing: set('a'), resolved: set(), timestamp: NOW - 10_000 }, firing: set('a') }, undefined],
];

describe('notifyReason (the notify decision table)', () => {
  for (const [name, input, want] of table) {
    it(name, () => {
      expect(notifyReason({ ...base, ...input })).toBe(want);
    });
  }
});
