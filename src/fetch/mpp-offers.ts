import type { HeldToken } from '../engine/held.js';
import { MppCredentialRefusedError } from '../errors/mpp-credential-refused-error.js';
import { readMppChallenges, type MppChallenge } from '../mpp/challenge.js';
import { safeJsonParse } from '../util/safe-json.js';
import type { PaymentRequired } from '../x402/schemas.js';
import { readChallengeOf, sellerMessage, type ChallengeRead } from './challenge.js';
import type { ReplayableRequest } from './replayable-request.js';

// The HTTP side of MPP (`WWW-Authenticate: Payment`): what a 402 offers besides x402, the
// credential header, and which refusals end a call. The engine decides and pays (mpp-payer.ts).

/** A 402's offers: its x402 challenge (none: no `accepts`) and its usable MPP challenges. */
export type OffersRead = ChallengeRead & { mpp?: MppChallenge[] | undefined };

/** Stands for "no x402 challenge" when a 402 offers MPP only: selection sees no `accepts`. */
const noX402 = (): PaymentRequired => ({ x402Version: 2, accepts: [] });

/**
 * Seller codes that end the call at once (Nevermined: BCK.MPP.0003, a credential malformed, not
 * valid for the plan, or already used). BCK.MPP.0004/0005 (expired, stale) are ordinary refusals:
 * the fresh challenge is paid, once at most.
 */
const FINAL_REFUSALS = new Set(['BCK.MPP.0003']);

/**
 * What a 402 asks for: x402 (header or body, as before) and MPP challenges from its
 * `WWW-Authenticate`. A malformed or oversized MPP header never pays: with x402 beside it, x402
 * alone is offered; alone, the 402 goes back as `invalid-challenge`.
 */
export async function readOffersOf(response: Response, deadlineMs: number): Promise<OffersRead> {
  let mpp: MppChallenge[] = [];
  let mppError: Error | undefined;
  try {
    mpp = readMppChallenges(response.headers);
  } catch (error) {
    // Reported only when a Payment challenge was meant (another scheme's bad header is not ours to judge).
    if (/(^|[\s,])payment(\s|$)/i.test(response.headers.get('www-authenticate') ?? '')) mppError = error as Error;
  }
  const read = await readChallengeOf(response, deadlineMs);
  if (mpp.length === 0) {
    if (read.kind === 'none' && mppError && read.reason === 'no-challenge') return { ...read, reason: 'invalid-challenge', detail: mppError.message, error: mppError };
    return read;
  }
  if (read.kind === 'challenge') return Object.assign(read, { mpp });
  return { kind: 'challenge', challenge: noX402(), response: read.response, bytes: undefined, mpp };
}

/**
 * The headers that carry a held payment. An MPP credential goes in `Authorization`; when the
 * caller sent its own Authorization to this same origin, both travel, the credential first
 * (`Payment <credential>, <caller's>`: Nevermined's `existingAuthorization` convention, read by
 * mppx and Nevermined sellers alike), so the caller's header is never dropped silently.
 */
export function paymentHeaders(held: HeldToken, target: ReplayableRequest, callerOrigin: string): Record<string, string> {
  if (held.kind !== 'mpp') return { [held.headerName]: held.token };
  const own = held.origin === callerOrigin ? target.headers.get(held.headerName) : null;
  return { [held.headerName]: own === null ? held.token : `${held.token}, ${own}` };
}

/** What a held payment puts on the wire that must never appear in an error or event. */
export function secretsOf(held: HeldToken): string[] {
  return held.kind === 'mpp' ? [held.token, ...held.secrets] : [held.token];
}

/**
 * A seller's 402 to a presented MPP credential that ends the call (no fresh payment): the typed
 * error, or undefined for an ordinary refusal. Reads the body's `code` (briefly, bounded).
 */
export async function finalMppRefusal(read: Extract<ChallengeRead, { kind: 'challenge' }>, url: string, scrub: (text: string) => string): Promise<MppCredentialRefusedError | undefined> {
  const message = await sellerMessage(read, scrub); // reads the body once, kept in read.bytes
  const json = read.bytes ? safeJsonParse(new TextDecoder().decode(read.bytes)) : undefined;
  const code = typeof json === 'object' && json !== null ? (json as { code?: unknown }).code : undefined;
  if (typeof code !== 'string' || !FINAL_REFUSALS.has(code)) return undefined;
  return new MppCredentialRefusedError({ url, status: 402, sellerCode: code, sellerMessage: message });
}
