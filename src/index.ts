import { lazyPayingFetch } from './fetch/from-env.js';

export { createPayingFetch, type PayingFetch, type PayingRequestInit, type KeyInfo } from './fetch/create-paying-fetch.js';
export type { PayingFetchOptions, NeverminedOptions, Transport } from './fetch/options.js';
export type * from './fetch/events.js';
export { getReceipt } from './fetch/receipts.js';
export { getRefusal, REFUSAL_TYPE_PREFIX, type RefusalProblem, type RefusalMode } from './fetch/refusal-response.js';
export { optionsFromEnv } from './fetch/from-env.js';
export * from './errors/index.js';
export type { PaymentsLike } from './nevermined/sdk-adapter.js';
export type { Delegation, PaymentMethod, DelegationTransaction } from './nevermined/schemas.js';
export type { PaymentRequired, PaymentRequirement, SettlementReceipt } from './x402/schemas.js';

/** fetch that pays, configured from NVM_API_KEY, NVM_DELEGATION_ID and NVM_BACKEND_URL on first use. */
export const payingFetch = lazyPayingFetch();
export { exa, keyProvider, runPack, PLACEHOLDER_KEY, classifyExa, classifyGeneric, EXA_DEFAULTS, type ProviderRecipe, type Classification, type VendorResponse, type PurchaseAnswer, type ExaOptions, type KeyProviderOptions, type RunPackOptions } from './providers/index.js';
export type { Policy } from './policy/policy.js';
export type { BudgetView, WindowView } from './policy/ledger.js';
export type { Store, LedgerStore, ReceiptStore, KeyStore, SecretStore, LeaseStore, ReceiptRecord, ReceiptQuery, KeyRecord, LedgerEntry } from './store/types.js';
export { MemoryStore } from './store/memory-store.js';
export { EmbeddedStore, type EmbeddedStoreOptions } from './store/embedded-store.js';
export { RedisStore, type RedisStoreOptions } from './store/redis-store.js';
export { PostgresStore, type PostgresStoreOptions } from './store/postgres-store.js';
export { withStoreErrors } from './store/with-store-errors.js';
export { defaultHome } from './store/state-dir.js';
export type { ReconcileReport } from './nevermined/reconcile.js';
export { payingMcp, bearerFetch, type McpClientLike, type McpCallParams, type McpToolResult, type PayingMcpOptions } from './mcp/index.js';
export { payingA2A, X402_A2A_KEYS, X402_A2A_EXTENSIONS, type A2AClientLike, type A2ASendParams, type A2ARequestOptions, type PayingA2AOptions } from './a2a/index.js';
export type { SchemePlugin, SchemeClientLike, Candidate, NeverminedCandidate, SchemeCandidate, SelectRequirement, OnPermit2AllowanceRequired } from './engine/scheme-plugins.js';
export type { AssetInfo } from './x402/assets.js';
export type { GroupBy, SpendRow, SpendReport, SpendOptions, Outlier, Balances, DelegationBalance, PlanBalanceView, PackBalance } from './insight/index.js';
export { mppxMethod, neverminedMppMethod, type MppMethodPlugin, type MppPayContext, type MppChallenge, type MppCredential, type MppxClientMethodLike, type NeverminedMppMethodOptions } from './mpp/index.js';
export type { MppCandidate } from './engine/scheme-plugins.js';
