import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Method, z } from 'mppx';
import { Mppx } from 'mppx/express';

export const MPPX_REALM = 'seller.test';

/** Every credential the seller's test method verified (what it "charged"). */
export interface MppxSellerLog {
  verified: Array<{ challengeId: string; token: string; amount: string }>;
}

/** The payment method the seller accepts: `test`/`charge`, a token as payload, no chain involved. */
export const testChargeMethod = Method.from({
  name: 'test',
  intent: 'charge',
  schema: {
    credential: { payload: z.object({ token: z.string() }) },
    request: z.object({ amount: z.string(), currency: z.string(), decimals: z.number(), recipient: z.string() }),
  },
});

/**
 * A real MPP seller: express with mppx's own server middleware (`mppx/express`), HMAC-bound
 * challenges (a fixed secret), on 127.0.0.1. `/report` costs $1.50, `/quote` 25 cents and its
 * description carries quotes and commas.
 */
export async function startMppxSeller(): Promise<{ url: string; log: MppxSellerLog; close: () => Promise<void> }> {
  const log: MppxSellerLog = { verified: [] };
  const method = Method.toServer(testChargeMethod, {
    async verify({ credential }) {
      const request = credential.challenge.request as { amount: string };
      log.verified.push({ challengeId: credential.challenge.id, token: (credential.payload as { token: string }).token, amount: request.amount });
      return { method: 'test', reference: `ref-${log.verified.length}`, status: 'success' as const, timestamp: new Date().toISOString() };
    },
  });
  const mppx = Mppx.create({ methods: [method], realm: MPPX_REALM, secretKey: 'interop-secret-'.padEnd(32, 'x') });
  const app = express();
  const charge = (amount: string, description?: string) =>
    mppx.charge({ amount, currency: 'usd', decimals: 2, recipient: 'acct_seller', ...(description ? { description } : {}) } as never);
  app.get('/report', charge('150'), (_req, res) => void res.json({ report: 'paid content' }));
  app.get('/quote', charge('25', 'A "5\\" screen", quoted, with commas'), (_req, res) => void res.json({ quote: 42 }));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, log, close: () => new Promise((r) => server.close(() => r())) };
}
