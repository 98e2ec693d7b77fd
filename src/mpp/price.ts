import type { MppChallenge } from './challenge.js';
import { pricedRequestSchema } from './schemas.js';

/** Cents per whole unit of a currency an MPP request may name, keyed lower-case. */
export type MppCurrencyRates = Readonly<Record<string, number>>;

/**
 * Known out of the box: US dollars (`usd`, stripe) and dollar stablecoins by symbol. A token
 * address (tempo, evm) is priced only when the caller lists it.
 */
export const KNOWN_MPP_CURRENCIES: MppCurrencyRates = { usd: 100, usdc: 100, usdt: 100, pathusd: 100 };

/**
 * The price a challenge names, in whole cents rounded up (never under-reserve): from `amount` (base
 * units), `decimals` and `currency` in its request. Undefined when it names none (Nevermined's
 * method names credits, not money) or a currency whose rate is unknown.
 */
export function priceMppChallengeInCents(challenge: MppChallenge, rates: MppCurrencyRates = {}): number | undefined {
  const parsed = pricedRequestSchema.safeParse(challenge.request);
  if (!parsed.success) return undefined;
  const { amount, currency, decimals } = parsed.data;
  const key = currency.toLowerCase();
  const centsPerUnit = rates[key] ?? KNOWN_MPP_CURRENCIES[key];
  if (centsPerUnit === undefined || !Number.isSafeInteger(centsPerUnit) || centsPerUnit < 0) return undefined;
  const scale = 10n ** BigInt(decimals);
  const cents = (BigInt(amount) * BigInt(centsPerUnit) + scale - 1n) / scale;
  return cents > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(cents);
}
