import { BodyNotReplayableError } from '../errors/body-not-replayable-error.js';
import { readAllBounded } from '../util/read-bounded.js';

/** One logical request, with a body that can be sent any number of times byte-for-byte. */
export interface ReplayableRequest {
  url: string;
  method: string;
  headers: Headers;
  body: Uint8Array<ArrayBuffer> | string | undefined;
  redirect: RequestRedirect;
  signal: AbortSignal | undefined;
  /** Other init fields (cache, credentials, keepalive, ...) passed through untouched. */
  rest: RequestInit;
  /** Whether `rest` holds anything (most calls: no). */
  hasRest: boolean;
}

/**
 * Normalises fetch's arguments. Bodies become replayable: strings stay strings, bytes are copied,
 * URLSearchParams/FormData/Blob are serialised once (one multipart boundary for every replay),
 * streams are buffered up to `limit` bytes, else a typed error before anything is sent or paid.
 */
export function toReplayable(
  input: string | URL | Request,
  init: RequestInit | undefined,
  limit: number,
): ReplayableRequest | Promise<ReplayableRequest> {
  const request = typeof input === 'object' && 'headers' in input && 'method' in input ? input : undefined;
  const url = request ? request.url : String(input);
  const headers = new Headers(init?.headers ?? request?.headers);
  const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
  // agent and tags are paying-fetch's own init fields: they label receipts and never go on the wire.
  const { body: initBody, headers: _h, method: _m, signal, redirect, agent: _a, tags: _t, ...rest } = (init ?? {}) as RequestInit & { agent?: unknown; tags?: unknown };

  const made: ReplayableRequest = {
    url,
    method,
    headers,
    body: undefined,
    redirect: redirect ?? request?.redirect ?? 'follow',
    signal: signal ?? request?.signal ?? undefined,
    rest,
    hasRest: hasAny(rest),
  };
  // Most calls have no body or a string: ready at once, no await (this is the hot path).
  if (initBody !== undefined && initBody !== null) {
    const ready = serialiseNow(initBody, headers);
    if (ready !== LATER) {
      made.body = ready;
      return made;
    }
    return serialise(initBody, headers, limit).then((body) => ((made.body = body), made));
  }
  if (request?.body) {
    return readAllBounded(request.body, limit).then((bytes) => {
      if (!bytes) throw new BodyNotReplayableError({ limitBytes: limit });
      made.body = bytes;
      return made;
    });
  }
  return made;
}

const LATER = Symbol('read later');

/** Bodies that serialise without reading anything: strings, form parameters, bytes. */
function serialiseNow(body: BodyInit, headers: Headers): ReplayableRequest['body'] | typeof LATER {
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) {
    if (!headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
    return body.toString();
  }
  if (body instanceof ArrayBuffer) return new Uint8Array(body.slice(0));
  if (ArrayBuffer.isView(body)) {
    return new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer);
  }
  return LATER;
}

async function serialise(body: BodyInit, headers: Headers, limit: number): Promise<ReplayableRequest['body']> {
  if (body instanceof ReadableStream) {
    const bytes = await readAllBounded(body as ReadableStream<Uint8Array>, limit);
    if (!bytes) throw new BodyNotReplayableError({ limitBytes: limit });
    return bytes;
  }
  // FormData and Blob: let the platform serialise once, keep its content type (boundary).
  const encoded = new Response(body as BodyInit);
  const type = encoded.headers.get('content-type');
  if (type && !headers.has('content-type')) headers.set('content-type', type);
  const bytes = await readAllBounded(encoded.body, limit);
  if (!bytes) throw new BodyNotReplayableError({ limitBytes: limit });
  return bytes;
}

function hasAny(object: object): boolean {
  for (const _ in object) return true;
  return false;
}
