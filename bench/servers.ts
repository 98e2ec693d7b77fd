import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Counters the bench reads: round trips and payments seen by the route. */
export interface RouteCounters {
  requests: number;
  paid: number;
  challenges: number;
}

export const BENCH_PLAN = '1000000000000000000000000000000000000000000000000000000000000000000000000001';

/** The 402 a paid route sends: a Nevermined entry and a stub "exact" entry @x402/fetch can pay. */
export const CHALLENGE = Buffer.from(
  JSON.stringify({
    x402Version: 2,
    resource: { url: '/paid' },
    accepts: [
      { scheme: 'nvm:card-delegation', network: 'stripe', planId: BENCH_PLAN, extra: { version: '1' } },
      { scheme: 'exact', network: 'eip155:84532', amount: '1', asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', payTo: '0x0000000000000000000000000000000000000001', maxTimeoutSeconds: 60, extra: { name: 'USDC', version: '2' } },
    ],
  }),
).toString('base64');

const BODY = JSON.stringify({ ok: true, data: 'x'.repeat(200) });

/**
 * A minimal origin on 127.0.0.1: `/free` always answers; `/paid` answers any well-formed
 * payment-signature (a reusable credential), else 402 with CHALLENGE.
 */
export async function startOrigin(): Promise<{ url: string; counters: RouteCounters; server: Server }> {
  const counters: RouteCounters = { requests: 0, paid: 0, challenges: 0 };
  const server = createServer((req, res) => {
    counters.requests += 1;
    if (req.url === '/paid') {
      const token = req.headers['payment-signature'];
      if (typeof token !== 'string' || token.length < 8) {
        counters.challenges += 1;
        res.writeHead(402, { 'payment-required': CHALLENGE, 'content-type': 'application/json' });
        return void res.end('{"error":"Payment Required"}');
      }
      counters.paid += 1;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) });
    res.end(BODY);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, counters, server };
}
