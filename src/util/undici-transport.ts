import { Agent, EnvHttpProxyAgent, fetch as undiciFetch, type Dispatcher } from 'undici';
import { withDispatcher, type FetchLike } from './transport.js';

export interface UndiciTransportOptions {
  /** The pool to send over. Default: one shared keep-alive pool (EnvHttpProxyAgent when HTTP(S)_PROXY is set). */
  dispatcher?: Dispatcher | undefined;
}

let shared: Dispatcher | undefined;

function sharedDispatcher(): Dispatcher {
  if (shared) return shared;
  const env = process.env;
  const proxied = env.HTTPS_PROXY || env.HTTP_PROXY || env.https_proxy || env.http_proxy;
  shared = proxied ? new EnvHttpProxyAgent() : new Agent({ keepAliveTimeout: 10_000 });
  return shared;
}

/**
 * undici's own fetch (the npm package, not Node's copy) over one keep-alive pool: the opt-in fast
 * transport. Its responses are undici's classes, not the platform's: `instanceof Response` is false
 * where Node bundles another undici. Pass it as `createPayingFetch({ fetch: undiciTransport() })`.
 */
export function undiciTransport(options: UndiciTransportOptions = {}): FetchLike {
  const dispatcher = options.dispatcher;
  return (input, init) => {
    const fields = withDispatcher(init, dispatcher ?? sharedDispatcher()) as Record<string, unknown>;
    // Headers of another realm (the global class) go over as plain pairs: cheaper for undici to take.
    if (fields.headers instanceof Headers) fields.headers = [...(fields.headers as Headers)];
    return undiciFetch(input, fields as never) as unknown as Promise<Response>;
  };
}
