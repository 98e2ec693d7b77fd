import { PaymentSigningError } from '../errors/payment-signing-error.js';
import { safeJsonParse } from '../util/safe-json.js';
import type { MppChallenge } from './challenge.js';
import type { MppCredential } from './credential.js';
import type { MppMethodPlugin } from './plugin.js';
import { base64Text } from '../util/text-bytes.js';

/**
 * An `mppx` client method, structurally (e.g. `tempo.charge({...})` from `mppx/client`, or one
 * built with `Method.toClient`), so mppx stays optional: it returns a serialized credential.
 */
export interface MppxClientMethodLike {
  readonly name: string;
  readonly intent: string;
  canHandleChallenge?: ((parameters: { challenge: never }) => boolean) | undefined;
  createCredential(parameters: { challenge: never; context?: never }): Promise<string>;
}

/** An MppMethodPlugin over an mppx client method. `context` is handed to it as is. */
export function mppxMethod(method: MppxClientMethodLike, context?: unknown): MppMethodPlugin {
  return {
    method: method.name,
    intent: method.intent,
    canHandle: (challenge) => method.canHandleChallenge?.({ challenge: toMppxChallenge(challenge) as never }) ?? true,
    async createCredential(challenge): Promise<MppCredential> {
      const serialized = await method.createCredential({
        challenge: toMppxChallenge(challenge) as never,
        ...(context === undefined ? {} : { context: context as never }),
      });
      // Only its payload and source are kept: the challenge goes back as received, not as mppx re-encodes it.
      const match = /^Payment\s+([A-Za-z0-9_-]+={0,2})$/i.exec(typeof serialized === 'string' ? serialized.trim() : '');
      const wire = match ? (safeJsonParse(base64Text(match[1]!)) as { payload?: unknown; source?: unknown } | undefined) : undefined;
      if (!wire || typeof wire !== 'object' || !('payload' in wire)) {
        throw new PaymentSigningError({ scheme: `mpp:${challenge.method}`, network: challenge.intent, reason: 'the mppx method did not return a Payment credential' });
      }
      return { payload: wire.payload, ...(typeof wire.source === 'string' ? { source: wire.source } : {}) };
    },
  };
}

/** The challenge as mppx's client methods take it (`request` decoded). */
function toMppxChallenge(challenge: MppChallenge): Record<string, unknown> {
  return {
    id: challenge.id,
    realm: challenge.realm,
    method: challenge.method,
    intent: challenge.intent,
    request: challenge.request,
    ...(challenge.description === undefined ? {} : { description: challenge.description }),
    ...(challenge.digest === undefined ? {} : { digest: challenge.digest }),
    ...(challenge.expires === undefined ? {} : { expires: challenge.expires }),
    ...(challenge.opaque === undefined ? {} : { opaque: challenge.opaque }),
  };
}
