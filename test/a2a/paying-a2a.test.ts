import { afterEach, describe, expect, it } from 'vitest';
import { A2APaymentFailedError, createPayingFetch, InvalidPaymentDataError, payingA2A, type PayingFetch } from '../../src/index.js';
import { SANDBOX_PLANS, type Sandbox } from '../../src/sandbox/index.js';
import { expectNoSecrets, record, sandbox } from '../helpers.js';
import { connectClient, startPaidAgent, userMessage, type Charge, type PaidAgentOptions } from './paid-agent.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => Promise.all(closers.splice(0).map((c) => c())));

const nvmRequired = (planId: string = SANDBOX_PLANS.basic) => ({
  x402Version: 2,
  error: 'Payment required',
  resource: { url: 'a2a://weather' },
  accepts: [{ scheme: 'nvm:card-delegation', network: 'stripe', planId, extra: { agentId: 'weather-agent' } }],
});

/** The agent's charge through the sandbox backend: the payload is the decoded access token. */
function nvmCharge(sb: Sandbox) {
  return (payload: Record<string, unknown>): Charge => {
    const token = Buffer.from(JSON.stringify(payload)).toString('base64');
    try {
      const settled = sb.world.settle(token, SANDBOX_PLANS.basic, 1);
      return { ok: true, receipt: { success: true, transaction: '0xa2a', network: 'stripe', creditsRedeemed: '1', remainingBalance: String(settled.remainingBalance), ...(settled.orderTx ? { orderTx: settled.orderTx } : {}) } };
    } catch (error) {
      return { ok: false, code: 'INVALID_PAYMENT', reason: (error as Error).message };
    }
  };
}

async function nvmAgent(sb: Sandbox, extra: Partial<PaidAgentOptions> = {}) {
  const agent = await startPaidAgent({ required: () => nvmRequired(), charge: nvmCharge(sb), ...extra });
  closers.push(agent.close);
  return agent;
}

function nvmPay(sb: Sandbox, extra: Record<string, unknown> = {}): PayingFetch {
  return createPayingFetch({ nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId }, backendRetryDelayMs: 5, ...extra });
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const event of stream) out.push(event);
  return out;
}

describe('paying A2A agents (Nevermined, in band)', () => {
  it('message/send: pays the payment-required task, answers it with the payload under the same taskId, records the receipt', async () => {
    const sb = await sandbox();
    const agent = await nvmAgent(sb);
    const { pay, events } = record(nvmPay(sb));
    const a2a = payingA2A(await connectClient(agent.url), pay, { agentUrl: agent.agentUrl });

    const result = (await a2a.sendMessage({ message: userMessage('weather?') } as never)) as { id: string; status: { state: number; message: { metadata: Record<string, unknown> } }; artifacts: unknown[] };
    expect(result.status.message.metadata['x402.payment.status']).toBe('payment-completed');
    expect(result.artifacts).toHaveLength(1);
    expect(sb.stats()).toMatchObject({ mints: 1, settlements: 1 });
    // The follow-up answered the agent's task: same task id, payment-submitted, the decoded token.
    const [first, paid] = agent.log.messages;
    expect(first).toMatchObject({ status: undefined, payload: undefined });
    expect(paid).toMatchObject({ taskId: first!.taskId, status: 'payment-submitted', payload: { x402Version: 2, accepted: { planId: SANDBOX_PLANS.basic }, payload: { token: expect.any(String) } } });
    expect(Buffer.from(JSON.stringify(paid!.payload)).toString('base64')).toBe(sb.world.tokensIssued()[0]);
    expect(paid!.extensions).toContain('https://github.com/google-agentic-commerce/a2a-x402/blob/main/spec/v0.2');
    const [receipt] = await pay.receipts();
    expect(receipt).toMatchObject({ method: 'A2A', path: '/a2a', transaction: '0xa2a', orderTx: expect.stringMatching(/^pi_/), amountCents: 100, outcome: 'paid' });
    expect(events.filter((e) => e.type === 'receipt')).toHaveLength(1);
    expectNoSecrets([events, await pay.receipts()], [sb.apiKey, ...sb.world.tokensIssued()]);
  });

  it('message/stream: the paid task streams to the caller, the payment-required task does not; the receipt is recorded', async () => {
    const sb = await sandbox();
    const agent = await nvmAgent(sb);
    const pay = nvmPay(sb);
    const a2a = payingA2A(await connectClient(agent.url), pay, { agentUrl: agent.agentUrl });

    const events = await collect(a2a.sendMessageStream({ message: userMessage('weather?') } as never));
    const cases = events.map((e) => (e as { payload?: { $case: string } }).payload?.$case);
    expect(cases).toEqual(['task', 'artifactUpdate', 'statusUpdate']);
    expect(JSON.stringify(events)).not.toContain('payment-required');
    expect(agent.log.methods).toEqual(['SendStreamingMessage', 'SendStreamingMessage']);
    expect(agent.log.messages[1]).toMatchObject({ taskId: agent.log.messages[0]!.taskId, status: 'payment-submitted' });
    expect(sb.stats()).toMatchObject({ mints: 1, settlements: 1 });
    expect(await pay.receipts()).toEqual([expect.objectContaining({ method: 'A2A', transaction: '0xa2a', outcome: 'paid' })]);
  });

  it('reuses the token across messages to the same agent: one mint for many paid messages', async () => {
    const sb = await sandbox();
    const agent = await nvmAgent(sb);
    const pay = nvmPay(sb);
    const a2a = payingA2A(await connectClient(agent.url), pay, { agentUrl: agent.agentUrl });
    for (let i = 0; i < 3; i += 1) await a2a.sendMessage({ message: userMessage(`weather ${i}`) } as never);
    for (let i = 0; i < 2; i += 1) await collect(a2a.sendMessageStream({ message: userMessage(`stream ${i}`) } as never));
    expect(sb.stats()).toMatchObject({ mints: 1, settlements: 5 });
    expect(await pay.receipts()).toHaveLength(5);
  });

  it('the v0.3 wire of older agents: message/send and message/stream with input-required', async () => {
    const sb = await sandbox();
    const agent = await nvmAgent(sb, { legacy: true });
    const pay = nvmPay(sb);
    const a2a = payingA2A(await connectClient(agent.url), pay, { agentUrl: agent.agentUrl });
    await a2a.sendMessage({ message: userMessage('weather?') } as never);
    await collect(a2a.sendMessageStream({ message: userMessage('weather?') } as never));
    expect(agent.log.methods).toEqual(['message/send', 'message/send', 'message/stream', 'message/stream']);
    expect(sb.stats()).toMatchObject({ mints: 1, settlements: 2 });
    expect(await pay.receipts()).toHaveLength(2);
  });

  it("Nevermined's deferred settlement (payment-verified, settlement deferred) settles the payment, send and stream", async () => {
    const sb = await sandbox();
    const agent = await nvmAgent(sb, { after: 'deferred' });
    const pay = nvmPay(sb);
    const a2a = payingA2A(await connectClient(agent.url), pay, { agentUrl: agent.agentUrl });
    const result = (await a2a.sendMessage({ message: userMessage('weather?') } as never)) as { status: { state: number } };
    expect(result.status.state).toBe(2); // still working: the charge comes later, in the agent's batch
    await collect(a2a.sendMessageStream({ message: userMessage('weather?') } as never));
    // Accepted without a receipt, like a paid HTTP answer without payment-response: not unknown.
    expect((await pay.receipts()).map((r) => [r.method, r.outcome])).toEqual([['A2A', 'no-receipt'], ['A2A', 'no-receipt']]);
  });

  it('the same policy applies: a budget too small refuses before any mint', async () => {
    const sb = await sandbox();
    const agent = await nvmAgent(sb);
    const pay = nvmPay(sb, { policy: { budget: { lifetimeCents: 100 } } });
    const a2a = payingA2A(await connectClient(agent.url), pay, { agentUrl: agent.agentUrl });
    await expect(a2a.sendMessage({ message: userMessage('weather?') } as never)).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    expect(sb.stats().mints).toBe(0);
    expect(agent.log.messages).toHaveLength(1);
  });
});
