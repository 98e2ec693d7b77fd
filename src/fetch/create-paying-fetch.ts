import { buildEngine } from '../engine/build-engine.js';
// Node: the default transport honours HTTP(S)_PROXY (the portable entry leaves this out).
import '../util/env-proxy.js';
import { withFacade, type PayingFetch } from './facade.js';
import type { PayingFetchOptions } from './options.js';
import { payingCall } from './paying-call.js';

export type { PayingFetch, KeyInfo } from './facade.js';
export type { PayingRequestInit } from './paying-call.js';

/** Creates a fetch that pays x402 402s (Nevermined tokens, signed x402 payloads) within the spending policy. */
export function createPayingFetch(options: PayingFetchOptions): PayingFetch {
  const engine = buildEngine(options);
  return withFacade(payingCall(engine, options), () => engine, options.store === undefined);
}
