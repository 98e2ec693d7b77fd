import { PayingFetchError } from './paying-fetch-error.js';

/** Options or environment are missing or invalid (e.g. no NVM_API_KEY). Fix the setup. */
export class ConfigurationError extends PayingFetchError {
  constructor(message: string) {
    super('CONFIGURATION', message);
  }
}
