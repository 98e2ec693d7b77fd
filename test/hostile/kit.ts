import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

// A small kit of hostile sellers and faulty stores, for the tests of what a lying seller or a
// failing disk can do. Every server listens on 127.0.0.1 and is closed after each test.

const closers: Array<() => Promise<void>> = [];
/** Closes every hostile server started so far (a seller going down mid-test). */
export async function closeAll(): Promise<void> {
  await Promise.all(closers.splice(0).map((close) => close()));
}
afterEach(closeAll);

export interface Hostile {
  url: string;
  /** Every request received, in order. */
  seen: Array<{ method: string; path: string; headers: IncomingHttpHeaders }>;
}

/** A server whose every answer is written by `handle` (raw node:http: it can lie, trickle, redirect). */
export async function hostileServer(handle: (req: IncomingMessage, res: ServerResponse, seen: Hostile['seen']) => void): Promise<Hostile> {
  const seen: Hostile['seen'] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers });
    req.resume();
    handle(req, res, seen);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

export const USDC_BASE_SEPOLIA = '0x036CbD53842c5426634e7929541eC2318f3dCF7e';
export const EVM_NETWORK = 'eip155:84532';

/** A v2 `exact` challenge for `amount` atomic USDC units (6 decimals: 500000 = $0.50). */
export function exactChallenge(amount: string, resource = '/paid'): string {
  const required = {
    x402Version: 2,
    resource: { url: resource, description: 'hostile', mimeType: 'application/json' },
    accepts: [
      {
        scheme: 'exact',
        network: EVM_NETWORK,
        amount,
        asset: USDC_BASE_SEPOLIA,
        payTo: '0x1111111111111111111111111111111111111111',
        maxTimeoutSeconds: 60,
        extra: { name: 'USDC', version: '2' },
      },
    ],
  };
  return Buffer.from(JSON.stringify(required)).toString('base64');
}

/** A Nevermined challenge for `planId`, as a `payment-required` header value. */
export function nvmChallenge(planId: string): string {
  return Buffer.from(JSON.stringify({ x402Version: 2, accepts: [{ scheme: 'nvm:card-delegation', network: 'stripe', planId }] })).toString('base64');
}

/** The signed payloads a server received (`payment-signature` / `x-payment`). */
export function signaturesSeen(server: Hostile): string[] {
  return server.seen.flatMap((r) => {
    const v = r.headers['payment-signature'] ?? r.headers['x-payment'];
    return typeof v === 'string' ? [v] : [];
  });
}
