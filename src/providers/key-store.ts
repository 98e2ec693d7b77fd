import type { KeyRecord, PendingPurchase, Store } from '../store/types.js';
import { isUsableKey } from './key-check.js';
import type { PurchaseAnswer, ProviderRecipe } from './recipe.js';

/** What a paid purchase left in the key store. */
export interface StoredPurchase {
  record: KeyRecord;
  /** The answer carried a key that cannot ride on a header: it was not stored. */
  unusableKey: boolean;
}

/**
 * The cached keys of credit packs, one per (provider, plan, principal): the key in use, units
 * spent, a refused key dropped, a purchase recorded. Holds no money logic.
 */
export class KeyStore {
  constructor(
    readonly store: Store,
    private readonly now: () => number,
    readonly principal: string,
  ) {}

  keyId(recipe: ProviderRecipe): string {
    return `${recipe.name}:${recipe.purchase.planId}:${this.principal}`;
  }

  get(id: string): Promise<KeyRecord | undefined> {
    return this.store.getKey(id);
  }

  /** The usable cached key, if any (not dropped, not expired, sendable in a header). */
  async current(recipe: ProviderRecipe): Promise<KeyRecord | undefined> {
    const key = await this.store.getKey(this.keyId(recipe));
    if (!key || key.apiKey === '' || (key.expiresAt !== undefined && key.expiresAt <= this.now())) return undefined;
    // A key stored before keys were checked, that no header can carry: as if there were none.
    if (!isUsableKey(key.apiKey)) return undefined;
    return key;
  }

  /** An accepted call: one unit of a locally tracked pack is spent. */
  async used(key: KeyRecord): Promise<number | undefined> {
    const units = key.units === undefined ? undefined : await this.store.addUnits(key.id, -1);
    // lastUsedAt is for people, not for money: written at most once a minute.
    if (key.lastUsedAt === undefined || this.now() - key.lastUsedAt > 60_000) {
      const fresh = await this.store.getKey(key.id);
      if (fresh) await this.store.putKey({ ...fresh, lastUsedAt: this.now() });
      key.lastUsedAt = this.now();
    }
    return units;
  }

  /** The vendor refused the key: forget it (its purchase history stays, so re-buying needs consent). */
  async drop(key: KeyRecord): Promise<void> {
    const fresh = await this.store.getKey(key.id);
    if (fresh && fresh.apiKey === key.apiKey) await this.store.putKey({ ...fresh, apiKey: '' });
  }

  /**
   * Records a paid purchase: the key the answer carried (or, on a keyless top-up, the cached one),
   * the units bought, one more purchase. Recorded even without a usable key: the purchase happened,
   * so buying again is a top-up (consent, caps). A key no header can carry is never stored.
   */
  async recordPurchase(recipe: ProviderRecipe, pending: PendingPurchase, existing: KeyRecord | undefined, answer: PurchaseAnswer): Promise<StoredPurchase> {
    const now = this.now();
    const unusableKey = answer.apiKey !== undefined && !isUsableKey(answer.apiKey);
    const cached = existing?.apiKey !== undefined && isUsableKey(existing.apiKey) ? existing.apiKey : '';
    const bought = answer.units ?? recipe.unitsPerPack;
    const record: KeyRecord = {
      id: this.keyId(recipe),
      provider: recipe.name,
      planId: pending.planId,
      principal: this.principal,
      apiKey: unusableKey ? cached : (answer.apiKey ?? cached),
      createdAt: existing?.createdAt ?? now,
      lastUsedAt: existing?.lastUsedAt,
      lastTopUpAt: now,
      expiresAt: answer.expiresAt ?? existing?.expiresAt,
      units: bought === undefined ? undefined : Math.max(0, existing?.units ?? 0) + bought,
      purchases: (existing?.purchases ?? 0) + 1,
    };
    await this.store.putKey(record);
    return { record, unusableKey };
  }
}
