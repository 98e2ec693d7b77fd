import { randomId } from '../util/random-id.js';
import { PaymentRejectedError } from '../errors/payment-rejected-error.js';
import type { HeldToken } from '../engine/held.js';
import { engineOf } from '../engine/registry.js';
import type { PayingFetch } from '../fetch/facade.js';
import { decodeBase64Text } from '../util/base64.js';
import { safeJsonParse } from '../util/safe-json.js';
import { parsePaymentRequiredJson } from '../x402/payment-required.js';
import { settlementReceiptSchema, type PaymentRequired, type SettlementReceipt } from '../x402/schemas.js';
import { originOf } from '../util/url-parts.js';

/** The part of an MCP client (`@modelcontextprotocol/sdk` `Client`) the wrapper uses. */
export interface McpClientLike {
  callTool(params: McpCallParams, resultSchema?: never, options?: never): Promise<McpToolResult>;
}

export interface McpCallParams {
  name: string;
  arguments?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface McpToolResult {
  isError?: boolean;
  structuredContent?: unknown;
  content?: unknown;
  _meta?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface PayingMcpOptions {
  /** The MCP server's URL: payments and tokens are bound to its origin. */
  serverUrl: string;
  /** Told the Nevermined token to send as `Authorization: Bearer` (see bearerFetch), or undefined to stop. */
  setBearer?: SetBearer;
}

/** A PaymentRequired in a tool result: `isError` and `structuredContent` carrying `x402Version`. */
function challengeOf(result: McpToolResult): PaymentRequired | undefined {
  const content = result.structuredContent as { x402Version?: unknown } | undefined;
  if (!result.isError || typeof content !== 'object' || content === null || !('x402Version' in content)) return undefined;
  return parsePaymentRequiredJson(content, 'MCP tool result'); // malformed: a typed error, never a payment
}

/** The token as the x402 MCP transport wants it in `_meta["x402/payment"]`: the decoded object. */
function decodedPayment(held: HeldToken): unknown {
  const json = decodeBase64Text(held.token);
  return (json && safeJsonParse(json)) ?? held.token;
}

function receiptOf(result: McpToolResult): SettlementReceipt | undefined {
  const parsed = settlementReceiptSchema.safeParse(result._meta?.['x402/payment-response']);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Wraps an MCP client's `callTool`: a tool result asking for payment is paid within the same
 * policy, ledger and receipts as payingFetch, and the call repeated once with the payment in
 * `_meta["x402/payment"]` (and, for Nevermined servers, `Authorization: Bearer <token>`).
 */
export function payingMcp<C extends McpClientLike>(client: C, pay: PayingFetch, options: PayingMcpOptions) {
  const engine = engineOf(pay);
  const origin = new URL(options.serverUrl).origin;

  async function callTool(params: McpCallParams, resultSchema?: never, requestOptions?: never): Promise<McpToolResult> {
    const resource = `${origin}/mcp/tools/${encodeURIComponent(params.name)}`;
    const paymentId = randomId();
    let result = await client.callTool(params, resultSchema, requestOptions);
    let refused: HeldToken | undefined;
    for (let attempt = 0; ; attempt += 1) {
      const challenge = challengeOf(result);
      if (!challenge) return result;
      if (attempt >= 2) throw new PaymentRejectedError({ url: resource, status: 402, sellerMessage: challenge.error });
      const held = await authorize(challenge, resource, refused, paymentId);
      const sentAt = engine.now();
      const paidCall = () => client.callTool({ ...params, _meta: { ...params._meta, 'x402/payment': decodedPayment(held) } }, resultSchema, requestOptions);
      try {
        result = await withBearer(held.kind === 'nvm' ? held.token : undefined, paidCall);
      } catch (error) {
        throw await engine.unknown(resource, 'MCP', held, sentAt, 0, error);
      }
      if (!challengeOf(result)) {
        // An error result after payment: a signed payload handed over still counts (kept unknown).
        if (result.isError) await engine.keepUnsettled(held, resource, 'MCP', 0);
        else await engine.settle({ url: resource, method: 'MCP', status: 200, receipt: receiptOf(result) }, held);
        return result;
      }
      await engine.keepUnsettled(held, resource, 'MCP', 402);
      if (held.kind === 'nvm') await engine.sellerRefused(held, challengeOf(result)?.error);
      refused = held;
    }
  }

  /** Runs the paid call with the bearer set for it alone (scoped where bearerFetch can, else set and cleared). */
  async function withBearer<T>(token: string | undefined, fn: () => Promise<T>): Promise<T> {
    const set = options.setBearer;
    if (!set || token === undefined) return fn();
    if (set.withBearer) return set.withBearer(token, origin, fn);
    set(token, origin);
    try {
      return await fn();
    } finally {
      set(undefined);
    }
  }

  /** Chooses the entry of a tool's PaymentRequired and pays it through the engine. */
  async function authorize(challenge: PaymentRequired, resource: string, refused: HeldToken | undefined, paymentId: string): Promise<HeldToken> {
    const selection = await engine.choose(challenge, resource);
    if (selection.kind === 'unpayable') throw new PaymentRejectedError({ url: resource, status: 402, sellerMessage: selection.detail });
    return engine.authorize(selection.candidate, challenge, resource, { refused, paymentId: () => paymentId });
  }

  return { client, callTool };
}

/** Node's AsyncLocalStorage where the runtime has it (Node, Bun, Deno): a bearer per async call chain. */
type Bearer = { token: string; origin: string | undefined };
interface BearerScope {
  getStore(): Bearer | undefined;
  run<T>(bearer: Bearer, fn: () => T): T;
}
function bearerScope(): BearerScope | undefined {
  const getBuiltin = (globalThis.process as { getBuiltinModule?: (id: string) => unknown } | undefined)?.getBuiltinModule;
  const hooks = getBuiltin?.('node:async_hooks') as { AsyncLocalStorage: new () => BearerScope } | undefined;
  return hooks ? new hooks.AsyncLocalStorage() : undefined;
}

/** setBearer, plus (from bearerFetch) a way to scope a bearer to one async call chain. */
export type SetBearer = ((token: string | undefined, origin?: string) => void) & {
  withBearer?: <T>(token: string, origin: string | undefined, fn: () => Promise<T>) => Promise<T>;
};

/**
 * A fetch for the MCP transport (`new StreamableHTTPClientTransport(url, { fetch })`) that adds
 * `Authorization: Bearer <token>` while payingMcp sends a paid call to a Nevermined server. Given
 * to payingMcp, the bearer belongs to the paid call's own async chain: a concurrent unpaid call (or
 * the transport's own traffic) never carries it, and one call ending never clears another's.
 */
export function bearerFetch(base: typeof fetch = fetch): { fetch: typeof fetch; setBearer: SetBearer } {
  const scope = bearerScope();
  let shared: Bearer | undefined; // set by hand (or on runtimes without AsyncLocalStorage)
  const wrapped = ((input: RequestInfo | URL, init?: RequestInit) => {
    const bearer = scope?.getStore() ?? shared;
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    // Only to the origin the token was bought for (payingMcp says which): never to another server.
    if (!bearer || (bearer.origin !== undefined && originOf(url) !== bearer.origin)) return base(input, init);
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${bearer.token}`);
    return base(input, Object.assign({}, init, { headers })); // not a spread: V8's slow path on Node 20
  }) as typeof fetch;
  const setBearer: SetBearer = (token, origin) => void (shared = token === undefined ? undefined : { token, origin });
  if (scope) setBearer.withBearer = (token, origin, fn) => scope.run({ token, origin }, fn);
  return { fetch: wrapped, setBearer };
}
