import type { HeldBase } from './held.js';

/**
 * An MPP credential (`Authorization: Payment <base64url JSON>`) made for one challenge: single use
 * (the seller settles a challenge id once), never cached, never sent up front. Handed over, it
 * counts as spent until a paid answer or reconcile() says otherwise.
 */
export interface HeldMppCredential extends HeldBase {
  kind: 'mpp';
  // token: the credential header's value (`Payment ...`), headerName `authorization`; entry: the
  // challenge in x402 terms (scheme `mpp:<method>`), what policy, receipts and events read;
  // x402Version: 0 (not x402).
  challengeId: string;
  /** A priced challenge's reservation (reserved before the plugin was asked for a credential). */
  reservationId: string | undefined;
  priceCents: number | undefined;
  /** Nevermined's method: the delegation the access token was minted on. */
  delegationId: string | undefined;
  /** Secrets inside the credential (a Nevermined access token): never in an error or event. */
  secrets: string[];
}
