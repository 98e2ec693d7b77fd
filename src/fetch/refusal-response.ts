import { PolicyRefusalError } from '../errors/policy-refusal-error.js';

/**
 * How a refusal of the spending policy reaches the caller: thrown (default), or as an HTTP 402
 * answer with an RFC 9457 `application/problem+json` body. SDKs that wrap every thrown fetch error
 * as a connection error and retry it (openai-node, LangChain) surface the 402 as an API error
 * instead, and do not retry it.
 */
export type RefusalMode = 'throw' | 'response';

/** Every problem `type` paying-fetch answers starts with this; the refusal's code follows. */
export const REFUSAL_TYPE_PREFIX = 'urn:paying-fetch:refusal:';
const INSTANCE_PREFIX = 'urn:paying-fetch:refusal-instance:';
/** The instance rides in a header too: SDKs that drop the body keep the headers (openai's APIError). */
const INSTANCE_HEADER = 'paying-fetch-refusal-instance';

/** The problem document of a refusal (RFC 9457 members, then paying-fetch's own). */
export interface RefusalProblem {
  type: string;
  title: string;
  status: 402;
  detail: string;
  /** Identifies this one refusal: `getRefusal` finds the typed error by it. */
  instance: string;
  /** The error's stable code: BUDGET_EXCEEDED, VELOCITY_EXCEEDED, POLICY_DENIED, ... */
  code: string;
  /** The error's facts (limit, limitCents, usedCents, ...): numbers and strings, never a secret. */
  facts: Record<string, string | number | boolean>;
  /** The same in the shape OpenAI-style SDKs read into their error's message and `code`. */
  error: { message: string; type: 'policy_refusal'; code: string };
}

const byResponse = new WeakMap<Response, PolicyRefusalError>();
/** Recent refusals by instance, for SDKs that keep only the body: bounded, oldest dropped first. */
const byInstance = new Map<string, PolicyRefusalError>();
const MAX_REMEMBERED = 256;

function remember(instance: string, error: PolicyRefusalError): void {
  byInstance.set(instance, error);
  if (byInstance.size > MAX_REMEMBERED) byInstance.delete(byInstance.keys().next().value as string);
}

/** `BUDGET_EXCEEDED` -> `Budget exceeded`. */
function titleOf(code: string): string {
  const words = code.toLowerCase().replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The error's own plain fields (errors carry facts, never secrets: see SECURITY.md). */
function factsOf(error: PolicyRefusalError): Record<string, string | number | boolean> {
  const facts: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key === 'code' || key === 'name') continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') facts[key] = value;
  }
  return facts;
}

export function refusalProblem(error: PolicyRefusalError, instance: string): RefusalProblem {
  return {
    type: REFUSAL_TYPE_PREFIX + error.code.toLowerCase().replaceAll('_', '-'),
    title: titleOf(error.code),
    status: 402,
    detail: error.message,
    instance,
    code: error.code,
    facts: factsOf(error),
    error: { message: error.message, type: 'policy_refusal', code: error.code },
  };
}

/** A policy refusal as an HTTP answer: 402, problem+json, told not to be retried. */
export function refusalResponse(error: PolicyRefusalError): Response {
  const instance = INSTANCE_PREFIX + crypto.randomUUID();
  const response = new Response(JSON.stringify(refusalProblem(error, instance)), {
    status: 402,
    statusText: 'Payment Required',
    headers: {
      'content-type': 'application/problem+json',
      // openai-node obeys this header; 402 is not retried by the other SDKs either.
      'x-should-retry': 'false',
      'paying-fetch-refusal': error.code,
      [INSTANCE_HEADER]: instance,
    },
  });
  byResponse.set(response, error);
  remember(instance, error);
  return response;
}

/** Wraps a paying call so policy refusals come back as 402 answers; every other error still throws. */
export function answerRefusals<A extends unknown[]>(call: (...args: A) => Promise<Response>): (...args: A) => Promise<Response> {
  return async (...args) => {
    try {
      return await call(...args);
    } catch (error) {
      if (error instanceof PolicyRefusalError) return refusalResponse(error);
      throw error;
    }
  };
}

/** A header read through an object's own `get` (Headers, axios's AxiosHeaders); any failure is "none". */
function headerOf(value: object, get: (name: string) => unknown): unknown {
  try {
    return get.call(value, INSTANCE_HEADER);
  } catch {
    return undefined;
  }
}

/** An `instance` of ours found in a problem body, an SDK error's parsed body, or a body's text. */
function instanceIn(value: unknown, depth = 0): string | undefined {
  if (depth > 4 || value === null || value === undefined) return undefined;
  if (typeof value === 'string') {
    const at = value.indexOf(INSTANCE_PREFIX);
    return at < 0 ? undefined : value.slice(at, at + INSTANCE_PREFIX.length + 36);
  }
  if (typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.instance === 'string' && record.instance.startsWith(INSTANCE_PREFIX)) return record.instance;
  const header = typeof record.get === 'function' ? headerOf(value, record.get as (name: string) => unknown) : record[INSTANCE_HEADER];
  if (typeof header === 'string' && header.startsWith(INSTANCE_PREFIX)) return header;
  // Where SDKs keep the answer: openai `headers`, ai-sdk `data`/`responseBody`/`responseHeaders`, axios `response`, any `cause`.
  for (const key of ['headers', 'responseHeaders', 'error', 'data', 'responseBody', 'response', 'body', 'cause']) {
    const found = instanceIn(record[key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * The typed refusal behind a 402 answer of `refusals: 'response'`: from the Response itself, or
 * from what an SDK made of it (its error, or the parsed problem body). Undefined for anything else.
 */
export function getRefusal(from: unknown): PolicyRefusalError | undefined {
  const found = typeof from === 'object' && from !== null ? byResponse.get(from as Response) : undefined;
  if (found) return found;
  const instance = instanceIn(from);
  return instance ? byInstance.get(instance) : undefined;
}
