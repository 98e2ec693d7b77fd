import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { decodeBase64Text, encodeBase64Json } from '../util/base64.js';
import { safeJsonParse } from '../util/safe-json.js';
import { MAX_HEADER_BYTES } from '../x402/limits.js';
import { close, listen, sendJson } from './http.js';

// A standard x402 seller (scheme `exact`, USDC on Base Sepolia) with a test facilitator on
// 127.0.0.1: node:http and paying-fetch's own codec only, so it ships in the package. The
// facilitator accepts any well-formed EIP-3009 payload for the entry asked (no chain, signatures
// not checked) and refuses a nonce used before, as a real one would.

/** Base Sepolia, and its USDC (6 decimals): an asset paying-fetch prices without configuration. */
export const X402_SANDBOX_NETWORK = 'eip155:84532';
export const X402_SANDBOX_USDC = '0x036CbD53842c5426634e7929541eC2318f3dCF7e';
export const X402_SANDBOX_PAY_TO = '0x1111111111111111111111111111111111111111';

export interface X402SellerRoute {
  /** Price in atomic units of the asset (USDC: 10000 = $0.01). */
  amount: string;
  /** The body of the paid answer (JSON). */
  body: unknown;
  /** Declares the `payment-identifier` extension (the buyer sends a payment id). */
  paymentIdentifier?: boolean;
}

/** What the test facilitator saw: every verify and settle, with the payer and the payment id. */
export interface X402FacilitatorLog {
  verified: number;
  settled: Array<{ payer: string; amount: string; paymentId: string | null }>;
  /** Make the next verifications fail (`test_refusal`), to try refusals. */
  refuse: boolean;
}

export interface X402Seller {
  readonly url: string;
  readonly network: string;
  readonly log: X402FacilitatorLog;
  close(): Promise<void>;
}

const DEFAULT_ROUTES: Record<string, X402SellerRoute> = {
  '/weather': { amount: '10000', body: { weather: 'sunny' } },
  '/report': { amount: '250000', body: { report: 'ok' }, paymentIdentifier: true },
};

const hex = (length: number) => z.string().regex(new RegExp(`^0x[0-9a-fA-F]{${length}}$`));
const digits = z.string().regex(/^\d{1,78}$/);
const paymentSchema = z.object({
  x402Version: z.literal(2),
  accepted: z.looseObject({ scheme: z.string(), network: z.string(), amount: digits, asset: z.string(), payTo: z.string() }),
  payload: z.object({
    authorization: z.object({ from: hex(40), to: hex(40), value: digits, validAfter: digits, validBefore: digits, nonce: hex(64) }),
    signature: z.string().regex(/^0x[0-9a-fA-F]{2,1024}$/),
  }),
  extensions: z.record(z.string(), z.unknown()).optional(),
});
type Payment = z.infer<typeof paymentSchema>;

function entryFor(route: X402SellerRoute) {
  return { scheme: 'exact', network: X402_SANDBOX_NETWORK, amount: route.amount, asset: X402_SANDBOX_USDC, payTo: X402_SANDBOX_PAY_TO, maxTimeoutSeconds: 300, extra: { name: 'USDC', version: '2' } };
}

function challenge(route: X402SellerRoute, url: string, error?: string) {
  return {
    x402Version: 2,
    ...(error ? { error } : {}),
    resource: { url, mimeType: 'application/json' },
    accepts: [entryFor(route)],
    ...(route.paymentIdentifier ? { extensions: { 'payment-identifier': { info: { required: false } } } } : {}),
  };
}

/** Why a payment is refused, or undefined when the facilitator accepts it. */
function refusal(payment: Payment, route: X402SellerRoute, nonces: Set<string>, nowSecs: number): string | undefined {
  const entry = entryFor(route);
  const { accepted } = payment;
  const { authorization } = payment.payload;
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  if (accepted.scheme !== entry.scheme || accepted.network !== entry.network || accepted.amount !== entry.amount || !same(accepted.asset, entry.asset) || !same(accepted.payTo, entry.payTo)) return 'invalid_accepted';
  if (!same(authorization.to, entry.payTo) || authorization.value !== entry.amount) return 'invalid_authorization';
  if (Number(authorization.validBefore) <= nowSecs || Number(authorization.validAfter) > nowSecs) return 'invalid_authorization_window';
  if (nonces.has(authorization.nonce.toLowerCase())) return 'nonce_already_used';
  return undefined;
}

function paymentIdOf(payment: Payment): string | null {
  const id = (payment.extensions?.['payment-identifier'] as { info?: { id?: unknown } } | undefined)?.info?.id;
  return typeof id === 'string' ? id.slice(0, 200) : null;
}

function decodePayment(header: string | string[] | undefined): Payment | undefined {
  if (typeof header !== 'string' || header.length > MAX_HEADER_BYTES) return undefined;
  const text = decodeBase64Text(header);
  const parsed = paymentSchema.safeParse(text === undefined ? undefined : safeJsonParse(text));
  return parsed.success ? parsed.data : undefined;
}

/** Starts the x402 `exact` seller on 127.0.0.1 (routes: GET /weather $0.01, GET /report $0.25). */
export async function startX402Seller(routes: Record<string, X402SellerRoute> = DEFAULT_ROUTES): Promise<X402Seller> {
  const log: X402FacilitatorLog = { verified: 0, settled: [], refuse: false };
  const nonces = new Set<string>();
  let base = '';
  const handler = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    const route = routes[url.pathname];
    if (!route) return sendJson(res, 404, { error: 'Not Found' });
    const header = req.headers['payment-signature'];
    const ask = (error?: string) => sendJson(res, 402, {}, { 'payment-required': encodeBase64Json(challenge(route, base + url.pathname, error)) });
    if (header === undefined) return ask();
    const payment = decodePayment(header);
    if (!payment) return ask('invalid_payload');
    log.verified += 1;
    const refused = log.refuse ? 'test_refusal' : refusal(payment, route, nonces, Math.floor(Date.now() / 1000));
    if (refused) return ask(refused);
    const { from, nonce } = payment.payload.authorization;
    nonces.add(nonce.toLowerCase());
    log.settled.push({ payer: from, amount: route.amount, paymentId: paymentIdOf(payment) });
    const receipt = { success: true, transaction: '0x' + randomBytes(32).toString('hex'), network: X402_SANDBOX_NETWORK, payer: from };
    sendJson(res, 200, route.body, { 'payment-response': encodeBase64Json(receipt) });
  };
  const { server, url } = await listen(handler);
  base = url;
  return { url, network: X402_SANDBOX_NETWORK, log, close: () => close(server) };
}
