import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultQueue } from './faults.js';
import { readRequestBody, sendJson } from './http.js';
import { chatEventStream, wantsStream } from './openai-route.js';
import { BackendFailure, type World } from './world.js';

/** Exa's live plan id (wire-facts.md section 6); the sandbox sells keys under it too. */
export const EXA_PLAN_ID = '27800462147494506865542649899724877617306579171265399959488097895839186996870';

export interface VendorKey {
  apiKey: string;
  principal: string;
  credits: number;
  /** A cap the vendor's team set: searches answer API_KEY_BUDGET_EXCEEDED. */
  capped?: 'API_KEY_BUDGET_EXCEEDED' | 'TEAM_BUDGET_EXCEEDED';
}

export interface VendorSettings {
  /** Searches one purchase buys. Default 10. */
  creditsPerPack: number;
  /** How exhaustion is signalled: Exa's error reference (402 NO_MORE_CREDITS) or its NVM Pay page (429). */
  exhaustion: '402' | '429';
  /** Answer top-ups with `apiKey: null, toppedUp: true` (You.com style). */
  nullKeyOnTopUp: boolean;
  /** A hostile vendor: sell this exact key text (control characters, over-long, ...) instead of a fresh one. */
  soldKey?: string | undefined;
}

export interface VendorCounters {
  purchaseRequests: number;
  purchases: number;
  replays: number;
  searches: number;
  /** Every API call: its path and the key it carried (to check the same key is used throughout). */
  calls: Array<{ path: string; apiKey: string | undefined; paid: boolean }>;
}

/** Plan a keyless call to /agents/run is paid with per call (an agent marketplace's pay-per-run). */
export const RUN_PLAN_ID = '1000000000000000000000000000000000000000000000000000000000000000000000000003';

/** An Exa-like key vendor: purchase-key paid with a Nevermined token, and a search API using the key. */
export function vendorHandler(world: World, faults: FaultQueue, settings: VendorSettings, keys: Map<string, VendorKey>, counters: VendorCounters) {
  const answered = new Map<string, unknown>(); // token -> the answer it bought (replays get it again, free)

  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const body = await readRequestBody(req);
    if (req.method === 'POST' && url.pathname === '/team-management/nevermined/purchase-key') {
      counters.purchaseRequests += 1;
      const fault = faults.take('purchase');
      if (fault?.kind === 'delay' && fault.after !== 'work') await new Promise((r) => setTimeout(r, fault.ms));
      if (fault?.kind === 'reset' && fault.after !== 'work') return void req.socket.destroy();
      if (fault?.kind === 'status') return sendJson(res, fault.status, fault.body ?? { error: fault.message ?? 'injected' }, fault.headers);
      const token = req.headers['payment-signature'];
      if (typeof token === 'string' && answered.has(token)) {
        counters.replays += 1;
        return sendJson(res, 200, answered.get(token));
      }
      try {
        if (typeof token !== 'string') throw new BackendFailure(402, 'MISSING', 'Missing payment-signature');
        const record = world.verify(token, EXA_PLAN_ID, 1);
        world.settle(token, EXA_PLAN_ID, 1); // charges the card the pack price
        counters.purchases += 1;
        const existing = keys.get(record.principal);
        let answer: Record<string, unknown>;
        if (existing) {
          existing.credits += settings.creditsPerPack;
          answer = settings.nullKeyOnTopUp ? { status: 'ok', apiKey: null, toppedUp: true } : { status: 'topped_up', apiKey: existing.apiKey };
        } else {
          const key: VendorKey = { apiKey: settings.soldKey ?? 'exa_' + randomBytes(16).toString('hex'), principal: record.principal, credits: settings.creditsPerPack };
          keys.set(record.principal, key);
          answer = { status: 'provisioned', apiKey: key.apiKey, expiresAt: new Date(world.now() + 365 * 24 * 3600 * 1000).toISOString() };
        }
        answered.set(token, answer);
        if (fault?.kind === 'reset') return void req.socket.destroy(); // charged, then the line dropped
        if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms)); // charged, slow to answer
        return sendJson(res, 200, answer);
      } catch (error) {
        if (!(error instanceof BackendFailure)) throw error;
        if (fault) faults.putBack('purchase', fault);
        const required = { x402Version: 2, resource: { url: url.pathname }, accepts: [{ scheme: 'nvm:card-delegation', network: 'stripe', planId: EXA_PLAN_ID, extra: { version: '1' } }], extensions: {} };
        return sendJson(res, 402, { ...required, error: error.code === 'MISSING' ? 'Payment Required' : `${error.code}: ${error.message}` });
      }
    }

    if (['/search', '/contents', '/findSimilar', '/answer', '/agents/run'].includes(url.pathname)) {
      const fault = faults.take('search');
      const apiKey = req.headers['x-api-key'];
      const payment = req.headers['payment-signature'];
      counters.calls.push({ path: url.pathname, apiKey: typeof apiKey === 'string' ? apiKey : undefined, paid: typeof payment === 'string' });
      if (fault?.kind === 'status') return sendJson(res, fault.status, fault.body ?? { error: fault.message ?? 'injected' }, fault.headers);
      if (url.pathname === '/agents/run' && typeof apiKey !== 'string') {
        // Without a run pack: pay per run, Nevermined style.
        try {
          if (typeof payment !== 'string') throw new BackendFailure(402, 'MISSING', 'Missing payment');
          world.verify(payment, RUN_PLAN_ID, 1);
          const settled = world.settle(payment, RUN_PLAN_ID, 1);
          const receipt = Buffer.from(JSON.stringify({ success: true, transaction: '0xrun', network: 'stripe', creditsRedeemed: '1', remainingBalance: String(settled.remainingBalance), ...(settled.orderTx ? { orderTx: settled.orderTx } : {}) })).toString('base64');
          return sendJson(res, 200, { ran: true, paidPerCall: true }, { 'payment-response': receipt });
        } catch (error) {
          if (!(error instanceof BackendFailure)) throw error;
          const required = { x402Version: 2, accepts: [{ scheme: 'nvm:card-delegation', network: 'stripe', planId: RUN_PLAN_ID, extra: { version: '1' } }] };
          return sendJson(res, 402, { error: 'Payment Required' }, { 'payment-required': Buffer.from(JSON.stringify(required)).toString('base64') });
        }
      }
      if (typeof apiKey !== 'string') {
        // Keyless: the USDC x402 challenge (paying-fetch must provision a key instead).
        const challenge = { x402Version: 2, resource: { url: url.pathname }, accepts: [{ scheme: 'exact', network: 'eip155:8453', amount: '10000', asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', payTo: '0xexa' }] };
        return sendJson(res, 402, { error: 'Payment Required' }, { 'payment-required': Buffer.from(JSON.stringify(challenge)).toString('base64') });
      }
      const key = [...keys.values()].find((k) => k.apiKey === apiKey);
      if (!key) return sendJson(res, 401, { requestId: 'req_' + randomBytes(4).toString('hex'), error: 'Invalid API key', tag: 'INVALID_API_KEY' });
      if (key.capped) return sendJson(res, 402, { requestId: 'req_cap', error: 'Budget exceeded', tag: key.capped });
      if (key.credits <= 0) {
        if (settings.exhaustion === '429') return sendJson(res, 429, { error: 'Your API key has exhausted its credits. Top up to continue.' });
        return sendJson(res, 402, { requestId: 'req_nc', error: 'You have no more credits', tag: 'NO_MORE_CREDITS' });
      }
      key.credits -= 1;
      counters.searches += 1;
      if (url.pathname === '/answer' && wantsStream(body)) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        return void res.end(chatEventStream('exa', ['Paid', ' streamed', ' answer']));
      }
      return sendJson(res, 200, { results: [{ title: 'paying-fetch', url: 'https://example.com' }], query: body.toString('utf8'), creditsLeft: key.credits });
    }
    sendJson(res, 404, { error: 'Not Found' });
  };
}
