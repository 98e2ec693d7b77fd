export * from './schemas.js';
export * from './payment-required.js';
export * from './payment-header.js';
export * from './receipt.js';
export * from './access-token.js';
export * from './limits.js';
export * from './assets.js';
export * from './payment-payload.js';
