import { ConfigurationError } from './configuration-error.js';

/**
 * A provider refused the key the caller's own request carried (an SDK like exa-js always sends
 * one). paying-fetch attaches the key it buys only to requests that carry none, or carry
 * `PLACEHOLDER_KEY`: pass that to the SDK instead of a key. The key itself is never quoted here.
 */
export class CallerKeyRefusedError extends ConfigurationError {
  readonly provider: string;
  readonly status: number;

  constructor({ provider, status }: { provider: string; status: number }) {
    super(
      'CALLER_KEY_REFUSED',
      `${provider} refused the API key your request carried (HTTP ${status}). paying-fetch only attaches the key it buys ` +
        `to requests that carry no key or the placeholder: give your SDK PLACEHOLDER_KEY from 'paying-fetch' instead of a key`,
    );
    this.provider = provider;
    this.status = status;
  }
}
