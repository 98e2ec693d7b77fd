/** Result of reading at most `limit` bytes of a body without losing the rest of it. */
export interface PeekedBody {
  /** The whole body when it fit in the limit, else undefined. */
  bytes: Uint8Array | undefined;
  /** A response equivalent to the original, still readable by the caller. */
  response: Response;
  /** True when the deadline passed before the body ended (a trickling sender): `bytes` is undefined. */
  timedOut?: boolean;
}

/**
 * Reads a response body up to `limit` bytes, for at most `deadlineMs` (a sender may trickle a body
 * forever). The caller gets back a response with the same status, headers and body bytes, so a 402
 * can be inspected and still handed over unchanged.
 */
export async function peekBody(response: Response, limit: number, deadlineMs?: number): Promise<PeekedBody> {
  if (!response.body) return { bytes: new Uint8Array(0), response };
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) return { bytes: undefined, response };

  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const deadline = deadlineMs === undefined ? undefined : Date.now() + deadlineMs;
  for (;;) {
    const next = deadline === undefined ? await reader.read() : await readBefore(reader, deadline);
    if (next === TIMED_OUT) return { bytes: undefined, response: rebuild(response, prefixedStream(chunks, reader)), timedOut: true };
    const { done, value } = next;
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > limit) {
      return { bytes: undefined, response: rebuild(response, prefixedStream(chunks, reader)) };
    }
  }
  const bytes = concat(chunks, size);
  return { bytes, response: rebuild(response, bytes) };
}

const TIMED_OUT = Symbol('timed out');

/** The next chunk, unless `deadline` (ms since epoch) comes first. The pending read is kept for the caller. */
const pendingReads = new WeakMap<ReadableStreamDefaultReader<Uint8Array>, Promise<ReadableStreamReadResult<Uint8Array>>>();
async function readBefore(reader: ReadableStreamDefaultReader<Uint8Array>, deadline: number): Promise<ReadableStreamReadResult<Uint8Array> | typeof TIMED_OUT> {
  const read = pendingReads.get(reader) ?? reader.read();
  pendingReads.set(reader, read);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, deadline - Date.now()))));
  try {
    const result = await Promise.race([read, timeout]);
    if (result !== TIMED_OUT) pendingReads.delete(reader);
    return result;
  } finally {
    clearTimeout(timer);
  }
}

/** Reads a whole body, failing once it passes `limit` bytes. */
export async function readAllBounded(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return concat(chunks, size);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

function prefixedStream(
  prefix: Uint8Array[],
  rest: ReadableStreamDefaultReader<Uint8Array>,
): ReadableStream<Uint8Array> {
  const queue = [...prefix];
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = queue.shift();
      if (next) return controller.enqueue(next);
      // A read left pending by a deadline is the next chunk: take it first.
      const pending = pendingReads.get(rest);
      pendingReads.delete(rest);
      const { done, value } = await (pending ?? rest.read());
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return rest.cancel(reason);
    },
  });
}

function rebuild(original: Response, body: BodyInit): Response {
  const copy = new Response(body, {
    status: original.status,
    statusText: original.statusText,
    headers: original.headers,
  });
  // Response's url and redirected are read-only and lost by the constructor; keep them.
  Object.defineProperty(copy, 'url', { value: original.url });
  Object.defineProperty(copy, 'redirected', { value: original.redirected });
  return copy;
}
