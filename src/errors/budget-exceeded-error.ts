import { PolicyRefusalError } from './policy-refusal-error.js';

const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;

/** Paying would break a budget or cap of the policy. Nothing was minted or bought. */
export class BudgetExceededError extends PolicyRefusalError {
  /** Which limit: `budget.lifetime`, `budget.perDay`, `origin:https://x.perHour`, `plan:123.lifetime`, ... */
  readonly limit: string;
  readonly limitCents: number;
  readonly usedCents: number;
  readonly remainingCents: number;
  readonly requestedCents: number;

  constructor(facts: { limit: string; limitCents: number; usedCents: number; requestedCents: number; what: string }) {
    const remaining = Math.max(0, facts.limitCents - facts.usedCents);
    super(
      'BUDGET_EXCEEDED',
      `${facts.what} needs ${dollars(facts.requestedCents)} but ${facts.limit} has ${dollars(remaining)} left ` +
        `(${dollars(facts.usedCents)} of ${dollars(facts.limitCents)} used)`,
    );
    this.limit = facts.limit;
    this.limitCents = facts.limitCents;
    this.usedCents = facts.usedCents;
    this.remainingCents = remaining;
    this.requestedCents = facts.requestedCents;
  }
}
