import { randomUUID } from 'node:crypto';
import { BudgetExceededError } from '../errors/budget-exceeded-error.js';
import { VelocityExceededError } from '../errors/velocity-exceeded-error.js';
import type { EntryKind, LedgerEntry, LimitCheck, Store } from '../store/types.js';
import { BUDGET_ENTRY_KINDS, budgetLimits, DAY_MS, HOUR_MS, scopedLimits, velocityLimits } from './limits.js';
import type { Policy } from './policy.js';

export interface BudgetWarning {
  limit: string;
  limitCents: number;
  usedCents: number;
  percent: number;
}

export interface WindowView {
  limitCents: number | undefined;
  /** Reserved and not yet settled (including unknown outcomes). */
  reservedCents: number;
  committedCents: number;
  /** What can still be reserved; undefined when the window has no limit. */
  remainingCents: number | undefined;
}

export interface BudgetView {
  lifetime: WindowView;
  perHour: WindowView;
  perDay: WindowView;
  /** Reservations whose outcome is unknown (kept until reconciled). */
  unknownCents: number;
}

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

/** Reserve -> commit | release over a Store, against the policy's budgets, caps and velocity. */
export class Ledger {
  readonly #warned = new Set<string>();
  /**
   * Checks that passed recently, by scope: the per-call checks before spending (caps still open,
   * budget not overdrawn) are repeated at most once a second, and at once after any local change.
   * Another process's spending shows up within that second.
   */
  readonly #passed = new Map<string, number>();

  constructor(
    readonly store: Store,
    private readonly policy: Policy,
    private readonly now: () => number,
    private readonly onWarning: (warning: BudgetWarning) => void = () => {},
  ) {}

  /** Reserves or throws BudgetExceededError / VelocityExceededError. Nothing is spent before this passes. */
  async reserve(request: ReserveRequest, { enforce = true } = {}): Promise<LedgerEntry> {
    this.#forgetPasses();
    const now = this.now();
    const entry: LedgerEntry = {
      id: request.id ?? randomUUID(),
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
      if (violated.counts) throw new VelocityExceededError(violated.name, violated.max);
      throw new BudgetExceededError({ limit: violated.name, limitCents: violated.max, usedCents: used, requestedCents: request.amountCents, what: request.what });
    }
    await this.#warnIfNeeded(now);
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

  commit(id: string, amountCents?: number): Promise<void> {
    this.#forgetPasses();
    return this.store.settle(id, { state: 'committed', amountCents });
  }

  /** Only for a definitive failure before any charge. */
  release(id: string): Promise<void> {
    this.#forgetPasses();
    return this.store.settle(id, { state: 'released' });
  }

  /** The outcome is unknown: the reservation stays until reconcile() settles it. */
  markUnknown(id: string): Promise<void> {
    this.#forgetPasses();
    return this.store.settle(id, { state: 'unknown' });
  }

  /** A delegation ended: what it actually spent is committed, the rest of its reservation freed. */
  close(id: string, spentCents: number): Promise<void> {
    this.#forgetPasses();
    return this.store.settle(id, { state: 'committed', amountCents: spentCents, endAt: this.now() });
  }

  async budget(): Promise<BudgetView> {
    const now = this.now();
    const entries = (await this.store.entries()).filter((e) => BUDGET_ENTRY_KINDS.includes(e.kind) && e.state !== 'released');
    const view = (windowMs: number | undefined, limitCents: number | undefined): WindowView => {
      const inWindow = entries.filter((e) => windowMs === undefined || (e.endAt > now - windowMs && e.startAt <= now));
      const reserved = inWindow.filter((e) => e.state !== 'committed').reduce((s, e) => s + e.amountCents, 0);
      const committed = inWindow.filter((e) => e.state === 'committed').reduce((s, e) => s + e.amountCents, 0);
      return { limitCents, reservedCents: reserved, committedCents: committed, remainingCents: limitCents === undefined ? undefined : Math.max(0, limitCents - reserved - committed) };
    };
    return {
      lifetime: view(undefined, this.policy.budget?.lifetimeCents),
      perHour: view(HOUR_MS, this.policy.budget?.perHourCents),
      perDay: view(DAY_MS, this.policy.budget?.perDayCents),
      unknownCents: entries.filter((e) => e.state === 'unknown').reduce((s, e) => s + e.amountCents, 0),
    };
  }

  async #warnIfNeeded(now: number): Promise<void> {
    const threshold = this.policy.budgetWarningPercent ?? 80;
    for (const limit of budgetLimits(this.policy)) {
      const used = await this.store.usage(limit, now);
      const percent = limit.max === 0 ? 100 : Math.floor((used * 100) / limit.max);
      if (percent >= threshold && !this.#warned.has(limit.name)) {
        this.#warned.add(limit.name);
        this.onWarning({ limit: limit.name, limitCents: limit.max, usedCents: used, percent });
      } else if (percent < threshold) {
        this.#warned.delete(limit.name);
      }
    }
  }
}
