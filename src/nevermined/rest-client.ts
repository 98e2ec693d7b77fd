import type * as z from '../util/zod.js';
import { NeverminedBackendError } from '../errors/backend-error.js';
import { redact } from '../util/redact.js';
import { assertSecureUrl } from '../util/require-https.js';
import { readAllBounded } from '../util/read-bounded.js';
import { safeJsonParse } from '../util/safe-json.js';
import { defaultFetch, type FetchLike } from '../util/transport.js';
import { principalOfApiKey } from './api-key.js';
import { backendError } from './backend-errors.js';
import { DEFAULT_BACKEND_RETRIES, DEFAULT_BACKEND_RETRY_DELAY_MS, withBackendRetries, type BackendRetryOptions } from './backend-retry.js';
import { resolveBackendUrl } from './backend-url.js';
import type { DelegationTerms, MintRequest, NeverminedClient } from './client.js';
import { collectDelegationPages } from './delegation-pages.js';
import { utf8Text } from '../util/text-bytes.js';
import {
  backendErrorSchema,
  createDelegationResponseSchema,
  delegationListSchema,
  delegationSchema,
  mintResponseSchema,
  paymentMethodListSchema,
  planBalanceSchema,
  transactionListSchema,
} from './schemas.js';

const MAX_ANSWER_BYTES = 1024 * 1024;

export interface RestClientOptions {
  apiKey: string;
  backendUrl?: string | undefined;
  fetch?: FetchLike | undefined;
  /** Retries of transient failures (network, 5xx, BCK.X402.0051). Default 3. */
  retries?: number | undefined;
  /** First backoff delay in ms (doubles, jittered). Default 200. */
  retryDelayMs?: number | undefined;
  /** Told of each retry of a transient failure (the `retry` event). */
  onRetry?: BackendRetryOptions['onRetry'];
  /** Per-request timeout in ms. Default 15000. */
  timeoutMs?: number | undefined;
  /** Allow a plain-http backend that is not on loopback (the API key would travel in clear). */
  allowInsecureHttp?: boolean | undefined;
}

/** paying-fetch's own client for the Nevermined REST endpoints a buyer uses (wire-facts 2-3). */
export class NeverminedRestClient implements NeverminedClient {
  readonly backendId: string;
  readonly principal: string;
  readonly #apiKey: string;
  readonly #fetch: FetchLike;
  readonly #retries: number;
  readonly #retryDelayMs: number;
  readonly #timeoutMs: number;
  readonly #onRetry: BackendRetryOptions['onRetry'];

  constructor(options: RestClientOptions) {
    this.#apiKey = options.apiKey;
    this.backendId = resolveBackendUrl(options.apiKey, options.backendUrl);
    assertSecureUrl(this.backendId, 'The Nevermined backend URL', options.allowInsecureHttp);
    this.principal = principalOfApiKey(options.apiKey);
    this.#fetch = options.fetch ?? defaultFetch;
    this.#retries = options.retries ?? DEFAULT_BACKEND_RETRIES;
    this.#retryDelayMs = options.retryDelayMs ?? DEFAULT_BACKEND_RETRY_DELAY_MS;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    this.#onRetry = options.onRetry;
  }

  scrub(text: string): string {
    return redact(text, [this.#apiKey]);
  }

  async mint(request: MintRequest, signal?: AbortSignal) {
    const answer = await this.#call('mint an access token', 'POST', '/api/v1/x402/permissions', mintResponseSchema, mintBody(request), signal);
    return { accessToken: answer.accessToken };
  }

  /** The MPP mint: the same body as x402's, on its own path (SDK 1.11 `getMppAccessToken`). */
  async mintMpp(request: MintRequest, signal?: AbortSignal) {
    const answer = await this.#call('mint an MPP access token', 'POST', '/api/v1/mpp/permissions', mintResponseSchema, mintBody(request), signal);
    return { accessToken: answer.accessToken };
  }

  listPaymentMethods(signal?: AbortSignal) {
    return this.#call('list payment methods', 'GET', '/api/v1/payment-methods?accessible=true', paymentMethodListSchema, undefined, signal);
  }

  async listDelegations(signal?: AbortSignal) {
    // Every page: a delegation past the first page is still the key's.
    const { delegations } = await collectDelegationPages((page, size) =>
      this.#call('list delegations', 'GET', `/api/v1/delegation?accessible=true&page=${page}&offset=${size}`, delegationListSchema, undefined, signal),
    );
    return delegations;
  }

  getDelegation(delegationId: string, signal?: AbortSignal) {
    return this.#call('get delegation', 'GET', `/api/v1/delegation/${encodeURIComponent(delegationId)}`, delegationSchema, undefined, signal);
  }

  async createDelegation(terms: DelegationTerms, signal?: AbortSignal) {
    const answer = await this.#call('create delegation', 'POST', '/api/v1/delegation/create', createDelegationResponseSchema, terms, signal);
    // delegationToken is a secret nobody here needs: it is dropped on purpose.
    return { delegationId: answer.delegationId };
  }

  listDelegationTransactions(delegationId: string, signal?: AbortSignal) {
    return this.#call('list delegation transactions', 'GET', `/api/v1/delegation/${encodeURIComponent(delegationId)}/transactions`, transactionListSchema, undefined, signal);
  }

  getPlanBalance(planId: string, holder: string, signal?: AbortSignal) {
    return this.#call('get plan balance', 'GET', `/api/v1/protocol/plans/${encodeURIComponent(planId)}/balance/${encodeURIComponent(holder)}`, planBalanceSchema, undefined, signal);
  }

  async #call<S extends z.ZodMiniType>(
    action: string,
    method: string,
    path: string,
    schema: S,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<z.output<S>> {
    return withBackendRetries(() => this.#attempt(action, method, path, schema, body, signal), { retries: this.#retries, retryDelayMs: this.#retryDelayMs, onRetry: this.#onRetry }, signal, action);
  }

  async #attempt<S extends z.ZodMiniType>(
    action: string,
    method: string,
    path: string,
    schema: S,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<z.output<S>> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    let response: Response;
    try {
      response = await this.#fetch(this.backendId + path, {
        method,
        headers: {
          authorization: `Bearer ${this.#apiKey}`,
          accept: 'application/json',
          'nevermined-version': '1.1',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      // Network failures and our own timeout are transient: retried, then reported typed.
      throw new NeverminedBackendError({ action, message: `network error: ${(error as Error).message}`, retryable: true });
    }
    const bytes = await readAllBounded(response.body, MAX_ANSWER_BYTES).catch(() => undefined);
    const json = bytes === undefined ? undefined : safeJsonParse(utf8Text(bytes));
    const correlationId = response.headers.get('x-correlation-id') ?? undefined;
    if (!response.ok) {
      const envelope = backendErrorSchema.safeParse(json);
      const facts = envelope.success ? envelope.data : {};
      throw backendError({
        action,
        status: response.status,
        bckCode: facts.code,
        correlationId: facts.correlationId ?? correlationId,
        hint: facts.hint === undefined ? undefined : this.scrub(facts.hint),
        retryable: facts.retryable,
        message: this.scrub(facts.message ?? facts.error ?? response.statusText ?? 'request failed'),
      });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new NeverminedBackendError({
        action,
        status: response.status,
        correlationId,
        message: `unexpected answer (${parsed.error.issues[0]?.path.join('.') || 'root'}: ${parsed.error.issues[0]?.message})`,
      });
    }
    return parsed.data;
  }
}

function mintBody(request: MintRequest) {
  const extra = request.agentId ? { agentId: request.agentId } : {};
  return {
    accepted: { scheme: request.scheme, network: request.network, planId: request.planId, extra },
    delegationConfig: { delegationId: request.delegationId },
  };
}
