import { PolicyRefusalError } from './policy-refusal-error.js';

/** An allow-list or deny-list of the policy rules this payment out. Nothing was minted. */
export class PolicyDeniedError extends PolicyRefusalError {
  /** The rule: `allow.origins`, `deny.planIds`, `allow.schemes`, ... */
  readonly rule: string;
  /** The value that broke it (an origin, plan id, scheme or network). */
  readonly value: string;

  constructor({ rule, value }: { rule: string; value: string }) {
    super('POLICY_DENIED', `The spending policy forbids paying ${value} (rule ${rule})`);
    this.rule = rule;
    this.value = value;
  }
}
