import { InvalidPaymentDataError } from '../errors/invalid-payment-required-error.js';
import { safeJsonParse } from '../util/safe-json.js';
import { base64Text } from '../util/text-bytes.js';
import { parseChallengeList } from './auth-params.js';
import { challengeParamsSchema, challengeRequestSchema } from './schemas.js';

/** The auth scheme of MPP challenges and credentials. */
export const PAYMENT_SCHEME = 'Payment';

/**
 * One `WWW-Authenticate: Payment ...` challenge. `requestEncoded` and `opaque` are kept exactly as
 * received: the seller's challenge id is an HMAC over them, so they go back unchanged.
 */
export interface MppChallenge {
  id: string;
  realm: string;
  /** The payment method (`nevermined`, `tempo`, `stripe`, ...), lower case. */
  method: string;
  /** What is asked (`charge`, `session`, ...). */
  intent: string;
  /** The decoded `request` (its shape belongs to the method). */
  request: Record<string, unknown>;
  /** `request` exactly as received (base64url JSON). */
  requestEncoded: string;
  expires?: string | undefined;
  digest?: string | undefined;
  opaque?: string | undefined;
  description?: string | undefined;
  /** The header the credential goes in: `authorization` unless the challenge names another. */
  credentialHeader: string;
}

/**
 * Every usable `Payment` challenge of a response, in the order sent. [] when there is none.
 * A challenge with a bad field is skipped (another may be payable); a header that cannot be read,
 * or `Payment` challenges none of which is usable, is an InvalidPaymentDataError.
 */
export function readMppChallenges(headers: Headers): MppChallenge[] {
  const value = headers.get('www-authenticate');
  return value === null ? [] : parseMppChallenges(value);
}

/** Same as readMppChallenges, over one `WWW-Authenticate` value. */
export function parseMppChallenges(value: string): MppChallenge[] {
  const payment = parseChallengeList(value).filter((c) => c.scheme.toLowerCase() === 'payment');
  const usable: MppChallenge[] = [];
  let firstDefect: string | undefined;
  for (const raw of payment) {
    const result = raw.defect ? { defect: raw.defect } : raw.token68 !== undefined ? { defect: 'a token68, not auth-params' } : toChallenge(raw.params);
    if ('challenge' in result) usable.push(result.challenge);
    else firstDefect ??= result.defect;
  }
  if (payment.length > 0 && usable.length === 0) {
    throw new InvalidPaymentDataError({ source: 'WWW-Authenticate header', reason: `no usable Payment challenge (${firstDefect})` });
  }
  return usable;
}

/** True when the challenge names an expiry that has passed at `nowMs`. */
export function isMppChallengeExpired(challenge: MppChallenge, nowMs: number): boolean {
  return challenge.expires !== undefined && Date.parse(challenge.expires) <= nowMs;
}

function toChallenge(params: Record<string, string>): { challenge: MppChallenge } | { defect: string } {
  const parsed = challengeParamsSchema.safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { defect: `${issue?.path.join('.') || 'params'}: ${issue?.message ?? 'invalid'}` };
  }
  const p = parsed.data;
  const json = safeJsonParse(base64Text(p.request));
  const request = challengeRequestSchema.safeParse(json);
  if (!request.success) return { defect: 'request: not a base64url JSON object' };
  return {
    challenge: {
      id: p.id,
      realm: p.realm,
      method: p.method,
      intent: p.intent,
      request: request.data,
      requestEncoded: p.request,
      ...(p.expires === undefined ? {} : { expires: p.expires }),
      ...(p.digest === undefined ? {} : { digest: p.digest }),
      ...(p.opaque === undefined ? {} : { opaque: p.opaque }),
      ...(p.description === undefined ? {} : { description: p.description }),
      credentialHeader: (p.header ?? 'authorization').toLowerCase(),
    },
  };
}
