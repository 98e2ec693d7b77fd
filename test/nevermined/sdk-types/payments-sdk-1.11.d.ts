// The public type shapes of `@nevermined-io/payments` 1.7-1.11 that paying-fetch touches, written
// from the SDK's source (src/payments.ts, src/api/base-payments.ts, src/x402/token.ts,
// src/x402/delegation-api.ts, src/common/types.ts; identical in every release 1.7.0-1.11.0).
// Classes with protected members, as in the SDK, so assignability is checked as strictly.

export type X402SchemeType = 'nvm:erc4337' | 'nvm:card-delegation';
export type DelegationCurrency = 'usd' | 'eur' | 'usdc' | 'eurc';
export type CardProvider = 'stripe' | 'braintree' | 'visa';
export type DelegationProvider = CardProvider | 'vgs' | 'erc4337';

export interface DelegationConfig {
  cardId?: string;
  delegationId?: string;
  providerPaymentMethodId?: string;
  spendingLimitCents?: number;
  durationSecs?: number;
  currency?: DelegationCurrency;
  merchantAccountId?: string;
  maxTransactions?: number;
  planId?: string;
  apiKeyId?: string;
}

export interface X402TokenOptions {
  scheme?: X402SchemeType;
  network?: string;
  delegationConfig?: DelegationConfig;
}

export interface CreateDelegationPayload {
  provider: 'stripe' | 'braintree' | 'visa' | 'erc4337';
  providerPaymentMethodId?: string;
  spendingLimitCents: number;
  durationSecs: number;
  currency: DelegationCurrency;
  planId?: string;
  merchantAccountId?: string;
  maxTransactions?: number;
  apiKeyId?: string;
}

export interface CreateDelegationResponse {
  delegationToken?: string;
  delegationId: string;
}

export interface ListOptions {
  accessible?: boolean;
  provider?: DelegationProvider;
}

export interface PaymentMethodSummary {
  id: string;
  type: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  alias?: string | null;
  provider?: DelegationProvider;
  status?: string;
  allowedApiKeyIds?: string[] | null;
}

export interface DelegationSummary {
  delegationId: string;
  provider: string;
  providerPaymentMethodId: string;
  status: string;
  spendingLimitCents: string;
  amountSpentCents: string;
  remainingBudgetCents: string;
  currency: string;
  transactionCount: number;
  expiresAt: string;
  createdAt: string;
  apiKeyId: string | null;
}

export interface DelegationListResponse {
  delegations: DelegationSummary[];
  totalResults: number;
  page: number;
  offset: number;
}

export interface PaymentOptions {
  nvmApiKey: string;
  environment?: string;
  version?: string;
}

export declare class PaymentsError extends Error {
  code: string;
  constructor(message: string, code?: string);
}

export declare abstract class BasePaymentsAPI {
  protected nvmApiKey: string;
  protected environmentName: string;
  protected version?: string;
  protected accountAddress: string;
  protected currentOrganizationId: string | null;
  isBrowserInstance: boolean;
  constructor(options: PaymentOptions);
  getEnvironmentName(): string;
  getAccountAddress(): string | undefined;
  getOrganizationId(): string | null;
  setOrganizationId(organizationId: string | null): void;
  protected getBackendHTTPOptions(method: string, body?: unknown): RequestInit;
}

export declare class X402TokenAPI extends BasePaymentsAPI {
  static getInstance(options: PaymentOptions): X402TokenAPI;
  getX402AccessToken(planId: string, agentId?: string, tokenOptions?: X402TokenOptions): Promise<{ accessToken: string; [key: string]: any }>;
}

export declare class DelegationAPI extends BasePaymentsAPI {
  static getInstance(options: PaymentOptions): DelegationAPI;
  listPaymentMethods(options?: ListOptions): Promise<PaymentMethodSummary[]>;
  listDelegations(options?: ListOptions): Promise<DelegationListResponse>;
  getPurchasingPower(): Promise<unknown>;
  createDelegation(payload: CreateDelegationPayload): Promise<CreateDelegationResponse>;
  updatePaymentMethod(paymentMethodId: string, dto: { alias?: string; allowedApiKeyIds?: string[] | null }): Promise<PaymentMethodSummary>;
  private fetchJSON;
}

/** 1.11 only (src/mpp/mpp-api.ts); absent before. */
export declare class MppAPI extends BasePaymentsAPI {
  static getInstance(options: PaymentOptions): MppAPI;
  issueChallenge(params: { planId: string; credits: string | number | bigint; agentId?: string; resource: string; httpVerb: string; digest?: string; description?: string }): Promise<{ challenge: string; id: string }>;
  getMppAccessToken(planId: string, agentId?: string, tokenOptions?: X402TokenOptions): Promise<{ accessToken: string }>;
  fetch(input: string | URL, init: RequestInit | undefined, options: { delegationConfig: DelegationConfig; agentId?: string; planId?: string; maxCredits?: string | number | bigint }): Promise<unknown>;
}

export declare class Payments extends BasePaymentsAPI {
  x402: X402TokenAPI;
  mpp: MppAPI;
  private _delegation?;
  static getInstance(options: PaymentOptions): Payments;
  get delegation(): DelegationAPI;
  get isLoggedIn(): boolean;
  connect(): void;
  logout(): void;
}
