export * from './client.js';
export * from './rest-client.js';
export * from './sdk-adapter.js';
export * from './schemas.js';
export { principalOfApiKey } from './api-key.js';
export { resolveBackendUrl } from './backend-url.js';
export { backendError, findBckCode } from './backend-errors.js';
