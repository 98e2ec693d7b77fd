import { BudgetExceededError } from '../errors/budget-exceeded-error.js';
import { VelocityExceededError } from '../errors/velocity-exceeded-error.js';
import type { EntryKind, LedgerEntry, LimitCheck, Store } from '../store/types.js';
import { budgetLimits, scopedLimits, velocityLimits } from './limits.js';
import type { Policy } from './policy.js';
import { budgetView, type BudgetView } from './budget-view.js';

import { BudgetWarnings, type BudgetReservedWarning, type BudgetWarning } from './budget-warnings.js';

export type { BudgetReservedWarning, BudgetWarning } from './budget-warnings.js';
export type { BudgetView, WindowView } from './budget-view.js';

export interface ReserveRequest {
  kind: EntryKind;
  amountCents: number;
  /** When the reserved money can no longer be spent (a delegation's expiry); default now. */
  endAt?: number | undefined;
  origin?: string | undefined;
  planId?: string | undefined;
  delegationId?: string | undefined;
  transactionId?: string | undefined;
  note?: string | undefined;
  /** A stable id makes the reservation idempotent (the same delegation adopted twice is one entry). */
  id?: string | undefined;
  /** What is being paid for, for error messages. */
  what: string;
  /** Extra limits (e.g. consent caps), checked atomically with the rest. */
  extra?: LimitCheck[] | undefined;
}

/** One move of the ledger, for the `reservation` event. */
export interface LedgerChange {
  action: 'reserve' | 'commit' | 'release' | 'unknown' | 'close';
  id: string;
  kind: string | undefined;
  amountCents: number | undefined;
  origin: string | undefined;
  planId: string | undefined;
}

/** Reserve -> commit | release over a Store, against the policy's budgets, caps and velocity. */
export class Ledger {
  /**
   * Checks that passed recently, by scope: the per-call checks before spending (caps still open,
   * budget not overdrawn) are repeated at most once a second, and at once after any local change.
   * Another process's spending shows up within that second.
   */
  readonly #passed = new Map<string, number>();

  readonly #warnings: BudgetWarnings;

  constructor(
    readonly store: Store,
    private readonly policy: Policy,
    private readonly now: () => number,
    onWarning: (warning: BudgetWarning) => void = () => {},
    onReservedWarning: (warning: BudgetReservedWarning) => void = () => {},
    /** Told of every move of the ledger (the `reservation` event): never a secret, only ids and cents. */
    private readonly onChange: (change: LedgerChange) => void = () => {},
  ) {
    this.#warnings = new BudgetWarnings(store, policy, onWarning, onReservedWarning);
  }

  /** Reserves or throws BudgetExceededError / VelocityExceededError. Nothing is spent before this passes. */
  async reserve(request: ReserveRequest, { enforce = true } = {}): Promise<LedgerEntry> {
    this.#forgetPasses();
    const now = this.now();
    const entry: LedgerEntry = {
      id: request.id ?? crypto.randomUUID(),
      kind: request.kind,
      state: 'reserved',
      amountCents: request.amountCents,
      startAt: now,
      endAt: Math.max(now, request.endAt ?? now),
      origin: request.origin,
      planId: request.planId,
      delegationId: request.delegationId,
      transactionId: request.transactionId,
      note: request.note,
    };
    const limits = enforce
      ? [...budgetLimits(this.policy), ...scopedLimits(this.policy, request.origin, request.planId), ...velocityLimits(this.policy), ...(request.extra ?? [])]
      : [];
    const result = await this.store.reserve(entry, limits, now);
    if (!result.ok) {
      const { violated, used } = result;
      if (violated.counts) throw new VelocityExceededError({ limit: violated.name, max: violated.max });
      throw new BudgetExceededError({ limit: violated.name, limitCents: violated.max, usedCents: used, requestedCents: request.amountCents, what: request.what });
    }
    await this.#warnings.check(now);
    this.onChange({ action: 'reserve', id: result.entry.id, kind: result.entry.kind, amountCents: result.entry.amountCents, origin: result.entry.origin, planId: result.entry.planId });
    return result.entry;
  }

  /** Before a payment of unknown price: refuses when a cap on this origin or plan is already used up. */
  async assertCapsOpen(origin: string, planId: string | undefined, what: string): Promise<void> {
    if (this.#recentlyPassed(`caps ${origin} ${planId}`)) return;
    const limits = scopedLimits(this.policy, origin, planId);
    if (limits.length === 0) return this.#pass(`caps ${origin} ${planId}`);
    const now = this.now();
    for (const limit of limits) {
      const used = await this.store.usage(limit, now);
      if (used >= limit.max) throw new BudgetExceededError({ limit: limit.name, limitCents: limit.max, usedCents: used, requestedCents: 1, what });
    }
    this.#pass(`caps ${origin} ${planId}`);
  }

  /**
   * True when both checks before a payment (caps on this origin and plan, budget not overdrawn)
   * passed within the last second and nothing changed here since: the hot path skips them.
   */
  recentlyCleared(origin: string, planId: string | undefined): boolean {
    const last = this.#cleared;
    if (last !== undefined && last.origin === origin && last.planId === planId && Date.now() - last.at < 1_000) return true;
    if (!this.#recentlyPassed('budget') || !this.#recentlyPassed(`caps ${origin} ${planId}`)) return false;
    this.#cleared = { origin, planId, at: Math.min(this.#passed.get('budget')!, this.#passed.get(`caps ${origin} ${planId}`)!) };
    return true;
  }

  /** The last origin and plan found cleared, so the next call to it compares three values. */
  #cleared: { origin: string; planId: string | undefined; at: number } | undefined;

  #recentlyPassed(key: string): boolean {
    const at = this.#passed.get(key);
    return at !== undefined && Date.now() - at < 1_000;
  }

  #forgetPasses(): void {
    this.#passed.clear();
    this.#cleared = undefined;
  }

  #pass(key: string): void {
    if (this.#passed.size >= 1_000) this.#passed.clear(); // many origins: forget, check again
    this.#passed.set(key, Date.now());
  }

  /**
   * Before spending on what is already reserved: refuses when the budget is overdrawn (reservations
   * above a limit, as after the policy was tightened under a delegation adopted before).
   */
  async assertWithinBudget(what: string): Promise<void> {
    if (this.#recentlyPassed('budget')) return;
    const limits = budgetLimits(this.policy);
    if (limits.length === 0) return this.#pass('budget');
    const now = this.now();
    for (const limit of limits) {
      const used = await this.store.usage(limit, now);
      if (used > limit.max) throw new BudgetExceededError({ limit: limit.name, limitCents: limit.max, usedCents: used, requestedCents: 0, what });
    }
    this.#pass('budget');
  }

  /** The most a new delegation may be for, right now: the smallest room left in any budget. */
  async headroom(): Promise<number> {
    const now = this.now();
    let room = Number.POSITIVE_INFINITY;
    for (const limit of budgetLimits(this.policy)) room = Math.min(room, limit.max - (await this.store.usage(limit, now)));
    return Math.max(0, room);
  }

  async commit(id: string, amountCents?: number): Promise<void> {
    this.#forgetPasses();
    await this.store.settle(id, { state: 'committed', amountCents });
    this.#changed('commit', id, amountCents);
    await this.#warnings.committed(id, amountCents);
    await this.#warnings.check(this.now());
  }

  /** Only for a definitive failure before any charge. */
  async release(id: string): Promise<void> {
    this.#forgetPasses();
    await this.store.settle(id, { state: 'released' });
    this.#changed('release', id);
  }

  /** The outcome is unknown: the reservation stays until reconcile() settles it. */
  async markUnknown(id: string): Promise<void> {
    this.#forgetPasses();
    await this.store.settle(id, { state: 'unknown' });
    this.#changed('unknown', id);
  }

  /** A delegation ended: what it actually spent is committed, the rest of its reservation freed. */
  async close(id: string, spentCents: number): Promise<void> {
    this.#forgetPasses();
    await this.store.settle(id, { state: 'committed', amountCents: spentCents, endAt: this.now() });
    this.#changed('close', id, spentCents);
    this.#warnings.closed();
    await this.#warnings.check(this.now());
  }

  #changed(action: LedgerChange['action'], id: string, amountCents?: number): void {
    this.onChange({ action, id, kind: undefined, amountCents, origin: undefined, planId: undefined });
  }

  async budget(): Promise<BudgetView> {
    return budgetView(await this.store.entries(), this.policy, this.now());
  }
}
