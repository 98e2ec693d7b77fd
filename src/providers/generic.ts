import { readPurchaseAnswer } from './purchase-answer.js';
import type { Classification, ProviderRecipe, VendorResponse } from './recipe.js';

export interface KeyProviderOptions {
  name: string;
  /** Origins (or URLs) the key is used on. */
  origins: string[];
  purchase: ProviderRecipe['purchase'];
  /** `x-api-key`-style header name, or 'bearer' for `Authorization: Bearer`. Default 'x-api-key'. */
  attach?: string;
  /** Override how a response is read. Default: 402/429 mentioning credits = exhausted, 429 = rate limit, 401/403 = unauthorized. */
  classify?: (response: VendorResponse) => Classification | undefined;
  unitsPerPack?: number;
  refillBelow?: number;
  /** Reads a remaining balance the vendor reports in headers, for `refillBelow`. */
  remaining?: (headers: Headers) => number | undefined;
  payPerCallWhenEmpty?: boolean;
}

/** The default reading of a vendor's answers, for recipes that do not say otherwise. */
export function classifyGeneric(response: VendorResponse): Classification {
  const { status, text } = response;
  if (status === 402) return response.keyed ? { kind: 'exhausted' } : { kind: 'challenge' };
  if (status === 429) return /credit|quota|balance/i.test(text) && /(exhaust|no more|insufficient|run out|depleted|exceeded)/i.test(text) ? { kind: 'exhausted' } : { kind: 'rate-limited' };
  if (status === 401 || status === 403) return { kind: 'unauthorized' };
  return { kind: 'ok' };
}

/**
 * Describe another vendor in a few lines. A You.com-style top-up answer `{apiKey: null,
 * toppedUp: true}` keeps the cached key.
 */
export function keyProvider(options: KeyProviderOptions): ProviderRecipe {
  return {
    name: options.name,
    origins: options.origins.map((o) => new URL(o).origin),
    purchase: { method: 'POST', paymentHeader: 'payment-signature', scheme: 'nvm:card-delegation', network: 'stripe', ...options.purchase },
    attach: options.attach === 'bearer' ? { bearer: true } : { header: options.attach ?? 'x-api-key' },
    readPurchase: readPurchaseAnswer,
    classify: (response) => options.classify?.(response) ?? classifyGeneric(response),
    unitsPerPack: options.unitsPerPack,
    refillBelow: options.refillBelow,
    remaining: options.remaining,
    payPerCallWhenEmpty: options.payPerCallWhenEmpty,
  };
}

export interface RunPackOptions extends Omit<KeyProviderOptions, 'unitsPerPack' | 'payPerCallWhenEmpty'> {
  /** Runs one pack buys (when the purchase answer does not say). */
  units: number;
}

/**
 * A per-agent run pack, as agent marketplaces sell them: bought for one agent and one principal,
 * units counted here and spent only by accepted calls, used before any pay-per-call; once empty
 * (and without consent to buy another) calls go out without it and are paid per call.
 */
export function runPack(options: RunPackOptions): ProviderRecipe {
  return keyProvider({ ...options, unitsPerPack: options.units, payPerCallWhenEmpty: true });
}
