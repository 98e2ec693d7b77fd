import { describe, expect, it } from 'vitest';
import { bearerFetch, payingMcp } from '../../src/index.js';
import { SANDBOX_PLANS } from '../../src/sandbox/index.js';
import { payingFetchFor, sandbox } from '../helpers.js';
import { hostileServer } from '../hostile/kit.js';

describe('bearerFetch binds the bearer to the one paid call (found by review)', () => {
  it('an unpaid call made while another call is paying carries no token', async () => {
    const sb = await sandbox();
    const server = await hostileServer((req, res) => {
      // The paid tool answers slowly; everything else at once.
      setTimeout(() => res.end('{}'), req.url === '/tool/paid' ? 300 : 0);
    });
    const bearer = bearerFetch();
    const required = { x402Version: 2, accepts: [{ scheme: 'nvm:card-delegation', network: 'stripe', planId: SANDBOX_PLANS.basic }] };
    const client = {
      async callTool(params: { name: string; _meta?: Record<string, unknown> }) {
        await (await bearer.fetch(`${server.url}/tool/${params.name}`)).text();
        if (params.name === 'paid' && !params._meta?.['x402/payment']) return { isError: true, structuredContent: required, content: [] };
        return { content: [{ type: 'text', text: 'ok' }] };
      },
    };
    const { pay } = payingFetchFor(sb);
    const tools = payingMcp(client as never, pay, { serverUrl: server.url, setBearer: bearer.setBearer });
    const paid = tools.callTool({ name: 'paid' } as never);
    while (server.seen.filter((r) => r.path === '/tool/paid').length < 2) await new Promise((r) => setTimeout(r, 5)); // the paid repeat is in flight now
    await tools.callTool({ name: 'free' } as never);
    await paid;
    const free = server.seen.find((r) => r.path === '/tool/free')!;
    expect(free.headers.authorization).toBeUndefined();
  });
});
