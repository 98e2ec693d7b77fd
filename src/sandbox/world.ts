import { createHmac, randomBytes, randomUUID } from 'node:crypto';

// The sandbox's in-memory Nevermined: accounts, cards, delegations, plans, credits, tokens.
// It enforces what the real backend enforces (wire-facts.md 2-5) and counts what tests assert.

export interface Plan {
  planId: string;
  /** What one purchase of the plan costs the card, in cents. */
  priceCents: number;
  /** Credits one purchase gives. */
  credits: number;
  agentId?: string | undefined;
}

export interface Card {
  id: string;
  principal: string;
  brand: string;
  last4: string;
  declined: boolean;
}

export interface SandboxDelegation {
  delegationId: string;
  principal: string;
  apiKeyId: string;
  provider: string;
  providerPaymentMethodId: string;
  spendingLimitCents: number;
  amountSpentCents: number;
  currency: string;
  transactionCount: number;
  maxTransactions: number | null;
  planId: string | null;
  expiresAt: number;
  createdAt: number;
  revoked: boolean;
}

export interface Charge {
  providerTransactionId: string;
  delegationId: string;
  amountCents: number;
  planId: string;
  status: 'succeeded';
  createdAt: number;
  /** Injected by a test: a charge the buyer's ledger cannot know about. */
  injected?: boolean;
}

export interface MintRecord {
  principal: string;
  planId: string;
  delegationId: string;
  scheme: string;
  network: string;
  agentId?: string | undefined;
  at: number;
}

interface TokenRecord {
  principal: string;
  planId: string;
  delegationId: string;
  scheme: string;
  network: string;
  singleUse: boolean;
  used: boolean;
}

export class BackendFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const JWT_SECRET = randomBytes(32);

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export class World {
  readonly plans = new Map<string, Plan>();
  readonly accounts = new Map<string, { principal: string; apiKeyId: string }>();
  readonly cards = new Map<string, Card>();
  readonly delegations = new Map<string, SandboxDelegation>();
  readonly charges: Charge[] = [];
  readonly mints: MintRecord[] = [];
  readonly settlements: Array<{ planId: string; principal: string; credits: number; orderTx?: string; at: number }> = [];
  readonly credits = new Map<string, number>();
  readonly #tokens = new Map<string, TokenRecord>();
  #offsetMs = 0;
  /** Mint single-use (v3) tokens whatever the buyer asks for. */
  singleUseTokens = false;

  now(): number {
    return Date.now() + this.#offsetMs;
  }

  advance(ms: number): void {
    this.#offsetMs += ms;
  }

  addPlan(plan: Plan): Plan {
    this.plans.set(plan.planId, plan);
    return plan;
  }

  /** A new buyer account and its API key `sandbox:<JWT>` whose `sub` is the account. */
  createAccount(): { apiKey: string; principal: string; apiKeyId: string } {
    const principal = '0x' + randomBytes(20).toString('hex');
    const apiKeyId = 'key_' + randomBytes(6).toString('hex');
    const head = b64url({ alg: 'HS256', typ: 'JWT' });
    const body = b64url({ sub: principal, iss: 'paying-fetch-sandbox', jti: apiKeyId, iat: Math.floor(this.now() / 1000) });
    const sig = createHmac('sha256', JWT_SECRET).update(`${head}.${body}`).digest('base64url');
    const apiKey = `sandbox:${head}.${body}.${sig}`;
    this.accounts.set(apiKey, { principal, apiKeyId });
    return { apiKey, principal, apiKeyId };
  }

  addCard(principal: string, options: { declined?: boolean; brand?: string; last4?: string } = {}): Card {
    const card: Card = {
      id: 'pm_' + randomBytes(8).toString('hex'),
      principal,
      brand: options.brand ?? 'visa',
      last4: options.last4 ?? '4242',
      declined: options.declined ?? false,
    };
    this.cards.set(card.id, card);
    return card;
  }

  account(authorization: string | undefined): { principal: string; apiKeyId: string } {
    const key = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
    const account = key ? this.accounts.get(key) : undefined;
    if (!account) throw new BackendFailure(401, 'BCK.APIKEY.0004', 'Invalid API key');
    return account;
  }

  createDelegation(
    account: { principal: string; apiKeyId: string },
    terms: { providerPaymentMethodId: string; spendingLimitCents: number; durationSecs: number; currency?: string; planId?: string | null; maxTransactions?: number | null; provider?: string },
  ): SandboxDelegation {
    const card = this.cards.get(terms.providerPaymentMethodId);
    if (!card || card.principal !== account.principal) {
      throw new BackendFailure(404, 'BCK.PAYMENT.0001', 'Payment method not found');
    }
    const delegation: SandboxDelegation = {
      delegationId: randomUUID(),
      principal: account.principal,
      apiKeyId: account.apiKeyId,
      provider: terms.provider ?? 'stripe',
      providerPaymentMethodId: card.id,
      spendingLimitCents: terms.spendingLimitCents,
      amountSpentCents: 0,
      currency: terms.currency ?? 'usd',
      transactionCount: 0,
      maxTransactions: terms.maxTransactions ?? null,
      planId: terms.planId ?? null,
      expiresAt: this.now() + terms.durationSecs * 1000,
      createdAt: this.now(),
      revoked: false,
    };
    this.delegations.set(delegation.delegationId, delegation);
    return delegation;
  }

  status(d: SandboxDelegation): 'Active' | 'Revoked' | 'Expired' | 'Exhausted' {
    if (d.revoked) return 'Revoked';
    if (this.now() >= d.expiresAt) return 'Expired';
    if (d.amountSpentCents >= d.spendingLimitCents) return 'Exhausted';
    if (d.maxTransactions !== null && d.transactionCount >= d.maxTransactions) return 'Exhausted';
    return 'Active';
  }

  summary(d: SandboxDelegation) {
    return {
      delegationId: d.delegationId,
      provider: d.provider,
      providerPaymentMethodId: d.providerPaymentMethodId,
      status: this.status(d),
      spendingLimitCents: String(d.spendingLimitCents),
      amountSpentCents: String(d.amountSpentCents),
      remainingBudgetCents: String(Math.max(0, d.spendingLimitCents - d.amountSpentCents)),
      currency: d.currency,
      transactionCount: d.transactionCount,
      maxTransactions: d.maxTransactions,
      planId: d.planId,
      expiresAt: new Date(d.expiresAt).toISOString(),
      createdAt: new Date(d.createdAt).toISOString(),
      apiKeyId: d.apiKeyId,
    };
  }

  /** Throws the BCK error the backend gives for a delegation that cannot pay now. */
  assertUsable(d: SandboxDelegation | undefined, principal: string): SandboxDelegation {
    if (!d) throw new BackendFailure(402, 'BCK.X402.0019', 'Delegation not found');
    if (d.principal !== principal) throw new BackendFailure(402, 'BCK.X402.0029', 'API key not allowed to use this delegation');
    const status = this.status(d);
    if (status === 'Revoked') throw new BackendFailure(402, 'BCK.X402.0020', 'Delegation revoked');
    if (status === 'Expired') throw new BackendFailure(402, 'BCK.X402.0021', 'Delegation expired');
    if (status === 'Exhausted') throw new BackendFailure(402, 'BCK.X402.0022', 'Delegation budget exhausted');
    return d;
  }

  mint(
    account: { principal: string },
    accepted: { scheme: string; network: string; planId: string; extra?: { agentId?: string } },
    delegationId: string | undefined,
    tokenVersion: number,
  ): string {
    if (!delegationId) throw new BackendFailure(402, 'BCK.X402.0030', 'No or incomplete delegationConfig');
    const plan = this.plans.get(accepted.planId);
    if (!plan) throw new BackendFailure(404, 'BCK.PLAN.0001', 'Plan not found');
    const d = this.assertUsable(this.delegations.get(delegationId), account.principal);
    if (d.planId && d.planId !== accepted.planId) throw new BackendFailure(400, 'BCK.X402.0014', 'Delegation bound to another plan');
    if (accepted.scheme === 'nvm:card-delegation' && accepted.network !== d.provider) {
      throw new BackendFailure(400, 'BCK.X402.0013', 'Accepted scheme/network does not match the delegation');
    }
    const singleUse = tokenVersion === 3 || this.singleUseTokens;
    const token = Buffer.from(
      JSON.stringify({
        x402Version: 2,
        accepted,
        payload: {
          token: `${b64url({ alg: 'none' })}.${b64url({ sub: account.principal, jti: randomUUID() })}.`,
          ...(singleUse ? { authorization: { nonce: randomBytes(16).toString('hex') } } : {}),
        },
        extensions: {},
      }),
    ).toString('base64');
    this.#tokens.set(token, { principal: account.principal, planId: accepted.planId, delegationId, scheme: accepted.scheme, network: accepted.network, singleUse, used: false });
    this.mints.push({ principal: account.principal, planId: accepted.planId, delegationId, scheme: accepted.scheme, network: accepted.network, agentId: accepted.extra?.agentId, at: this.now() });
    return token;
  }

  /** The seller's verify: token known, for this plan, and able to pay `creditsNeeded`. Burns nothing. */
  verify(token: string | undefined, planId: string, creditsNeeded: number): TokenRecord {
    const record = token ? this.#tokens.get(token) : undefined;
    if (!record) throw new BackendFailure(402, 'BCK.X402.0005', 'Invalid, expired or tampered access token');
    if (record.planId !== planId) throw new BackendFailure(402, 'BCK.X402.0005', 'Access token is for another plan');
    if (record.singleUse && record.used) throw new BackendFailure(402, 'BCK.X402.0059', 'Single-use token already used');
    const d = this.assertUsable(this.delegations.get(record.delegationId), record.principal);
    if (this.balance(record.principal, planId) < creditsNeeded) this.#assertCanCharge(d, this.plans.get(planId)!);
    return record;
  }

  /** The seller's settle: burn credits, charging the card for the plan price first if needed. */
  settle(token: string, planId: string, creditsUsed: number): { creditsRedeemed: number; remainingBalance: number; orderTx?: string } {
    const record = this.verify(token, planId, creditsUsed);
    const key = `${record.principal}:${planId}`;
    let orderTx: string | undefined;
    if (this.balance(record.principal, planId) < creditsUsed) {
      const plan = this.plans.get(planId)!;
      const d = this.delegations.get(record.delegationId)!;
      this.#assertCanCharge(d, plan);
      orderTx = 'pi_' + randomBytes(12).toString('hex');
      d.amountSpentCents += plan.priceCents;
      d.transactionCount += 1;
      this.charges.push({ providerTransactionId: orderTx, delegationId: d.delegationId, amountCents: plan.priceCents, planId, status: 'succeeded', createdAt: this.now() });
      this.credits.set(key, this.balance(record.principal, planId) + plan.credits);
    }
    const remaining = this.balance(record.principal, planId) - creditsUsed;
    this.credits.set(key, remaining);
    record.used = true;
    this.settlements.push({ planId, principal: record.principal, credits: creditsUsed, ...(orderTx ? { orderTx } : {}), at: this.now() });
    return { creditsRedeemed: creditsUsed, remainingBalance: remaining, ...(orderTx ? { orderTx } : {}) };
  }

  /** Every access token minted so far (for tests that scan for leaks). */
  tokensIssued(): string[] {
    return [...this.#tokens.keys()];
  }

  /** Forgets every issued token, as when the backend invalidates them: sellers refuse them from now on. */
  forgetTokens(): void {
    this.#tokens.clear();
  }

  balance(principal: string, planId: string): number {
    return this.credits.get(`${principal}:${planId}`) ?? 0;
  }

  /** A charge made outside paying-fetch (for reconciliation tests). */
  injectCharge(delegationId: string, amountCents: number, planId = 'external'): Charge {
    const d = this.delegations.get(delegationId);
    if (!d) throw new Error('no such delegation');
    d.amountSpentCents += amountCents;
    d.transactionCount += 1;
    const charge: Charge = { providerTransactionId: 'pi_' + randomBytes(12).toString('hex'), delegationId, amountCents, planId, status: 'succeeded', createdAt: this.now(), injected: true };
    this.charges.push(charge);
    return charge;
  }

  #assertCanCharge(d: SandboxDelegation, plan: Plan): void {
    const card = this.cards.get(d.providerPaymentMethodId);
    if (card?.declined) throw new BackendFailure(402, 'BCK.X402.0049', 'Card declined');
    if (d.maxTransactions !== null && d.transactionCount >= d.maxTransactions) {
      throw new BackendFailure(402, 'BCK.X402.0022', 'Delegation budget exhausted');
    }
    if (d.spendingLimitCents - d.amountSpentCents < plan.priceCents) {
      throw new BackendFailure(402, 'BCK.X402.0023', 'Delegation budget too small for this order');
    }
  }
}
