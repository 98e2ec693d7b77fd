import { neverminedMppNetwork } from '../mpp/nevermined-method.js';
import type { PayingFetchOptions } from '../fetch/options.js';
import { MppPayer, type MppPayerParts } from './mpp-payer.js';
import type { EngineParts } from './payment-engine.js';

/**
 * The engine's MPP part: the `mpp` plugins, and Nevermined's own method when the agent has
 * Nevermined credentials whose client can mint MPP tokens (REST, or SDK 1.11).
 */
export function mppParts(options: PayingFetchOptions, parts: MppPayerParts): EngineParts['mpp'] {
  const canMint = parts.delegations !== undefined && typeof parts.client.mintMpp === 'function';
  return {
    payer: new MppPayer(parts),
    plugins: options.mpp ?? [],
    neverminedNetwork: canMint ? neverminedMppNetwork(parts.client.backendId) : undefined,
  };
}
