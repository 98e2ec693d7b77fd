import { InvalidPaymentDataError } from '../errors/invalid-payment-required-error.js';
import { decodeBase64Text } from '../util/base64.js';
import { safeJsonParse } from '../util/safe-json.js';
import { MAX_HEADER_BYTES } from './limits.js';
import { settlementReceiptSchema, type SettlementReceipt } from './schemas.js';

/**
 * Decodes the settlement receipt from `payment-response` (v2) or `x-payment-response` (v1).
 * Returns undefined when neither header is present; throws a typed error when one is malformed.
 */
export function decodeReceipt(headers: Headers): SettlementReceipt | undefined {
  let name = 'payment-response';
  let value = headers.get(name);
  if (value === null) value = headers.get((name = 'x-payment-response'));
  if (value === null) return undefined;
  if (value.length > MAX_HEADER_BYTES) {
    throw new InvalidPaymentDataError({ source: `${name} header`, reason: `larger than ${MAX_HEADER_BYTES} bytes` });
  }
  const json = decodeBase64Text(value);
  if (json === undefined) throw new InvalidPaymentDataError({ source: `${name} header`, reason: 'not base64' });
  const parsed = settlementReceiptSchema.safeParse(safeJsonParse(json));
  if (!parsed.success) {
    throw new InvalidPaymentDataError({ source: `${name} header`, reason: parsed.error.issues[0]?.message ?? 'invalid' });
  }
  return parsed.data;
}
