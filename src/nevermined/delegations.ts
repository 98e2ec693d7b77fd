import { ConfigurationError } from '../errors/configuration-error.js';
import { ConsentRequiredError } from '../errors/consent-required-error.js';
import { NeverminedBackendError } from '../errors/backend-error.js';
import { BudgetExceededError } from '../errors/budget-exceeded-error.js';
import { VelocityExceededError } from '../errors/velocity-exceeded-error.js';
import { DAY_MS, shortestWindowMs } from '../policy/limits.js';
import type { Ledger } from '../policy/ledger.js';
import { consentOf, type Policy } from '../policy/policy.js';
import type { LimitCheck } from '../store/types.js';
import { SingleFlight } from '../util/single-flight.js';
import { withLock } from '../store/with-lock.js';
import { backendError } from './backend-errors.js';
import type { NeverminedClient } from './client.js';
import type { Delegation } from './schemas.js';

/** One step of the delegation lifecycle: a delegation created, adopted, renewed (replacing one that ended) or retired (the `delegation` event). */
export interface DelegationLifecycleEvent {
  action: 'created' | 'adopted' | 'renewed' | 'retired';
  delegationId: string;
  /** Cents reserved for it in the ledger (its limit, or its remaining budget when adopted). */
  reservedCents: number | undefined;
  planId: string | undefined;
  /** For `retired`: the backend's status (Active when only too small for an order). */
  status?: string | undefined;
}

/** Where delegations come from: one given delegation, or a card paying-fetch delegates from. */
export type DelegationSource = { delegationId: string } | { paymentMethodId: string };

interface Active {
  delegationId: string;
  entryId: string;
  reservedCents: number;
  expiresAt: number;
  planId: string | null;
}

const STATUS_CODES: Record<string, string> = { Expired: 'BCK.X402.0021', Exhausted: 'BCK.X402.0022', Revoked: 'BCK.X402.0020' };
const DEFAULT_DURATION_SECS = 30 * 24 * 3600;

/** Errors after which a delegation cannot pay any more (a declined card is not one: renewing would not help). */
export function delegationEnded(error: unknown): boolean {
  return error instanceof NeverminedBackendError && ['DELEGATION_EXPIRED', 'DELEGATION_EXHAUSTED', 'DELEGATION_BUDGET_TOO_SMALL', 'DELEGATION_UNUSABLE'].includes(error.code);
}

function expiryOf(d: Delegation): number {
  const at = d.expiresAt ? Date.parse(d.expiresAt) : Number.NaN;
  return Number.isFinite(at) ? at : Number.POSITIVE_INFINITY;
}

/** What the backend's own record says: Active, unexpired, with budget left. */
function canStillPay(d: Delegation, now: number): boolean {
  return d.status === 'Active' && expiryOf(d) > now && remainingOf(d) > 0;
}

function remainingOf(d: Delegation): number {
  return d.remainingBudgetCents ?? Math.max(0, d.spendingLimitCents - (d.amountSpentCents ?? 0));
}

/**
 * The delegation lifecycle: adopt the given delegation or discover/create one on the card, reserve
 * its limit in the ledger before using it, cache it while valid, and renew within the policy.
 */
export class DelegationManager {
  #active: Active | undefined;
  #endedOnce = false;
  /** Delegations this process stopped using: discovery does not pick them again. */
  readonly #retired = new Set<string>();
  readonly #flight = new SingleFlight<Active>();

  constructor(
    private readonly client: NeverminedClient,
    private readonly ledger: Ledger,
    private readonly policy: Policy,
    private readonly now: () => number,
    private readonly source: DelegationSource,
    /** Told of each step of the lifecycle (the `delegation` event). */
    private readonly onEvent: (event: DelegationLifecycleEvent) => void = () => {},
  ) {}

  /** The delegation to pay `planId` with right now, from cache when still valid (no backend call). */
  peek(planId?: string): string | undefined {
    const active = this.#active;
    return active && this.#usable(active, planId) ? active.delegationId : undefined;
  }

  async current(planId: string, signal?: AbortSignal): Promise<string> {
    const cached = this.peek(planId);
    if (cached) return cached;
    const { value } = await this.#flight.run(`acquire:${planId}`, async () => {
      if (this.#active && !this.#usable(this.#active, planId)) await this.retire(this.#active.delegationId);
      if ('delegationId' in this.source) return this.#adopt(this.source.delegationId, signal);
      const card = this.source.paymentMethodId;
      // Processes sharing a store take turns, so they adopt one delegation instead of each creating one.
      return withLock(this.ledger.store, `delegation:${card}`, () => this.#fromCard(card, planId, signal), { signal });
    });
    this.#active = value;
    return value.delegationId;
  }

  /**
   * The backend says this delegation cannot pay (now): stop using it. Its reservation is closed
   * (what it spent committed, the rest freed) only once it can charge nothing more (expired,
   * exhausted, revoked); one merely too small for an order stays reserved, since it can still be
   * charged (by this process or another sharing the store).
   */
  async retire(delegationId: string, known?: Delegation): Promise<void> {
    const active = this.#active;
    if (active?.delegationId !== delegationId) return;
    this.#active = undefined;
    this.#endedOnce = true;
    this.#retired.add(delegationId);
    let d = known;
    try {
      d ??= await this.client.getDelegation(delegationId);
    } catch {
      return; // unknown state: keep the whole reservation
    }
    this.onEvent({ action: 'retired', delegationId, reservedCents: active.reservedCents, planId: active.planId ?? undefined, status: d.status });
    if (canStillPay(d, this.now())) return;
    // What it spent while reserved here: its total spend less what it had spent before (limit - reserved).
    const before = Math.max(0, d.spendingLimitCents - active.reservedCents);
    const spent = Math.min(active.reservedCents, Math.max(0, (d.amountSpentCents ?? d.spendingLimitCents) - before));
    await this.ledger.close(active.entryId, spent);
  }

  /**
   * A seller refused a token of this delegation, maybe saying the delegation ran out. A seller's
   * words are a claim: ask the backend, and retire the delegation only if the backend's own answer
   * says it can pay no more. True when it was retired (a renewal may follow, within the policy).
   */
  async retireIfEnded(delegationId: string, planId: string | undefined, signal?: AbortSignal): Promise<boolean> {
    if (this.#active?.delegationId !== delegationId) return false;
    let d: Delegation;
    try {
      d = await this.client.getDelegation(delegationId, signal);
    } catch {
      return false; // the backend could not say: keep using it
    }
    if (canStillPay(d, this.now()) && !(await this.#tooSmallFor(d, planId))) return false;
    await this.retire(delegationId, d);
    return true;
  }

  /**
   * Whether the backend's own records show the delegation too small for one more order of this
   * plan: what is left is less than what an order charged it before.
   */
  async #tooSmallFor(d: Delegation, planId: string | undefined): Promise<boolean> {
    if (planId === undefined) return false;
    try {
      const charges = await this.client.listDelegationTransactions(d.delegationId);
      // Charges name their plan where the backend says so; else any charge on it is the measure.
      const forPlan = charges.filter((t) => (t as { planId?: unknown }).planId === planId);
      const price = Math.max(0, ...(forPlan.length ? forPlan : charges).map((t) => t.amountCents));
      return price > remainingOf(d);
    } catch {
      return false;
    }
  }

  #usable(active: Active, planId: string | undefined): boolean {
    return this.now() < active.expiresAt && (active.planId === null || planId === undefined || active.planId === planId);
  }

  /** Uses a given delegation: it must be Active; its remaining budget is reserved once. */
  async #adopt(delegationId: string, signal?: AbortSignal): Promise<Active> {
    const d = await this.client.getDelegation(delegationId, signal);
    this.#assertActive(d);
    return this.#reserveAdopted(d);
  }

  async #reserveAdopted(d: Delegation): Promise<Active> {
    // Still reserved (by this process before, or by another sharing the store)? Then reuse it. A closed
    // (committed) entry is history: if the delegation can charge again, its remaining budget is reserved anew.
    const entries = (await this.ledger.store.entries({ kinds: ['delegation'] })).filter((e) => e.delegationId === d.delegationId);
    const known = entries.find((e) => e.state === 'reserved' || e.state === 'unknown');
    const entryId = known?.id ?? (entries.length ? `delegation:${d.delegationId}:${entries.length}` : `delegation:${d.delegationId}`);
    const expiresAt = expiryOf(d);
    const amount = known?.amountCents ?? remainingOf(d);
    if (!known) {
      await this.ledger.reserve({
        id: entryId,
        kind: 'delegation',
        amountCents: amount,
        endAt: expiresAt,
        delegationId: d.delegationId,
        planId: d.planId ?? undefined,
        note: 'adopted',
        what: `Delegation ${d.delegationId} (it can charge the card up to its remaining budget)`,
      });
    }
    if (!known) this.onEvent({ action: 'adopted', delegationId: d.delegationId, reservedCents: amount, planId: d.planId ?? undefined });
    return { delegationId: d.delegationId, entryId, reservedCents: amount, expiresAt, planId: d.planId ?? null };
  }

  #assertActive(d: Delegation): void {
    const expired = expiryOf(d) <= this.now();
    const status = expired ? 'Expired' : d.status;
    if (status === 'Active' && remainingOf(d) > 0) return;
    const code = STATUS_CODES[status] ?? (status === 'Active' ? 'BCK.X402.0022' : 'BCK.X402.0019');
    throw backendError({ action: 'use delegation', bckCode: code, message: `Delegation ${d.delegationId} is ${status === 'Active' ? 'exhausted' : status}` });
  }

  /** Discovers a usable delegation on the card, else creates one within the policy. */
  async #fromCard(paymentMethodId: string, planId: string, signal?: AbortSignal): Promise<Active> {
    // The backend lists this API key's delegations only: a store shared with another principal
    // holds their history too, which is not ours to renew.
    const listed = await this.client.listDelegations(signal);
    const ended = (await this.ledger.store.entries({ kinds: ['delegation'] })).filter((e) => e.state === 'committed' && e.delegationId !== undefined);
    const renewal = this.#endedOnce || (await this.#anyOurs(ended.map((e) => e.delegationId!), signal));
    const consent = consentOf(this.policy.autoRenew);
    if (renewal && !consent.given) {
      if ((await this.ledger.headroom()) <= 0) await this.#throwBudget(1, 'Renewing the delegation');
      throw new ConsentRequiredError({ consent: 'autoRenew', situation: `The delegation on card ${paymentMethodId} expired or ran out` });
    }

    const now = this.now();
    const terms = this.policy.delegation ?? {};
    // Adopt only what the policy would have created: no larger, bound to the same plan if it says so.
    const candidates = listed
      .filter((d) => d.providerPaymentMethodId === paymentMethodId && canStillPay(d, now) && !this.#retired.has(d.delegationId))
      .filter((d) => (!d.planId || d.planId === planId) && (!terms.planId || d.planId === terms.planId))
      .filter((d) => terms.spendingLimitCents === undefined || remainingOf(d) <= terms.spendingLimitCents)
      .sort((a, b) => remainingOf(b) - remainingOf(a));
    for (const d of candidates) {
      try {
        return await this.#reserveAdopted(d);
      } catch (error) {
        if (!(error instanceof BudgetExceededError)) throw error; // too big for the budget: try the next one
      }
    }
    return this.#create(paymentMethodId, renewal, consent, signal);
  }

  /**
   * Whether any of these ended delegations (in a store other principals may share) is this API
   * key's: the backend answers for its own and says "not found / not yours" for the others. The
   * listing of accessible delegations cannot tell: it holds Active ones only. When the backend
   * cannot say, it counts as ours (consent is then asked for, never skipped).
   */
  async #anyOurs(ids: string[], signal?: AbortSignal): Promise<boolean> {
    for (const id of ids.slice(-20).reverse()) {
      try {
        await this.client.getDelegation(id, signal);
        return true;
      } catch (error) {
        if (!(error instanceof NeverminedBackendError && error.code === 'DELEGATION_UNUSABLE')) return true;
      }
    }
    return false;
  }

  async #create(paymentMethodId: string, renewal: boolean, consent: ReturnType<typeof consentOf>, signal?: AbortSignal): Promise<Active> {
    const terms = this.policy.delegation ?? {};
    const headroom = await this.ledger.headroom();
    if (terms.spendingLimitCents === undefined && !Number.isFinite(headroom)) {
      throw new ConfigurationError('Creating delegations from a card needs policy.delegation.spendingLimitCents or a budget');
    }
    const limit = Math.min(terms.spendingLimitCents ?? headroom, headroom);
    if (limit <= 0) await this.#throwBudget(terms.spendingLimitCents ?? 1, 'A new delegation');
    const window = shortestWindowMs(this.policy);
    const durationSecs = terms.durationSecs ?? (window ? window / 1000 : DEFAULT_DURATION_SECS);
    const extra: LimitCheck[] = [];
    if (renewal && consent.maxPerDay !== undefined) extra.push({ name: 'autoRenew.maxPerDay', windowMs: DAY_MS, max: consent.maxPerDay, counts: true, kinds: ['delegation'], note: 'renewal' });
    if (renewal && consent.maxCentsPerDay !== undefined) extra.push({ name: 'autoRenew.maxCentsPerDay', windowMs: DAY_MS, max: consent.maxCentsPerDay, kinds: ['delegation'], note: 'renewal' });

    let entry;
    try {
      entry = await this.ledger.reserve({
        kind: 'delegation',
        amountCents: limit,
        endAt: this.now() + durationSecs * 1000,
        planId: terms.planId,
        note: renewal ? 'renewal' : 'created',
        what: 'A new delegation',
        extra,
      });
    } catch (error) {
      const limitName = (error as { limit?: string }).limit ?? '';
      if ((error instanceof BudgetExceededError || error instanceof VelocityExceededError) && limitName.startsWith('autoRenew')) {
        throw new ConsentRequiredError({ consent: limitName, situation: `Renewing the delegation would pass the consent cap ${limitName}` });
      }
      throw error;
    }
    try {
      const created = await this.client.createDelegation(
        {
          provider: terms.provider ?? 'stripe',
          providerPaymentMethodId: paymentMethodId,
          spendingLimitCents: limit,
          durationSecs,
          currency: terms.currency ?? 'usd',
          planId: terms.planId,
          maxTransactions: terms.maxTransactions,
        },
        signal,
      );
      await this.ledger.store.settle(entry.id, { state: 'reserved', delegationId: created.delegationId });
      this.onEvent({ action: renewal ? 'renewed' : 'created', delegationId: created.delegationId, reservedCents: limit, planId: terms.planId });
      return { delegationId: created.delegationId, entryId: entry.id, reservedCents: limit, expiresAt: entry.endAt, planId: terms.planId ?? null };
    } catch (error) {
      // A definitive refusal frees the reservation; an unknown outcome keeps it (the delegation may exist).
      if (error instanceof NeverminedBackendError && !error.retryable) await this.ledger.release(entry.id);
      else await this.ledger.markUnknown(entry.id);
      throw error;
    }
  }

  async #throwBudget(requested: number, what: string): Promise<never> {
    const view = await this.ledger.budget();
    const windows = [['budget.lifetime', view.lifetime], ['budget.perHour', view.perHour], ['budget.perDay', view.perDay]] as const;
    const [name, w] = windows.find(([, w]) => w.remainingCents !== undefined && w.remainingCents <= 0) ?? windows[0];
    throw new BudgetExceededError({ limit: name, limitCents: w.limitCents ?? 0, usedCents: w.reservedCents + w.committedCents, requestedCents: requested, what });
  }
}
