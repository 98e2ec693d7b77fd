export * from './recipe.js';
export { exa, classifyExa, EXA_DEFAULTS, type ExaOptions } from './exa.js';
export { keyProvider, runPack, classifyGeneric, type KeyProviderOptions, type RunPackOptions } from './generic.js';
export { readPurchaseAnswer } from './purchase-answer.js';
export type { PurchaseEvent } from './key-manager.js';
