import { PaymentSigningError } from '../errors/payment-signing-error.js';
import type { MppChallenge } from './challenge.js';
import { MAX_MPP_CREDENTIAL_BYTES } from './limits.js';
import { textToBase64 } from '../util/text-bytes.js';

/** What a method plugin produces for a challenge: the method's payload, and optionally who pays. */
export interface MppCredential {
  payload: unknown;
  /** The payer's identity when the method has one (e.g. `did:pkh:...`). */
  source?: string | undefined;
}

/**
 * The credential header for a challenge: `Authorization: Payment <base64url JSON>` (or the header
 * the challenge named). The challenge's fields go back as received, `request` and `opaque`
 * byte for byte: the seller re-derives the challenge id from them.
 */
export function encodeCredential(challenge: MppChallenge, credential: MppCredential): { name: string; value: string } {
  const wire = {
    challenge: {
      id: challenge.id,
      realm: challenge.realm,
      method: challenge.method,
      intent: challenge.intent,
      request: challenge.requestEncoded,
      ...(challenge.description === undefined ? {} : { description: challenge.description }),
      ...(challenge.digest === undefined ? {} : { digest: challenge.digest }),
      ...(challenge.expires === undefined ? {} : { expires: challenge.expires }),
      ...(challenge.opaque === undefined ? {} : { opaque: challenge.opaque }),
    },
    payload: credential.payload,
    ...(credential.source === undefined ? {} : { source: credential.source }),
  };
  const json = JSON.stringify(wire);
  if (json === undefined || json.length > MAX_MPP_CREDENTIAL_BYTES) {
    throw new PaymentSigningError({ scheme: `mpp:${challenge.method}`, network: challenge.intent, reason: `the credential is not JSON or larger than ${MAX_MPP_CREDENTIAL_BYTES} bytes` });
  }
  return { name: challenge.credentialHeader, value: `Payment ${textToBase64(json, true)}` };
}
