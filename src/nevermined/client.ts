import type { Delegation, DelegationTransaction, PaymentMethod, PlanBalance } from './schemas.js';

/** What to mint a token for: exactly the `accepts[]` entry chosen, plus the delegation. */
export interface MintRequest {
  scheme: string;
  network: string;
  planId: string;
  agentId?: string | undefined;
  delegationId: string;
}

export interface DelegationTerms {
  provider: string;
  providerPaymentMethodId: string;
  spendingLimitCents: number;
  durationSecs: number;
  currency: string;
  planId?: string | undefined;
  maxTransactions?: number | undefined;
}

/**
 * The buyer-side Nevermined operations paying-fetch needs. Implemented by the built-in REST
 * client and by the adapter over a user's `@nevermined-io/payments` instance; both pass one
 * contract suite.
 */
export interface NeverminedClient {
  /** Where the backend lives (part of token cache keys). */
  readonly backendId: string;
  /** The buyer's account: the principal that owns tokens, keys and packs. */
  readonly principal: string;
  /** Replaces any secret this client holds (the API key) in `text`: for anything that gets printed. */
  scrub(text: string): string;
  mint(request: MintRequest, signal?: AbortSignal): Promise<{ accessToken: string }>;
  /**
   * Mints an access token for an MPP credential (`POST /api/v1/mpp/permissions`, same body as
   * `mint`). Optional: clients written before MPP need not have it.
   */
  mintMpp?(request: MintRequest, signal?: AbortSignal): Promise<{ accessToken: string }>;
  listPaymentMethods(signal?: AbortSignal): Promise<PaymentMethod[]>;
  listDelegations(signal?: AbortSignal): Promise<Delegation[]>;
  getDelegation(delegationId: string, signal?: AbortSignal): Promise<Delegation>;
  createDelegation(terms: DelegationTerms, signal?: AbortSignal): Promise<{ delegationId: string }>;
  listDelegationTransactions(delegationId: string, signal?: AbortSignal): Promise<DelegationTransaction[]>;
  /** Credits `holder` has on `planId` (public endpoint). */
  getPlanBalance(planId: string, holder: string, signal?: AbortSignal): Promise<PlanBalance>;
}
