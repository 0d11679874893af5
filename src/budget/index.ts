/** Error-budget ledger core (not yet wired into the engine). */
export * from './burnRate.js';
export * from './ledger.js';
export * from './spec.js';
