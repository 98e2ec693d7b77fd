import type { MppChallenge } from './challenge.js';
import { pricedRequestSchema } from './schemas.js';

/**
 * Cents per whole unit of a currency an MPP request may name, keyed lower-case; with `decimals`
 * when the caller knows the token's own (then a request claiming more decimals is not believed).
 */
export type MppCurrencyRates = Readonly<Record<string, number | { centsPerUnit: number; decimals: number }>>;

/**
 * Known out of the box: US dollars (`usd`, stripe) and dollar stablecoins by symbol. A token
 * address (tempo, evm) is priced only when the caller lists it.
 */
export const KNOWN_MPP_CURRENCIES: Readonly<Record<string, number>> = { usd: 100, usdc: 100, usdt: 100, pathusd: 100 };

/** The real decimals of the known currencies: a seller claiming more would be under-priced. */
const KNOWN_DECIMALS: Readonly<Record<string, number>> = { usd: 2, usdc: 6, usdt: 6, pathusd: 6 };

/**
 * The price a challenge names, in whole cents rounded up (never under-reserve): from `amount` (base
 * units), `decimals` and `currency` in its request. Where the currency's real decimals are known,
 * the smaller of those and the claimed ones is used (a seller cannot shrink a price by claiming
 * more decimals). Undefined when it names none (Nevermined's method names credits, not money) or a
 * currency whose rate is unknown.
 */
export function priceMppChallengeInCents(challenge: MppChallenge, rates: MppCurrencyRates = {}): number | undefined {
  const parsed = pricedRequestSchema.safeParse(challenge.request);
  if (!parsed.success) return undefined;
  const { amount, currency } = parsed.data;
  const key = currency.toLowerCase();
  const rate = rates[key];
  const centsPerUnit = typeof rate === 'object' ? rate.centsPerUnit : (rate ?? KNOWN_MPP_CURRENCIES[key]);
  const realDecimals = typeof rate === 'object' ? rate.decimals : rate === undefined ? KNOWN_DECIMALS[key] : undefined;
  if (centsPerUnit === undefined || !Number.isSafeInteger(centsPerUnit) || centsPerUnit < 0) return undefined;
  const decimals = realDecimals === undefined ? parsed.data.decimals : Math.min(realDecimals, parsed.data.decimals);
  const scale = 10n ** BigInt(decimals);
  const cents = (BigInt(amount) * BigInt(centsPerUnit) + scale - 1n) / scale;
  return cents > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(cents);
}
