import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { FaultQueue } from './faults.js';
import { readRequestBody, sendJson } from './http.js';
import { BackendFailure, type World } from './world.js';

const mintBody = z.object({
  accepted: z.object({
    scheme: z.string(),
    network: z.string(),
    planId: z.string(),
    extra: z.object({ agentId: z.string().optional() }).loose().optional(),
  }).loose(),
  delegationConfig: z.object({ delegationId: z.string().optional() }).loose().optional(),
  tokenVersion: z.number().optional(),
});

const createBody = z.object({
  provider: z.string().default('stripe'),
  providerPaymentMethodId: z.string(),
  spendingLimitCents: z.coerce.number().int().positive(),
  durationSecs: z.number().int().positive(),
  currency: z.string().default('usd'),
  planId: z.string().optional(),
  maxTransactions: z.number().int().positive().optional(),
}).loose();

export interface BackendCounters {
  requests: number;
  mintRequests: number;
}

/** The Nevermined backend endpoints a buyer uses, over the sandbox World. */
export function backendHandler(world: World, faults: FaultQueue, counters: BackendCounters) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    counters.requests += 1;
    const isMint = req.method === 'POST' && url.pathname === '/api/v1/x402/permissions';
    if (isMint) counters.mintRequests += 1;
    const fault = faults.take(isMint ? 'mint' : 'backend');
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === 'reset') return void req.socket.destroy();
    if (fault?.kind === 'status') {
      return sendJson(res, fault.status, { code: fault.code, message: fault.message ?? 'injected failure', correlationId: 'corr-injected' }, { 'x-correlation-id': 'corr-injected' });
    }
    try {
      const body = await readRequestBody(req);
      const answer = route(world, req, url, body);
      sendJson(res, 200, answer);
    } catch (error) {
      if (!(error instanceof BackendFailure)) throw error;
      const correlationId = 'corr-' + Math.random().toString(16).slice(2, 10);
      sendJson(res, error.status, { code: error.code, message: error.message, correlationId }, { 'x-correlation-id': correlationId });
    }
  };
}

function route(world: World, req: IncomingMessage, url: URL, raw: Buffer): unknown {
  const method = req.method ?? 'GET';
  const path = url.pathname;

  const balance = path.match(/^\/api\/v1\/protocol\/plans\/([^/]+)\/balance\/([^/]+)$/);
  if (method === 'GET' && balance) {
    // Public: no key needed.
    const [, planId, holder] = balance as unknown as [string, string, string];
    return { planId, holderAddress: holder, balance: String(world.balance(holder, planId)), isSubscriber: world.balance(holder, planId) > 0 };
  }

  const account = world.account(req.headers.authorization);
  const json = raw.length ? (JSON.parse(raw.toString('utf8')) as unknown) : undefined;

  if (method === 'POST' && path === '/api/v1/x402/permissions') {
    if (req.headers['nevermined-version'] !== '1.1') throw new BackendFailure(400, 'BCK.API.0001', 'Nevermined-Version 1.1 required');
    const parsed = mintBody.safeParse(json);
    if (!parsed.success) throw new BackendFailure(400, 'BCK.X402.0010', 'Malformed request');
    const config = parsed.data.delegationConfig;
    if (config && ('providerPaymentMethodId' in config || 'spendingLimitCents' in config)) {
      throw new BackendFailure(402, 'BCK.X402.0030', 'Inline delegation creation is no longer supported');
    }
    const accessToken = world.mint(account, parsed.data.accepted, config?.delegationId, parsed.data.tokenVersion ?? 2);
    return { accessToken, permissionHash: '0x' + Buffer.from(accessToken).subarray(0, 16).toString('hex') };
  }
  if (method === 'GET' && path === '/api/v1/payment-methods') {
    return [...world.cards.values()]
      .filter((c) => c.principal === account.principal)
      .map((c) => ({ id: c.id, type: 'card', brand: c.brand, last4: c.last4, expMonth: 12, expYear: 2030, provider: 'stripe', status: 'Active' }));
  }
  if (method === 'GET' && path === '/api/v1/delegation') {
    const accessible = url.searchParams.get('accessible') === 'true';
    const delegations = [...world.delegations.values()]
      .filter((d) => d.principal === account.principal && (!accessible || world.status(d) === 'Active'))
      .map((d) => world.summary(d));
    return { delegations, totalResults: delegations.length, page: 1, offset: 0 };
  }
  if (method === 'POST' && path === '/api/v1/delegation/create') {
    const parsed = createBody.safeParse(json);
    if (!parsed.success) throw new BackendFailure(400, 'BCK.DELEGATION.0001', 'Invalid delegation terms');
    const d = world.createDelegation(account, parsed.data);
    return { delegationId: d.delegationId, delegationToken: 'dt_' + d.delegationId.replace(/-/g, '') };
  }
  const one = path.match(/^\/api\/v1\/delegation\/([^/]+)(\/transactions)?$/);
  if (one) {
    const d = world.delegations.get(decodeURIComponent(one[1]!));
    if (!d || d.principal !== account.principal) throw new BackendFailure(404, 'BCK.X402.0019', 'Delegation not found');
    if (method === 'GET' && one[2]) {
      const transactions = world.charges
        .filter((c) => c.delegationId === d.delegationId)
        .map((c) => ({ providerTransactionId: c.providerTransactionId, amountCents: String(c.amountCents), status: c.status, createdAt: new Date(c.createdAt).toISOString() }));
      return { transactions };
    }
    if (method === 'GET') return world.summary(d);
    if (method === 'DELETE') {
      d.revoked = true;
      return world.summary(d);
    }
  }
  throw new BackendFailure(404, 'BCK.API.0404', `No route ${method} ${path}`);
}
