/** fetch's signature, as paying-fetch calls it: always a URL string and a plain init. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * Finds a dispatcher for the platform's fetch, or none. The Node entry installs one that honours
 * HTTP(S)_PROXY (src/util/env-proxy.ts); other runtimes' fetch does its own proxying, or none.
 */
export type DispatcherLookup = () => Promise<object> | undefined;

let lookup: DispatcherLookup | undefined;
/** undefined: not looked up yet; null: none (the hot path); else the dispatcher, or its promise. */
let dispatcher: Promise<object> | object | null | undefined;

export function setDispatcherLookup(find: DispatcherLookup | undefined): void {
  lookup = find;
  dispatcher = undefined;
}

async function viaDispatcher(input: string, init: RequestInit | undefined, pending: Promise<object>): Promise<Response> {
  const resolved = await pending;
  dispatcher = resolved;
  return globalThis.fetch(input, withDispatcher(init, resolved));
}

/**
 * The default transport: the platform's own fetch, so responses are the caller's `Response` class
 * (`instanceof Response` holds). Looked up per call: a fetch installed later (a polyfill, a test
 * interceptor) is the one used. Internal: its callers hand over a fresh init per request.
 */
export const defaultFetch: FetchLike = (input, init) => {
  if (dispatcher === undefined) dispatcher = lookup?.() ?? null;
  if (dispatcher === null) return globalThis.fetch(input, init);
  if (dispatcher instanceof Promise) return viaDispatcher(input, init, dispatcher);
  return globalThis.fetch(input, withDispatcher(init, dispatcher));
};

/** A copy of `init` with the dispatcher (Object.assign: `{ ...init, dispatcher }` is V8's slow path on Node 20). */
export function withDispatcher(init: RequestInit | undefined, found: object): RequestInit {
  const copy: Record<string, unknown> = Object.assign<Record<string, unknown>, RequestInit | undefined>({}, init);
  copy.dispatcher = found;
  return copy as RequestInit;
}
