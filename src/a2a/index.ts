export { payingA2A, type A2AClientLike, type A2ASendParams, type A2ARequestOptions, type PayingA2AOptions } from './paying-a2a.js';
export { X402_A2A_KEYS, X402_A2A_EXTENSIONS } from './x402-metadata.js';
