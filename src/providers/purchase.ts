import { ConfigurationError } from '../errors/configuration-error.js';
import { ConsentRequiredError } from '../errors/consent-required-error.js';
import { PaymentOutcomeUnknownError } from '../errors/payment-outcome-unknown-error.js';
import { PurchaseFailedError } from '../errors/purchase-failed-error.js';
import { UnusableKeyError } from '../errors/unusable-key-error.js';
import type { NeverminedClient } from '../nevermined/client.js';
import type { DelegationManager } from '../nevermined/delegations.js';
import { mintWithRenewal } from '../nevermined/mint-with-renewal.js';
import type { Ledger } from '../policy/ledger.js';
import { assertAllowed, consentOf, type Policy } from '../policy/policy.js';
import type { KeyRecord, PendingPurchase } from '../store/types.js';
import { fingerprint } from '../util/hash.js';
import { redact } from '../util/redact.js';
import type { RetryKnobs } from '../util/retry-policy.js';
import type { FetchLike } from '../util/transport.js';
import { originOf } from '../util/url-parts.js';
import { isUsableKey } from './key-check.js';
import type { KeyStore } from './key-store.js';
import { releaseStalePacks, reservePack, type Consent } from './pack-reservation.js';
import { readPurchaseAnswer } from './purchase-answer.js';
import { postPurchase, vendorReason, type PostResult } from './purchase-post.js';
import { settleUnknownReceipt, writePurchaseReceipt, type Labels } from './purchase-receipt.js';
import type { PurchaseAnswer, ProviderRecipe } from './recipe.js';

export interface PurchaseEvent {
  provider: string;
  planId: string;
  reason: string;
  /** The vendor's `status` (`provisioned`, `topped_up`, `ok`, ...). */
  status: string | undefined;
  tokenHash: string;
  amountCents: number | undefined;
  /** True when a pending purchase was resumed with its original token. */
  resumed: boolean;
}

export interface PurchaseDeps {
  client: NeverminedClient;
  delegations: DelegationManager | undefined;
  ledger: Ledger;
  policy: Policy;
  transport: FetchLike;
  now: () => number;
  keys: KeyStore;
  onPurchase: (event: PurchaseEvent) => void;
  /** Replays of a purchase POST with the same token (network errors, 5xx). */
  retry: RetryKnobs;
}

/** What one turn at the purchase lease gave: a key (bought here, resumed, or bought by another), and whether this turn minted. */
export interface PurchaseTurn {
  key: KeyRecord | undefined;
  started: boolean;
}

export interface TurnRequest {
  reason: string;
  /** The key the caller found wanting (undefined: it had none). */
  seen: KeyRecord | undefined;
  /** False for a caller that already started a purchase: it may share one, never start another. */
  mayStart: boolean;
  signal?: AbortSignal | undefined;
  labels?: Labels | undefined;
}

type Completed = { kind: 'bought'; key: KeyRecord } | { kind: 'refused'; status: number; error: PurchaseFailedError };

/** Whether `key` is a purchase newer than what the caller saw, and still worth using. */
export function boughtSince(key: KeyRecord | undefined, seen: KeyRecord | undefined): key is KeyRecord {
  if (!key || !isUsableKey(key.apiKey) || (key.units !== undefined && key.units <= 0)) return false;
  return seen === undefined || key.purchases > seen.purchases;
}

/**
 * Buying a pack: start (policy, reservation, mint, pending record before any POST), post, complete
 * (ledger, receipt, key), and resume a purchase left pending (same token: never two charges).
 * Every method here runs holding the key's purchase lease.
 */
export class Purchase {
  constructor(private readonly deps: PurchaseDeps) {}

  /** One turn: share a purchase made since the caller looked, resume a pending one, or buy. */
  async turn(recipe: ProviderRecipe, request: TurnRequest): Promise<PurchaseTurn> {
    const { keys, ledger } = this.deps;
    const id = keys.keyId(recipe);
    let existing = await keys.get(id);
    // Someone else bought since the caller looked: share that purchase.
    if (boughtSince(existing, request.seen) && (request.seen !== undefined || request.reason === 'first')) return { key: existing, started: false };
    const pending = await ledger.store.getPending(`purchase:${id}`);
    await releaseStalePacks(ledger, id, pending?.reservationId);
    if (pending) {
      const resumed = await this.#complete(recipe, pending, existing, true, request);
      if (resumed.kind === 'bought') return { key: resumed.key, started: false };
      existing = await keys.get(id); // refused: its token bought nothing, so a fresh purchase may follow
    }
    if (!request.mayStart) return { key: undefined, started: false };
    return { key: await this.#buyFresh(recipe, existing, request), started: true };
  }

  async #buyFresh(recipe: ProviderRecipe, existing: KeyRecord | undefined, request: TurnRequest): Promise<KeyRecord> {
    const firstEver = existing === undefined;
    const consent = consentOf(this.deps.policy.autoTopUp);
    if (!firstEver && !consent.given) {
      throw new ConsentRequiredError({ consent: 'autoTopUp', situation: request.reason === 'unauthorized' ? `The ${recipe.name} key was refused and buying another needs consent` : `The ${recipe.name} pack is empty` });
    }
    for (let attempt = 0; ; attempt += 1) {
      const pending = await this.#start(recipe, request.reason, firstEver, consent, request.signal);
      const done = await this.#complete(recipe, pending, existing, false, request);
      if (done.kind === 'bought') return done.key;
      // A definitive refusal of the token (402): one fresh token, then give up.
      if (done.status !== 402 || attempt >= 1) throw done.error;
    }
  }

  /** Checks the policy, reserves the price, mints, and records the pending purchase before any POST. */
  async #start(recipe: ProviderRecipe, reason: string, firstEver: boolean, consent: Consent, signal: AbortSignal | undefined): Promise<PendingPurchase> {
    const { ledger, policy, client, delegations, keys } = this.deps;
    const p = recipe.purchase;
    const scheme = p.scheme ?? 'nvm:card-delegation';
    const network = p.network ?? 'stripe';
    assertAllowed(policy, { origin: originOf(p.url), planId: p.planId, scheme, network });
    if (!delegations) throw new ConfigurationError(`Buying from ${recipe.name} needs nevermined.delegationId or nevermined.paymentMethodId`);
    const id = keys.keyId(recipe);
    const reservation = await reservePack(ledger, recipe, id, firstEver, consent);
    try {
      const { accessToken: token, delegationId } = await mintWithRenewal({ client, delegations }, { scheme, network, planId: p.planId, agentId: p.agentId }, signal);
      await ledger.store.settle(reservation.id, { state: 'reserved', delegationId }); // reconcile() matches its charge by delegation
      const pending: PendingPurchase = { id: `purchase:${id}`, provider: recipe.name, planId: p.planId, principal: keys.principal, token, tokenHash: fingerprint(token), reservationId: reservation.id, delegationId, reason, createdAt: this.deps.now() };
      await ledger.store.putPending(pending);
      return pending;
    } catch (error) {
      await ledger.release(reservation.id); // nothing was sent: nothing can have been charged
      throw error;
    }
  }

  /** POSTs the purchase (the same token on every replay) and settles what the answer says. */
  async #complete(recipe: ProviderRecipe, pending: PendingPurchase, existing: KeyRecord | undefined, resumed: boolean, request: TurnRequest): Promise<Completed> {
    const { ledger, now } = this.deps;
    let result: PostResult;
    try {
      result = await postPurchase(this.deps.transport, recipe, pending.token, this.deps.retry, request.signal);
    } catch (error) {
      // No answer after the retries: the vendor may have charged. Keep the reservation and the pending purchase.
      if (pending.reservationId) await ledger.markUnknown(pending.reservationId);
      const receiptId = await writePurchaseReceipt(ledger.store, now(), recipe, pending, { outcome: 'unknown' }, request.labels ?? {}, resumed);
      throw new PaymentOutcomeUnknownError({ url: recipe.purchase.url, receiptId, tokenHash: pending.tokenHash, planId: pending.planId, delegationId: pending.delegationId }, error);
    }
    if (result.kind !== 'ok') return this.#refused(recipe, pending, result, resumed);
    return { kind: 'bought', key: await this.#paid(recipe, pending, existing, result, resumed, request.labels ?? {}) };
  }

  /** A definitive answer without a key: the token bought nothing. A vendor's words retire nothing. */
  async #refused(recipe: ProviderRecipe, pending: PendingPurchase, result: Extract<PostResult, { kind: 'refused' | 'failed' }>, resumed: boolean): Promise<Completed> {
    const { ledger } = this.deps;
    // The vendor's refusal is a claim: the token was handed over, so its pack stays counted (in the
    // top-up caps) as unknown until reconcile() matches a charge to it or finds none.
    if (pending.reservationId) await ledger.markUnknown(pending.reservationId);
    await ledger.store.deletePending(pending.id);
    if (resumed) await settleUnknownReceipt(ledger.store, recipe, pending, { outcome: 'unknown' });
    // The vendor may echo what it was sent: neither the token nor the API key reaches the error.
    // (Redacted before it is cut short: a cut token would no longer match.)
    const reason = this.deps.client.scrub(redact(vendorReason(result.text), [pending.token])).slice(0, 300) || 'refused';
    return { kind: 'refused', status: result.status, error: new PurchaseFailedError({ provider: recipe.name, reason, status: result.status }) };
  }

  /** Paid (2xx): committed whatever the answer says, so the token is never posted again. */
  async #paid(recipe: ProviderRecipe, pending: PendingPurchase, existing: KeyRecord | undefined, result: Extract<PostResult, { kind: 'ok' }>, resumed: boolean, labels: Labels): Promise<KeyRecord> {
    const { ledger, now } = this.deps;
    let answer: PurchaseAnswer;
    try {
      answer = recipe.readPurchase(result.json);
    } catch {
      answer = readPurchaseAnswer(undefined); // a custom reader that throws must not leave it pending
    }
    if (pending.reservationId) await ledger.commit(pending.reservationId);
    await writePurchaseReceipt(ledger.store, now(), recipe, pending, { outcome: 'paid', status: result.status }, labels, resumed);
    const { record, unusableKey } = await this.deps.keys.recordPurchase(recipe, pending, existing, answer);
    // Only once the key is stored: a store failing before that leaves the purchase pending, and the
    // next call resumes it with the same token (the vendor answers with the same key, no new charge).
    await ledger.store.deletePending(pending.id);
    if (unusableKey) throw new UnusableKeyError({ provider: recipe.name });
    if (!record.apiKey) throw new PurchaseFailedError({ provider: recipe.name, reason: 'the answer carried no key and none is cached', status: result.status });
    this.deps.onPurchase({ provider: recipe.name, planId: pending.planId, reason: pending.reason, status: answer.status, tokenHash: pending.tokenHash, amountCents: recipe.purchase.priceCents, resumed });
    return record;
  }
}
