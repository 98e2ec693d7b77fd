import { ConsentRequiredError } from '../errors/consent-required-error.js';
import { ProviderCappedError } from '../errors/provider-capped-error.js';
import type { KeyManager } from '../providers/key-manager.js';
import { keyHeaders, type ProviderRecipe } from '../providers/recipe.js';
import type { KeyRecord } from '../store/types.js';
import { peekBody } from '../util/read-bounded.js';
import { safeJsonParse } from '../util/safe-json.js';
import { sleep } from '../util/sleep.js';
import type { FetchLike } from '../util/transport.js';
import { retryDelayMs } from './backoff.js';
import type { ReplayableRequest } from './replayable-request.js';
import type { Labels } from './recorder.js';
import { send } from './send.js';
import { originOf } from '../util/url-parts.js';

const MAX_CLASSIFY_BYTES = 64 * 1024;

export interface ProviderFlowLimits {
  /** Backoff retries of a rate-limited call. Default 3. */
  rateLimitRetries: number;
  rateLimitBaseMs: number;
  rateLimitMaxMs: number;
  /** Starts a proactive refill in the background (consent is checked there). */
  refill: (recipe: ProviderRecipe, key: KeyRecord) => void;
  /** Who is spending, for purchase receipts. */
  labels?: Labels | undefined;
}

/**
 * One call to a provider's origin: attach the cached key, and on the vendor's answer buy, top up,
 * back off or re-provision, each at most once (rate limits: a few bounded waits, never a purchase).
 * Returns undefined when an empty pack may not be refilled and the recipe pays per call instead.
 */
export async function providerCall(
  recipe: ProviderRecipe,
  keys: KeyManager,
  transport: FetchLike,
  request: ReplayableRequest,
  signal: AbortSignal | undefined,
  limits: ProviderFlowLimits,
): Promise<Response | undefined> {
  const origin = originOf(request.url);
  let key: KeyRecord | undefined = await keys.current(recipe);
  let bought = false;
  let reprovisioned = false;
  let waits = 0;

  const buy = async (reason: string, seen: KeyRecord | undefined): Promise<KeyRecord | undefined> => {
    try {
      return await keys.buy(recipe, reason, seen, signal, limits.labels);
    } catch (error) {
      if (error instanceof ConsentRequiredError && recipe.payPerCallWhenEmpty) return undefined;
      throw error;
    }
  };

  for (;;) {
    if (key?.units !== undefined && key.units <= 0) {
      if (bought) return undefined;
      key = await buy('exhausted', key);
      bought = true;
      if (!key) return undefined; // empty pack, no consent to refill: pay per call
    }
    const sent = await send(transport, request, key ? keyHeaders(recipe, key.apiKey) : {}, origin, signal);
    if (originOf(sent.url) !== origin) return sent.response; // redirected away: not this vendor's answer
    if (sent.response.ok) {
      if (key) {
        const units = await keys.used(recipe, key);
        const remaining = recipe.remaining?.(sent.response.headers) ?? units;
        if (recipe.refillBelow !== undefined && remaining !== undefined && remaining < recipe.refillBelow) limits.refill(recipe, key);
      }
      return sent.response;
    }
    const { bytes, response } = await peekBody(sent.response, MAX_CLASSIFY_BYTES);
    const text = bytes ? Buffer.from(bytes).toString('utf8') : '';
    const verdict = recipe.classify({ status: response.status, headers: response.headers, json: safeJsonParse(text), text, keyed: key !== undefined });

    switch (verdict.kind) {
      case 'ok':
        return response;
      case 'capped':
        await response.body?.cancel();
        throw new ProviderCappedError(recipe.name, verdict.tag, response.status);
      case 'rate-limited':
        if (waits >= limits.rateLimitRetries) return response;
        await response.body?.cancel();
        await sleep(retryDelayMs(response.headers, waits, limits.rateLimitBaseMs, limits.rateLimitMaxMs), signal);
        waits += 1;
        continue;
      case 'challenge':
      case 'exhausted':
        if (bought) return response; // bought once already in this call: never a second time
        await response.body?.cancel();
        key = await buy(verdict.kind === 'challenge' ? 'first' : 'exhausted', key);
        bought = true;
        if (!key) return undefined;
        continue;
      case 'unauthorized':
        // A key bought in this very call refused: hand the answer back rather than buy twice for one call.
        if (reprovisioned || bought || !key) return response;
        await response.body?.cancel();
        await keys.drop(key);
        key = await buy('unauthorized', key);
        reprovisioned = true;
        if (!key) return undefined;
        continue;
    }
  }
}
