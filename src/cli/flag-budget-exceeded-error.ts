import { BudgetExceededError } from '../errors/budget-exceeded-error.js';
import { dollars } from './format.js';

/** `--budget-cents N` refused the call: the fix is the flag, not the policy in config.json. */
export class FlagBudgetExceededError extends BudgetExceededError {
  readonly fix: string;

  constructor(refusal: BudgetExceededError, flagCents: number) {
    super({ limit: '--budget-cents', limitCents: flagCents, usedCents: 0, requestedCents: refusal.requestedCents, what: 'This call' });
    this.message = `This call needs ${dollars(refusal.requestedCents)} reserved but --budget-cents allows ${dollars(flagCents)}` +
      ' (a delegation reserves its remaining budget when first used)';
    this.fix = `--budget-cents ${refusal.requestedCents} or more, or leave the flag out`;
  }
}
