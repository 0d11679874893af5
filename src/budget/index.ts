/** Error-budget ledger core: burn-rate arithmetic, the ledger, the spec it reads (slos.ts loads SLO files, stage.ts runs them). */
export * from './burnRate.js';
export * from './ledger.js';
export * from './spec.js';
