import { describe, expect, it } from 'vitest';
import { createPayingFetch, InvalidPaymentDataError } from '../../src/index.js';
import { SANDBOX_PLANS } from '../../src/sandbox/index.js';
import { payingFetchFor, record, sandbox } from '../helpers.js';

describe('402s paying-fetch cannot pay are handed back unchanged', () => {
  it('an unknown scheme: the original 402, body intact, a blocked event, no mint', async () => {
    const sb = await sandbox();
    const challenge = { x402Version: 2, accepts: [{ scheme: 'exact', network: 'eip155:8453', amount: '1000', asset: '0xusdc', payTo: '0xseller' }] };
    sb.route('/usdc', {
      raw: (_req, res) => {
        res.writeHead(402, { 'payment-required': Buffer.from(JSON.stringify(challenge)).toString('base64'), 'content-type': 'application/json', 'x-seller': 'kept' });
        res.end(JSON.stringify({ error: 'Payment Required', detail: 'pay in USDC' }));
      },
    });
    const { pay, events } = payingFetchFor(sb);
    const res = await pay(`${sb.sellerUrl}/usdc`);
    expect(res.status).toBe(402);
    expect(res.headers.get('x-seller')).toBe('kept');
    expect(await res.json()).toEqual({ error: 'Payment Required', detail: 'pay in USDC' });
    expect(events).toEqual([{ type: 'blocked', event: expect.objectContaining({ reason: 'unknown-scheme', status: 402, detail: expect.stringContaining('exact') }) }]);
    expect(sb.stats().mints).toBe(0);
  });

  it('a malformed payment-required header: a typed error in the event, no mint', async () => {
    const sb = await sandbox();
    sb.route('/broken', { raw: (_req, res) => { res.writeHead(402, { 'payment-required': 'eyJub3QiOiJ4NDAyIn0=' }); res.end('{}'); } });
    const { pay, events } = payingFetchFor(sb);
    const res = await pay(`${sb.sellerUrl}/broken`);
    expect(res.status).toBe(402);
    const blocked = events[0]?.event as { reason: string; error: unknown };
    expect(blocked.reason).toBe('invalid-challenge');
    expect(blocked.error).toBeInstanceOf(InvalidPaymentDataError);
    expect(sb.stats().mints).toBe(0);
  });

  it('an oversized payment-required header never mints', async () => {
    const sb = await sandbox();
    const huge = Buffer.from(JSON.stringify({ x402Version: 2, accepts: [{ scheme: 'nvm:card-delegation', network: 'stripe', planId: SANDBOX_PLANS.basic }], pad: 'x'.repeat(70_000) })).toString('base64');
    sb.route('/huge', { raw: (_req, res) => { res.writeHead(402, { 'payment-required': huge }); res.end(); } });
    const { pay } = payingFetchFor(sb);
    // The transport may refuse such a header itself; either way nothing is paid.
    const outcome = await pay(`${sb.sellerUrl}/huge`).then((r) => r.status, (e: unknown) => e);
    expect(outcome === 402 || outcome instanceof Error).toBe(true);
    expect(sb.stats().mints).toBe(0);
  });

  it('a 402 without any x402 challenge is returned as is', async () => {
    const sb = await sandbox();
    sb.route('/plain', { raw: (_req, res) => { res.writeHead(402, { 'content-type': 'text/html' }); res.end('<h1>pay us</h1>'); } });
    const { pay, events } = payingFetchFor(sb);
    const res = await pay(`${sb.sellerUrl}/plain`);
    expect(await res.text()).toBe('<h1>pay us</h1>');
    expect((events[0]?.event as { reason: string }).reason).toBe('no-challenge');
  });

  it('without a delegation the 402 is returned with the reason', async () => {
    const sb = await sandbox();
    const { pay, events } = record(createPayingFetch({ nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl } }));
    const res = await pay(`${sb.sellerUrl}/weather`);
    expect(res.status).toBe(402);
    expect(res.headers.get('payment-required')).toBeTruthy();
    expect((events[0]?.event as { reason: string }).reason).toBe('no-delegation');
    expect(sb.stats().mints).toBe(0);
  });
});
