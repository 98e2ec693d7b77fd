import { describe, expect, it } from 'vitest';
import { createPayingFetch, PaymentOutcomeUnknownError, payingMcp } from '../../src/index.js';
import { SANDBOX_PLANS } from '../../src/sandbox/index.js';
import { sandbox } from '../helpers.js';

describe('MCP tool payments whose outcome is unknown', () => {
  it('keep the agent and tags on their receipt', async () => {
    const sb = await sandbox();
    const required = { x402Version: 2, accepts: [{ scheme: 'nvm:card-delegation', network: 'stripe', planId: SANDBOX_PLANS.basic }] };
    let calls = 0;
    const client = {
      callTool: async () => {
        calls += 1;
        if (calls === 1) return { isError: true, structuredContent: required };
        throw new Error('the MCP server went away after the paid call'); // took the payment, never answered
      },
    };
    const pay = createPayingFetch({ nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId }, agent: 'researcher', tags: { team: 'growth' } });
    const tools = payingMcp(client, pay, { serverUrl: sb.sellerUrl });
    await expect(tools.callTool({ name: 'weather' })).rejects.toBeInstanceOf(PaymentOutcomeUnknownError);
    expect(await pay.receipts()).toEqual([expect.objectContaining({ outcome: 'unknown', agent: 'researcher', tags: { team: 'growth' } })]);
  });
});
