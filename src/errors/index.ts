export * from './paying-fetch-error.js';
export * from './configuration-error.js';
export * from './invalid-payment-required-error.js';
export * from './body-not-replayable-error.js';
export * from './payment-rejected-error.js';
export * from './backend-error.js';
export * from './delegation-errors.js';
