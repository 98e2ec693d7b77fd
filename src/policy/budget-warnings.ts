import type { LimitCheck, Store } from '../store/types.js';
import { budgetView } from './budget-view.js';
import { budgetLimits, DAY_MS } from './limits.js';
import type { Policy } from './policy.js';

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

/**
 * The budget warnings of a ledger: once per crossing of the threshold, on what was spent and on
 * spent plus reserved. The store's running totals (reserved plus committed) say cheaply whether a
 * budget is near at all; only near one is the history read, and then only when what was spent
 * could have crossed (see #spentCannotWarn).
 */
export class BudgetWarnings {
  /** Budgets warned about, by `spent:<limit>` / `reserved:<limit>`, until they fall below the threshold. */
  readonly #warned = new Set<string>();
  /**
   * What was spent per budget at the last read of the ledger's history, with the counters below as
   * they were when the read began: near a threshold, the history is read again only when what this
   * ledger committed since could reach it (or a second later, for other processes' spending), not
   * on every commit. Commits that land while a read is in flight count as after it (an upper bound).
   */
  #spentRead: { at: number; spent: Map<string, number>; committed: number; stale: number } | undefined;
  /** Whether commits are counted: from the first read near a threshold on. */
  #tracking = false;
  /** Cents committed here while tracking (only grows). */
  #committed = 0;
  /** Grows when a read can no longer be trusted: a commit of unknown amount, a delegation closed. */
  #stale = 0;

  constructor(
    private readonly store: Store,
    private readonly policy: Policy,
    private readonly onWarning: (warning: BudgetWarning) => void,
    private readonly onReservedWarning: (warning: BudgetReservedWarning) => void,
  ) {}

  /** A commit raises what was spent by at most its amount (read from the entry when not given). */
  async committed(id: string, amountCents: number | undefined): Promise<void> {
    if (!this.#tracking) return; // not near a threshold: nothing to track
    try {
      const cents = amountCents ?? (await this.store.getEntry(id))?.amountCents;
      if (cents === undefined) this.#stale += 1;
      else this.#committed += cents;
    } catch {
      this.#stale += 1;
    }
  }

  /** A delegation closed: its charges now count through it, so what was spent is read again. */
  closed(): void {
    this.#stale += 1;
  }

  /**
   * Warns once per crossing: on what was spent (`budget-warning`) and, separately, on spent plus
   * reserved (`budget-reserved-warning`): a delegation's reservation is not money gone. Best
   * effort: a store that fails here never undoes the reservation or commit that just landed.
   */
  async check(now: number): Promise<void> {
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
    this.#tracking = true;
    const [committed, stale] = [this.#committed, this.#stale]; // before the read: what lands during it counts as after
    const since = this.policy.budget?.lifetimeCents === undefined ? now - DAY_MS : undefined;
    const view = budgetView(await this.store.entries({ since }), this.policy, now);
    this.#spentRead = { at: now, committed, stale, spent: new Map([['budget.lifetime', view.lifetime.spentCents], ['budget.perHour', view.perHour.spentCents], ['budget.perDay', view.perDay.spentCents]]) };
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
    if (!read || read.stale !== this.#stale || now - read.at >= 1_000 || now < read.at) return false;
    const since = this.#committed - read.committed;
    return near.every((name) => {
      if (this.#warned.has(`spent:${name}`)) return this.#warned.has(`reserved:${name}`);
      const spent = read.spent.get(name);
      const max = limits.find((l) => l.name === name)?.max;
      return this.#warned.has(`reserved:${name}`) && spent !== undefined && max !== undefined && (spent + since) * 100 < threshold * max;
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
