import { InvalidPaymentDataError } from '../errors/invalid-payment-required-error.js';
import { safeJsonParse } from '../util/safe-json.js';
import { base64Text } from '../util/text-bytes.js';
import { MAX_MPP_RECEIPT_BYTES } from './limits.js';
import { mppReceiptSchema, type MppReceipt } from './schemas.js';

export type { MppReceipt } from './schemas.js';

/**
 * Decodes `Payment-Receipt` (base64url JSON `{ method, reference, status, timestamp }`).
 * Undefined when absent; an InvalidPaymentDataError when malformed. A receipt is the seller's
 * claim: its absence does not prove nothing was taken.
 */
export function decodeMppReceipt(headers: Headers): MppReceipt | undefined {
  const value = headers.get('payment-receipt');
  if (value === null) return undefined;
  const source = 'Payment-Receipt header';
  if (value.length > MAX_MPP_RECEIPT_BYTES) throw new InvalidPaymentDataError({ source, reason: `larger than ${MAX_MPP_RECEIPT_BYTES} bytes` });
  const trimmed = value.trim();
  if (!/^[A-Za-z0-9_+/-]+={0,2}$/.test(trimmed)) throw new InvalidPaymentDataError({ source, reason: 'not base64url' });
  const parsed = mppReceiptSchema.safeParse(safeJsonParse(base64Text(trimmed)));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidPaymentDataError({ source, reason: `${issue?.path.join('.') || 'root'}: ${issue?.message ?? 'invalid'}` });
  }
  return parsed.data;
}

const FAILURE_STATUSES = new Set(['failed', 'failure', 'declined', 'error']);

/**
 * What a receipt says: `success` (the only agreed positive), `failed` (it says so outright), or
 * `unknown` (any other word). Only a claim either way: it never releases a reservation by itself.
 */
export function mppReceiptOutcome(receipt: MppReceipt): 'success' | 'failed' | 'unknown' {
  const status = receipt.status.trim().toLowerCase();
  if (status === 'success') return 'success';
  return FAILURE_STATUSES.has(status) ? 'failed' : 'unknown';
}
