import { PolicyRefusalError } from './policy-refusal-error.js';

/** Too many purchases (or delegations) in a window: the policy's `maxPurchasesPer`. */
export class VelocityExceededError extends PolicyRefusalError {
  readonly limit: string;
  readonly max: number;

  constructor({ limit, max }: { limit: string; max: number }) {
    super('VELOCITY_EXCEEDED', `The policy allows ${max} purchase(s) in ${limit}; wait for the window to roll over`);
    this.limit = limit;
    this.max = max;
  }
}
