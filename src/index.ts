// paying-fetch: the Node entry. Everything of the portable entry, plus what needs Node: the
// env-configured payingFetch, the embedded (SQLite), Redis and Postgres stores, A2A, insight types.
// Node's fetch ignores HTTP(S)_PROXY: this entry hands it a proxy dispatcher when one is set.
import './util/env-proxy.js';
import { lazyPayingFetch } from './fetch/from-env.js';

export * from './portable.js';
export { optionsFromEnv } from './fetch/from-env.js';

/** fetch that pays, configured from NVM_API_KEY, NVM_DELEGATION_ID and NVM_BACKEND_URL on first use. */
export const payingFetch = lazyPayingFetch();
export { EmbeddedStore, type EmbeddedStoreOptions } from './store/embedded-store.js';
export { RedisStore, type RedisStoreOptions } from './store/redis-store.js';
export { PostgresStore, type PostgresStoreOptions } from './store/postgres-store.js';
export { defaultHome } from './store/state-dir.js';
export { payingA2A, X402_A2A_KEYS, X402_A2A_EXTENSIONS, type A2AClientLike, type A2ASendParams, type A2ARequestOptions, type PayingA2AOptions } from './a2a/index.js';
export type { GroupBy, SpendRow, SpendReport, SpendOptions, Outlier, Balances, DelegationBalance, PlanBalanceView, PackBalance } from './insight/index.js';
export type { MppCandidate } from './engine/scheme-plugins.js';
