import { buildEngine } from '../engine/build-engine.js';
import { withFacade, type PayingFetch } from './facade.js';
import type { PayingFetchOptions } from './options.js';
import { payingCall } from './paying-call.js';

export type { PayingFetch, KeyInfo } from './facade.js';
export type { PayingRequestInit } from './paying-call.js';

/**
 * Creates a fetch that pays x402 402s (Nevermined tokens, signed x402 payloads, MPP) within the
 * spending policy. The default store is in memory; pass `store` for one that outlives the process.
 * Runtime-neutral: the Node entries add HTTP(S)_PROXY support (util/env-proxy.ts) on import.
 */
export function createPayingFetch(options: PayingFetchOptions): PayingFetch {
  const engine = buildEngine(options);
  return withFacade(payingCall(engine, options), () => engine, options.store === undefined);
}
