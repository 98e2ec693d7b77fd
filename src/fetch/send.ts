import type { FetchLike } from '../util/transport.js';
import type { ReplayableRequest } from './replayable-request.js';
import { originOf } from '../util/url-parts.js';

const MAX_REDIRECTS = 20;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Headers that carry a credential bound to one origin: dropped whenever a hop leaves it. */
const ORIGIN_BOUND = ['payment-signature', 'x-payment', 'authorization', 'proxy-authorization', 'x-api-key', 'cookie'];

export interface Sent {
  response: Response;
  /** The hop that produced the response: where a payment for it must go. */
  url: string;
  method: string;
  body: ReplayableRequest['body'];
}

function headerPairs(request: ReplayableRequest): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  request.headers.forEach((value, name) => pairs.push([name, value]));
  return pairs;
}

/**
 * Sends a request, adding `credentials` headers only while the hop stays on `credentialOrigin`.
 * Redirects are followed here (not by the transport) so no credential reaches another origin.
 * The caller's own credentials (Authorization, Cookie, X-Api-Key, ...) go only to `callerOrigin`,
 * the origin the caller addressed: a paid replay to a redirect target never carries them.
 */
export async function send(
  transport: FetchLike,
  request: ReplayableRequest,
  credentials: Record<string, string>,
  credentialOrigin: string | undefined,
  signal: AbortSignal | undefined,
  callerOrigin: string = originOf(request.url),
): Promise<Sent> {
  let url = request.url;
  let method = request.method;
  let body = request.body;
  // Plain [name, value] pairs (lower-case names): cheaper than Headers objects for every transport.
  let pairs: Array<[string, string]> = headerPairs(request);
  const follow = request.redirect === 'follow';
  const added: Array<[string, string]> = [];
  for (const name in credentials) added.push([name.toLowerCase(), credentials[name]!]);

  for (let hop = 0; ; hop += 1) {
    const origin = originOf(url);
    let hopHeaders = pairs;
    if (origin !== callerOrigin) hopHeaders = hopHeaders.filter(([name]) => !ORIGIN_BOUND.includes(name));
    if (added.length && origin === credentialOrigin) {
      hopHeaders = hopHeaders.length ? [...hopHeaders.filter(([name]) => !added.some(([a]) => a === name)), ...added] : added;
    }
    // A small init of few shapes: the transport's option parsing stays fast (no body or signal unless there is one).
    const init: RequestInit = { headers: hopHeaders, redirect: follow ? 'manual' : request.redirect };
    if (method !== 'GET') init.method = method; // GET is the default: one conversion fewer
    if (body !== undefined) init.body = body;
    if (signal) init.signal = signal;
    const response = await transport(url, request.hasRest ? Object.assign({}, request.rest, init) : init);
    const location = follow && REDIRECTS.has(response.status) ? response.headers.get('location') : null;
    if (location === null) {
      // Browsers hide a manual redirect (status 0, no Location): it cannot be followed safely here.
      if (follow && response.status === 0 && response.type === 'opaqueredirect') throw new TypeError(`fetch failed: ${url} redirects, and this runtime hides where to (opaque redirect): call the final URL`);
      return { response, url, method, body };
    }
    if (hop >= MAX_REDIRECTS) {
      await response.body?.cancel();
      throw new TypeError(`fetch failed: more than ${MAX_REDIRECTS} redirects from ${request.url}`);
    }
    await response.body?.cancel();
    // As fetch does: 303 (and 301/302 after POST) turn into GET without a body.
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
      if (method !== 'HEAD') method = 'GET';
      body = undefined;
      pairs = pairs.filter(([name]) => name !== 'content-type' && name !== 'content-length');
    }
    url = new URL(location, url).toString();
  }
}
