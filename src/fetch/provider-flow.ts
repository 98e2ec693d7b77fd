import { ConsentRequiredError } from '../errors/consent-required-error.js';
import { ProviderCappedError } from '../errors/provider-capped-error.js';
import { CallerKeyRefusedError } from '../errors/caller-key-refused-error.js';
import { UnusableKeyError } from '../errors/unusable-key-error.js';
import type { KeyManager } from '../providers/key-manager.js';
import type { Labels } from '../providers/purchase-receipt.js';
import { callerKey, keyHeaderName, keyHeaders, type Classification, type ProviderRecipe } from '../providers/recipe.js';
import type { KeyRecord } from '../store/types.js';
import { peekBody } from '../util/read-bounded.js';
import { safeJsonParse } from '../util/safe-json.js';
import { sleep } from '../util/sleep.js';
import type { FetchLike } from '../util/transport.js';
import { originOf } from '../util/url-parts.js';
import { retryDelayMs } from './backoff.js';
import type { ReplayableRequest } from './replayable-request.js';
import { send } from './send.js';
import { utf8Text } from '../util/text-bytes.js';

/** How long a vendor's non-OK body is read to classify it: past that, status and headers decide. */
const CLASSIFY_BODY_TIMEOUT_MS = 5_000;
const MAX_CLASSIFY_BYTES = 64 * 1024;
/** Purchases one call may ride on (each one someone else's, but one): a bound, never a target. */
const MAX_PURCHASE_ROUNDS = 100;

export interface ProviderFlowLimits {
  /** Backoff retries of a rate-limited call. Default 3. */
  rateLimitRetries: number;
  rateLimitBaseMs: number;
  rateLimitMaxMs: number;
  /** Starts a proactive refill in the background (consent is checked there). */
  refill: (recipe: ProviderRecipe, key: KeyRecord) => void;
  /** Told before each rate-limit wait (the `rate-limit` event). */
  onWait?: ((wait: { url: string; provider: string; status: number; waitMs: number; attempt: number }) => void) | undefined;
  /** Who is spending, for purchase receipts. */
  labels?: Labels | undefined;
}

/** What asking for a key gave: a key, nothing to share (hand the answer back), or no consent (pay per call). */
type Got = KeyRecord | 'none' | 'pay-per-call';

/** Whether an error (or its causes) quotes `secret`: a transport refusing a header quotes its value. */
function quotes(error: unknown, secret: string): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    if (e.message.includes(secret) || (e.stack?.includes(secret) ?? false)) return true;
  }
  return false;
}

/**
 * One call to a provider's origin: attach the cached key, and on the vendor's answer buy, top up,
 * back off or re-provision. A call starts at most one purchase; when the key it got is empty
 * again (others used it up), it shares the next purchase another call makes. Rate limits: a few
 * bounded waits, never a purchase.
 */
class ProviderCall {
  key: KeyRecord | undefined;
  /** This call minted a purchase: it may share others' from now on, never start another. */
  started = false;
  /** A purchase (its own or shared) gave this call its key. */
  bought = false;
  reprovisioned = false;
  waits = 0;
  rounds = 0;

  constructor(
    readonly recipe: ProviderRecipe,
    readonly keys: KeyManager,
    readonly transport: FetchLike,
    readonly request: ReplayableRequest,
    readonly signal: AbortSignal | undefined,
    readonly limits: ProviderFlowLimits,
  ) {}

  async obtain(reason: string): Promise<Got> {
    if (this.rounds >= MAX_PURCHASE_ROUNDS) return 'none';
    this.rounds += 1;
    try {
      const got = await this.keys.obtain(this.recipe, { reason, seen: this.key, mayStart: !this.started, signal: this.signal, labels: this.limits.labels });
      this.started ||= got.started;
      if (!got.key) return 'none';
      this.bought = true;
      this.key = got.key;
      return got.key;
    } catch (error) {
      if (error instanceof ConsentRequiredError && this.recipe.payPerCallWhenEmpty) return 'pay-per-call';
      throw error;
    }
  }

  /** Sends with the key; a transport error quoting the key is rethrown typed, without it. */
  async send(origin: string) {
    const key = this.key;
    try {
      return await send(this.transport, this.request, key ? keyHeaders(this.recipe, key.apiKey) : {}, origin, this.signal);
    } catch (error) {
      if (key && quotes(error, key.apiKey)) throw new UnusableKeyError({ provider: this.recipe.name, detail: 'the transport refused the header carrying it' });
      throw error;
    }
  }

  async run(): Promise<Response | undefined> {
    const origin = originOf(this.request.url);
    const carried = callerKey(this.recipe, this.request.headers);
    if (carried === 'own') return this.ownKey(origin);
    if (carried === 'placeholder') this.request.headers.delete(keyHeaderName(this.recipe)); // the bought key goes there
    this.key = await this.keys.current(this.recipe);
    for (;;) {
      // A locally tracked pack is empty: get more before sending, else pay per call.
      if (this.key?.units !== undefined && this.key.units <= 0 && typeof (await this.obtain('exhausted')) === 'string') return undefined;
      const sent = await this.send(origin);
      if (originOf(sent.url) !== origin) return sent.response; // redirected away: not this vendor's answer
      if (sent.response.ok) return this.accepted(sent.response);
      const { verdict, response } = await this.classified(sent.response, this.key !== undefined);
      const next = await this.onVerdict(verdict, response);
      if (next !== 'again') return next;
    }
  }

  async classified(sent: Response, keyed: boolean): Promise<{ verdict: Classification; response: Response }> {
    const { bytes, response } = await peekBody(sent, MAX_CLASSIFY_BYTES, CLASSIFY_BODY_TIMEOUT_MS); // a vendor may trickle it forever
    const text = bytes ? utf8Text(bytes) : '';
    return { verdict: this.recipe.classify({ status: response.status, headers: response.headers, json: safeJsonParse(text), text, keyed }), response };
  }

  /**
   * The caller's own key (not the placeholder): sent as is, never replaced. Refused, it is a typed
   * error naming the fix; a payable challenge goes to the ordinary x402 flow (undefined).
   */
  async ownKey(origin: string): Promise<Response | undefined> {
    const sent = await send(this.transport, this.request, {}, origin, this.signal);
    if (sent.response.ok || originOf(sent.url) !== origin) return sent.response;
    const { verdict, response } = await this.classified(sent.response, true);
    if (verdict.kind === 'challenge') return void (await response.body?.cancel());
    if (verdict.kind !== 'unauthorized') return response;
    await response.body?.cancel();
    throw new CallerKeyRefusedError({ provider: this.recipe.name, status: response.status });
  }

  async accepted(response: Response): Promise<Response> {
    const key = this.key;
    if (key) {
      const units = await this.keys.used(this.recipe, key);
      const remaining = this.recipe.remaining?.(response.headers) ?? units;
      if (this.recipe.refillBelow !== undefined && remaining !== undefined && remaining < this.recipe.refillBelow) this.limits.refill(this.recipe, key);
    }
    return response;
  }

  /** What the vendor's verdict means: hand the answer back, pay per call (undefined), or send again. */
  async onVerdict(verdict: Classification, response: Response): Promise<Response | undefined | 'again'> {
    switch (verdict.kind) {
      case 'ok':
        return response;
      case 'capped':
        await response.body?.cancel();
        throw new ProviderCappedError({ provider: this.recipe.name, tag: verdict.tag, status: response.status });
      case 'rate-limited':
        if (this.waits >= this.limits.rateLimitRetries) return response;
        await response.body?.cancel();
        {
          const waitMs = retryDelayMs(response.headers, this.waits, this.limits.rateLimitBaseMs, this.limits.rateLimitMaxMs);
          this.limits.onWait?.({ url: this.request.url, provider: this.recipe.name, status: response.status, waitMs, attempt: this.waits + 1 });
          await sleep(waitMs, this.signal);
        }
        this.waits += 1;
        return 'again';
      case 'challenge':
      case 'exhausted': {
        const got = await this.obtain(verdict.kind === 'challenge' ? 'first' : 'exhausted');
        if (got === 'none') return response; // started one already and none to share: never a second
        await response.body?.cancel();
        return got === 'pay-per-call' ? undefined : 'again';
      }
      case 'unauthorized': {
        // A key bought (or shared) in this very call refused: hand the answer back rather than buy again.
        if (this.reprovisioned || this.bought || !this.key) return response;
        await this.keys.drop(this.key);
        this.reprovisioned = true;
        const got = await this.obtain('unauthorized');
        if (got === 'none') return response;
        await response.body?.cancel();
        return got === 'pay-per-call' ? undefined : 'again';
      }
    }
  }
}

/**
 * One call to a provider's origin (see ProviderCall). Returns undefined when an empty pack may not
 * be refilled and the recipe pays per call instead.
 */
export function providerCall(
  recipe: ProviderRecipe,
  keys: KeyManager,
  transport: FetchLike,
  request: ReplayableRequest,
  signal: AbortSignal | undefined,
  limits: ProviderFlowLimits,
): Promise<Response | undefined> {
  return new ProviderCall(recipe, keys, transport, request, signal, limits).run();
}
