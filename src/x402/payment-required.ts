import { InvalidPaymentDataError } from '../errors/invalid-payment-required-error.js';
import { decodeBase64Text } from '../util/base64.js';
import { safeJsonParse } from '../util/safe-json.js';
import { utf8Text } from '../util/text-bytes.js';
import { MAX_HEADER_BYTES } from './limits.js';
import { paymentRequiredSchema, type PaymentRequired } from './schemas.js';

/** Decodes a `payment-required` header value (base64 or base64url JSON). Throws a typed error. */
export function decodePaymentRequiredHeader(value: string): PaymentRequired {
  if (value.length > MAX_HEADER_BYTES) {
    throw new InvalidPaymentDataError({ source: 'payment-required header', reason: `larger than ${MAX_HEADER_BYTES} bytes` });
  }
  const json = decodeBase64Text(value);
  if (json === undefined) throw new InvalidPaymentDataError({ source: 'payment-required header', reason: 'not base64' });
  return parsePaymentRequiredJson(safeJsonParse(json), 'payment-required header');
}

/** Validates an already-parsed PaymentRequired object (header, body or MCP structuredContent). */
export function parsePaymentRequiredJson(value: unknown, source: string): PaymentRequired {
  if (value === undefined) throw new InvalidPaymentDataError({ source, reason: 'not JSON' });
  const parsed = paymentRequiredSchema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first?.path.length ? first.path.join('.') : 'root';
    throw new InvalidPaymentDataError({ source, reason: `${where}: ${first?.message ?? 'invalid'}` });
  }
  return parsed.data;
}

/**
 * Reads the challenge of a 402: the `payment-required` header when present, else a JSON body
 * carrying `x402Version`. Returns undefined when the 402 carries no x402 challenge at all.
 */
export function readChallenge(headers: Headers, body: Uint8Array | undefined): PaymentRequired | undefined {
  const header = headers.get('payment-required');
  if (header !== null) return decodePaymentRequiredHeader(header);
  if (!body || body.byteLength === 0) return undefined;
  const json = safeJsonParse(utf8Text(body));
  if (typeof json !== 'object' || json === null || !('x402Version' in json)) return undefined;
  return parsePaymentRequiredJson(json, '402 body');
}
