import { Agent, EnvHttpProxyAgent, fetch as undiciFetch, type Dispatcher } from 'undici';

/** fetch's signature, as paying-fetch calls it: always a URL string and a plain init. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

let shared: Dispatcher | undefined;

function sharedDispatcher(): Dispatcher {
  if (shared) return shared;
  // One keep-alive pool for every paying-fetch instance; proxies honoured when configured.
  const proxied = process.env.HTTPS_PROXY || process.env.HTTP_PROXY || process.env.https_proxy || process.env.http_proxy;
  shared = proxied ? new EnvHttpProxyAgent() : new Agent({ keepAliveTimeout: 10_000 });
  return shared;
}

/**
 * The default transport: undici's own fetch over one shared keep-alive dispatcher. Internal: its
 * callers (all in paying-fetch) hand over a fresh init per request, so it is completed in place
 * rather than copied on every call.
 */
export const defaultFetch: FetchLike = (input, init) => {
  const options = (init ?? {}) as Record<string, unknown>;
  // Headers of another realm (global fetch's class) go over as plain pairs: cheaper for undici to take.
  if (options.headers instanceof Headers) options.headers = [...(options.headers as Headers)];
  options.dispatcher = sharedDispatcher();
  return undiciFetch(input, options as never) as unknown as Promise<Response>;
};
