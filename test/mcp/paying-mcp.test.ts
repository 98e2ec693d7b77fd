import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { bearerFetch, createPayingFetch, InvalidPaymentDataError, payingMcp } from '../../src/index.js';
import { SANDBOX_PLANS, type Sandbox } from '../../src/sandbox/index.js';
import { BackendFailure } from '../../src/sandbox/world.js';
import { expectNoSecrets, record, sandbox } from '../helpers.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => Promise.all(closers.splice(0).map((c) => c())));

/**
 * A real MCP server over Streamable HTTP that charges for its `weather` tool like a Nevermined MCP
 * paywall: unpaid calls get `isError` with a PaymentRequired; paid ones are verified and settled
 * against the sandbox backend, with the receipt in `_meta["x402/payment-response"]`.
 */
async function paidMcpServer(sb: Sandbox, options: { malformed?: boolean } = {}) {
  const seen: Array<{ bearer: string | undefined; meta: unknown }> = [];
  const app = express();
  app.use(express.json());
  app.post('/mcp', async (req, res) => {
    const server = new McpServer({ name: 'paid-weather', version: '1.0.0' });
    server.registerTool('weather', { description: 'Weather, 1 credit a call' }, async (extra) => {
      const bearer = extra.requestInfo?.headers.authorization;
      const token = typeof bearer === 'string' ? bearer.replace(/^Bearer /, '') : undefined;
      seen.push({ bearer: token, meta: extra._meta?.['x402/payment'] });
      const required = { x402Version: 2, resource: { url: 'mcp://tool/weather' }, accepts: [{ scheme: 'nvm:card-delegation', network: 'stripe', planId: options.malformed ? 'not a plan' : SANDBOX_PLANS.basic, extra: { agentId: 'weather-agent' } }] };
      try {
        if (!token) throw new BackendFailure(402, 'MISSING', 'Payment required');
        sb.world.verify(token, SANDBOX_PLANS.basic, 1);
        const settled = sb.world.settle(token, SANDBOX_PLANS.basic, 1);
        return {
          content: [{ type: 'text', text: 'sunny' }],
          _meta: { 'x402/payment-response': { success: true, transaction: '0xmcp', network: 'stripe', creditsRedeemed: '1', remainingBalance: String(settled.remainingBalance), ...(settled.orderTx ? { orderTx: settled.orderTx } : {}) } },
        };
      } catch {
        return { isError: true, structuredContent: required, content: [{ type: 'text', text: 'Payment required' }] };
      }
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void transport.close());
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  closers.push(() => new Promise((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, seen };
}

async function connect(url: string) {
  const bearer = bearerFetch();
  const client = new Client({ name: 'agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch: bearer.fetch }));
  closers.push(() => client.close());
  return { client, bearer };
}

describe('paying for MCP tools', () => {
  it('pays a tool result asking for payment, repeats the call with the token, records the receipt', async () => {
    const sb = await sandbox();
    const mcp = await paidMcpServer(sb);
    const { client, bearer } = await connect(mcp.url);
    const { pay, events } = record(createPayingFetch({ nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId } }));
    const tools = payingMcp(client as never, pay, { serverUrl: mcp.url, setBearer: bearer.setBearer });

    const result = await tools.callTool({ name: 'weather', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(result.content).toEqual([{ type: 'text', text: 'sunny' }]);
    expect(sb.world.mints).toEqual([expect.objectContaining({ planId: SANDBOX_PLANS.basic, agentId: 'weather-agent' })]);
    // The paid call carried the token both ways: decoded in _meta, and as the bearer.
    const paid = mcp.seen[1]!;
    expect(paid.bearer).toBe(sb.world.tokensIssued()[0]);
    expect(paid.meta).toMatchObject({ x402Version: 2, accepted: { planId: SANDBOX_PLANS.basic }, payload: { token: expect.any(String) } });
    const [receipt] = await pay.receipts();
    expect(receipt).toMatchObject({ method: 'MCP', path: '/mcp/tools/weather', transaction: '0xmcp', orderTx: expect.stringMatching(/^pi_/), amountCents: 100, outcome: 'paid' });
    expect(events.filter((e) => e.type === 'receipt')).toHaveLength(1);
    expectNoSecrets([events, await pay.receipts()], [sb.apiKey, ...sb.world.tokensIssued()]);
  });

  it('a second call reuses the token: one mint for many paid calls', async () => {
    const sb = await sandbox();
    const mcp = await paidMcpServer(sb);
    const { client, bearer } = await connect(mcp.url);
    const pay = createPayingFetch({ nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId } });
    const tools = payingMcp(client as never, pay, { serverUrl: mcp.url, setBearer: bearer.setBearer });
    for (let i = 0; i < 5; i += 1) expect((await tools.callTool({ name: 'weather' })).isError).toBeFalsy();
    expect(sb.stats()).toMatchObject({ mints: 1, settlements: 5 });
  });

  it('the same policy applies: a budget too small refuses before any mint', async () => {
    const sb = await sandbox();
    const mcp = await paidMcpServer(sb);
    const { client, bearer } = await connect(mcp.url);
    const pay = createPayingFetch({ nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId }, policy: { budget: { lifetimeCents: 100 } } });
    const tools = payingMcp(client as never, pay, { serverUrl: mcp.url, setBearer: bearer.setBearer });
    await expect(tools.callTool({ name: 'weather' })).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    expect(sb.stats().mints).toBe(0);
  });

  it('a malformed PaymentRequired in a tool result is a typed error, never a payment', async () => {
    const sb = await sandbox();
    const mcp = await paidMcpServer(sb, { malformed: true });
    const { client, bearer } = await connect(mcp.url);
    const pay = createPayingFetch({ nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId } });
    const tools = payingMcp(client as never, pay, { serverUrl: mcp.url, setBearer: bearer.setBearer });
    await expect(tools.callTool({ name: 'weather' })).rejects.toBeInstanceOf(InvalidPaymentDataError);
    expect(sb.stats().mints).toBe(0);
  });

  it('a tool that keeps asking is refused after one retry with a fresh token', async () => {
    const sb = await sandbox();
    const mcp = await paidMcpServer(sb);
    const { client } = await connect(mcp.url); // no bearer: this server never sees the token, so never accepts
    const pay = createPayingFetch({ nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId } });
    const tools = payingMcp(client as never, pay, { serverUrl: mcp.url });
    await expect(tools.callTool({ name: 'weather' })).rejects.toMatchObject({ code: 'PAYMENT_REJECTED' });
    expect(sb.stats().mints).toBe(2);
    expect(mcp.seen).toHaveLength(3);
  });
});

describe('bearerFetch', () => {
  it('sends the bearer token only to the origin it was set for', async () => {
    const seen: Array<[string, string | null]> = [];
    const base = (async (input: RequestInfo | URL, init?: RequestInit) => {
      seen.push([String(input), new Headers(init?.headers).get('authorization')]);
      return new Response('ok');
    }) as typeof fetch;
    const bearer = bearerFetch(base);
    bearer.setBearer('tok_secret', 'https://mcp.example');
    await bearer.fetch('https://mcp.example/mcp', { method: 'POST' });
    await bearer.fetch(new URL('https://elsewhere.example/mcp'), { method: 'POST' });
    bearer.setBearer(undefined);
    await bearer.fetch('https://mcp.example/mcp');
    expect(seen).toEqual([
      ['https://mcp.example/mcp', 'Bearer tok_secret'],
      ['https://elsewhere.example/mcp', null],
      ['https://mcp.example/mcp', null],
    ]);
  });
});
