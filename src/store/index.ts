export * from './types.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export { EmbeddedStore, type EmbeddedStoreOptions } from './embedded-store.js';
export { RedisStore, type RedisStoreOptions } from './redis-store.js';
export { withLock } from './with-lock.js';
export { defaultHome } from './state-dir.js';
export { withStoreErrors } from './with-store-errors.js';
export { PostgresStore, type PostgresStoreOptions } from './postgres-store.js';
