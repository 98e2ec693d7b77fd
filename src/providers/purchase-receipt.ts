import type { PendingPurchase, ReceiptRecord, Store } from '../store/types.js';
import { urlParts } from '../util/url-parts.js';
import type { ProviderRecipe } from './recipe.js';

/** Who is spending, carried to purchase receipts. */
export type Labels = { agent?: string | undefined; tags?: Record<string, string> | undefined };

/** How a purchase token ended, as its receipt says. */
export type PurchaseOutcome = { outcome: 'paid'; status: number } | { outcome: 'unknown' } | { outcome: 'no-charge'; status: number };

function factsOf(recipe: ProviderRecipe, result: PurchaseOutcome): Partial<ReceiptRecord> {
  const price = recipe.purchase.priceCents;
  if (result.outcome === 'paid') return { outcome: 'paid', status: result.status, amountCents: price };
  if (result.outcome === 'no-charge') return { outcome: 'no-charge', status: result.status, amountCents: 0 };
  return { outcome: 'unknown', status: 0, reservedCents: price };
}

/**
 * Corrects the receipt an earlier post of this token left as unknown (a resumed purchase), so
 * one token never has two receipts and reconcile() sees one purchase once. Returns its id, or
 * undefined when there was none.
 */
export async function settleUnknownReceipt(store: Store, recipe: ProviderRecipe, pending: PendingPurchase, result: PurchaseOutcome): Promise<string | undefined> {
  const receipts = await store.receipts({ since: pending.createdAt, planId: pending.planId });
  const earlier = receipts.find((r) => r.tokenHash === pending.tokenHash && (r.outcome === 'unknown' || r.outcome === 'paid'));
  if (!earlier) return undefined;
  // Already paid (the key was not stored last time): one token, one receipt.
  if (earlier.outcome === 'unknown' && result.outcome !== 'unknown') await store.updateReceipt(earlier.id, { ...factsOf(recipe, result), delegationId: pending.delegationId });
  return earlier.id;
}

/**
 * Writes the one receipt of a purchase token (paid, or unknown outcome), with the delegation it
 * drew on. `resumed`: the token was posted before, so its earlier unknown receipt is updated in
 * place rather than left beside a new one. Returns the receipt id.
 */
export async function writePurchaseReceipt(store: Store, at: number, recipe: ProviderRecipe, pending: PendingPurchase, result: PurchaseOutcome, labels: Labels, resumed: boolean): Promise<string> {
  const earlier = resumed ? await settleUnknownReceipt(store, recipe, pending, result) : undefined;
  if (earlier) return earlier;
  const { origin, pathname } = urlParts(recipe.purchase.url);
  const receipt: ReceiptRecord = {
    id: crypto.randomUUID(),
    at,
    method: recipe.purchase.method ?? 'POST',
    origin,
    path: pathname,
    planId: pending.planId,
    scheme: recipe.purchase.scheme ?? 'nvm:card-delegation',
    network: recipe.purchase.network ?? 'stripe',
    delegationId: pending.delegationId,
    tokenHash: pending.tokenHash,
    provider: recipe.name,
    status: 0,
    outcome: 'unknown',
    ...factsOf(recipe, result),
    ...(labels.agent ? { agent: labels.agent } : {}),
    ...(labels.tags ? { tags: { ...labels.tags } } : {}),
  };
  await store.appendReceipt(receipt);
  return receipt.id;
}
