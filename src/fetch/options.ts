import type { PaymentsLike } from '../nevermined/sdk-adapter.js';
import type { FetchLike } from '../util/transport.js';
import type { Policy } from '../policy/policy.js';
import type { Store } from '../store/types.js';
import type { LoggerLike } from '../observe/debug-log.js';
import type { ProviderRecipe } from '../providers/recipe.js';
import type { OnPermit2AllowanceRequired, SchemePlugin, SelectRequirement } from '../engine/scheme-plugins.js';
import type { MppMethodPlugin } from '../mpp/plugin.js';

export interface NeverminedOptions {
  /** `<prefix>:<JWT>`; the prefix picks the backend. Secret: never logged. */
  apiKey?: string | undefined;
  /** Overrides the backend chosen from the key prefix (sandbox, tests). Else NVM_BACKEND_URL. */
  backendUrl?: string | undefined;
  /** Pay with this delegation (its remaining budget is reserved against the policy's budget). */
  delegationId?: string | undefined;
  /** Or: create delegations from this enrolled card (`pm_...`) within `policy.delegation` terms. */
  paymentMethodId?: string | undefined;
  /** A `@nevermined-io/payments` 1.x instance to mint with instead of the built-in REST client. */
  payments?: PaymentsLike | undefined;
  /** The buyer's account when it cannot be read from the API key or the SDK. */
  principal?: string | undefined;
}

/** A transport with fetch's signature (global fetch, undici's fetch, a test double). */
export type Transport = FetchLike;

export interface PayingFetchOptions {
  /** Nevermined settings, or directly a `Payments` instance (then pass `delegationId`). */
  nevermined?: NeverminedOptions | PaymentsLike | undefined;
  /** With `nevermined: payments`: the delegation to pay with. */
  delegationId?: string | undefined;
  /** Who is spending: every receipt carries this name (one store can serve a fleet). */
  agent?: string | undefined;
  /** Free-form labels on every receipt (team, task, customer, ...). */
  tags?: Record<string, string> | undefined;
  /** Transport for every request (seller and backend). Default: the platform's fetch (`paying-fetch/undici` has a faster one for Node). */
  fetch?: Transport | undefined;
  /** Deadline for one whole logical call (sends, mints, replays), in ms. */
  timeoutMs?: number | undefined;
  /**
   * How long a 402 body is read when its challenge can only be in the body (x402 v1), even without
   * `timeoutMs`: a seller trickling a body forever never hangs the call. Default 5000 ms. A
   * challenge in the `payment-required` header is read without waiting for the body at all.
   */
  challengeBodyTimeoutMs?: number | undefined;
  /** Largest streamed request body buffered so it can be replayed after a 402. Default 16 MiB. */
  maxReplayBodyBytes?: number | undefined;
  /** The spending policy: budgets, caps, allow/deny lists, velocity, consent. Validated on creation. */
  policy?: Policy | undefined;
  /** Standard x402 scheme clients, e.g. `[{ network: 'eip155:8453', client: new ExactEvmScheme(signer) }]`. */
  schemes?: SchemePlugin[] | undefined;
  /**
   * MPP method plugins (`WWW-Authenticate: Payment` challenges), e.g. `[mppxMethod(tempo.charge(...))]`.
   * Each pays only challenges whose price it names in a known currency (or one listed in
   * `policy.assets` as `<network>:<currency>`); that price is reserved before the credential is
   * made. Nevermined's own method needs no plugin: it pays with the `nevermined` credentials.
   */
  mpp?: MppMethodPlugin[] | undefined;
  /** Overrides which payable entry of a 402 is paid (after the policy filtered them). */
  selectRequirement?: SelectRequirement | undefined;
  /** Called on a 412 permit2_allowance_required: set the allowance and return true to retry once. */
  onPermit2AllowanceRequired?: OnPermit2AllowanceRequired | undefined;
  /** Vendors that sell keys or packs for a Nevermined token, e.g. `[exa()]`. */
  providers?: ProviderRecipe[] | undefined;
  /** Backoff of rate-limited provider calls: retries (default 3), first and longest wait in ms. */
  rateLimit?: { retries?: number; baseMs?: number; maxMs?: number } | undefined;
  /**
   * Debug lines (one per step, never a secret) go to this logger's `debug` (pino, winston, console);
   * without one, to stderr when NODE_DEBUG (or DEBUG) names `paying-fetch`.
   */
  logger?: LoggerLike | undefined;
  /** OpenTelemetry spans and metrics when `@opentelemetry/api` is installed (default true; a no-op without an SDK). */
  telemetry?: boolean | undefined;
  /** Where the ledger and receipts live. Default: in memory (lost with the process). */
  store?: Store | undefined;
  /** Clock for budget windows and expiry (ms since epoch). Default Date.now. */
  clock?: (() => number) | undefined;
  /** Allow plain-http backend, purchase and provider URLs off loopback (keys would travel in clear). */
  allowInsecureHttp?: boolean | undefined;
  /** Retries of transient backend failures. Default 3. */
  backendRetries?: number | undefined;
  /** First backoff delay of backend retries, ms. Default 200. */
  backendRetryDelayMs?: number | undefined;
  /**
   * How a refusal of the spending policy (budget, velocity, allow/deny, consent, a vendor's cap)
   * reaches the caller. `'throw'` (default): a `PolicyRefusalError`. `'response'`: an HTTP 402
   * with an RFC 9457 `application/problem+json` body, which SDKs report as an API error and do not
   * retry (openai, ai, LangChain); `getRefusal(response or SDK error)` gives the typed error back.
   */
  refusals?: 'throw' | 'response' | undefined;
}
