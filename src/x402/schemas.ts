import * as z from '../util/zod.js';

// x402 wire shapes (wire-facts.md sections 1, 4, 7). Loose objects: unknown fields are tolerated
// and kept, sizes of every string are bounded.

const short = z.string().check(z.maxLength(256));
const text = z.string().check(z.maxLength(4096));
/** Atomic units as a decimal string (x402 `amount` / `maxAmountRequired`). */
const atomicAmount = z.string().check(z.regex(/^[0-9]{1,78}$/));
/**
 * A plan id: real ones are decimal uint256 strings, the SDK's docs use `plan-123`. Any visible
 * ASCII (no spaces, no control characters), bounded; it is only ever sent back (JSON, URL-encoded).
 */
const planId = z.string().check(z.regex(/^[\x21-\x7e]{1,256}$/));
/** Drops the named fields a seller sent as JSON `null` (the SDK's settle answer does): read as absent. */
const withoutNulls = (fields: readonly string[]) => (value: unknown) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  if (!fields.some((f) => record[f] === null)) return value;
  return Object.fromEntries(Object.entries(record).filter(([k, v]) => !(v === null && fields.includes(k))));
};

export const acceptExtraSchema = z.looseObject({
  agentId: z.optional(short),
  version: z.optional(short),
  httpVerb: z.optional(short),
});

/** One way to pay, as listed in `accepts[]` (v1 and v2 fields both optional, checked per scheme). */
export const paymentRequirementSchema = z.looseObject({
  scheme: short,
  network: short,
  /** Nevermined: a decimal string up to 78 digits in practice; any bounded printable id accepted. */
  planId: z.optional(planId),
  amount: z.optional(atomicAmount),
  maxAmountRequired: z.optional(atomicAmount),
  asset: z.optional(short),
  payTo: z.optional(short),
  resource: z.optional(text),
  description: z.optional(text),
  maxTimeoutSeconds: z.optional(z.int().check(z.nonnegative())),
  extra: z.optional(acceptExtraSchema),
});

/**
 * `accepts[]`: an entry that is malformed is dropped, not the whole challenge (another entry may be
 * payable). At least one well-formed entry is required.
 */
const acceptsSchema = z.pipe(
  z.array(z.unknown()).check(z.minLength(1), z.maxLength(32)),
  z.transform((entries: unknown[], ctx) => {
    const wellFormed: PaymentRequirement[] = [];
    for (const entry of entries) {
      const parsed = paymentRequirementSchema.safeParse(entry);
      if (parsed.success) wellFormed.push(parsed.data);
    }
    if (wellFormed.length === 0) {
      const first = paymentRequirementSchema.safeParse(entries[0]).error?.issues[0];
      ctx.issues.push({ code: 'custom', message: `no well-formed entry (first: ${first?.path.join('.') || 'entry'}: ${first?.message ?? 'invalid'})`, input: entries });
      return z.NEVER;
    }
    return wellFormed;
  }),
);

export const paymentRequiredV2Schema = z.looseObject({
  x402Version: z.literal(2),
  error: z.optional(text),
  resource: z.optional(z.looseObject({ url: text, description: z.optional(text), mimeType: z.optional(short) })),
  accepts: acceptsSchema,
  extensions: z.optional(z.record(z.string(), z.unknown())),
});

export const paymentRequiredV1Schema = z.looseObject({
  x402Version: z.literal(1),
  error: z.optional(text),
  accepts: acceptsSchema,
});

export const paymentRequiredSchema = z.discriminatedUnion('x402Version', [
  paymentRequiredV1Schema,
  paymentRequiredV2Schema,
]);

const creditsSchema = z.pipe(z.union([z.string().check(z.maxLength(80)), z.int()]), z.transform(String));

const receiptFields = z.looseObject({
  success: z.boolean(),
  transaction: z.optional(short),
  network: z.optional(short),
  creditsRedeemed: z.optional(creditsSchema),
  remainingBalance: z.optional(creditsSchema),
  orderTx: z.optional(short),
  payer: z.optional(short),
  errorReason: z.optional(text),
});

/** `payment-response`; its optional fields may be JSON `null`. */
export const settlementReceiptSchema = z.pipe(
  z.transform(withoutNulls(['transaction', 'network', 'creditsRedeemed', 'remainingBalance', 'orderTx', 'payer', 'errorReason'])),
  receiptFields,
);

/** The decoded access token, only as far as paying-fetch needs to look into it. */
export const accessTokenSchema = z.looseObject({
  x402Version: z.optional(z.int()),
  payload: z.optional(
    z.looseObject({
      authorization: z.optional(z.looseObject({ nonce: z.optional(z.unknown()) })),
    }),
  ),
});

export type PaymentRequirement = z.output<typeof paymentRequirementSchema>;
export type PaymentRequired = z.output<typeof paymentRequiredSchema>;
export type SettlementReceipt = z.output<typeof settlementReceiptSchema>;
