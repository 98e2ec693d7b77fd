import pRetry from 'p-retry';
import { randomUUID } from 'node:crypto';
import { BudgetExceededError } from '../errors/budget-exceeded-error.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import { ConsentRequiredError } from '../errors/consent-required-error.js';
import { PaymentOutcomeUnknownError } from '../errors/payment-outcome-unknown-error.js';
import { PurchaseFailedError } from '../errors/purchase-failed-error.js';
import { VelocityExceededError } from '../errors/velocity-exceeded-error.js';
import type { NeverminedClient } from '../nevermined/client.js';
import { backendError, findBckCode } from '../nevermined/backend-errors.js';
import { delegationEnded, type DelegationManager } from '../nevermined/delegations.js';
import type { Ledger } from '../policy/ledger.js';
import { DAY_MS } from '../policy/limits.js';
import { assertAllowed, consentOf, type Policy } from '../policy/policy.js';
import type { KeyRecord, LimitCheck, PendingPurchase } from '../store/types.js';
import { fingerprint } from '../util/hash.js';
import { originOf, urlParts } from '../util/url-parts.js';
import { redact } from '../util/redact.js';
import { withLock } from '../store/with-lock.js';
import { readAllBounded } from '../util/read-bounded.js';
import { safeJsonParse } from '../util/safe-json.js';
import type { FetchLike } from '../util/transport.js';
import { readPurchaseAnswer } from './purchase-answer.js';
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

export interface KeyManagerDeps {
  client: NeverminedClient;
  delegations: DelegationManager | undefined;
  ledger: Ledger;
  policy: Policy;
  transport: FetchLike;
  now: () => number;
  principal: string;
  onPurchase: (event: PurchaseEvent) => void;
  /** Retries of a purchase POST with the same token (network errors, 5xx). Default 3. */
  retries?: number | undefined;
  retryDelayMs?: number | undefined;
}

const MAX_ANSWER_BYTES = 64 * 1024;

type PostResult = { kind: 'ok'; json: unknown; status: number } | { kind: 'refused' | 'failed'; status: number; text: string };

class TransientPurchaseError extends Error {}

/** Who is spending, carried to purchase receipts. */
type Labels = { agent?: string | undefined; tags?: Record<string, string> | undefined };

/** The vendor's own words for a refusal (`error` / `message` of a JSON body), bounded. */
function vendorReason(text: string): string {
  const json = safeJsonParse(text) as { error?: unknown; message?: unknown } | undefined;
  const said = [json?.message, json?.error].find((v): v is string => typeof v === 'string');
  return (said ?? text).slice(0, 64 * 1024);
}

/**
 * Buys, caches and tops up provider keys: one purchase at a time per (provider, plan, principal),
 * reserved before minting, recorded as pending before the POST, replayed with the same token.
 */
export class KeyManager {
  readonly #flights = new Map<string, Promise<KeyRecord>>();

  constructor(private readonly deps: KeyManagerDeps) {}

  keyId(recipe: ProviderRecipe): string {
    return `${recipe.name}:${recipe.purchase.planId}:${this.deps.principal}`;
  }

  /** The usable cached key, if any (not dropped, not expired). */
  async current(recipe: ProviderRecipe): Promise<KeyRecord | undefined> {
    const key = await this.deps.ledger.store.getKey(this.keyId(recipe));
    if (!key || key.apiKey === '' || (key.expiresAt !== undefined && key.expiresAt <= this.deps.now())) return undefined;
    return key;
  }

  /**
   * Buys (or tops up) once for all concurrent callers. `seen` is the key the caller found wanting:
   * if another caller has bought since, that purchase is shared instead of buying again.
   */
  async buy(recipe: ProviderRecipe, reason: string, seen: KeyRecord | undefined, signal?: AbortSignal, labels: Labels = {}): Promise<KeyRecord> {
    const id = this.keyId(recipe);
    const running = this.#flights.get(id);
    if (running) return running;
    // One purchase per key across processes too: the store lease serialises them, and the check
    // inside sees a purchase another process finished meanwhile.
    // A shared purchase carries the labels of the call that started it.
    const flight = withLock(this.deps.ledger.store, `purchase:${id}`, () => this.#buyOnce(recipe, reason, seen, signal, labels), { signal }).finally(() => this.#flights.delete(id));
    this.#flights.set(id, flight);
    return flight;
  }

  /** An accepted call: one unit of a locally tracked pack is spent. */
  async used(recipe: ProviderRecipe, key: KeyRecord): Promise<number | undefined> {
    const store = this.deps.ledger.store;
    const units = key.units === undefined ? undefined : await store.addUnits(key.id, -1);
    // lastUsedAt is for people, not for money: written at most once a minute.
    if (key.lastUsedAt === undefined || this.deps.now() - key.lastUsedAt > 60_000) {
      const fresh = await store.getKey(key.id);
      if (fresh) await store.putKey({ ...fresh, lastUsedAt: this.deps.now() });
      key.lastUsedAt = this.deps.now();
    }
    return units;
  }

  /** The vendor refused the key: forget it (its purchase history stays, so re-buying needs consent). */
  async drop(key: KeyRecord): Promise<void> {
    const fresh = await this.deps.ledger.store.getKey(key.id);
    if (fresh && fresh.apiKey === key.apiKey) await this.deps.ledger.store.putKey({ ...fresh, apiKey: '' });
  }

  async #buyOnce(recipe: ProviderRecipe, reason: string, seen: KeyRecord | undefined, signal: AbortSignal | undefined, labels: Labels): Promise<KeyRecord> {
    const { store } = this.deps.ledger;
    const id = this.keyId(recipe);
    const existing = await store.getKey(id);
    // Someone else bought since the caller looked: share that purchase.
    if (existing && existing.apiKey !== '' && (seen === undefined ? reason === 'first' : existing.purchases > seen.purchases) && !(existing.units !== undefined && existing.units <= 0)) {
      return existing;
    }
    const pending = await store.getPending(`purchase:${id}`);
    if (pending) return this.#complete(recipe, pending, existing, true, signal, labels);

    const firstEver = existing === undefined;
    const consent = consentOf(this.deps.policy.autoTopUp);
    if (!firstEver && !consent.given) {
      throw new ConsentRequiredError('autoTopUp', reason === 'unauthorized' ? `The ${recipe.name} key was refused and buying another needs consent` : `The ${recipe.name} pack is empty`);
    }
    for (let attempt = 0; ; attempt += 1) {
      const fresh = await this.#start(recipe, reason, firstEver, consent, signal);
      try {
        return await this.#complete(recipe, fresh, existing, false, signal, labels);
      } catch (error) {
        // A definitive refusal of the token (402): one fresh token, then give up.
        if (!(error instanceof PurchaseFailedError && error.status === 402) || attempt >= 1) throw error;
      }
    }
  }

  /** Checks the policy, reserves the price, mints, and records the pending purchase before any POST. */
  async #start(recipe: ProviderRecipe, reason: string, firstEver: boolean, consent: ReturnType<typeof consentOf>, signal?: AbortSignal): Promise<PendingPurchase> {
    const { ledger, policy, client } = this.deps;
    const p = recipe.purchase;
    const origin = originOf(p.url);
    const scheme = p.scheme ?? 'nvm:card-delegation';
    const network = p.network ?? 'stripe';
    assertAllowed(policy, { origin, planId: p.planId, scheme, network });
    if (!this.deps.delegations) throw new ConfigurationError(`Buying from ${recipe.name} needs nevermined.delegationId or nevermined.paymentMethodId`);

    const extra: LimitCheck[] = [];
    if (!firstEver && consent.maxPerDay !== undefined) extra.push({ name: 'autoTopUp.maxPerDay', windowMs: DAY_MS, max: consent.maxPerDay, counts: true, kinds: ['pack'], note: 'top-up' });
    if (!firstEver && consent.maxCentsPerDay !== undefined) extra.push({ name: 'autoTopUp.maxCentsPerDay', windowMs: DAY_MS, max: consent.maxCentsPerDay, kinds: ['pack'], note: 'top-up' });
    let reservation;
    try {
      reservation = await ledger.reserve({ kind: 'pack', amountCents: p.priceCents ?? 0, origin, planId: p.planId, note: firstEver ? 'first-purchase' : 'top-up', what: `A ${recipe.name} pack`, extra });
    } catch (error) {
      const limit = (error as { limit?: string }).limit ?? '';
      if ((error instanceof BudgetExceededError || error instanceof VelocityExceededError) && limit.startsWith('autoTopUp')) {
        throw new ConsentRequiredError(limit, `Topping up ${recipe.name} would pass the consent cap ${limit}`);
      }
      throw error;
    }
    try {
      const { token, delegationId } = await this.#mint(recipe, scheme, network, signal);
      const pending: PendingPurchase = { id: `purchase:${this.keyId(recipe)}`, provider: recipe.name, planId: p.planId, principal: this.deps.principal, token, tokenHash: fingerprint(token), reservationId: reservation.id, delegationId, reason, createdAt: this.deps.now() };
      await ledger.store.putPending(pending);
      return pending;
    } catch (error) {
      await ledger.release(reservation.id); // nothing was sent: nothing can have been charged
      throw error;
    }
  }

  async #mint(recipe: ProviderRecipe, scheme: string, network: string, signal?: AbortSignal): Promise<{ token: string; delegationId: string }> {
    const delegations = this.deps.delegations!;
    const p = recipe.purchase;
    let delegationId = await delegations.current(p.planId, signal);
    const mint = async () => ({ token: (await this.deps.client.mint({ scheme, network, planId: p.planId, agentId: p.agentId, delegationId }, signal)).accessToken, delegationId });
    try {
      return await mint();
    } catch (error) {
      if (!delegationEnded(error)) throw error;
      await delegations.retire(delegationId);
      delegationId = await delegations.current(p.planId, signal);
      return mint();
    }
  }

  /** POSTs the purchase (replaying the same token on transient failures) and stores the key. */
  async #complete(recipe: ProviderRecipe, pending: PendingPurchase, existing: KeyRecord | undefined, resumed: boolean, signal: AbortSignal | undefined, labels: Labels): Promise<KeyRecord> {
    const { ledger, now } = this.deps;
    const store = ledger.store;
    const { origin, pathname } = urlParts(recipe.purchase.url);
    const receiptBase = {
      method: recipe.purchase.method ?? 'POST', origin, path: pathname, planId: pending.planId,
      scheme: recipe.purchase.scheme ?? 'nvm:card-delegation', network: recipe.purchase.network ?? 'stripe', tokenHash: pending.tokenHash, provider: recipe.name,
      ...(labels.agent ? { agent: labels.agent } : {}), ...(labels.tags ? { tags: { ...labels.tags } } : {}),
    };
    let result: PostResult;
    try {
      result = await this.#post(recipe, pending.token, signal);
    } catch (error) {
      // No answer after the retries: the vendor may have charged. Keep the reservation and the pending purchase.
      if (pending.reservationId) await ledger.markUnknown(pending.reservationId);
      const receiptId = randomUUID();
      await store.appendReceipt({ id: receiptId, at: now(), status: 0, outcome: 'unknown', reservedCents: recipe.purchase.priceCents, ...receiptBase });
      throw new PaymentOutcomeUnknownError({ url: recipe.purchase.url, receiptId, tokenHash: pending.tokenHash, planId: pending.planId }, error);
    }
    if (result.kind !== 'ok') {
      // A definitive answer without a key: the token bought nothing.
      if (pending.reservationId) await ledger.release(pending.reservationId);
      await store.deletePending(pending.id);
      // The vendor may echo what it was sent: neither the token nor the API key reaches the error.
      // (Redacted before it is cut short: a cut token would no longer match.)
      const reason = this.deps.client.scrub(redact(vendorReason(result.text), [pending.token])).slice(0, 300) || 'refused';
      const code = findBckCode(reason);
      const said = code ? backendError({ action: `buy from ${recipe.name}`, bckCode: code, status: result.status, message: reason }) : undefined;
      if (said && delegationEnded(said) && this.deps.delegations) {
        await this.deps.delegations.retire(pending.delegationId ?? '');
      }
      throw new PurchaseFailedError(recipe.name, reason, result.status);
    }
    // Paid (2xx): the purchase is committed whatever the answer says; a reader that throws (a
    // custom recipe) must not leave it pending, or the next call would POST the token again.
    let answer: PurchaseAnswer;
    try {
      answer = recipe.readPurchase(result.json);
    } catch {
      answer = readPurchaseAnswer(undefined);
    }
    if (pending.reservationId) await ledger.commit(pending.reservationId);
    await store.deletePending(pending.id);
    await store.appendReceipt({ id: randomUUID(), at: now(), status: result.status, outcome: 'paid', amountCents: recipe.purchase.priceCents, ...receiptBase });
    const apiKey = answer.apiKey ?? existing?.apiKey ?? '';
    const bought = answer.units ?? recipe.unitsPerPack;
    const record: KeyRecord = {
      id: this.keyId(recipe),
      provider: recipe.name,
      planId: pending.planId,
      principal: this.deps.principal,
      apiKey,
      createdAt: existing?.createdAt ?? now(),
      lastUsedAt: existing?.lastUsedAt,
      lastTopUpAt: now(),
      expiresAt: answer.expiresAt ?? existing?.expiresAt,
      units: bought === undefined ? undefined : Math.max(0, existing?.units ?? 0) + bought,
      purchases: (existing?.purchases ?? 0) + 1,
    };
    // Recorded even without a key: the purchase happened, so buying again is a top-up (consent, caps).
    await store.putKey(record);
    if (!apiKey) throw new PurchaseFailedError(recipe.name, 'the answer carried no key and none is cached', result.status);
    this.deps.onPurchase({ provider: recipe.name, planId: pending.planId, reason: pending.reason, status: answer.status, tokenHash: pending.tokenHash, amountCents: recipe.purchase.priceCents, resumed });
    return record;
  }

  async #post(recipe: ProviderRecipe, token: string, signal?: AbortSignal): Promise<PostResult> {
    const p = recipe.purchase;
    return pRetry(
      async () => {
        let response: Response;
        try {
          response = await this.deps.transport(p.url, {
            method: p.method ?? 'POST',
            headers: { [p.paymentHeader ?? 'payment-signature']: token, accept: 'application/json', ...(p.body ? { 'content-type': 'application/json' } : {}) },
            ...(p.body ? { body: p.body } : {}),
            redirect: 'error', // the token goes to the purchase URL and nowhere else
            ...(signal ? { signal } : {}),
          });
        } catch (error) {
          if (signal?.aborted) throw signal.reason;
          throw new TransientPurchaseError((error as Error).message);
        }
        const bytes = await readAllBounded(response.body, MAX_ANSWER_BYTES).catch(() => undefined);
        const text = bytes ? Buffer.from(bytes).toString('utf8') : '';
        if (response.status >= 500) throw new TransientPurchaseError(`HTTP ${response.status}`);
        if (response.ok) return { kind: 'ok', json: safeJsonParse(text), status: response.status };
        return { kind: response.status === 402 ? 'refused' : 'failed', status: response.status, text };
      },
      {
        retries: this.deps.retries ?? 3,
        minTimeout: this.deps.retryDelayMs ?? 200,
        randomize: true,
        ...(signal ? { signal } : {}),
        shouldRetry: ({ error }) => error instanceof TransientPurchaseError,
      },
    );
  }
}
