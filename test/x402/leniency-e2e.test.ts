import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { payingFetchFor, sandbox } from '../helpers.js';

// Issue 16 items 6-7 end to end: a seller shaped like the SDK's middleware.
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
const entry = (planId: string) => ({ scheme: 'nvm:card-delegation', network: 'stripe', planId, extra: { version: '1', httpVerb: 'GET' } });
const challenge = (accepts: unknown[]) => ({ x402Version: 2, resource: { url: '/x' }, accepts, extensions: {} });

/** A seller shaped like the SDK's middleware: one bad and one good entry, a settle answer with nulls. */
function sdkLikeSeller(sb: Sandbox, planId: string) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const token = req.headers['payment-signature'];
    if (typeof token !== 'string') {
      res.writeHead(402, { 'content-type': 'application/json', 'payment-required': b64(challenge([{ ...entry('plan with spaces'), scheme: 'nvm:card-delegation' }, entry(planId)])) });
      return void res.end(JSON.stringify({ error: 'Payment Required' }));
    }
    sb.world.verify(token, planId, 1);
    const settled = sb.world.settle(token, planId, 1);
    const answer = { success: true, transaction: '0xfeed', network: 'stripe', creditsRedeemed: String(settled.creditsRedeemed), remainingBalance: String(settled.remainingBalance), orderTx: settled.orderTx ?? null, payer: null, errorReason: null };
    res.writeHead(200, { 'content-type': 'text/plain', 'payment-response': b64(answer) });
    res.end('paid');
  };
}

describe('through payingFetch', () => {
  it('pays a challenge whose first entry is malformed, with a plan id like plan-123, and keeps the receipt with nulls', async () => {
    const sb = await sandbox();
    sb.world.addPlan({ planId: 'plan-123', priceCents: 100, credits: 10 });
    sb.route('/sdk-like', { planId: 'plan-123', raw: sdkLikeSeller(sb, 'plan-123') });
    const { pay } = payingFetchFor(sb);
    const res = await pay(`${sb.sellerUrl}/sdk-like`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('paid');
    expect(sb.world.mints).toEqual([expect.objectContaining({ planId: 'plan-123' })]);
    const receipts = await pay.receipts();
    expect(receipts).toHaveLength(1);
    expect(receipts[0]).toMatchObject({ planId: 'plan-123', transaction: '0xfeed' });
  });
});
