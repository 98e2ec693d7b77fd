import { ConfigurationError } from '../errors/configuration-error.js';
import { buildEngine } from '../engine/build-engine.js';
import type { PaymentEngine } from '../engine/payment-engine.js';
import { withFacade, type PayingFetch } from './facade.js';
import { payingCall, type PayingRequestInit } from './paying-call.js';
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

/**
 * A complete PayingFetch configured from the environment on first use (so importing it never
 * throws): the call and every method build the same instance, whichever comes first.
 */
export function lazyPayingFetch(): PayingFetch {
  let built: { engine: PaymentEngine; call: ReturnType<typeof payingCall> } | undefined;
  const get = () => {
    if (!built) {
      const options = optionsFromEnv();
      const engine = buildEngine(options);
      built = { engine, call: payingCall(engine, options) };
    }
    return built;
  };
  const call = (input: string | URL | Request, init?: PayingRequestInit) => {
    try {
      return get().call(input, init);
    } catch (error) {
      return Promise.reject(error);
    }
  };
  return withFacade(call, () => get().engine, true);
}
