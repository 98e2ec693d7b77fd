import type { PaymentEngine } from '../engine/payment-engine.js';
import { errorKind } from '../errors/bases.js';
import { PayingFetchError } from '../errors/paying-fetch-error.js';
import { loadOtel, otelLoaded, traced } from '../observe/otel.js';
import type { Labels } from '../engine/recorder.js';
import type { ProviderRecipe } from '../providers/recipe.js';
import type { KeyRecord } from '../store/types.js';
import { defaultFetch } from '../util/transport.js';
import { originOf } from '../util/url-parts.js';
import { DEFAULT_CHALLENGE_BODY_TIMEOUT_MS } from './challenge.js';
import { HttpCall, type HttpCallSettings } from './http-call.js';
import type { PayingFetchOptions } from './options.js';
import { providerCall, type ProviderFlowLimits } from './provider-flow.js';
import { answerRefusals } from './refusal-response.js';
import { toReplayable, type ReplayableRequest } from './replayable-request.js';

/** fetch's init, plus who is spending (overrides the instance's `agent` and adds `tags`). */
export interface PayingRequestInit extends RequestInit {
  agent?: string;
  tags?: Record<string, string>;
  /**
   * This same request paid before and got no answer (PaymentMayBeTakenError): pay again anyway.
   * The earlier payment may have been taken too; reconcile() tells.
   */
  payAgain?: boolean;
}

/** The function behind a PayingFetch: one HttpCall (or provider call) per logical request. */
export function payingCall(engine: PaymentEngine, options: PayingFetchOptions): (input: string | URL | Request, init?: PayingRequestInit) => Promise<Response> {
  const transport = options.fetch ?? defaultFetch;
  const bodyLimit = options.maxReplayBodyBytes ?? 16 * 1024 * 1024;
  const providers = options.providers ?? [];
  const { keys } = engine.parts;
  const limits = providerLimits(engine, options);
  const base = {
    transport,
    ignoreUnknown: engine.parts.policy.freshPaymentAfterUnknown === true,
    challengeBodyTimeoutMs: options.challengeBodyTimeoutMs ?? DEFAULT_CHALLENGE_BODY_TIMEOUT_MS,
    onPermit2AllowanceRequired: options.onPermit2AllowanceRequired,
  };

  /** The provider of this request's origin (a key the caller set themselves is left alone there). */
  const providerFor = (request: ReplayableRequest): ProviderRecipe | undefined => {
    const origin = originOf(request.url);
    return providers.find((p) => p.origins.includes(origin));
  };

  const call = async (input: string | URL | Request, init: PayingRequestInit | undefined, labels: Labels): Promise<Response> => {
    const made = toReplayable(input, init, bodyLimit);
    const request = made instanceof Promise ? await made : made; // no await on the hot path
    const signal = withTimeout(request.signal, options.timeoutMs);
    const provider = keys ? providerFor(request) : undefined;
    if (provider) {
      const answered = await engine.guarded(request.url, () => providerCall(provider, keys!, transport, request, signal, Object.assign({ labels }, limits)));
      if (answered) return answered;
    }
    // Spelled out, not `{ ...base, labels, ... }`: on Node 20 a spread followed by more properties
    // takes V8's slow path, about 1 µs per call (BENCHMARKS.md, issue 21).
    const settings: HttpCallSettings = { transport, ignoreUnknown: base.ignoreUnknown, challengeBodyTimeoutMs: base.challengeBodyTimeoutMs, onPermit2AllowanceRequired: base.onPermit2AllowanceRequired, labels, signal, payAgain: init?.payAgain === true };
    return new HttpCall(engine, request, settings).run();
  };
  const observed = observedCall(engine, options, call);
  return options.refusals === 'response' ? answerRefusals(observed) : observed;
}

/**
 * The call inside its telemetry span (when OpenTelemetry is there), and every typed error it
 * throws told as a `failed` event (a thrown DelegationExhaustedError is something to alert on).
 */
function observedCall(engine: PaymentEngine, options: PayingFetchOptions, call: (input: string | URL | Request, init: PayingRequestInit | undefined, labels: Labels) => Promise<Response>) {
  const telemetry = options.telemetry !== false;
  const report = (input: string | URL | Request) => (error: unknown): never => {
    if (error instanceof PayingFetchError) {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      engine.events.emit('failed', { url, code: error.code, kind: errorKind(error), message: error.message, error });
    }
    throw error;
  };
  const run = (input: string | URL | Request, init?: PayingRequestInit): Promise<Response> => {
    const labels: Labels = { agent: init?.agent ?? options.agent, tags: options.tags || init?.tags ? Object.assign({}, options.tags, init?.tags) : undefined };
    const answer = telemetry && otelLoaded() ? traced(engine.events, labels, () => call(input, init, labels)) : call(input, init, labels);
    return engine.events.wants('failed') ? answer.catch(report(input)) : answer; // no extra tick on the hot path
  };
  return (input: string | URL | Request, init?: PayingRequestInit): Promise<Response> => {
    const loading = telemetry ? loadOtel() : undefined; // a promise on the first call of the process only
    return loading ? loading.then(() => run(input, init)) : run(input, init);
  };
}

function providerLimits(engine: PaymentEngine, options: PayingFetchOptions): Omit<ProviderFlowLimits, 'labels'> {
  const { keys, policy, events, client } = { ...engine.parts, events: engine.events };
  return {
    rateLimitRetries: options.rateLimit?.retries ?? 3,
    rateLimitBaseMs: options.rateLimit?.baseMs ?? 500,
    rateLimitMaxMs: options.rateLimit?.maxMs ?? 8_000,
    onWait: (wait) => events.emit('rate-limit', wait),
    // Buying ahead is a top-up: only with autoTopUp consent, and never blocking the call.
    refill: (recipe: ProviderRecipe, key: KeyRecord) => {
      if (!policy.autoTopUp || !keys) return;
      keys.buy(recipe, 'refill', key).catch((error: Error) => {
        events.emit('blocked', { url: recipe.purchase.url, status: 0, reason: 'refill-failed', detail: client.scrub(error.message), error });
      });
    },
  };
}

function withTimeout(signal: AbortSignal | undefined, timeoutMs: number | undefined): AbortSignal | undefined {
  if (timeoutMs === undefined) return signal;
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}
