import type { PaymentRequirement } from '../x402/schemas.js';
import type { HeldMppCredential } from './mpp-held.js';

export type { HeldMppCredential } from './mpp-held.js';

/** What every payment held for a request has. The token itself never leaves here but in a header. */
export interface HeldBase {
  token: string;
  /** The request header it travels in (`payment-signature` or `X-PAYMENT`). */
  headerName: string;
  tokenHash: string;
  /** The only origin it is ever sent to. */
  origin: string;
  entry: PaymentRequirement;
  x402Version: number;
}

/** A Nevermined access token minted on a delegation: reusable (cached) unless single use (v3). */
export interface HeldNvmToken extends HeldBase {
  kind: 'nvm';
  /** The token cache key: who pays, to whom, for what, with which delegation. */
  key: string;
  delegationId: string;
}

/**
 * A payload signed by an x402 scheme plugin (EIP-3009 and alike): single use, priced, and
 * settleable by whoever holds it, so its reservation counts from the moment it is handed over.
 */
export interface HeldSignedPayload extends HeldBase {
  kind: 'scheme';
  reservationId: string;
  priceCents: number;
}

/** An x402 token or payload, or an MPP credential (src/engine/mpp-held.ts). */
export type HeldToken = HeldNvmToken | HeldSignedPayload | HeldMppCredential;
