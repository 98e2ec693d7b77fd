import { peekBody } from '../util/read-bounded.js';
import { safeJsonParse } from '../util/safe-json.js';
import { MAX_CHALLENGE_BODY_BYTES } from '../x402/limits.js';
import { readChallenge } from '../x402/payment-required.js';
import type { PaymentRequired } from '../x402/schemas.js';

/** How long a 402 body is read when the challenge can only be in it (a seller may trickle it forever). */
export const DEFAULT_CHALLENGE_BODY_TIMEOUT_MS = 5_000;
/** How long a refusal's body is read for the seller's reason, once the call is failing anyway. */
const MESSAGE_BODY_TIMEOUT_MS = 1_000;

export type ChallengeRead =
  | { kind: 'challenge'; challenge: PaymentRequired; response: Response; bytes: Uint8Array | undefined; bodyRead?: boolean }
  /** The 402 carries nothing payable: it goes back to the caller, with this reason. */
  | { kind: 'none'; response: Response; reason: string; detail: string; error?: Error };

/**
 * What a 402 asks for. The `payment-required` header is read without waiting for the body; only
 * when the challenge can be in the body alone is the body read, bounded in size and in time. The
 * caller always gets back a response whose body it can still read.
 */
export async function readChallengeOf(response: Response, deadlineMs: number): Promise<ChallengeRead> {
  const inHeader = response.headers.has('payment-required');
  const peeked = inHeader ? { bytes: undefined, response, timedOut: false } : await peekBody(response, MAX_CHALLENGE_BODY_BYTES, deadlineMs);
  if (peeked.timedOut) {
    return { kind: 'none', response: peeked.response, reason: 'challenge-body-timeout', detail: `the 402 body did not end within ${deadlineMs} ms` };
  }
  try {
    const challenge = readChallenge(peeked.response.headers, peeked.bytes);
    if (challenge) return { kind: 'challenge', challenge, response: peeked.response, bytes: peeked.bytes, bodyRead: !inHeader };
    return { kind: 'none', response: peeked.response, reason: 'no-challenge', detail: 'the 402 carries no x402 payment requirements' };
  } catch (error) {
    return { kind: 'none', response: peeked.response, reason: 'invalid-challenge', detail: (error as Error).message, error: error as Error };
  }
}

/**
 * The seller's reason for a refusal, from its JSON body (`message` / `error`) or the challenge,
 * redacted whole then cut short (a secret cut in half would no longer match). The body is read
 * only now, briefly, if it was not read before.
 */
export async function sellerMessage(read: Extract<ChallengeRead, { kind: 'challenge' }>, scrub: (text: string) => string): Promise<string | undefined> {
  let bytes = read.bytes;
  if (bytes === undefined && !read.bodyRead) {
    const peeked = await peekBody(read.response, MAX_CHALLENGE_BODY_BYTES, MESSAGE_BODY_TIMEOUT_MS);
    // Read once: the caller may still get this response, so it keeps what was read.
    read.bodyRead = true;
    read.response = peeked.response;
    read.bytes = bytes = peeked.bytes;
  }
  const json = bytes ? safeJsonParse(new TextDecoder().decode(bytes)) : undefined;
  const body = (typeof json === 'object' && json !== null ? json : {}) as { message?: unknown; error?: unknown };
  const text = [body.message, body.error, read.challenge.error].find((v): v is string => typeof v === 'string' && v !== 'Payment Required');
  return text === undefined ? undefined : scrub(text).slice(0, 1000);
}
