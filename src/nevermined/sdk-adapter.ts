import type * as z from '../util/zod.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import { NeverminedBackendError } from '../errors/backend-error.js';
import { backendError, backendErrorFromSdk } from './backend-errors.js';
import { withBackendRetries, type BackendRetryOptions } from './backend-retry.js';
import type { DelegationTerms, MintRequest, NeverminedClient } from './client.js';
import { collectDelegationPages } from './delegation-pages.js';
import {
  createDelegationResponseSchema,
  delegationListSchema,
  delegationSchema,
  mintResponseSchema,
  paymentMethodListSchema,
  transactionListSchema,
} from './schemas.js';

// Parameter types below are the NARROWEST that every supported SDK release (1.7-1.11) accepts, so
// that a real `Payments` is assignable to `PaymentsLike` under `strictFunctionTypes` (a parameter
// must accept what we pass; it may accept more).

/** The schemes `getX402AccessToken` accepts (`X402SchemeType` in the SDK). */
export type SdkX402Scheme = 'nvm:erc4337' | 'nvm:card-delegation';

/** `getX402AccessToken`'s options as paying-fetch fills them: only the delegation to mint with. */
export interface SdkTokenOptions {
  scheme?: SdkX402Scheme;
  network?: string;
  delegationConfig?: { delegationId?: string };
}

/** `CreateDelegationPayload` of SDK 1.7-1.11, restricted to the fields paying-fetch sends. */
export interface SdkCreateDelegationPayload {
  provider: 'stripe' | 'braintree' | 'visa' | 'erc4337';
  providerPaymentMethodId?: string;
  spendingLimitCents: number;
  durationSecs: number;
  currency: 'usd' | 'eur' | 'usdc' | 'eurc';
  planId?: string;
  maxTransactions?: number;
}

/** Paging asked of `listDelegations`; the SDK's `ListOptions` has only `accessible` and ignores the rest. */
export interface SdkListOptions {
  accessible?: boolean;
}

/**
 * The part of a `@nevermined-io/payments` 1.7-1.11 `Payments` instance paying-fetch uses.
 * Structural, so the SDK stays an optional peer dependency; a real `Payments` is assignable
 * without a cast (test/nevermined/payments-sdk-types.test.ts compiles that).
 */
export interface PaymentsLike {
  x402: {
    getX402AccessToken(planId: string, agentId?: string, options?: SdkTokenOptions): Promise<{ accessToken: string }>;
  };
  delegation?: {
    listPaymentMethods?(options?: SdkListOptions): Promise<unknown>;
    listDelegations?(options?: SdkListOptions): Promise<unknown>;
    createDelegation?(payload: SdkCreateDelegationPayload): Promise<unknown>;
    /** In no 1.x release; used when a later one has it. */
    getDelegation?(delegationId: string): Promise<unknown>;
    /** In no 1.x release; used when a later one has it. */
    listDelegationTransactions?(delegationId: string): Promise<unknown>;
  };
  /** SDK 1.11: the MPP buyer's minter. */
  mpp?: {
    getMppAccessToken?(planId: string, agentId?: string, options?: SdkTokenOptions): Promise<{ accessToken: string }>;
  };
  getAccountAddress?(): string | undefined;
}

export interface SdkAdapterOptions extends BackendRetryOptions {
  payments: PaymentsLike;
  /** The buyer's account; defaults to `payments.getAccountAddress()`. */
  principal?: string | undefined;
  /** Identifies the backend in cache keys; defaults to 'nevermined-sdk'. */
  backendId?: string | undefined;
  /** Used for calls the SDK has no method for (e.g. delegation transactions). */
  fallback?: NeverminedClient | undefined;
}

export function isPaymentsLike(value: unknown): value is PaymentsLike {
  const x402 = (value as PaymentsLike | null)?.x402;
  return typeof x402?.getX402AccessToken === 'function';
}

/**
 * A NeverminedClient over a user's `Payments` instance. Its answers are validated, its failures
 * typed and its transient failures retried exactly like the REST client's.
 */
export class NeverminedSdkAdapter implements NeverminedClient {
  readonly backendId: string;
  readonly principal: string;
  readonly #payments: PaymentsLike;
  readonly #fallback: NeverminedClient | undefined;
  readonly #retry: BackendRetryOptions;

  constructor(options: SdkAdapterOptions) {
    this.#payments = options.payments;
    this.#fallback = options.fallback;
    this.#retry = { retries: options.retries, retryDelayMs: options.retryDelayMs, onRetry: options.onRetry };
    const principal = options.principal ?? options.payments.getAccountAddress?.() ?? options.fallback?.principal;
    if (!principal) {
      throw new ConfigurationError('Pass `principal` with a Payments instance that cannot tell its account address');
    }
    this.principal = principal;
    this.backendId = options.backendId ?? options.fallback?.backendId ?? 'nevermined-sdk';
  }

  scrub(text: string): string {
    return this.#fallback ? this.#fallback.scrub(text) : text;
  }

  async mint(request: MintRequest, signal?: AbortSignal) {
    const options: SdkTokenOptions = {
      // A Nevermined entry's scheme, passed on as the seller named it; the backend judges it.
      scheme: request.scheme as SdkX402Scheme,
      network: request.network,
      delegationConfig: { delegationId: request.delegationId },
    };
    const answer = await this.#sdk('mint an access token', mintResponseSchema, signal, () =>
      this.#payments.x402.getX402AccessToken(request.planId, request.agentId, options),
    );
    return { accessToken: answer.accessToken };
  }

  async mintMpp(request: MintRequest, signal?: AbortSignal) {
    const mint = this.#payments.mpp?.getMppAccessToken?.bind(this.#payments.mpp);
    if (!mint) {
      const fallback = this.#viaFallback('mint an MPP access token');
      if (!fallback.mintMpp) throw this.#unsupported('mint an MPP access token');
      return fallback.mintMpp(request, signal);
    }
    const options: SdkTokenOptions = { scheme: request.scheme as SdkX402Scheme, network: request.network, delegationConfig: { delegationId: request.delegationId } };
    const answer = await this.#sdk('mint an MPP access token', mintResponseSchema, signal, () => mint(request.planId, request.agentId, options));
    return { accessToken: answer.accessToken };
  }

  async listPaymentMethods(signal?: AbortSignal) {
    const method = this.#payments.delegation?.listPaymentMethods?.bind(this.#payments.delegation);
    if (!method) return this.#viaFallback('list payment methods').listPaymentMethods(signal);
    return this.#sdk('list payment methods', paymentMethodListSchema, signal, () => method({ accessible: true }));
  }

  async listDelegations(signal?: AbortSignal) {
    if (!this.#payments.delegation?.listDelegations) return this.#viaFallback('list delegations').listDelegations(signal);
    return (await this.#allDelegations('list delegations', true, signal)).delegations;
  }

  async getDelegation(delegationId: string, signal?: AbortSignal) {
    const get = this.#payments.delegation?.getDelegation?.bind(this.#payments.delegation);
    if (get) return this.#sdk('get delegation', delegationSchema, signal, () => get(delegationId));
    if (this.#fallback) return this.#fallback.getDelegation(delegationId, signal);
    // No 1.x SDK has a getter: look for it among all the key's delegations, every page.
    if (!this.#payments.delegation?.listDelegations) throw this.#unsupported('get delegation');
    const { delegations, complete } = await this.#allDelegations('get delegation', false, signal);
    const found = delegations.find((d) => d.delegationId === delegationId);
    if (found) return found;
    if (!complete) {
      // Not seen is not "not found": it may sit on a page the SDK cannot ask for. Never let that
      // read as an unusable delegation (which would retire it).
      throw new NeverminedBackendError({
        action: 'get delegation',
        message: `delegation not among the ${delegations.length} the Payments SDK lists (it cannot page); also pass nevermined.apiKey to look it up directly`,
      });
    }
    throw backendError({ action: 'get delegation', bckCode: 'BCK.X402.0019', status: 404, message: 'delegation not found' });
  }

  async createDelegation(terms: DelegationTerms, signal?: AbortSignal) {
    const create = this.#payments.delegation?.createDelegation?.bind(this.#payments.delegation);
    if (!create) return this.#viaFallback('create delegation').createDelegation(terms, signal);
    const answer = await this.#sdk('create delegation', createDelegationResponseSchema, signal, () => create(sdkPayload(terms)));
    return { delegationId: answer.delegationId };
  }

  async listDelegationTransactions(delegationId: string, signal?: AbortSignal) {
    const list = this.#payments.delegation?.listDelegationTransactions?.bind(this.#payments.delegation);
    if (list) return this.#sdk('list delegation transactions', transactionListSchema, signal, () => list(delegationId));
    return this.#viaFallback('list delegation transactions').listDelegationTransactions(delegationId, signal);
  }

  async getPlanBalance(planId: string, holder: string, signal?: AbortSignal) {
    return this.#viaFallback('get a plan balance').getPlanBalance(planId, holder, signal);
  }

  /** Every page the SDK will give; page and size are offered, and ignored by 1.x releases. */
  #allDelegations(action: string, accessible: boolean, signal: AbortSignal | undefined) {
    const delegation = this.#payments.delegation!;
    return collectDelegationPages((page, offset) =>
      this.#sdk(action, delegationListSchema, signal, () =>
        delegation.listDelegations!({ ...(accessible ? { accessible } : {}), page, offset } as SdkListOptions),
      ),
    );
  }

  #viaFallback(action: string): NeverminedClient {
    if (!this.#fallback) throw this.#unsupported(action);
    return this.#fallback;
  }

  #unsupported(action: string): ConfigurationError {
    return new ConfigurationError(
      `The Payments instance cannot ${action}; also pass nevermined.apiKey so paying-fetch can call the backend itself`,
    );
  }

  /** Calls the SDK with the REST client's retry rule, types its failures, validates its answer. */
  #sdk<S extends z.ZodMiniType>(action: string, schema: S, signal: AbortSignal | undefined, call: () => Promise<unknown>): Promise<z.output<S>> {
    return withBackendRetries(() => this.#attempt(action, schema, call), this.#retry, signal, action);
  }

  async #attempt<S extends z.ZodMiniType>(action: string, schema: S, call: () => Promise<unknown>): Promise<z.output<S>> {
    let answer: unknown;
    try {
      answer = await call();
    } catch (error) {
      const message = this.scrub(error instanceof Error ? error.message : String(error)).slice(0, 4096);
      throw backendErrorFromSdk(action, error, message);
    }
    const parsed = schema.safeParse(answer);
    if (!parsed.success) {
      throw new NeverminedBackendError({ action, message: `unexpected answer from the Payments SDK (${parsed.error.issues[0]?.message})` });
    }
    return parsed.data;
  }
}

/** DelegationTerms as the SDK's payload. Provider and currency go through as given: the SDK only
 * forwards them, and the backend is the judge of what it accepts. */
function sdkPayload(terms: DelegationTerms): SdkCreateDelegationPayload {
  return {
    provider: terms.provider as SdkCreateDelegationPayload['provider'],
    providerPaymentMethodId: terms.providerPaymentMethodId,
    spendingLimitCents: terms.spendingLimitCents,
    durationSecs: terms.durationSecs,
    currency: terms.currency as SdkCreateDelegationPayload['currency'],
    ...(terms.planId === undefined ? {} : { planId: terms.planId }),
    ...(terms.maxTransactions === undefined ? {} : { maxTransactions: terms.maxTransactions }),
  };
}
