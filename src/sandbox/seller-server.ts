import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultQueue } from './faults.js';
import { readRequestBody, sendJson } from './http.js';
import { BackendFailure, type World } from './world.js';

/** How one protected route of the sandbox seller behaves. */
export interface SellerRoute {
  /** Plan to charge; omit for a free route. */
  planId?: string;
  agentId?: string;
  /** Credits burned per call. Default 1. */
  credits?: number;
  scheme?: string;
  network?: string;
  /** Where the challenge goes: the header (default), an x402 v1 body, or a v2 object in the body. */
  challenge?: 'header' | 'body-v1' | 'body-v2';
  /** Header encoding and name case, for codec tests. */
  encoding?: 'base64' | 'base64url';
  headerName?: string;
  /** Hostile seller: answers 402 even to a valid token. */
  alwaysChallenge?: boolean;
  /** Full control for hostile or odd sellers (redirects, broken headers): no payment logic. */
  raw?: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;
  /** Builds the paid answer's body; default echoes method, path and the request body. */
  respond?: (request: SellerRequest) => { status?: number; body: string | Buffer; contentType?: string };
}

export interface SellerRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  paid: boolean;
}

export interface SellerCounters {
  requests: number;
  paidResponses: number;
  challenges: number;
}

function challengeFor(route: SellerRoute, path: string, method: string) {
  const entry = {
    scheme: route.scheme ?? 'nvm:card-delegation',
    network: route.network ?? 'stripe',
    planId: route.planId,
    extra: { version: '1', ...(route.agentId ? { agentId: route.agentId } : {}), httpVerb: method },
  };
  return { x402Version: 2, resource: { url: path }, accepts: [entry], extensions: {} };
}

/** A Nevermined-protected seller: 402 + payment-required, verify, serve, settle, receipt. */
export function sellerHandler(world: World, routes: Map<string, SellerRoute>, faults: FaultQueue, counters: SellerCounters, log: SellerRequest[]) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    counters.requests += 1;
    const body = await readRequestBody(req);
    const method = req.method ?? 'GET';
    const route = routes.get(url.pathname);
    const token = route && route.challenge === 'body-v1' ? req.headers['x-payment'] : req.headers['payment-signature'];
    const request: SellerRequest = { method, path: url.pathname + url.search, headers: req.headers, body, paid: typeof token === 'string' };
    log.push(request);
    if (!route) return sendJson(res, 404, { error: 'Not Found' });
    if (route.raw) return route.raw(req, res, body);

    const fault = faults.take('seller');
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === 'reset' && fault.after !== 'work') return void req.socket.destroy();
    if (fault?.kind === 'status') return sendJson(res, fault.status, { error: fault.message ?? 'injected failure' });

    const answer = () => route.respond?.(request) ?? {
      body: JSON.stringify({ ok: true, method, path: url.pathname, bodyBase64: body.toString('base64'), contentType: req.headers['content-type'] ?? null }),
      contentType: 'application/json',
    };
    if (!route.planId) {
      const out = answer();
      res.writeHead(out.status ?? 200, { 'content-type': out.contentType ?? 'text/plain' });
      return void res.end(out.body);
    }

    const credits = route.credits ?? 1;
    try {
      if (typeof token !== 'string') throw new BackendFailure(402, 'MISSING', 'Missing x402 payment token. Send token in payment-signature header.');
      if (route.alwaysChallenge) throw new BackendFailure(402, 'BCK.X402.0005', 'Token not accepted by this seller');
      world.verify(token, route.planId, credits);
      const out = answer();
      const settled = world.settle(token, route.planId, credits);
      if (fault?.kind === 'reset') return void req.socket.destroy(); // charged, then the line dropped
      const receipt = {
        success: true,
        transaction: '0x' + Math.random().toString(16).slice(2).padEnd(16, '0'),
        network: route.network ?? 'stripe',
        creditsRedeemed: String(settled.creditsRedeemed),
        remainingBalance: String(settled.remainingBalance),
        ...(settled.orderTx ? { orderTx: settled.orderTx } : {}),
      };
      counters.paidResponses += 1;
      const receiptHeader = route.challenge === 'body-v1' ? 'x-payment-response' : 'payment-response';
      res.writeHead(out.status ?? 200, {
        'content-type': out.contentType ?? 'text/plain',
        [receiptHeader]: Buffer.from(JSON.stringify(receipt)).toString('base64'),
      });
      res.end(out.body);
    } catch (error) {
      if (!(error instanceof BackendFailure)) throw error;
      if (fault?.kind === 'reset') faults.putBack('seller', fault); // no work was done: the drop waits for a paid request
      counters.challenges += 1;
      const message = error.code === 'MISSING' ? error.message : `${error.code}: ${error.message}`;
      const required = challengeFor(route, url.pathname, method);
      if (route.challenge === 'body-v1') {
        const v1 = { x402Version: 1, error: message, accepts: required.accepts.map((a) => ({ ...a, maxAmountRequired: '0', resource: url.pathname })) };
        return sendJson(res, 402, v1);
      }
      if (route.challenge === 'body-v2') return sendJson(res, 402, { ...required, error: message });
      const encoded = Buffer.from(JSON.stringify(required)).toString(route.encoding ?? 'base64');
      sendJson(res, 402, { error: 'Payment Required', message }, { [route.headerName ?? 'payment-required']: encoded });
    }
  };
}
