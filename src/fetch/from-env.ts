import { ConfigurationError } from '../errors/configuration-error.js';
import { createPayingFetch, type PayingFetch } from './create-paying-fetch.js';
import type { PayingFetchOptions } from './options.js';
import { EmbeddedStore } from '../store/embedded-store.js';
import { defaultHome } from '../store/state-dir.js';

/**
 * Options from NVM_API_KEY, NVM_DELEGATION_ID or NVM_PAYMENT_METHOD_ID, NVM_BACKEND_URL, with the
 * embedded store under PAYING_FETCH_HOME (default ~/.paying-fetch). Throws a clear error when the key is missing.
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): PayingFetchOptions {
  const apiKey = env.NVM_API_KEY;
  if (!apiKey) {
    throw new ConfigurationError('NVM_API_KEY is not set: export your Nevermined API key (sandbox:... or live:...) or use createPayingFetch({ nevermined: { apiKey } })');
  }
  return {
    nevermined: {
      apiKey,
      backendUrl: env.NVM_BACKEND_URL || undefined,
      delegationId: env.NVM_DELEGATION_ID || undefined,
      paymentMethodId: env.NVM_DELEGATION_ID ? undefined : env.NVM_PAYMENT_METHOD_ID || undefined,
    },
    store: new EmbeddedStore(defaultHome(env)),
  };
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
