import { z } from 'zod';
import { ConfigurationError } from '../errors/configuration-error.js';
import { PolicyDeniedError } from '../errors/policy-denied-error.js';

const cents = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const count = z.number().int().nonnegative().max(1_000_000);

const capsSchema = z.strictObject({
  lifetimeCents: cents.optional(),
  perHourCents: cents.optional(),
  perDayCents: cents.optional(),
});

const listsSchema = z.strictObject({
  origins: z.array(z.string().max(2048)).max(1000).optional(),
  planIds: z.array(z.string().max(256)).max(1000).optional(),
  schemes: z.array(z.string().max(256)).max(100).optional(),
  networks: z.array(z.string().max(256)).max(100).optional(),
});

const consentSchema = z.union([
  z.boolean(),
  z.strictObject({ maxPerDay: count.optional(), maxCentsPerDay: cents.optional() }),
]);

/** The spending policy. Every field optional; everything enforced before anything is minted or bought. */
export const policySchema = z.strictObject({
  /** Total budget over all origins and plans, in cents: lifetime and rolling windows. */
  budget: capsSchema.optional(),
  /** Caps per origin (`https://api.example.com`) on known and observed spend. */
  perOrigin: z.record(z.string(), capsSchema).optional(),
  /** Caps per plan id on known and observed spend. */
  perPlan: z.record(z.string(), capsSchema).optional(),
  allow: listsSchema.optional(),
  deny: listsSchema.optional(),
  /** Velocity: at most this many purchases (delegations created or adopted, packs bought) per window. */
  maxPurchasesPer: z.strictObject({ hour: count.optional(), day: count.optional() }).optional(),
  /** Terms of the delegations paying-fetch creates from `nevermined.paymentMethodId`. */
  delegation: z
    .strictObject({
      spendingLimitCents: cents.positive().optional(),
      durationSecs: z.number().int().positive().max(365 * 24 * 3600).optional(),
      currency: z.string().max(8).optional(),
      maxTransactions: z.number().int().positive().optional(),
      planId: z.string().max(256).optional(),
      provider: z.string().max(32).optional(),
    })
    .optional(),
  /** Consent to replace an expired or exhausted delegation automatically (with optional caps). */
  autoRenew: consentSchema.optional(),
  /** Consent to buy a credit pack again when one runs out (with optional caps). */
  autoTopUp: consentSchema.optional(),
  /** Assets that x402 `exact`-style payments may use besides the built-in USDC, keyed `network:asset`. */
  assets: z.record(z.string().max(300), z.strictObject({ decimals: z.number().int().min(0).max(36), centsPerUnit: z.number().int().positive(), symbol: z.string().max(16).optional() })).optional(),
  /**
   * After a payment got no answer, a retry of the same request replays that payment (no second
   * charge). Set true to let the retry pay afresh instead (it may then be charged twice).
   */
  freshPaymentAfterUnknown: z.boolean().optional(),
  /** Emit `budget-warning` when a budget passes this share (percent). Default 80. */
  budgetWarningPercent: z.number().int().min(1).max(100).optional(),
});

export type Policy = z.infer<typeof policySchema>;
export type Caps = z.infer<typeof capsSchema>;
export type Consent = z.infer<typeof consentSchema>;

/** Validates a policy (from code or a config file) into a typed one, or a clear configuration error. */
export function parsePolicy(value: unknown): Policy {
  const parsed = policySchema.safeParse(value ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigurationError(`Invalid policy at ${issue?.path.join('.') || 'root'}: ${issue?.message}`);
  }
  const policy = parsed.data;
  // Origins are compared in their canonical form.
  for (const lists of [policy.allow, policy.deny]) {
    if (lists?.origins) lists.origins = lists.origins.map(canonicalOrigin);
  }
  if (policy.assets) {
    policy.assets = Object.fromEntries(Object.entries(policy.assets).map(([k, v]) => [k.toLowerCase(), v]));
  }
  if (policy.perOrigin) {
    policy.perOrigin = Object.fromEntries(Object.entries(policy.perOrigin).map(([o, caps]) => [canonicalOrigin(o), caps]));
  }
  return policy;
}

function canonicalOrigin(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    throw new ConfigurationError(`Invalid origin in policy: ${origin}`);
  }
}

/** What is about to be paid, as the allow/deny lists see it. */
export interface PaymentSubject {
  origin: string;
  planId?: string | undefined;
  scheme: string;
  network: string;
}

/** Throws PolicyDeniedError naming the rule when the lists forbid this payment. */
export function assertAllowed(policy: Policy, subject: PaymentSubject): void {
  const checks: Array<[keyof NonNullable<Policy['allow']>, string | undefined]> = [
    ['origins', subject.origin],
    ['planIds', subject.planId],
    ['schemes', subject.scheme],
    ['networks', subject.network],
  ];
  for (const [list, value] of checks) {
    if (value === undefined) continue;
    if (policy.deny?.[list]?.includes(value)) throw new PolicyDeniedError({ rule: `deny.${list}`, value });
    const allowed = policy.allow?.[list];
    if (allowed && !allowed.includes(value)) throw new PolicyDeniedError({ rule: `allow.${list}`, value });
  }
}

/** Consent as a boolean plus its caps. */
export function consentOf(consent: Consent | undefined): { given: boolean; maxPerDay?: number | undefined; maxCentsPerDay?: number | undefined } {
  if (consent === undefined || consent === false) return { given: false };
  if (consent === true) return { given: true };
  return { given: true, maxPerDay: consent.maxPerDay, maxCentsPerDay: consent.maxCentsPerDay };
}
