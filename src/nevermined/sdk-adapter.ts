import type { z } from 'zod';
import { ConfigurationError } from '../errors/configuration-error.js';
import { NeverminedBackendError } from '../errors/backend-error.js';
import { backendError, findBckCode } from './backend-errors.js';
import type { DelegationTerms, MintRequest, NeverminedClient } from './client.js';
import {
  createDelegationResponseSchema,
  delegationListSchema,
  delegationSchema,
  mintResponseSchema,
  paymentMethodSchema,
  transactionListSchema,
} from './schemas.js';

/**
 * The part of a `@nevermined-io/payments` 1.x `Payments` instance paying-fetch uses. Structural,
 * so the SDK stays an optional peer dependency.
 */
export interface PaymentsLike {
  x402: {
    getX402AccessToken(
      planId: string,
      agentId?: string,
      options?: { scheme?: string; network?: string; delegationConfig?: { delegationId?: string } },
    ): Promise<{ accessToken: string }>;
  };
  delegation?: {
    listPaymentMethods?(options?: { accessible?: boolean }): Promise<unknown>;
    listDelegations?(options?: { accessible?: boolean }): Promise<unknown>;
    createDelegation?(payload: DelegationTerms): Promise<unknown>;
    getDelegation?(delegationId: string): Promise<unknown>;
    listDelegationTransactions?(delegationId: string): Promise<unknown>;
  };
  getAccountAddress?(): string | undefined;
}

export interface SdkAdapterOptions {
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

/** A NeverminedClient over a user's `Payments` instance; its answers are validated like the REST ones. */
export class NeverminedSdkAdapter implements NeverminedClient {
  readonly backendId: string;
  readonly principal: string;
  readonly #payments: PaymentsLike;
  readonly #fallback: NeverminedClient | undefined;

  constructor(options: SdkAdapterOptions) {
    this.#payments = options.payments;
    this.#fallback = options.fallback;
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

  async mint(request: MintRequest) {
    const answer = await this.#sdk('mint an access token', mintResponseSchema, () =>
      this.#payments.x402.getX402AccessToken(request.planId, request.agentId, {
        scheme: request.scheme,
        network: request.network,
        delegationConfig: { delegationId: request.delegationId },
      }),
    );
    return { accessToken: answer.accessToken };
  }

  async listPaymentMethods(signal?: AbortSignal) {
    const method = this.#payments.delegation?.listPaymentMethods?.bind(this.#payments.delegation);
    if (!method) return this.#viaFallback('list payment methods').listPaymentMethods(signal);
    return this.#sdk('list payment methods', paymentMethodSchema.array().max(1000), () => method({ accessible: true }));
  }

  async listDelegations(signal?: AbortSignal) {
    const method = this.#payments.delegation?.listDelegations?.bind(this.#payments.delegation);
    if (!method) return this.#viaFallback('list delegations').listDelegations(signal);
    const answer = await this.#sdk('list delegations', delegationListSchema, () => method({ accessible: true }));
    return answer.delegations;
  }

  async getDelegation(delegationId: string, signal?: AbortSignal) {
    const get = this.#payments.delegation?.getDelegation?.bind(this.#payments.delegation);
    if (get) return this.#sdk('get delegation', delegationSchema, () => get(delegationId));
    if (this.#fallback) return this.#fallback.getDelegation(delegationId, signal);
    // The 1.x SDK has no getter: find it among all the key's delegations.
    const list = this.#payments.delegation?.listDelegations?.bind(this.#payments.delegation);
    if (!list) throw this.#unsupported('get delegation');
    const all = await this.#sdk('get delegation', delegationListSchema, () => list({}));
    const found = all.delegations.find((d) => d.delegationId === delegationId);
    if (!found) {
      throw backendError({ action: 'get delegation', bckCode: 'BCK.X402.0019', status: 404, message: 'delegation not found' });
    }
    return found;
  }

  async createDelegation(terms: DelegationTerms, signal?: AbortSignal) {
    const create = this.#payments.delegation?.createDelegation?.bind(this.#payments.delegation);
    if (!create) return this.#viaFallback('create delegation').createDelegation(terms, signal);
    const answer = await this.#sdk('create delegation', createDelegationResponseSchema, () => create(terms));
    return { delegationId: answer.delegationId };
  }

  async listDelegationTransactions(delegationId: string, signal?: AbortSignal) {
    const list = this.#payments.delegation?.listDelegationTransactions?.bind(this.#payments.delegation);
    if (list) return this.#sdk('list delegation transactions', transactionListSchema, () => list(delegationId));
    return this.#viaFallback('list delegation transactions').listDelegationTransactions(delegationId, signal);
  }

  async getPlanBalance(planId: string, holder: string, signal?: AbortSignal) {
    return this.#viaFallback('get a plan balance').getPlanBalance(planId, holder, signal);
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

  /** Calls the SDK, turns its failures into typed backend errors and validates its answer. */
  async #sdk<S extends z.ZodType>(action: string, schema: S, call: () => Promise<unknown>): Promise<z.output<S>> {
    let answer: unknown;
    try {
      answer = await call();
    } catch (error) {
      const message = this.scrub(error instanceof Error ? error.message : String(error));
      const status = Number(message.match(/HTTP (\d{3})/)?.[1]) || undefined;
      throw backendError({ action, bckCode: findBckCode(message), status, message });
    }
    const parsed = schema.safeParse(answer);
    if (!parsed.success) {
      throw new NeverminedBackendError({ action, message: `unexpected answer from the Payments SDK (${parsed.error.issues[0]?.message})` });
    }
    return parsed.data;
  }
}
