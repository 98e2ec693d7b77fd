import { z } from 'zod';

const short = z.string().max(256);

/** Cents, sent by the backend as decimal strings (or numbers); kept as safe integers. */
export const centsSchema = z
  .union([z.string().regex(/^[0-9]{1,15}$/), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)])
  .transform(Number);

export const backendErrorSchema = z.looseObject({
  code: z.string().max(64).optional(),
  message: z.string().max(4096).optional(),
  error: z.string().max(4096).optional(),
  hint: z.string().max(4096).optional(),
  retryable: z.boolean().optional(),
  correlationId: z.string().max(256).optional(),
});

export const mintResponseSchema = z.looseObject({
  accessToken: z.string().min(1).max(64 * 1024),
  permissionHash: z.string().max(256).optional(),
});

export const paymentMethodSchema = z.looseObject({
  id: short,
  type: short.optional(),
  brand: short.optional(),
  last4: z.string().max(8).optional(),
  expMonth: z.number().int().optional(),
  expYear: z.number().int().optional(),
  provider: short.optional(),
  status: short.optional(),
  alias: short.nullable().optional(),
});

export const delegationSchema = z.looseObject({
  delegationId: short,
  provider: short.optional(),
  providerPaymentMethodId: short.optional(),
  status: z.string().max(32),
  spendingLimitCents: centsSchema,
  amountSpentCents: centsSchema.optional(),
  remainingBudgetCents: centsSchema.optional(),
  currency: short.optional(),
  transactionCount: z.number().int().nonnegative().optional(),
  maxTransactions: z.number().int().nonnegative().nullable().optional(),
  planId: short.nullable().optional(),
  expiresAt: short.nullable().optional(),
  createdAt: short.optional(),
  apiKeyId: short.nullable().optional(),
});

export const delegationListSchema = z.looseObject({
  delegations: z.array(delegationSchema).max(1000),
  totalResults: z.number().int().nonnegative().optional(),
  /** Which page this is (1-based) and the page size (the backend calls it `offset`). */
  page: z.number().int().optional(),
  offset: z.number().int().optional(),
});

export const createDelegationResponseSchema = z.looseObject({
  delegationId: short,
  delegationToken: z.string().max(64 * 1024).optional(),
});

export const transactionSchema = z.looseObject({
  providerTransactionId: short,
  amountCents: centsSchema,
  status: short,
  createdAt: short.optional(),
});

export const transactionListSchema = z.union([
  z.array(transactionSchema).max(10_000),
  z.looseObject({ transactions: z.array(transactionSchema).max(10_000) }).transform((v) => v.transactions),
]);

export const planBalanceSchema = z.looseObject({
  planId: short.optional(),
  holderAddress: short.optional(),
  /** Credits, as a decimal string (can be large). */
  balance: z.union([z.string().regex(/^[0-9]{1,78}$/), z.number().int().nonnegative()]).transform(String),
  isSubscriber: z.boolean().optional(),
});

export type PlanBalance = z.infer<typeof planBalanceSchema>;
export type PaymentMethod = z.infer<typeof paymentMethodSchema>;
export type Delegation = z.infer<typeof delegationSchema>;
export type DelegationTransaction = z.infer<typeof transactionSchema>;
