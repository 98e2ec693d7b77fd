import { PolicyRefusalError } from './policy-refusal-error.js';

/** Spending more needs consent the policy does not give (`autoRenew`, `autoTopUp`, or their caps). */
export class ConsentRequiredError extends PolicyRefusalError {
  /** The consent missing: `autoRenew`, `autoTopUp`, `autoRenew.maxPerDay`, ... */
  readonly consent: string;

  constructor({ consent, situation }: { consent: string; situation: string }) {
    super('CONSENT_REQUIRED', `${situation}; spending more needs policy.${consent}`);
    this.consent = consent;
  }
}
