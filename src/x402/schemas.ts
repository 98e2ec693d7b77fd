import { z } from 'zod';

// x402 wire shapes (wire-facts.md sections 1, 4, 7). Loose objects: unknown fields are tolerated
// and kept, sizes of every string are bounded.

const short = z.string().max(256);
const text = z.string().max(4096);
/** Atomic units as a decimal string (x402 `amount` / `maxAmountRequired`). */
const atomicAmount = z.string().regex(/^[0-9]{1,78}$/);

export const acceptExtraSchema = z.looseObject({
  agentId: short.optional(),
  version: short.optional(),
  httpVerb: short.optional(),
});

/** One way to pay, as listed in `accepts[]` (v1 and v2 fields both optional, checked per scheme). */
export const paymentRequirementSchema = z.looseObject({
  scheme: short,
  network: short,
  /** Nevermined: decimal string up to 78 digits. */
  planId: z.string().regex(/^[0-9]{1,78}$/).optional(),
  amount: atomicAmount.optional(),
  maxAmountRequired: atomicAmount.optional(),
  asset: short.optional(),
  payTo: short.optional(),
  resource: text.optional(),
  description: text.optional(),
  maxTimeoutSeconds: z.number().int().nonnegative().optional(),
  extra: acceptExtraSchema.optional(),
});

export const paymentRequiredV2Schema = z.looseObject({
  x402Version: z.literal(2),
  error: text.optional(),
  resource: z
    .looseObject({ url: text, description: text.optional(), mimeType: short.optional() })
    .optional(),
  accepts: z.array(paymentRequirementSchema).min(1).max(32),
  extensions: z.record(z.string(), z.unknown()).optional(),
});

export const paymentRequiredV1Schema = z.looseObject({
  x402Version: z.literal(1),
  error: text.optional(),
  accepts: z.array(paymentRequirementSchema).min(1).max(32),
});

export const paymentRequiredSchema = z.discriminatedUnion('x402Version', [
  paymentRequiredV1Schema,
  paymentRequiredV2Schema,
]);

const creditsSchema = z.union([z.string().max(80), z.number().int()]).transform(String);

export const settlementReceiptSchema = z.looseObject({
  success: z.boolean(),
  transaction: short.optional(),
  network: short.optional(),
  creditsRedeemed: creditsSchema.optional(),
  remainingBalance: creditsSchema.optional(),
  orderTx: short.optional(),
  payer: short.optional(),
  errorReason: text.optional(),
});

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
