import { PayingFetchError, type ErrorCode } from './paying-fetch-error.js';

/** Options or environment are missing or invalid (e.g. no NVM_API_KEY). Fix the setup. */
export class ConfigurationError extends PayingFetchError {
  constructor(message: string);
  /** For the kinds of configuration error that have a code of their own. */
  constructor(code: ErrorCode, message: string);
  constructor(codeOrMessage: string, message?: string) {
    super(message === undefined ? 'CONFIGURATION' : (codeOrMessage as ErrorCode), message ?? codeOrMessage);
  }
}
