import { readAllBounded } from '../util/read-bounded.js';
import { redact } from '../util/redact.js';
import { withRetries, type RetryKnobs } from '../util/retry-policy.js';
import { safeJsonParse } from '../util/safe-json.js';
import { utf8Text } from '../util/text-bytes.js';
import type { FetchLike } from '../util/transport.js';
import type { ProviderRecipe } from './recipe.js';

const MAX_ANSWER_BYTES = 64 * 1024;

/** The vendor's answer to a purchase POST: paid (2xx), refused (402), or another definitive failure. */
export type PostResult = { kind: 'ok'; json: unknown; status: number } | { kind: 'refused' | 'failed'; status: number; text: string };

/** No answer, or a 5xx: the same token may be posted again (it can never charge twice). */
class TransientPurchaseError extends Error {}

/** The vendor's own words for a refusal (`error` / `message` of a JSON body), bounded. */
export function vendorReason(text: string): string {
  const json = safeJsonParse(text) as { error?: unknown; message?: unknown } | undefined;
  const said = [json?.message, json?.error].find((v): v is string => typeof v === 'string');
  return (said ?? text).slice(0, 64 * 1024);
}

async function postOnce(transport: FetchLike, recipe: ProviderRecipe, token: string, signal: AbortSignal | undefined): Promise<PostResult> {
  const p = recipe.purchase;
  let response: Response;
  try {
    response = await transport(p.url, {
      method: p.method ?? 'POST',
      headers: { [p.paymentHeader ?? 'payment-signature']: token, accept: 'application/json', ...(p.body ? { 'content-type': 'application/json' } : {}) },
      ...(p.body ? { body: p.body } : {}),
      redirect: 'error', // the token goes to the purchase URL and nowhere else
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    // A transport error may quote the header it refused: the token never rides on it.
    throw new TransientPurchaseError(redact((error as Error).message, [token]));
  }
  const bytes = await readAllBounded(response.body, MAX_ANSWER_BYTES).catch(() => undefined);
  const text = bytes ? utf8Text(bytes) : '';
  if (response.status >= 500) throw new TransientPurchaseError(`HTTP ${response.status}`);
  if (response.ok) return { kind: 'ok', json: safeJsonParse(text), status: response.status };
  return { kind: response.status === 402 ? 'refused' : 'failed', status: response.status, text };
}

/**
 * POSTs a purchase, replaying the same token on network errors and 5xx (the one retry policy).
 * Throws when no definitive answer came: the vendor may have charged.
 */
export function postPurchase(transport: FetchLike, recipe: ProviderRecipe, token: string, knobs: RetryKnobs, signal?: AbortSignal): Promise<PostResult> {
  return withRetries(() => postOnce(transport, recipe, token, signal), knobs, (error) => error instanceof TransientPurchaseError, signal);
}
