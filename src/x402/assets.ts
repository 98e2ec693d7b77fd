import type { PaymentRequirement } from './schemas.js';

/** What one unit of an asset is worth, for pricing x402 `amount`s in cents. */
export interface AssetInfo {
  decimals: number;
  /** Cents per whole unit (USDC: 100). */
  centsPerUnit: number;
  symbol?: string;
}

/** Stablecoins known out of the box, keyed `network:asset` (asset lower-cased). */
export const KNOWN_ASSETS: Readonly<Record<string, AssetInfo>> = {
  // USDC on Base and Base Sepolia, under CAIP-2 (x402 v2) and v1 network names.
  'eip155:8453:0x833589fcd6edb6e08f4c7c32d4f71b54bda02913': { decimals: 6, centsPerUnit: 100, symbol: 'USDC' },
  'base:0x833589fcd6edb6e08f4c7c32d4f71b54bda02913': { decimals: 6, centsPerUnit: 100, symbol: 'USDC' },
  'eip155:84532:0x036cbd53842c5426634e7929541ec2318f3dcf7e': { decimals: 6, centsPerUnit: 100, symbol: 'USDC' },
  'base-sepolia:0x036cbd53842c5426634e7929541ec2318f3dcf7e': { decimals: 6, centsPerUnit: 100, symbol: 'USDC' },
};

export function assetKey(entry: PaymentRequirement): string | undefined {
  return entry.asset ? `${entry.network}:${entry.asset.toLowerCase()}` : undefined;
}

/** The atomic amount an entry asks for (`amount` in v2, `maxAmountRequired` in v1). */
export function atomicAmount(entry: PaymentRequirement): bigint | undefined {
  const raw = entry.amount ?? entry.maxAmountRequired;
  return raw === undefined ? undefined : BigInt(raw);
}

/**
 * The entry's price in whole cents, rounded up (never under-reserve), or undefined when its asset
 * is not known (refused unless the policy lists it).
 */
export function priceInCents(entry: PaymentRequirement, extra: Readonly<Record<string, AssetInfo>> = {}): number | undefined {
  const key = assetKey(entry);
  const atomic = atomicAmount(entry);
  if (key === undefined || atomic === undefined) return undefined;
  const asset = extra[key] ?? KNOWN_ASSETS[key];
  if (!asset) return undefined;
  const scale = 10n ** BigInt(asset.decimals);
  const numerator = atomic * BigInt(asset.centsPerUnit);
  const cents = (numerator + scale - 1n) / scale;
  return cents > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(cents);
}
