import { afterEach, describe, expect, it } from 'vitest';
import { A2APaymentFailedError, createPayingFetch, InvalidPaymentDataError, PaymentFailureError, PaymentOutcomeUnknownError, PaymentRejectedError, payingA2A } from '../../src/index.js';
import { SANDBOX_PLANS, type Sandbox } from '../../src/sandbox/index.js';
import { expectNoSecrets, sandbox } from '../helpers.js';
import { connectClient, startPaidAgent, userMessage, type Charge, type PaidAgentOptions } from './paid-agent.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => Promise.all(closers.splice(0).map((c) => c())));

const required = (extra: Record<string, unknown> = {}) => ({
  x402Version: 2,
  resource: { url: 'a2a://weather' },
  accepts: [{ scheme: 'nvm:card-delegation', network: 'stripe', planId: SANDBOX_PLANS.basic, extra: { agentId: 'weather-agent' } }],
  ...extra,
});

function settleThroughSandbox(sb: Sandbox) {
  return (payload: Record<string, unknown>): Charge => {
    const settled = sb.world.settle(Buffer.from(JSON.stringify(payload)).toString('base64'), SANDBOX_PLANS.basic, 1);
    return { ok: true, receipt: { success: true, transaction: '0xa2a', network: 'stripe', remainingBalance: String(settled.remainingBalance) } };
  };
}

async function setup(options: Partial<PaidAgentOptions> = {}) {
  const sb = await sandbox();
  const agent = await startPaidAgent({ required: () => required(), charge: settleThroughSandbox(sb), ...options });
  closers.push(agent.close);
  const pay = createPayingFetch({ nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId }, backendRetryDelayMs: 5 });
  const a2a = payingA2A(await connectClient(agent.url), pay, { agentUrl: agent.agentUrl });
  const send = () => a2a.sendMessage({ message: userMessage('weather?') } as never);
  const stream = async () => {
    for await (const _event of a2a.sendMessageStream({ message: userMessage('weather?') } as never));
  };
  return { sb, agent, pay, send, stream };
}

describe('hostile A2A agents', () => {
  it.each(['send', 'stream'] as const)('a malformed x402.payment.required never pays (%s)', async (how) => {
    const { sb, agent, send, stream } = await setup({ required: () => required({ accepts: [{ scheme: 'nvm:card-delegation', network: 'stripe', planId: 'not a plan' }] }) });
    await expect(how === 'send' ? send() : stream()).rejects.toBeInstanceOf(InvalidPaymentDataError);
    expect(sb.stats().mints).toBe(0);
    expect(agent.log.messages).toHaveLength(1);
  });

  it.each(['send', 'stream'] as const)('an oversized x402.payment.required (well formed, over the header bound) never pays (%s)', async (how) => {
    const { sb, send, stream } = await setup({ required: () => required({ extensions: { padding: 'x'.repeat(70 * 1024) } }) });
    await expect(how === 'send' ? send() : stream()).rejects.toThrow(/larger than 65536 bytes/);
    expect(sb.stats().mints).toBe(0);
  });

  it.each(['send', 'stream'] as const)('an agent asking again after payment gets one fresh payment, then a typed error (%s)', async (how) => {
    const { sb, agent, pay, send, stream } = await setup({ after: 'ask-again' });
    await expect(how === 'send' ? send() : stream()).rejects.toBeInstanceOf(PaymentRejectedError);
    expect(sb.stats().mints).toBe(2); // the refused token was dropped; one fresh token, no third
    expect(agent.log.messages.map((m) => m.status)).toEqual([undefined, 'payment-submitted', 'payment-submitted']);
    expect(agent.log.messages[2]!.taskId).toBe(agent.log.messages[0]!.taskId);
    expect(await pay.receipts()).toEqual([]); // nothing settled was claimed
  });

  it.each(['send', 'stream'] as const)('payment-failed is a typed error carrying the agent code (%s)', async (how) => {
    const { sb, send, stream } = await setup({ charge: () => ({ ok: false, code: 'INSUFFICIENT_FUNDS', reason: 'The wallet has insufficient funds.' }) });
    const error = await (how === 'send' ? send() : stream()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(A2APaymentFailedError);
    expect(error).toBeInstanceOf(PaymentFailureError);
    expect(error).toMatchObject({ code: 'A2A_PAYMENT_FAILED', agentCode: 'INSUFFICIENT_FUNDS', reason: 'The wallet has insufficient funds.' });
    expect(sb.stats().mints).toBe(1); // no retry after a failure
    expectNoSecrets([error], [sb.apiKey, ...sb.world.tokensIssued()]);
  });

  it.each(['send', 'stream'] as const)('a task that never completes after payment is an unknown outcome, not a free retry (%s)', async (how) => {
    const { sb, agent, pay, send, stream } = await setup({ after: 'never-complete' });
    const error = await (how === 'send' ? send() : stream()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentOutcomeUnknownError);
    expect(agent.log.messages).toHaveLength(2); // asked, paid once: no second payment
    expect(sb.stats().mints).toBe(1);
    expect(await pay.receipts()).toEqual([expect.objectContaining({ method: 'A2A', outcome: 'unknown' })]);
  });

  it('a caller that stops reading a paid stream before it completes leaves the payment counted as unknown', async () => {
    const { pay, sb, agent } = await setup();
    const a2a = payingA2A(await connectClient(agent.url), pay, { agentUrl: agent.agentUrl });
    for await (const _event of a2a.sendMessageStream({ message: userMessage('weather?') } as never)) break; // the first paid event
    expect(sb.stats().mints).toBe(1);
    expect(await pay.receipts()).toEqual([expect.objectContaining({ method: 'A2A', outcome: 'unknown' })]);
  });
});
