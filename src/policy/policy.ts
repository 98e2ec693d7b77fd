import * as z from '../util/zod.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import { PolicyDeniedError } from '../errors/policy-denied-error.js';

const cents = z.int().check(z.nonnegative(), z.maximum(Number.MAX_SAFE_INTEGER));
const count = z.int().check(z.nonnegative(), z.maximum(1_000_000));
const bounded = (max: number) => z.string().check(z.maxLength(max));
const list = (itemMax: number, max: number) => z.optional(z.array(bounded(itemMax)).check(z.maxLength(max)));
const positiveInt = z.int().check(z.positive());

const capsSchema = z.strictObject({
  lifetimeCents: z.optional(cents),
  perHourCents: z.optional(cents),
  perDayCents: z.optional(cents),
});

const listsSchema = z.strictObject({
  origins: list(2048, 1000),
  planIds: list(256, 1000),
  schemes: list(256, 100),
  networks: list(256, 100),
});

const consentSchema = z.union([
  z.boolean(),
  z.strictObject({ maxPerDay: z.optional(count), maxCentsPerDay: z.optional(cents) }),
]);

/** The spending policy. Every field optional; everything enforced before anything is minted or bought. */
export const policySchema = z.strictObject({
  /** Total budget over all origins and plans, in cents: lifetime and rolling windows. */
  budget: z.optional(capsSchema),
  /** Caps per origin (`https://api.example.com`) on known and observed spend. */
  perOrigin: z.optional(z.record(z.string(), capsSchema)),
  /** Caps per plan id on known and observed spend. */
  perPlan: z.optional(z.record(z.string(), capsSchema)),
  allow: z.optional(listsSchema),
  deny: z.optional(listsSchema),
  /** Velocity: at most this many purchases (delegations created or adopted, packs bought) per window. */
  maxPurchasesPer: z.optional(z.strictObject({ hour: z.optional(count), day: z.optional(count) })),
  /** Terms of the delegations paying-fetch creates from `nevermined.paymentMethodId`. */
  delegation: z.optional(
    z.strictObject({
      spendingLimitCents: z.optional(z.int().check(z.nonnegative(), z.maximum(Number.MAX_SAFE_INTEGER), z.positive())),
      durationSecs: z.optional(z.int().check(z.positive(), z.maximum(365 * 24 * 3600))),
      currency: z.optional(bounded(8)),
      maxTransactions: z.optional(positiveInt),
      planId: z.optional(bounded(256)),
      provider: z.optional(bounded(32)),
    }),
  ),
  /** Consent to replace an expired or exhausted delegation automatically (with optional caps). */
  autoRenew: z.optional(consentSchema),
  /** Consent to buy a credit pack again when one runs out (with optional caps). */
  autoTopUp: z.optional(consentSchema),
  /** Assets that x402 `exact`-style payments may use besides the built-in USDC, keyed `network:asset`. */
  assets: z.optional(
    z.record(bounded(300), z.strictObject({ decimals: z.int().check(z.minimum(0), z.maximum(36)), centsPerUnit: positiveInt, symbol: z.optional(bounded(16)) })),
  ),
  /**
   * After a payment got no answer, a retry of the same request replays that payment (no second
   * charge). Set true to let the retry pay afresh instead (it may then be charged twice).
   */
  freshPaymentAfterUnknown: z.optional(z.boolean()),
  /** Emit `budget-warning` when a budget passes this share (percent). Default 80. */
  budgetWarningPercent: z.optional(z.int().check(z.minimum(1), z.maximum(100))),
});

export type Policy = z.output<typeof policySchema>;
export type Caps = z.output<typeof capsSchema>;
export type Consent = z.output<typeof consentSchema>;

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
