// paying-fetch/portable: the same engine on any runtime with fetch and Web Crypto (Node, Bun, Deno,
// Cloudflare Workers, Vercel Edge, browsers). No Node built-ins on this path: the stores are the
// memory store or one you supply; the embedded (SQLite) store, files, the environment export and
// the CLI stay in the Node entry ('paying-fetch'). Responses are the platform's own classes.
export { createPayingFetch, type PayingFetch, type PayingRequestInit, type KeyInfo } from './fetch/create-paying-fetch.js';
export type { PayingFetchOptions, NeverminedOptions, Transport } from './fetch/options.js';
export type * from './fetch/events.js';
export { getReceipt } from './fetch/receipts.js';
export { getRefusal, REFUSAL_TYPE_PREFIX, type RefusalProblem, type RefusalMode } from './fetch/refusal-response.js';
export * from './errors/index.js';
export type { PaymentsLike } from './nevermined/sdk-adapter.js';
export type { Delegation, PaymentMethod, DelegationTransaction } from './nevermined/schemas.js';
export type { PaymentRequired, PaymentRequirement, SettlementReceipt } from './x402/schemas.js';
export { exa, keyProvider, runPack, PLACEHOLDER_KEY, classifyExa, classifyGeneric, EXA_DEFAULTS, type ProviderRecipe, type Classification, type VendorResponse, type PurchaseAnswer, type ExaOptions, type KeyProviderOptions, type RunPackOptions } from './providers/index.js';
export type { Policy } from './policy/policy.js';
export type { BudgetView, WindowView } from './policy/ledger.js';
export type { Store, LedgerStore, ReceiptStore, KeyStore, SecretStore, LeaseStore, ReceiptRecord, ReceiptQuery, KeyRecord, LedgerEntry } from './store/types.js';
export { MemoryStore } from './store/memory-store.js';
export { withStoreErrors } from './store/with-store-errors.js';
export type { ReconcileReport } from './nevermined/reconcile.js';
export { payingMcp, bearerFetch, type McpClientLike, type McpCallParams, type McpToolResult, type PayingMcpOptions } from './mcp/index.js';
export type { SchemePlugin, SchemeClientLike, Candidate, NeverminedCandidate, SchemeCandidate, SelectRequirement, OnPermit2AllowanceRequired } from './engine/scheme-plugins.js';
export type { AssetInfo } from './x402/assets.js';
export { mppxMethod, neverminedMppMethod, type MppMethodPlugin, type MppPayContext, type MppChallenge, type MppCredential, type MppxClientMethodLike, type NeverminedMppMethodOptions } from './mpp/index.js';
// The x402 codec: parse a 402's challenge, encode and decode the payment headers.
export * as x402 from './x402/index.js';

