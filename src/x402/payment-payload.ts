import { encodeBase64Json } from '../util/base64.js';
import { paymentHeaderName } from './payment-header.js';
import type { PaymentRequired, PaymentRequirement } from './schemas.js';

/** What a scheme client returns (the `@x402/*` `PaymentPayloadResult` shape). */
export interface PaymentPayloadResult {
  x402Version: number;
  payload: Record<string, unknown>;
  extensions?: Record<string, unknown>;
}

/**
 * The payment header for a standard x402 scheme: v2 carries the chosen requirement verbatim in
 * `accepted`; v1 names scheme and network.
 */
export function encodePaymentHeader(challenge: PaymentRequired, entry: PaymentRequirement, result: PaymentPayloadResult, extensions?: Record<string, unknown>): { name: string; value: string } {
  const body =
    challenge.x402Version === 1
      ? { x402Version: 1, scheme: entry.scheme, network: entry.network, payload: result.payload }
      : {
          x402Version: 2,
          ...('resource' in challenge && challenge.resource ? { resource: challenge.resource } : {}),
          accepted: entry,
          payload: result.payload,
          ...(extensions || result.extensions ? { extensions: { ...result.extensions, ...extensions } } : {}),
        };
  return { name: paymentHeaderName(challenge.x402Version), value: encodeBase64Json(body) };
}

/** `authorization` (signed now, settled by the facilitator), `upfront`, or another flow. Default authorization. */
export function paymentFlowOf(entry: PaymentRequirement): string {
  const flow = (entry.extra as { paymentFlow?: unknown } | undefined)?.paymentFlow;
  return typeof flow === 'string' ? flow : 'authorization';
}

/** The `payment-identifier` extension, with this call's id, when the challenge advertises it. */
export function paymentIdentifierExtension(challenge: PaymentRequired, id: string): Record<string, unknown> | undefined {
  const extensions = (challenge as { extensions?: Record<string, unknown> }).extensions;
  const declared = extensions?.['payment-identifier'] as { info?: Record<string, unknown> } | undefined;
  if (!declared || typeof declared !== 'object') return undefined;
  return { 'payment-identifier': { ...declared, info: { ...(declared.info ?? {}), id } } };
}
