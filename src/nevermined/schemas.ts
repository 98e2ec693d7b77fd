import * as z from '../util/zod.js';

const short = z.string().check(z.maxLength(256));
const bounded = (max: number) => z.string().check(z.maxLength(max));
const int = z.int();
const count = z.int().check(z.nonnegative());

/** Cents, sent by the backend as decimal strings (or numbers); kept as safe integers. */
export const centsSchema = z.pipe(
  z.union([z.string().check(z.regex(/^[0-9]{1,15}$/)), z.int().check(z.nonnegative(), z.maximum(Number.MAX_SAFE_INTEGER))]),
  z.transform(Number),
);

export const backendErrorSchema = z.looseObject({
  code: z.optional(bounded(64)),
  message: z.optional(bounded(4096)),
  error: z.optional(bounded(4096)),
  hint: z.optional(bounded(4096)),
  retryable: z.optional(z.boolean()),
  correlationId: z.optional(bounded(256)),
});

export const mintResponseSchema = z.looseObject({
  accessToken: z.string().check(z.minLength(1), z.maxLength(64 * 1024)),
  permissionHash: z.optional(bounded(256)),
});

export const paymentMethodSchema = z.looseObject({
  id: short,
  type: z.optional(short),
  brand: z.optional(short),
  last4: z.optional(bounded(8)),
  expMonth: z.optional(int),
  expYear: z.optional(int),
  provider: z.optional(short),
  status: z.optional(short),
  alias: z.optional(z.nullable(short)),
});

/** `GET /api/v1/payment-methods`. */
export const paymentMethodListSchema = z.array(paymentMethodSchema).check(z.maxLength(1000));

export const delegationSchema = z.looseObject({
  delegationId: short,
  provider: z.optional(short),
  providerPaymentMethodId: z.optional(short),
  status: bounded(32),
  spendingLimitCents: centsSchema,
  amountSpentCents: z.optional(centsSchema),
  remainingBudgetCents: z.optional(centsSchema),
  currency: z.optional(short),
  transactionCount: z.optional(count),
  maxTransactions: z.optional(z.nullable(count)),
  planId: z.optional(z.nullable(short)),
  expiresAt: z.optional(z.nullable(short)),
  createdAt: z.optional(short),
  apiKeyId: z.optional(z.nullable(short)),
});

export const delegationListSchema = z.looseObject({
  delegations: z.array(delegationSchema).check(z.maxLength(1000)),
  totalResults: z.optional(count),
  /** Which page this is (1-based) and the page size (the backend calls it `offset`). */
  page: z.optional(int),
  offset: z.optional(int),
});

export const createDelegationResponseSchema = z.looseObject({
  delegationId: short,
  delegationToken: z.optional(bounded(64 * 1024)),
});

export const transactionSchema = z.looseObject({
  providerTransactionId: short,
  amountCents: centsSchema,
  status: short,
  createdAt: z.optional(short),
});

const transactionArraySchema = z.array(transactionSchema).check(z.maxLength(10_000));

export const transactionListSchema = z.union([
  transactionArraySchema,
  z.pipe(
    z.looseObject({ transactions: transactionArraySchema }),
    z.transform((v: { transactions: DelegationTransaction[] }) => v.transactions),
  ),
]);

export const planBalanceSchema = z.looseObject({
  planId: z.optional(short),
  holderAddress: z.optional(short),
  /** Credits, as a decimal string (can be large). */
  balance: z.pipe(z.union([z.string().check(z.regex(/^[0-9]{1,78}$/)), count]), z.transform(String)),
  isSubscriber: z.optional(z.boolean()),
});

export type PlanBalance = z.output<typeof planBalanceSchema>;
export type PaymentMethod = z.output<typeof paymentMethodSchema>;
export type Delegation = z.output<typeof delegationSchema>;
export type DelegationTransaction = z.output<typeof transactionSchema>;
