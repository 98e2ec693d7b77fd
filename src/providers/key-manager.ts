import type { RetryKnobs } from '../util/retry-policy.js';
import { PurchaseFailedError } from '../errors/purchase-failed-error.js';
import { withLock } from '../store/with-lock.js';
import type { KeyRecord } from '../store/types.js';
import { sleep } from '../util/sleep.js';
import { KeyStore } from './key-store.js';
import { boughtSince, Purchase, type PurchaseDeps, type PurchaseTurn, type TurnRequest } from './purchase.js';
import type { Labels } from './purchase-receipt.js';
import type { ProviderRecipe } from './recipe.js';

export type { PurchaseEvent } from './purchase.js';

/** What createPayingFetch hands over: the purchase's collaborators, the principal, the retry knobs. */
export type KeyManagerDeps = Omit<PurchaseDeps, 'keys' | 'retry'> & {
  principal: string;
  /** Retries of a purchase POST with the same token (network errors, 5xx). Default 3. */
  retries?: number | undefined;
  retryDelayMs?: number | undefined;
  /** Told of each retry of a purchase POST (the same token again). */
  onRetry?: RetryKnobs['onRetry'];
};

/** How long a caller that may only share a purchase waits for another caller to start one. */
const SHARE_GRACE_MS = 2_000;
const SHARE_POLL_MS = 20;
const SHARE_MAX_WAIT_MS = 90_000;

/**
 * Credit-pack keys for the HTTP path: the key store (current, used, drop) and one purchase at a
 * time per (provider, plan, principal), shared by concurrent callers in this process (one flight)
 * and across processes (the store's purchase lease).
 */
export class KeyManager {
  readonly #flights = new Map<string, Promise<PurchaseTurn>>();
  readonly #keys: KeyStore;
  readonly #purchase: Purchase;

  constructor(private readonly deps: KeyManagerDeps) {
    this.#keys = new KeyStore(deps.ledger.store, deps.now, deps.principal);
    const retry = { retries: deps.retries, retryDelayMs: deps.retryDelayMs, onRetry: deps.onRetry };
    this.#purchase = new Purchase({ ...deps, keys: this.#keys, retry });
  }

  keyId(recipe: ProviderRecipe): string {
    return this.#keys.keyId(recipe);
  }

  /** The usable cached key, if any (not dropped, not expired). */
  current(recipe: ProviderRecipe): Promise<KeyRecord | undefined> {
    return this.#keys.current(recipe);
  }

  /** An accepted call: one unit of a locally tracked pack is spent. */
  used(_recipe: ProviderRecipe, key: KeyRecord): Promise<number | undefined> {
    return this.#keys.used(key);
  }

  /** The vendor refused the key: forget it (its purchase history stays, so re-buying needs consent). */
  drop(key: KeyRecord): Promise<void> {
    return this.#keys.drop(key);
  }

  /**
   * Buys (or tops up) once for all concurrent callers. `seen` is the key the caller found wanting:
   * if another caller has bought since, that purchase is shared instead of buying again.
   */
  async buy(recipe: ProviderRecipe, reason: string, seen: KeyRecord | undefined, signal?: AbortSignal, labels: Labels = {}): Promise<KeyRecord> {
    const { key } = await this.obtain(recipe, { reason, seen, mayStart: true, signal, labels });
    if (!key) throw new PurchaseFailedError({ provider: recipe.name, reason: 'no key came of the purchase' });
    return key;
  }

  /**
   * A key for a caller: joins the purchase running in this process, else takes a turn at the
   * purchase lease (share what another process bought, resume, or buy). A caller that may not
   * start a purchase (it started one already) only shares; `started` says whether this caller minted.
   */
  obtain(recipe: ProviderRecipe, request: TurnRequest): Promise<PurchaseTurn> {
    const id = this.keyId(recipe);
    const running = this.#flights.get(id);
    if (running) return running.then(({ key }) => ({ key, started: false }));
    if (!request.mayStart) return this.#share(recipe, request).then((key) => ({ key, started: false }));
    // A shared purchase carries the labels of the call that started it.
    const flight = withLock(this.deps.ledger.store, `purchase:${id}`, () => this.#purchase.turn(recipe, request), { signal: request.signal }).finally(() => this.#flights.delete(id));
    this.#flights.set(id, flight);
    return flight;
  }

  /**
   * Waits for a purchase someone else makes: one running here, or one another process holds the
   * lease for. Gives up when nobody starts one within a short grace (then the caller hands its
   * answer back), and never starts one itself.
   */
  async #share(recipe: ProviderRecipe, request: TurnRequest): Promise<KeyRecord | undefined> {
    const id = this.keyId(recipe);
    const started = Date.now();
    let activeAt = started;
    while (Date.now() - started < SHARE_MAX_WAIT_MS) {
      const running = this.#flights.get(id);
      if (running) return (await running).key;
      const fresh = await this.#keys.get(id);
      if (boughtSince(fresh, request.seen)) return fresh;
      // Leases run on the wall clock (withLock's default), not on the injected one.
      if (await this.deps.ledger.store.lockHolder(`purchase:${id}`, Date.now())) activeAt = Date.now();
      else if (Date.now() - activeAt > SHARE_GRACE_MS) return undefined;
      await sleep(SHARE_POLL_MS, request.signal);
    }
    return undefined;
  }
}
