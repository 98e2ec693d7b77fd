export * from './spend.js';
export * from './balances.js';
export * from './report-html.js';
