import { PolicyRefusalError } from './policy-refusal-error.js';

/** The vendor says a budget its team set is reached (e.g. Exa `API_KEY_BUDGET_EXCEEDED`): buying more would not help, so nothing is bought. */
export class ProviderCappedError extends PolicyRefusalError {
  readonly provider: string;
  readonly tag: string;
  readonly status: number;

  constructor({ provider, tag, status }: { provider: string; tag: string; status: number }) {
    super('PROVIDER_CAPPED', `${provider} refused the call with ${tag}: a cap set on the vendor's side; raise it there (buying more credits does not lift it)`);
    this.provider = provider;
    this.tag = tag;
    this.status = status;
  }
}
