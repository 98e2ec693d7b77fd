import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A seller that speaks MPP exactly as Nevermined's SDK 1.11 express middleware does (read from
// its source, src/x402/express/middleware.ts and src/mpp): an MPP route answers 402 with BOTH
// `payment-required` (x402) and `WWW-Authenticate: Payment id, realm="api.nevermined.app",
// method="nevermined", intent="charge", request=<base64url {credits, planId, agentId?}>, expires,
// opaque`, and a JSON body `{ error, message, code?, retryable? }`. The challenge id is an HMAC
// over the fields as sent, so a credential must carry `request` and `opaque` back unchanged.
// The stand-in backend checks the access token was minted for the challenge's plan.

const SECRET = 'nevermined-mpp-test-secret';
export const NVM_REALM = 'api.nevermined.app';

export interface NeverminedMppSellerLog {
  /** Credentials settled: the challenge id and the access token they carried. */
  settled: Array<{ challengeId: string; accessToken: string }>;
  /** Credentials refused, with why. */
  refused: string[];
}

export interface NeverminedMppSellerOptions {
  planId: string;
  credits: string;
  agentId?: string;
  /** Access tokens the backend minted, by token: the plan each is for. */
  tokens: Map<string, string>;
}

const hmac = (fields: Record<string, string | undefined>) =>
  createHmac('sha256', SECRET)
    .update([fields.realm, fields.method, fields.intent, fields.request, fields.expires ?? '', fields.digest ?? '', fields.opaque ?? ''].join('|'))
    .digest('base64url');

export async function startNeverminedMppSeller(options: NeverminedMppSellerOptions) {
  const log: NeverminedMppSellerLog = { settled: [], refused: [] };
  const settledIds = new Set<string>();
  // Not in canonical key order, on purpose: a buyer that re-encodes `request` breaks the HMAC.
  const request = Buffer.from(JSON.stringify({ planId: options.planId, credits: options.credits, ...(options.agentId ? { agentId: options.agentId } : {}) })).toString('base64url');

  const challenge = (path: string) => {
    const opaque = Buffer.from(JSON.stringify({ _mppx_scope: `GET ${path}`, nonce: crypto.randomUUID() })).toString('base64url');
    const fields = { realm: NVM_REALM, method: 'nevermined', intent: 'charge', request, expires: new Date(Date.now() + 300_000).toISOString(), opaque };
    const id = hmac(fields);
    return `Payment id="${id}", realm="${fields.realm}", method="${fields.method}", intent="${fields.intent}", request="${fields.request}", expires="${fields.expires}", opaque="${fields.opaque}"`;
  };
  const paymentRequired = (path: string) =>
    Buffer.from(JSON.stringify({ x402Version: 2, resource: { url: path }, accepts: [{ scheme: 'nvm:erc4337', network: 'eip155:84532', planId: options.planId, extra: { version: '1', httpVerb: 'GET', ...(options.agentId ? { agentId: options.agentId } : {}) } }], extensions: {} })).toString('base64');

  const refuse = (res: ServerResponse, path: string, message: string, code?: string) => {
    log.refused.push(message);
    res.writeHead(402, { 'content-type': 'application/json', 'www-authenticate': challenge(path), 'payment-required': paymentRequired(path) });
    res.end(JSON.stringify({ error: 'Payment Required', message, ...(code ? { code, retryable: false } : {}) }));
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const auth = req.headers.authorization;
    const credential = auth?.match(/(?:^|,)\s*Payment\s+([A-Za-z0-9_-]+)/i)?.[1];
    if (!credential) return refuse(res, path, 'Payment required');
    let wire: { challenge: Record<string, string>; payload: { accessToken?: string } };
    try {
      wire = JSON.parse(Buffer.from(credential, 'base64url').toString('utf8'));
    } catch {
      return refuse(res, path, 'Malformed credential', 'BCK.MPP.0003');
    }
    const c = wire.challenge ?? {};
    if (hmac(c) !== c.id) return refuse(res, path, 'Challenge id does not match its fields', 'BCK.MPP.0003');
    if (Date.parse(c.expires ?? '') <= Date.now()) return refuse(res, path, 'Challenge expired', 'BCK.MPP.0004');
    if (settledIds.has(c.id!)) return refuse(res, path, 'Credential already used. Each credential buys exactly one response; pay the new challenge.', 'BCK.MPP.0003');
    const token = wire.payload?.accessToken;
    const sealed = JSON.parse(Buffer.from(c.request!, 'base64url').toString('utf8')) as { planId: string };
    if (!token || options.tokens.get(token) !== sealed.planId) return refuse(res, path, 'Access token not valid for this plan', 'BCK.MPP.0003');
    settledIds.add(c.id!);
    log.settled.push({ challengeId: c.id!, accessToken: token });
    const receipt = { method: 'nevermined', reference: `0x${log.settled.length.toString(16).padStart(64, '0')}`, status: 'success', timestamp: new Date().toISOString() };
    res.writeHead(200, { 'content-type': 'application/json', 'payment-receipt': Buffer.from(JSON.stringify(receipt)).toString('base64url') });
    res.end(JSON.stringify({ answer: 'paid over MPP' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, log, close: () => new Promise<void>((r) => server.close(() => r())) };
}
