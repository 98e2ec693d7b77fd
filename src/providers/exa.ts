import { readPurchaseAnswer } from './purchase-answer.js';
import type { Classification, ProviderRecipe, VendorResponse } from './recipe.js';

/** Exa's defaults (wire-facts.md section 6). */
export const EXA_DEFAULTS = {
  purchaseUrl: 'https://admin-api.exa.ai/team-management/nevermined/purchase-key',
  planId: '27800462147494506865542649899724877617306579171265399959488097895839186996870',
  apiOrigin: 'https://api.exa.ai',
  /** $7 per purchase in Exa's newer doc ($10 in the older one): override when it changes. */
  priceCents: 700,
} as const;

export interface ExaOptions {
  purchaseUrl?: string;
  planId?: string;
  apiOrigin?: string;
  priceCents?: number;
  scheme?: string;
  network?: string;
}

const CAPPED_TAGS = new Set(['API_KEY_BUDGET_EXCEEDED', 'TEAM_BUDGET_EXCEEDED']);

function tagOf(json: unknown): string | undefined {
  const tag = (json as { tag?: unknown } | null)?.tag;
  return typeof tag === 'string' ? tag : undefined;
}

/** A 429 whose body speaks of exhausted credits (Exa's NVM Pay page), not of request rate. */
export function saysCreditsExhausted(text: string): boolean {
  return /credit/i.test(text) && /(exhaust|no more|insufficient|run out|ran out|depleted|top.?up)/i.test(text);
}

export function classifyExa(response: VendorResponse): Classification {
  const tag = tagOf(response.json);
  if (response.status === 402) {
    if (tag === 'NO_MORE_CREDITS') return { kind: 'exhausted' };
    if (tag && CAPPED_TAGS.has(tag)) return { kind: 'capped', tag };
    // A 402 with no tag is the keyless x402 (or MPP) challenge; with a key it means the key is not taken.
    return response.keyed ? { kind: 'unauthorized' } : { kind: 'challenge' };
  }
  if (response.status === 429) {
    return tag === 'NO_MORE_CREDITS' || saysCreditsExhausted(response.text) ? { kind: 'exhausted' } : { kind: 'rate-limited' };
  }
  if (response.status === 401 || response.status === 403) return { kind: 'unauthorized' };
  return { kind: 'ok' };
}

/** Exa: buys an API key (or tops it up) with a Nevermined card-delegation token. Every default overridable. */
export function exa(options: ExaOptions = {}): ProviderRecipe {
  return {
    name: 'exa',
    origins: [new URL(options.apiOrigin ?? EXA_DEFAULTS.apiOrigin).origin],
    purchase: {
      url: options.purchaseUrl ?? EXA_DEFAULTS.purchaseUrl,
      method: 'POST',
      paymentHeader: 'payment-signature',
      planId: options.planId ?? EXA_DEFAULTS.planId,
      scheme: options.scheme ?? 'nvm:card-delegation',
      network: options.network ?? 'stripe',
      priceCents: options.priceCents ?? EXA_DEFAULTS.priceCents,
    },
    attach: { header: 'x-api-key' },
    readPurchase: readPurchaseAnswer,
    classify: classifyExa,
  };
}
