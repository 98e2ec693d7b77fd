/** What a vendor's answer means for the key that was attached to the request. */
export type Classification =
  | { kind: 'ok'; remaining?: number | undefined }
  /** The pack is empty: buy more (with consent). */
  | { kind: 'exhausted' }
  /** A budget the vendor's team set: buying more does not lift it. */
  | { kind: 'capped'; tag: string }
  /** Plain rate limiting: back off, never buy. */
  | { kind: 'rate-limited' }
  /** The key is not accepted: drop it, re-provision at most once. */
  | { kind: 'unauthorized' }
  /** A keyless x402 challenge: answered by provisioning a key, never by paying per request. */
  | { kind: 'challenge' };

/** A response as a recipe sees it: status, headers and the (bounded) body of non-2xx answers. */
export interface VendorResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON body (non-2xx only), else undefined. */
  json: unknown;
  /** Body text (non-2xx only, bounded), else ''. */
  text: string;
  /** Whether a key was attached to the request. */
  keyed: boolean;
}

/** The purchase answer, read loosely: any status, a key that may be absent or null on a top-up. */
export interface PurchaseAnswer {
  apiKey: string | undefined;
  status: string | undefined;
  expiresAt: number | undefined;
  /** Units bought, for packs tracked locally. */
  units: number | undefined;
}

/** One vendor that sells keys or packs for a Nevermined token. */
export interface ProviderRecipe {
  /** Stable name, part of the key cache key (`exa`, `youcom`, ...). */
  name: string;
  /** Origins the key is attached to; it never goes anywhere else. */
  origins: string[];
  purchase: {
    url: string;
    method?: string | undefined;
    /** Header carrying the token. Default `payment-signature`. */
    paymentHeader?: string | undefined;
    planId: string;
    agentId?: string | undefined;
    scheme?: string | undefined;
    network?: string | undefined;
    /** Pack price in cents when known: reserved in the ledger before minting. */
    priceCents?: number | undefined;
    /** Request body to send, if the vendor wants one. */
    body?: string | undefined;
  };
  /** How the key rides on requests: a header (`x-api-key`), or `Authorization: Bearer`. */
  attach: { header: string } | { bearer: true };
  readPurchase(json: unknown): PurchaseAnswer;
  classify(response: VendorResponse): Classification;
  /** Units per purchase when the vendor does not say: tracked locally, one per accepted call. */
  unitsPerPack?: number | undefined;
  /** Buy ahead when units (or the vendor's reported remaining) fall below this (needs autoTopUp). */
  refillBelow?: number | undefined;
  /** Reads the remaining balance a vendor reports on a successful answer (headers only), if it does. */
  remaining?: ((headers: Headers) => number | undefined) | undefined;
  /** When the pack is empty and top-up is not allowed, send without it (pay per call instead). */
  payPerCallWhenEmpty?: boolean | undefined;
}

/** The request headers that carry a provider key. */
export function keyHeaders(recipe: ProviderRecipe, apiKey: string): Record<string, string> {
  return 'bearer' in recipe.attach ? { authorization: `Bearer ${apiKey}` } : { [recipe.attach.header.toLowerCase()]: apiKey };
}

export function keyHeaderName(recipe: ProviderRecipe): string {
  return 'bearer' in recipe.attach ? 'authorization' : recipe.attach.header.toLowerCase();
}

/**
 * The key to give an SDK that insists on one (exa-js throws without a key): a request carrying it
 * is treated as carrying none, and paying-fetch puts the key it bought in its place.
 */
export const PLACEHOLDER_KEY = 'paying-fetch-placeholder-key';

/** Which key the caller's request carries for this provider: none, the placeholder, or its own. */
export function callerKey(recipe: ProviderRecipe, headers: Headers): 'none' | 'placeholder' | 'own' {
  const value = headers.get(keyHeaderName(recipe));
  if (value === null) return 'none';
  const key = 'bearer' in recipe.attach ? value.replace(/^Bearer\s+/i, '') : value;
  return key.trim() === PLACEHOLDER_KEY ? 'placeholder' : 'own';
}
