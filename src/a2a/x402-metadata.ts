import * as z from '../util/zod.js';
import { InvalidPaymentDataError } from '../errors/invalid-payment-required-error.js';
import { MAX_HEADER_BYTES } from '../x402/limits.js';
import { parsePaymentRequiredJson } from '../x402/payment-required.js';
import { settlementReceiptSchema, type PaymentRequired, type SettlementReceipt } from '../x402/schemas.js';

/** The x402 A2A transport's metadata keys (coinbase/x402 specs/transports-v2/a2a.md). */
export const X402_A2A_KEYS = {
  status: 'x402.payment.status',
  required: 'x402.payment.required',
  payload: 'x402.payment.payload',
  receipts: 'x402.payment.receipts',
  error: 'x402.payment.error',
  /** Nevermined's marker beside `payment-verified`: the charge is settled later, in a batch. */
  settlement: 'x402.payment.settlement',
} as const;

/** The extension a client activates (`X-A2A-Extensions`): a2a-x402 v0.2 and the URI x402's spec names. */
export const X402_A2A_EXTENSIONS = ['https://github.com/google-agentic-commerce/a2a-x402/blob/main/spec/v0.2', 'https://github.com/google-a2a/a2a-x402/v0.1'];

const statusSchema = z.enum(['payment-required', 'payment-rejected', 'payment-submitted', 'payment-verified', 'payment-completed', 'payment-failed']);
export type PaymentStatus = z.output<typeof statusSchema>;

/** An agent's error code: short printable text, else a placeholder (it is shown in an error). */
const errorCodeSchema = z.string().check(z.regex(/^[\x20-\x7e]{1,128}$/));
const MAX_RECEIPTS = 16;
const receiptListSchema = z.array(z.unknown()).check(z.minLength(1), z.maxLength(MAX_RECEIPTS));

/** What an agent said about payment in one answer's metadata; every field a claim. */
export interface PaymentSignal {
  status: PaymentStatus | undefined;
  /** `payment-failed`'s `x402.payment.error`. */
  errorCode: string | undefined;
  /** The first settle response of `x402.payment.receipts`, when well formed. */
  receipt: SettlementReceipt | undefined;
  /** `x402.payment.receipts` was present but malformed or oversized. */
  receiptInvalid: boolean;
  deferred: boolean;
}

/** JSON size of an untrusted value, or Infinity when it cannot be measured. */
function jsonSize(value: unknown): number {
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    return Infinity;
  }
}

export function readSignal(metadata: Record<string, unknown> | undefined): PaymentSignal {
  const status = statusSchema.safeParse(metadata?.[X402_A2A_KEYS.status]);
  const code = metadata?.[X402_A2A_KEYS.error];
  const signal: PaymentSignal = {
    status: status.success ? status.data : undefined,
    errorCode: code === undefined ? undefined : errorCodeSchema.safeParse(code).success ? (code as string) : 'UNREADABLE_ERROR_CODE',
    receipt: undefined,
    receiptInvalid: false,
    deferred: metadata?.[X402_A2A_KEYS.settlement] === 'deferred',
  };
  const receipts = metadata?.[X402_A2A_KEYS.receipts];
  if (receipts !== undefined) {
    const list = receiptListSchema.safeParse(receipts);
    const first = list.success && jsonSize(receipts) <= MAX_HEADER_BYTES ? settlementReceiptSchema.safeParse(list.data[0]) : undefined;
    if (first?.success) signal.receipt = first.data;
    else signal.receiptInvalid = true;
  }
  return signal;
}

/**
 * The PaymentRequired of a payment-required answer, read under the bounds of a `payment-required`
 * header. Malformed, oversized or absent (the embedded AP2 flow): a typed error, never a payment.
 */
export function readRequired(metadata: Record<string, unknown> | undefined): PaymentRequired {
  const source = `A2A metadata ${X402_A2A_KEYS.required}`;
  const value = metadata?.[X402_A2A_KEYS.required];
  if (value === undefined) throw new InvalidPaymentDataError({ source, reason: 'absent (embedded payment flows are not supported)' });
  if (jsonSize(value) > MAX_HEADER_BYTES) throw new InvalidPaymentDataError({ source, reason: `larger than ${MAX_HEADER_BYTES} bytes` });
  return parsePaymentRequiredJson(value, source);
}
