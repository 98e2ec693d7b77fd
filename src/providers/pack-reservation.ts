import { BudgetExceededError } from '../errors/budget-exceeded-error.js';
import { ConsentRequiredError } from '../errors/consent-required-error.js';
import { VelocityExceededError } from '../errors/velocity-exceeded-error.js';
import type { Ledger } from '../policy/ledger.js';
import { DAY_MS } from '../policy/limits.js';
import type { consentOf } from '../policy/policy.js';
import type { LedgerEntry, LimitCheck } from '../store/types.js';
import { originOf } from '../util/url-parts.js';
import type { ProviderRecipe } from './recipe.js';

export type Consent = ReturnType<typeof consentOf>;

/** Pack entries are named after their key, so the purchase of that key can find its own leftovers. */
function packPrefix(keyId: string): string {
  return `pack:${keyId}:`;
}

/**
 * Reserves a pack's price before anything is minted: against budgets, caps and velocity, and, for
 * a top-up, the autoTopUp consent caps (passing one is a ConsentRequiredError).
 */
export async function reservePack(ledger: Ledger, recipe: ProviderRecipe, keyId: string, firstEver: boolean, consent: Consent): Promise<LedgerEntry> {
  const p = recipe.purchase;
  const extra: LimitCheck[] = [];
  if (!firstEver && consent.maxPerDay !== undefined) extra.push({ name: 'autoTopUp.maxPerDay', windowMs: DAY_MS, max: consent.maxPerDay, counts: true, kinds: ['pack'], note: 'top-up' });
  if (!firstEver && consent.maxCentsPerDay !== undefined) extra.push({ name: 'autoTopUp.maxCentsPerDay', windowMs: DAY_MS, max: consent.maxCentsPerDay, kinds: ['pack'], note: 'top-up' });
  try {
    return await ledger.reserve({
      id: packPrefix(keyId) + crypto.randomUUID(),
      kind: 'pack',
      amountCents: p.priceCents ?? 0,
      origin: originOf(p.url),
      planId: p.planId,
      note: firstEver ? 'first-purchase' : 'top-up',
      what: `A ${recipe.name} pack`,
      extra,
    });
  } catch (error) {
    const limit = (error as { limit?: string }).limit ?? '';
    if ((error instanceof BudgetExceededError || error instanceof VelocityExceededError) && limit.startsWith('autoTopUp')) {
      throw new ConsentRequiredError({ consent: limit, situation: `Topping up ${recipe.name} would pass the consent cap ${limit}` });
    }
    throw error;
  }
}

/**
 * Frees the reservations of this key that no purchase can still use: entries still `reserved`
 * that are not the pending purchase's. Only a process killed between reserving and recording its
 * pending purchase leaves one, and nothing was sent for it, so nothing can have been charged.
 * Call it holding the key's purchase lease (no live purchase of this key is then in between).
 */
export async function releaseStalePacks(ledger: Ledger, keyId: string, pendingReservationId: string | undefined): Promise<number> {
  const prefix = packPrefix(keyId);
  const stale = (await ledger.store.entries({ kinds: ['pack'] })).filter((e) => e.id.startsWith(prefix) && e.state === 'reserved' && e.id !== pendingReservationId);
  for (const entry of stale) await ledger.release(entry.id);
  return stale.length;
}
