import { z } from 'zod';

// x402 wire shapes (wire-facts.md sections 1, 4, 7). Loose objects: unknown fields are tolerated
// and kept, sizes of every string are bounded.

const short = z.string().max(256);
const text = z.string().max(4096);
/** Atomic units as a decimal string (x402 `amount` / `maxAmountRequired`). */
const atomicAmount = z.string().regex(/^[0-9]{1,78}$/);
/**
 * A plan id: real ones are decimal uint256 strings, the SDK's docs use `plan-123`. Any visible
 * ASCII (no spaces, no control characters), bounded; it is only ever sent back (JSON, URL-encoded).
 */
const planId = z.string().regex(/^[\x21-\x7e]{1,256}$/);
/** Drops the named fields a seller sent as JSON `null` (the SDK's settle answer does): read as absent. */
const withoutNulls = (fields: readonly string[]) => (value: unknown) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  if (!fields.some((f) => record[f] === null)) return value;
  return Object.fromEntries(Object.entries(record).filter(([k, v]) => !(v === null && fields.includes(k))));
};

export const acceptExtraSchema = z.looseObject({
  agentId: short.optional(),
  version: short.optional(),
  httpVerb: short.optional(),
});

/** One way to pay, as listed in `accepts[]` (v1 and v2 fields both optional, checked per scheme). */
export const paymentRequirementSchema = z.looseObject({
  scheme: short,
  network: short,
  /** Nevermined: a decimal string up to 78 digits in practice; any bounded printable id accepted. */
  planId: planId.optional(),
  amount: atomicAmount.optional(),
  maxAmountRequired: atomicAmount.optional(),
  asset: short.optional(),
  payTo: short.optional(),
  resource: text.optional(),
  description: text.optional(),
  maxTimeoutSeconds: z.number().int().nonnegative().optional(),
  extra: acceptExtraSchema.optional(),
});

/**
 * `accepts[]`: an entry that is malformed is dropped, not the whole challenge (another entry may be
 * payable). At least one well-formed entry is required.
 */
const acceptsSchema = z
  .array(z.unknown())
  .min(1)
  .max(32)
  .transform((entries, ctx) => {
    const wellFormed: PaymentRequirement[] = [];
    for (const entry of entries) {
      const parsed = paymentRequirementSchema.safeParse(entry);
      if (parsed.success) wellFormed.push(parsed.data);
    }
    if (wellFormed.length === 0) {
      const first = paymentRequirementSchema.safeParse(entries[0]).error?.issues[0];
      ctx.addIssue({ code: 'custom', message: `no well-formed entry (first: ${first?.path.join('.') || 'entry'}: ${first?.message ?? 'invalid'})` });
      return z.NEVER;
    }
    return wellFormed;
  });

export const paymentRequiredV2Schema = z.looseObject({
  x402Version: z.literal(2),
  error: text.optional(),
  resource: z
    .looseObject({ url: text, description: text.optional(), mimeType: short.optional() })
    .optional(),
  accepts: acceptsSchema,
  extensions: z.record(z.string(), z.unknown()).optional(),
});

export const paymentRequiredV1Schema = z.looseObject({
  x402Version: z.literal(1),
  error: text.optional(),
  accepts: acceptsSchema,
});

export const paymentRequiredSchema = z.discriminatedUnion('x402Version', [
  paymentRequiredV1Schema,
  paymentRequiredV2Schema,
]);

const creditsSchema = z.union([z.string().max(80), z.number().int()]).transform(String);

const receiptFields = z.looseObject({
  success: z.boolean(),
  transaction: short.optional(),
  network: short.optional(),
  creditsRedeemed: creditsSchema.optional(),
  remainingBalance: creditsSchema.optional(),
  orderTx: short.optional(),
  payer: short.optional(),
  errorReason: text.optional(),
});

/** `payment-response`; its optional fields may be JSON `null`. */
export const settlementReceiptSchema = z.preprocess(
  withoutNulls(['transaction', 'network', 'creditsRedeemed', 'remainingBalance', 'orderTx', 'payer', 'errorReason']),
  receiptFields,
);

/** The decoded access token, only as far as paying-fetch needs to look into it. */
export const accessTokenSchema = z.looseObject({
  x402Version: z.number().int().optional(),
  payload: z
    .looseObject({
      authorization: z.looseObject({ nonce: z.unknown().optional() }).optional(),
    })
    .optional(),
});

export type PaymentRequirement = z.infer<typeof paymentRequirementSchema>;
export type PaymentRequired = z.infer<typeof paymentRequiredSchema>;
export type SettlementReceipt = z.infer<typeof settlementReceiptSchema>;
