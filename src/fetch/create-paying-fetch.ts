import { PayingFetchError } from '../errors/paying-fetch-error.js';
import { PaymentOutcomeUnknownError } from '../errors/payment-outcome-unknown-error.js';
import { PaymentRejectedError } from '../errors/payment-rejected-error.js';
import { backendError, findBckCode } from '../nevermined/backend-errors.js';
import { delegationEnded, DelegationManager } from '../nevermined/delegations.js';
import { reconcile, type ReconcileReport } from '../nevermined/reconcile.js';
import { Ledger, type BudgetView } from '../policy/ledger.js';
import { assertAllowed, parsePolicy } from '../policy/policy.js';
import { MemoryStore } from '../store/memory-store.js';
import type { KeyRecord, ReceiptQuery, ReceiptRecord, Store } from '../store/types.js';
import { redact, redactKey } from '../util/redact.js';
import { assertSecureUrl } from '../util/require-https.js';
import { peekBody } from '../util/read-bounded.js';
import { safeJsonParse } from '../util/safe-json.js';
import { defaultFetch, type FetchLike } from '../util/transport.js';
import { MAX_CHALLENGE_BODY_BYTES } from '../x402/limits.js';
import { readChallenge } from '../x402/payment-required.js';
import { decodeReceipt } from '../x402/receipt.js';
import type { PaymentRequired, PaymentRequirement, SettlementReceipt } from '../x402/schemas.js';
import { KeyManager } from '../providers/key-manager.js';
import { balances, type Balances } from '../insight/balances.js';
import { renderHtmlReport } from '../insight/report-html.js';
import { spendReport, type SpendOptions, type SpendReport } from '../insight/spend.js';
import { keyHeaderName, type ProviderRecipe } from '../providers/recipe.js';
import { buildClient } from './build-client.js';
import { providerCall } from './provider-flow.js';
import { Emitter, type Listener, type PayingFetchEvents } from './events.js';
import { NeverminedPayer } from './nevermined-payer.js';
import { SchemePayer } from './scheme-payer.js';
import type { Candidate, SchemePlugin } from './scheme-plugins.js';
import { selectEntry, type Selection } from './select-entry.js';
import { Permit2AllowanceRequiredError } from '../errors/permit2-allowance-required-error.js';
import { createHash, randomBytes } from 'node:crypto';
import type { PayingFetchOptions } from './options.js';
import { attachReceipt } from './receipts.js';
import { Recorder, type Labels } from './recorder.js';
import { toReplayable, type ReplayableRequest } from './replayable-request.js';
import { send, type Sent } from './send.js';
import { TokenCache, type HeldToken } from './token-cache.js';
import { originOf } from '../util/url-parts.js';

/** fetch's init, plus who is spending (overrides the instance's `agent` and adds `tags`). */
export interface PayingRequestInit extends RequestInit {
  agent?: string;
  tags?: Record<string, string>;
}

/** fetch, plus what an agent needs to steer itself. */
export interface PayingFetch {
  (input: string | URL | Request, init?: PayingRequestInit): Promise<Response>;
  /** Subscribes to `mint`, `payment`, `receipt`, `blocked`, `budget-warning`; returns an unsubscribe function. */
  on<E extends keyof PayingFetchEvents>(event: E, listener: Listener<E>): () => void;
  /** Reserved, committed and remaining cents, in total and per window. */
  budget(): Promise<BudgetView>;
  /** Receipts of paid calls, newest last. */
  receipts(query?: ReceiptQuery): Promise<ReceiptRecord[]>;
  /** Compares the ledger with the backend's delegation transactions. */
  reconcile(): Promise<ReconcileReport>;
  /** Provisioned keys and packs, with the key itself redacted. */
  keys(): Promise<KeyInfo[]>;
  /** What is left: delegations and plan credits from the backend, packs, and the ledger's windows. */
  balances(): Promise<Balances>;
  /** Spend and calls grouped by agent, provider, origin, plan, day or hour, outliers flagged. */
  spend(options: SpendOptions): Promise<SpendReport>;
  /** The self-contained HTML report (charts, burn-down, receipts) as a string. */
  report(options?: { since?: number; title?: string }): Promise<string>;
}

/**
 * Paying outside HTTP (an MCP tool result carrying a PaymentRequired): the same selection, policy,
 * ledger and receipts as payingFetch. Reached through `paymentEngine(pay)`.
 */
export interface PaymentEngine {
  /** A token or signed payload for the entry this challenge should be paid with. */
  acquire(challenge: PaymentRequired, resourceUrl: string, refused: HeldToken | undefined, paymentId: string, signal?: AbortSignal): Promise<HeldToken>;
  /** The paid call answered: record its receipt (or its refusal) like an HTTP one. */
  settled(resourceUrl: string, method: string, held: HeldToken, outcome: { accepted: boolean; receipt: SettlementReceipt | undefined }): Promise<void>;
  /** The paid call got no answer. */
  unknown(resourceUrl: string, method: string, held: HeldToken, sentAt: number, cause: unknown): Promise<PaymentOutcomeUnknownError>;
  drop(held: HeldToken): void;
  now(): number;
}

const ENGINE = Symbol('paying-fetch.engine');

/** The payment engine behind a PayingFetch (for the MCP wrapper and other transports). */
export function paymentEngine(pay: PayingFetch): PaymentEngine {
  const engine = (pay as unknown as Record<symbol, PaymentEngine>)[ENGINE];
  if (!engine) throw new TypeError('not a PayingFetch created by createPayingFetch');
  return engine;
}

export interface KeyInfo extends Omit<KeyRecord, 'apiKey'> {
  /** `exa_…1a2b`: enough to recognise it, useless to spend. */
  key: string;
}

/** Sends, replays after a 402 with a cached or fresh token, and never more than these many times. */
const MAX_SENDS_PER_CALL = 6;

/** Creates a fetch that pays Nevermined x402 402s within the spending policy. */
export function createPayingFetch(options: PayingFetchOptions): PayingFetch {
  const transport: FetchLike = options.fetch ?? defaultFetch;
  const policy = parsePolicy(options.policy);
  const now = options.clock ?? Date.now;
  const { client, source } = buildClient(options, transport);
  const events = new Emitter();
  const ledger = new Ledger(options.store ?? new MemoryStore(), policy, now, (w) => events.emit('budget-warning', w));
  const delegations = source ? new DelegationManager(client, ledger, policy, now, source) : undefined;
  const payer = new NeverminedPayer(client, new TokenCache(), events, { store: ledger.store, now, ttlMs: 24 * 3600 * 1000 });
  const recorder = new Recorder(client, ledger, now);
  const nvm = options.nevermined as { principal?: string } | undefined;
  const providers: ProviderRecipe[] = options.providers ?? [];
  for (const p of providers) {
    assertSecureUrl(p.purchase.url, `The ${p.name} purchase URL`, options.allowInsecureHttp);
    for (const origin of p.origins) assertSecureUrl(origin, `The ${p.name} origin`, options.allowInsecureHttp);
  }
  const keys = providers.length
    ? new KeyManager({
        client, delegations, ledger, policy, transport, now,
        principal: nvm?.principal ?? client.principal,
        onPurchase: (e) => events.emit('purchase', e),
        retryDelayMs: options.backendRetryDelayMs,
      })
    : undefined;
  const rateLimit = {
    rateLimitRetries: options.rateLimit?.retries ?? 3,
    rateLimitBaseMs: options.rateLimit?.baseMs ?? 500,
    rateLimitMaxMs: options.rateLimit?.maxMs ?? 8_000,
    // Buying ahead is a top-up: only with autoTopUp consent, and never blocking the call.
    refill: (recipe: ProviderRecipe, key: KeyRecord) => {
      if (!policy.autoTopUp) return;
      keys!.buy(recipe, 'refill', key).catch((error: Error) => {
        events.emit('blocked', { url: recipe.purchase.url, status: 0, reason: 'refill-failed', detail: client.scrub(error.message), error });
      });
    },
  };

  /** The provider whose key goes on this request, unless the caller set that header themselves. */
  const providerFor = (request: ReplayableRequest): ProviderRecipe | undefined => {
    const origin = originOf(request.url);
    return providers.find((p) => p.origins.includes(origin) && !request.headers.has(keyHeaderName(p)));
  };
  const bodyLimit = options.maxReplayBodyBytes ?? 16 * 1024 * 1024;
  const plugins: SchemePlugin[] = options.schemes ?? [];
  const resumables = resumeMarker(ledger.store, now);
  const schemePayer = new SchemePayer(ledger, events);
  const pluginFor = (entry: PaymentRequirement) => plugins.find((p) => p.network === entry.network && p.client.scheme === entry.scheme);

  const handBack = (url: string, response: Response, reason: string, detail: string, error?: Error): Response => {
    events.emit('blocked', { url, status: response.status, reason, detail: client.scrub(detail), ...(error ? { error } : {}) });
    return response;
  };

  /** Policy refusals surface as a `blocked` event, then as the typed error. */
  async function guarded<T>(url: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof PayingFetchError && ['POLICY_DENIED', 'BUDGET_EXCEEDED', 'VELOCITY_EXCEEDED', 'CONSENT_REQUIRED', 'PROVIDER_CAPPED', 'PAYMENT_SIGNING_FAILED'].includes(error.code)) {
        events.emit('blocked', { url, status: 402, reason: error.code.toLowerCase().replace(/_/g, '-'), detail: error.message, error });
      }
      throw error;
    }
  }

  /** A token for this entry, from a delegation the policy allows; renews once if the delegation ended. */
  async function tokenFor(entry: PaymentRequirement, x402Version: number, url: string, refused: HeldToken | undefined, signal?: AbortSignal): Promise<HeldToken> {
    const origin = originOf(url);
    const planId = entry.planId as string;
    assertAllowed(policy, { origin, planId, scheme: entry.scheme, network: entry.network });
    await ledger.assertCapsOpen(origin, planId, `Paying ${origin}`);
    await ledger.assertWithinBudget(`Paying ${origin}`);
    let delegationId = await delegations!.current(planId, signal);
    try {
      return await payer.acquire(entry, x402Version, url, delegationId, refused, signal);
    } catch (error) {
      if (!delegationEnded(error)) throw error;
      await delegations!.retire(delegationId);
      delegationId = await delegations!.current(planId, signal);
      return payer.acquire(entry, x402Version, url, delegationId, undefined, signal);
    }
  }

  /** Which entry of this challenge to pay (the policy checked on exactly that one). */
  function choose(challenge: PaymentRequired, url: string): Promise<Selection> {
    return guarded(url, async () => selectEntry(challenge, { origin: originOf(url), policy, nevermined: delegations !== undefined, plugins, select: options.selectRequirement }));
  }

  /** A Nevermined token or a signed payload for the chosen entry. */
  function payFor(candidate: Candidate, challenge: PaymentRequired, url: string, refused: HeldToken | undefined, paymentId: () => string, signal?: AbortSignal): Promise<HeldToken> {
    return guarded(url, () =>
      candidate.kind === 'nvm' ? tokenFor(candidate.entry, challenge.x402Version, url, refused, signal) : schemePayer.pay(candidate, challenge, url, paymentId()),
    );
  }

  const peek = (planId: string | undefined) => delegations?.peek(planId);

  /**
   * A cached token to send up front, when the route asked for a plan before and the policy still
   * allows it. Answers at once (no promise) when the policy checks passed a moment ago.
   */
  function preemptive(url: string): HeldToken | undefined | Promise<HeldToken | undefined> {
    const held = delegations ? payer.preemptive(url, peek) : undefined;
    if (!held || ledger.recentlyCleared(held.origin, held.entry.planId)) return held;
    return guarded(url, async () => {
      await ledger.assertCapsOpen(held.origin, held.entry.planId, `Paying ${held.origin}`);
      await ledger.assertWithinBudget(`Paying ${held.origin}`);
      return held;
    });
  }

  async function call(input: string | URL | Request, init?: PayingRequestInit): Promise<Response> {
    const made = toReplayable(input, init, bodyLimit);
    const request = made instanceof Promise ? await made : made; // no await on the hot path
    const labels: Labels = { agent: init?.agent ?? options.agent, tags: options.tags || init?.tags ? { ...options.tags, ...init?.tags } : undefined };
    const signal = withTimeout(request.signal, options.timeoutMs);
    const provider = keys ? providerFor(request) : undefined;
    if (provider) {
      const answered = await guarded(request.url, () => providerCall(provider, keys!, transport, request, signal, { ...rateLimit, labels }));
      if (answered) return answered;
    }
    let target: ReplayableRequest = request;
    // A retry of a call whose payment got no answer replays that same payment, never a new one.
    let fingerprint: string | undefined;
    // Keyed by who pays too: another agent sharing the store never replays this one's payment.
    const resumeKey = () => (fingerprint ??= `resume:${requestFingerprint(request, client.backendId, client.principal)}`); // hashed only when needed
    let resumed = policy.freshPaymentAfterUnknown || !(resumables.known() ?? (await resumables.any())) ? undefined : await ledger.store.getSecret(resumeKey(), now());
    const forget = async () => {
      if (resumed) await ledger.store.deleteSecret(resumeKey());
      resumed = undefined;
    };
    const upFront = resumed || !delegations ? undefined : preemptive(request.url);
    let held = resumed ? (JSON.parse(resumed) as HeldToken) : upFront instanceof Promise ? await upFront : upFront;
    let preemptiveSend = held !== undefined;
    let refusals = 0;
    let permit2Asked = false;
    let lastChallenge: PaymentRequired | undefined;
    // One id for this logical call: every retry of it carries the same one (payment-identifier).
    let id: string | undefined;
    const paymentId = () => (id ??= randomBytes(24).toString('base64url')); // made only if a scheme payment needs it

    for (let sends = 1; ; sends += 1) {
      const credentials = held ? { [held.headerName]: held.token } : {};
      let sent: Sent;
      const sentAt = now();
      try {
        sent = await send(transport, target, credentials, held?.origin, signal);
      } catch (error) {
        if (!held) throw error;
        // The payment went out and no answer came back: the charge may have happened.
        throw await outcomeUnknown(target.url, target.method, held, sentAt, 0, error, labels, resumeKey);
      }
      const paidHop = held !== undefined && originOf(sent.url) === held.origin;
      if (held && paidHop && events.wants('payment')) {
        events.emit('payment', { url: sent.url, method: sent.method, planId: held.entry.planId, scheme: held.entry.scheme, tokenHash: held.tokenHash, preemptive: preemptiveSend });
      }
      if (held?.kind === 'scheme' && paidHop && sent.response.status === 412) {
        // Permit2 needs an on-chain allowance first: ask the hook once, else a typed error. Never a loop.
        await ledger.release(held.reservationId!);
        await sent.response.body?.cancel();
        const facts = { url: sent.url, entry: held.entry };
        if (permit2Asked || !lastChallenge || !options.onPermit2AllowanceRequired || !(await options.onPermit2AllowanceRequired(facts))) {
          throw new Permit2AllowanceRequiredError({ url: sent.url, network: held.entry.network, asset: held.entry.asset });
        }
        permit2Asked = true;
        held = await payFor({ entry: held.entry, kind: 'scheme', plugin: pluginFor(held.entry), priceCents: held.priceCents, flow: 'upfront' }, lastChallenge, sent.url, undefined, paymentId, signal);
        continue;
      }
      if (sent.response.status !== 402) {
        if (held && paidHop) await settle(sent, held, sentAt, labels, resumeKey);
        if (resumed) await forget();
        return sent.response;
      }
      // A 402 to a signed payment: it was not accepted, so it cannot have been charged.
      if (held?.kind === 'scheme' && paidHop) await ledger.release(held.reservationId!);
      await forget(); // definitively refused: a fresh payment may follow

      // A 402: find out what it asks for, without losing the body the caller may want to read.
      const { bytes, response } = await peekBody(sent.response, MAX_CHALLENGE_BODY_BYTES);
      let challenge: PaymentRequired | undefined;
      try {
        challenge = readChallenge(response.headers, bytes);
      } catch (error) {
        return handBack(sent.url, response, 'invalid-challenge', (error as Error).message, error as Error);
      }
      if (!challenge) return handBack(sent.url, response, 'no-challenge', 'the 402 carries no x402 payment requirements');
      lastChallenge = challenge;
      const selection = await choose(challenge, sent.url);
      if (selection.kind === 'unpayable') return handBack(sent.url, response, selection.reason, selection.detail);
      const { candidate } = selection;

      let refused: HeldToken | undefined;
      // A seller may echo what it was sent: the token it refused never reaches an error or event.
      const sentToken = held?.token;
      const message = sellerMessage(bytes, challenge, (t) => client.scrub(sentToken ? redact(t, [sentToken]) : t));
      if (held?.kind === 'scheme' && paidHop) refusals += 1;
      if (held && payer.refused(held, sent.url, candidate.entry)) {
        payer.drop(held);
        refused = held;
        refusals += 1;
        // The seller says the delegation itself can pay no more: retire it (renewal follows the policy).
        const code = findBckCode(message);
        const said = code ? backendError({ action: 'settle', bckCode: code, status: 402, message: message ?? code }) : undefined;
        if (said && delegationEnded(said)) {
          // Not a refusal of the token: its delegation ran out (maybe drained by a sibling agent).
          await delegations!.retire(held.delegationId!);
          refusals -= 1;
        } else if (said?.code === 'CARD_DECLINED') throw said; // a new token would be declined too
      }
      if (refusals >= 2 || sends >= MAX_SENDS_PER_CALL) {
        throw new PaymentRejectedError({ url: sent.url, status: 402, sellerMessage: message });
      }
      held = await payFor(candidate, challenge, sent.url, refused, paymentId, signal);
      preemptiveSend = false;
      // Replay exactly the hop that asked for payment: its URL, method and body.
      target = { ...request, url: sent.url, method: sent.method, body: sent.body };
    }
  }

  /** No answer to a paid request: the receipt says `unknown`, a priced reservation stays until reconciled. */
  async function outcomeUnknown(url: string, method: string, held: HeldToken, sentAt: number, status: number, cause: unknown, labels: Labels = {}, resumeKey?: () => string): Promise<PaymentOutcomeUnknownError> {
    if (held.reservationId) await ledger.markUnknown(held.reservationId);
    // Kept (a secret, in the store) so that retrying this same request replays this same payment.
    if (resumeKey) {
      await ledger.store.putSecret(resumeKey(), JSON.stringify(held), now() + RESUME_TTL_MS);
      await resumables.mark();
    }
    const record = await recorder.unknown(url, method, held, sentAt, status, labels);
    return new PaymentOutcomeUnknownError({ url, receiptId: record.id, tokenHash: held.tokenHash, delegationId: held.delegationId, planId: held.entry.planId }, cause);
  }

  /** After a paid request: attach the receipt, record it, and treat a 5xx as an unknown outcome. */
  async function settle(sent: Sent, held: HeldToken, sentAt: number, labels: Labels, resumeKey?: () => string): Promise<void> {
    let receipt: SettlementReceipt | undefined;
    try {
      receipt = decodeReceipt(sent.response.headers);
    } catch (error) {
      events.emit('blocked', { url: sent.url, status: sent.response.status, reason: 'invalid-receipt', detail: (error as Error).message });
    }
    if (!receipt && sent.response.status >= 500) {
      await sent.response.body?.cancel();
      throw await outcomeUnknown(sent.url, sent.method, held, sentAt, sent.response.status, new Error(`HTTP ${sent.response.status}`), labels, resumeKey);
    }
    if (held.reservationId) {
      // A priced payment: accepted (2xx/3xx) means paid; refused (4xx) means not settled.
      if (sent.response.status < 400 || receipt?.success) await ledger.commit(held.reservationId);
      else await ledger.release(held.reservationId);
    }
    if (receipt) attachReceipt(sent.response, receipt);
    await recorder.paid(sent.url, sent.method, sent.response.status, held, receipt, labels);
    if (events.wants('receipt')) events.emit('receipt', { url: sent.url, method: sent.method, status: sent.response.status, planId: held.entry.planId, tokenHash: held.tokenHash, receipt });
  }

  const engine: PaymentEngine = {
    async acquire(challenge, resourceUrl, refused, paymentId, signal) {
      const selection = await choose(challenge, resourceUrl);
      if (selection.kind === 'unpayable') throw new PaymentRejectedError({ url: resourceUrl, status: 402, sellerMessage: selection.detail });
      return payFor(selection.candidate, challenge, resourceUrl, refused, () => paymentId, signal);
    },
    async settled(resourceUrl, method, held, { accepted, receipt }) {
      if (held.reservationId) await (accepted ? ledger.commit(held.reservationId) : ledger.release(held.reservationId));
      if (!accepted) return;
      await recorder.paid(resourceUrl, method, 200, held, receipt, { agent: options.agent, tags: options.tags });
      events.emit('receipt', { url: resourceUrl, method, status: 200, planId: held.entry.planId, tokenHash: held.tokenHash, receipt });
    },
    unknown: (resourceUrl, method, held, sentAt, cause) => outcomeUnknown(resourceUrl, method, held, sentAt, 0, cause),
    drop: (held) => payer.drop(held),
    now,
  };

  const payingFetch = call as PayingFetch;
  Object.defineProperty(payingFetch, ENGINE, { value: engine, enumerable: false });
  payingFetch.on = (event, listener) => events.on(event, listener);
  payingFetch.budget = () => ledger.budget();
  payingFetch.receipts = (query) => ledger.store.receipts(query);
  payingFetch.reconcile = () => reconcile(client, ledger, now);
  payingFetch.balances = () => balances(client, ledger, now);
  payingFetch.spend = async (spendOptions) => spendReport(await ledger.store.receipts({ since: spendOptions.since }), spendOptions);
  payingFetch.report = async (reportOptions = {}) =>
    renderHtmlReport({ receipts: await ledger.store.receipts({ since: reportOptions.since }), budget: await ledger.budget(), generatedAt: now(), title: reportOptions.title });
  payingFetch.keys = async () => (await ledger.store.keys()).map(({ apiKey, ...rest }) => ({ ...rest, key: redactKey(apiKey) }));
  return payingFetch;
}

/** How long a payment whose outcome is unknown is kept for a retry of the same request to replay. */
const RESUME_TTL_MS = 3_600_000;
const RESUME_MARKER = 'resume:any';

/**
 * Whether any payment awaits a replay (written by this process or another sharing the store).
 * Checked in the store at most every 5 seconds, so ordinary calls pay no store round trip for it.
 */
function resumeMarker(store: Store, now: () => number) {
  let known: boolean | undefined;
  let checkedAt = 0;
  const fresh = () => known !== undefined && Date.now() - checkedAt <= 5_000;
  return {
    /** The answer without a store round trip, when one was had within 5 seconds. */
    known: (): boolean | undefined => (fresh() ? known : undefined),
    async any(): Promise<boolean> {
      if (fresh()) return known!;
      const found = (await store.getSecret(RESUME_MARKER, now())) !== undefined;
      known = found;
      checkedAt = Date.now();
      return found;
    },
    async mark(): Promise<void> {
      await store.putSecret(RESUME_MARKER, '1', now() + RESUME_TTL_MS);
      known = true;
      checkedAt = Date.now();
    },
  };
}

/** One logical request of one payer, as a retry of it will look: who pays, method, URL and body. */
function requestFingerprint(request: ReplayableRequest, backendId: string, principal: string): string {
  const hash = createHash('sha256').update(`${backendId}\n${principal}\n${request.method}\n${request.url}\n`);
  if (request.body !== undefined) hash.update(request.body);
  return hash.digest('hex');
}

function withTimeout(signal: AbortSignal | undefined, timeoutMs: number | undefined): AbortSignal | undefined {
  if (timeoutMs === undefined) return signal;
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

/** The seller's reason for a 402, from its JSON body (`message` / `error`) or the challenge. */
function sellerMessage(bytes: Uint8Array | undefined, challenge: PaymentRequired, scrub: (text: string) => string): string | undefined {
  const json = bytes ? safeJsonParse(Buffer.from(bytes).toString('utf8')) : undefined;
  const body = (typeof json === 'object' && json !== null ? json : {}) as { message?: unknown; error?: unknown };
  const text = [body.message, body.error, challenge.error].find((v): v is string => typeof v === 'string' && v !== 'Payment Required');
  // Redacted whole, then cut: a secret cut in half would no longer match.
  return text === undefined ? undefined : scrub(text).slice(0, 1000);
}
