import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { x402ResourceServer } from '@x402/core/server';
import { paymentMiddleware } from '@x402/express';
import { ExactEvmScheme } from '@x402/evm/exact/server';
import { declarePaymentIdentifierExtension, extractPaymentIdentifier } from '@x402/extensions/payment-identifier';

export const NETWORK = 'eip155:84532';
export const PAY_TO = '0x1111111111111111111111111111111111111111';

/** What the local facilitator saw: every verify and settle, with the payer and the payment id. */
export interface FacilitatorLog {
  verified: number;
  settled: Array<{ payer: string | undefined; amount: string; paymentId: string | null }>;
  /** Make the next settles fail, to test refusals. */
  refuse: boolean;
}

/**
 * A real seller built with the official `@x402/express` middleware and `@x402/evm`'s exact
 * scheme, in front of a local facilitator that accepts test payloads (no chain involved).
 */
export async function startX402Seller(): Promise<{ url: string; log: FacilitatorLog; close: () => Promise<void> }> {
  const log: FacilitatorLog = { verified: 0, settled: [], refuse: false };
  const facilitator = {
    verify: async (payload: { payload: { authorization?: { from?: string } } }) => {
      log.verified += 1;
      return log.refuse ? { isValid: false, invalidReason: 'test_refusal' } : { isValid: true, payer: payload.payload.authorization?.from };
    },
    settle: async (payload: { payload: { authorization?: { from?: string } } }, requirements: { amount: string; network: string }) => {
      log.settled.push({ payer: payload.payload.authorization?.from, amount: requirements.amount, paymentId: extractPaymentIdentifier(payload as never, false) });
      return { success: true, transaction: `0x${'ab'.repeat(32)}`, network: requirements.network, payer: payload.payload.authorization?.from };
    },
    getSupported: async () => ({ kinds: [{ x402Version: 2, scheme: 'exact', network: NETWORK }], extensions: ['payment-identifier'], signers: {} }),
  };
  const resourceServer = new x402ResourceServer(facilitator as never).register(NETWORK, new ExactEvmScheme());
  const app = express();
  app.use(
    paymentMiddleware(
      {
        'GET /weather': { accepts: { scheme: 'exact', price: '$0.01', network: NETWORK, payTo: PAY_TO }, description: 'weather' },
        'GET /report': {
          accepts: { scheme: 'exact', price: '$0.25', network: NETWORK, payTo: PAY_TO },
          description: 'report',
          extensions: { 'payment-identifier': declarePaymentIdentifierExtension(false) },
        } as never,
      },
      resourceServer,
    ),
  );
  app.get('/weather', (_req, res) => void res.json({ weather: 'sunny' }));
  app.get('/report', (_req, res) => void res.json({ report: 'ok' }));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
