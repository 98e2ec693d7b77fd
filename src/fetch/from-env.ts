import { ConfigurationError } from '../errors/configuration-error.js';
import { createPayingFetch, type PayingFetch } from './create-paying-fetch.js';
import type { PayingFetchOptions } from './options.js';

/** Options from NVM_API_KEY, NVM_DELEGATION_ID, NVM_BACKEND_URL; throws a clear error when missing. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): PayingFetchOptions {
  const apiKey = env.NVM_API_KEY;
  if (!apiKey) {
    throw new ConfigurationError('NVM_API_KEY is not set: export your Nevermined API key (sandbox:... or live:...) or use createPayingFetch({ nevermined: { apiKey } })');
  }
  return { nevermined: { apiKey, backendUrl: env.NVM_BACKEND_URL || undefined, delegationId: env.NVM_DELEGATION_ID || undefined } };
}

/** A PayingFetch configured from the environment on first use (so importing it never throws). */
export function lazyPayingFetch(): PayingFetch {
  let instance: PayingFetch | undefined;
  const get = () => (instance ??= createPayingFetch(optionsFromEnv()));
  const lazy = ((input: string | URL | Request, init?: RequestInit) => {
    try {
      return get()(input, init);
    } catch (error) {
      return Promise.reject(error);
    }
  }) as PayingFetch;
  lazy.on = (event, listener) => get().on(event, listener);
  return lazy;
}
