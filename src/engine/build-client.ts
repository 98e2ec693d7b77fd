import { ConfigurationError } from '../errors/configuration-error.js';
import type { NeverminedClient } from '../nevermined/client.js';
import type { BackendRetryOptions } from '../nevermined/backend-retry.js';
import type { DelegationSource } from '../nevermined/delegations.js';
import { NeverminedRestClient } from '../nevermined/rest-client.js';
import { isPaymentsLike, NeverminedSdkAdapter } from '../nevermined/sdk-adapter.js';
import type { FetchLike } from '../util/transport.js';
import type { PayingFetchOptions } from '../fetch/options.js';

/** The Nevermined client and where delegations come from, from the options. */
export function buildClient(options: PayingFetchOptions, transport: FetchLike, onRetry?: BackendRetryOptions['onRetry']): { client: NeverminedClient; source: DelegationSource | undefined } {
  const nvm = options.nevermined;
  if (nvm === undefined) {
    if (options.schemes?.length || options.mpp?.length) return { client: withoutNevermined(), source: undefined };
    throw new ConfigurationError('paying-fetch needs `nevermined` options (an apiKey or a Payments instance), x402 `schemes` or `mpp` method plugins to pay with');
  }
  // One retry rule for every backend path: the REST client, the SDK adapter (and purchase POSTs).
  const retries = { retries: options.backendRetries, retryDelayMs: options.backendRetryDelayMs, onRetry };
  if (isPaymentsLike(nvm)) {
    return { client: new NeverminedSdkAdapter({ payments: nvm, ...retries }), source: sourceOf(options.delegationId, undefined) };
  }
  const rest = nvm.apiKey
    ? new NeverminedRestClient({ apiKey: nvm.apiKey, backendUrl: nvm.backendUrl, fetch: transport, ...retries, allowInsecureHttp: options.allowInsecureHttp })
    : undefined;
  const source = sourceOf(nvm.delegationId ?? options.delegationId, nvm.paymentMethodId);
  if (nvm.payments) return { client: new NeverminedSdkAdapter({ payments: nvm.payments, principal: nvm.principal, fallback: rest, ...retries }), source };
  if (!rest) throw new ConfigurationError('nevermined.apiKey is required (or pass a Payments instance as nevermined.payments)');
  return { client: rest, source };
}

function sourceOf(delegationId: string | undefined, paymentMethodId: string | undefined): DelegationSource | undefined {
  if (delegationId && paymentMethodId) throw new ConfigurationError('Give nevermined.delegationId or nevermined.paymentMethodId, not both');
  if (delegationId) return { delegationId };
  if (paymentMethodId) return { paymentMethodId };
  return undefined;
}

/** Stands in when only standard x402 schemes pay: any Nevermined call says what is missing. */
function withoutNevermined(): NeverminedClient {
  const missing = async (): Promise<never> => {
    throw new ConfigurationError('This needs Nevermined: pass nevermined.apiKey (or a Payments instance)');
  };
  return {
    backendId: 'none',
    principal: 'local',
    scrub: (text) => text,
    mint: missing,
    listPaymentMethods: missing,
    listDelegations: missing,
    getDelegation: missing,
    createDelegation: missing,
    listDelegationTransactions: missing,
    getPlanBalance: missing,
  };
}
