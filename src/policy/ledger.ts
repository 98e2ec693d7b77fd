import { BudgetExceededError } from '../errors/budget-exceeded-error.js';
import { VelocityExceededError } from '../errors/velocity-exceeded-error.js';
import type { EntryKind, LedgerEntry, LimitCheck, Store } from '../store/types.js';
import { budgetLimits, DAY_MS, scopedLimits, velocityLimits } from './limits.js';
import type { Policy } from './policy.js';
import { budgetView, type BudgetView } from './budget-view.js';

/** Event `budget-warning`: what was spent (committed) passed the warning threshold of a budget. */
export interface BudgetWarning {
  /** Which budget: `budget.lifetime`, `budget.perHour`, `budget.perDay`. */
  limit: string;
  limitCents: number;
  /** Money gone in the window: charges, purchases, closed delegations. */
  spentCents: number;
  /** Set aside for open delegations and payments in flight, not spent yet. */
  unspentReservedCents: number;
  /** spentCents as a percentage of limitCents (rounded down). */
  percent: number;
  /** @deprecated the same as spentCents (before 0.2 it also counted reservations). */
  usedCents: number;
}

/** Event `budget-reserved-warning`: spent plus reserved passed the threshold (reserving more will soon be refused). */
export interface BudgetReservedWarning {
  limit: string;
  limitCents: number;
  spentCents: number;
  unspentReservedCents: number;
  /** (spent + reserved) as a percentage of limitCents (rounded down). */
  percent: number;
}

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
  /** Budgets warned about, by `spent:<limit>` / `reserved:<limit>`, until they fall below the threshold. */
  readonly #warned = new Set<string>();
  /**
   * Checks that passed recently, by scope: the per-call checks before spending (caps still open,
   * budget not overdrawn) are repeated at most once a second, and at once after any local change.
   * Another process's spending shows up within that second.
   */
  readonly #passed = new Map<string, number>();
  /**
   * What was spent per budget at the last read of the ledger's history, and an upper bound on what
   * this ledger committed since: near a threshold, the history is read again only when that bound
   * could reach it (or a second later, for other processes' spending), not on every commit.
   */
  #spentRead: { at: number; spent: Map<string, number>; since: number } | undefined;

  constructor(
    readonly store: Store,
    private readonly policy: Policy,
    private readonly now: () => number,
    private readonly onWarning: (warning: BudgetWarning) => void = () => {},
    private readonly onReservedWarning: (warning: BudgetReservedWarning) => void = () => {},
    /** Told of every move of the ledger (the `reservation` event): never a secret, only ids and cents. */
    private readonly onChange: (change: LedgerChange) => void = () => {},
  ) {}

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
    await this.#warnIfNeeded(now);
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
    if (this.#spentRead) await this.#noteSpent(id, amountCents);
    await this.#warnIfNeeded(this.now());
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
    this.#spentRead = undefined; // a delegation's charges now count through it: read again
    await this.#warnIfNeeded(this.now());
  }

  /** A commit raises what was spent by at most its amount (read from the entry when not given). */
  async #noteSpent(id: string, amountCents: number | undefined): Promise<void> {
    const read = this.#spentRead;
    try {
      const cents = amountCents ?? (await this.store.getEntry(id))?.amountCents;
      if (cents === undefined) this.#spentRead = undefined;
      else if (read) read.since += cents;
    } catch {
      this.#spentRead = undefined;
    }
  }

  #changed(action: LedgerChange['action'], id: string, amountCents?: number): void {
    this.onChange({ action, id, kind: undefined, amountCents, origin: undefined, planId: undefined });
  }

  async budget(): Promise<BudgetView> {
    return budgetView(await this.store.entries(), this.policy, this.now());
  }

  /**
   * Warns once per crossing: on what was spent (`budget-warning`) and, separately, on spent plus
   * reserved (`budget-reserved-warning`): a delegation's reservation is not money gone. Best
   * effort: a store that fails here never undoes the reservation or commit that just landed.
   */
  async #warnIfNeeded(now: number): Promise<void> {
    try {
      await this.#warnings(now);
    } catch {
      // The warning waits for the next move of the ledger.
    }
  }

  async #warnings(now: number): Promise<void> {
    const limits = budgetLimits(this.policy);
    if (limits.length === 0) return;
    const threshold = this.policy.budgetWarningPercent ?? 80;
    // Reserved plus committed (the store's running totals) bounds both spent and spent + reserved:
    // under the threshold, nothing can warn, and the ledger's history is not read at all.
    const near: string[] = [];
    for (const limit of limits) {
      if (percentOf(await this.store.usage(limit, now), limit.max) >= threshold) near.push(limit.name);
      else this.#crossed(`spent:${limit.name}`, false), this.#crossed(`reserved:${limit.name}`, false);
    }
    if (near.every((name) => this.#warned.has(`spent:${name}`) && this.#warned.has(`reserved:${name}`))) return;
    if (this.#spentCannotWarn(near, limits, threshold, now)) return;
    const since = this.policy.budget?.lifetimeCents === undefined ? now - DAY_MS : undefined;
    const view = budgetView(await this.store.entries({ since }), this.policy, now);
    this.#spentRead = { at: now, since: 0, spent: new Map([['budget.lifetime', view.lifetime.spentCents], ['budget.perHour', view.perHour.spentCents], ['budget.perDay', view.perDay.spentCents]]) };
    for (const [name, w] of [['budget.lifetime', view.lifetime], ['budget.perHour', view.perHour], ['budget.perDay', view.perDay]] as const) {
      if (w.limitCents === undefined || !near.includes(name)) continue;
      const facts = { limit: name, limitCents: w.limitCents, spentCents: w.spentCents, unspentReservedCents: w.unspentReservedCents };
      const spent = percentOf(w.spentCents, w.limitCents);
      if (this.#crossed(`spent:${name}`, spent >= threshold)) this.onWarning({ ...facts, percent: spent, usedCents: w.spentCents });
      const held = percentOf(w.spentCents + w.unspentReservedCents, w.limitCents);
      if (this.#crossed(`reserved:${name}`, held >= threshold)) this.onReservedWarning({ ...facts, percent: held });
    }
  }

  /**
   * Near a threshold with only the spent warning left to give: true while what was spent at the
   * last read (under a second ago) plus everything committed here since stays below it.
   */
  #spentCannotWarn(near: string[], limits: LimitCheck[], threshold: number, now: number): boolean {
    const read = this.#spentRead;
    if (!read || now - read.at >= 1_000 || now < read.at) return false;
    return near.every((name) => {
      if (this.#warned.has(`spent:${name}`)) return this.#warned.has(`reserved:${name}`);
      const spent = read.spent.get(name);
      const max = limits.find((l) => l.name === name)?.max;
      return this.#warned.has(`reserved:${name}`) && spent !== undefined && max !== undefined && (spent + read.since) * 100 < threshold * max;
    });
  }

  /** True the first time `over` holds since it last did not. */
  #crossed(key: string, over: boolean): boolean {
    if (!over) this.#warned.delete(key);
    if (!over || this.#warned.has(key)) return false;
    this.#warned.add(key);
    return true;
  }
}

function percentOf(cents: number, limitCents: number): number {
  return limitCents === 0 ? 100 : Math.floor((cents * 100) / limitCents);
}
