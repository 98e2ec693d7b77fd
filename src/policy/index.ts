export * from './policy.js';
export * from './limits.js';
export * from './ledger.js';
