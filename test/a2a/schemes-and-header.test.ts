import { ExactEvmScheme } from '@x402/evm/exact/client';
import { getAddress, verifyTypedData } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterEach, describe, expect, it } from 'vitest';
import { createPayingFetch, payingA2A } from '../../src/index.js';
import { SANDBOX_PLANS } from '../../src/sandbox/index.js';
import { sandbox } from '../helpers.js';
import { connectClient, startPaidAgent, userMessage, type Charge } from './paid-agent.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => Promise.all(closers.splice(0).map((c) => c())));

const NETWORK = 'eip155:84532';
const USDC = '0x036CbD53842c5426634e7929541eC2318f3dCF7e';
const PAY_TO = '0x1111111111111111111111111111111111111111';
const exactEntry = { scheme: 'exact', network: NETWORK, amount: '10000', asset: USDC, payTo: PAY_TO, maxTimeoutSeconds: 300, extra: { name: 'USDC', version: '2' } };

interface ExactPayload {
  accepted?: { amount?: string; payTo?: string };
  payload?: { signature?: `0x${string}`; authorization?: { from: `0x${string}`; to: `0x${string}`; value: string; validAfter: string; validBefore: string; nonce: `0x${string}` } };
}

/** The agent's verify: an EIP-3009 signature by the payer, for this amount, to this payee; each nonce once. */
function exactCharge(nonces: Set<string>) {
  return (raw: Record<string, unknown>): Charge => {
    const { payload } = raw as ExactPayload;
    const auth = payload?.authorization;
    if (!auth || !payload?.signature || auth.value !== exactEntry.amount || getAddress(auth.to) !== getAddress(PAY_TO) || nonces.has(auth.nonce)) return { ok: false, code: 'INVALID_PAYLOAD', reason: 'bad authorization' };
    nonces.add(auth.nonce);
    return { ok: true, receipt: { success: true, transaction: `0x${'cd'.repeat(32)}`, network: NETWORK, payer: auth.from } };
  };
}

async function signatureValid(raw: unknown): Promise<boolean> {
  const { payload } = raw as ExactPayload;
  const auth = payload!.authorization!;
  return verifyTypedData({
    address: auth.from,
    domain: { name: 'USDC', version: '2', chainId: 84532, verifyingContract: USDC },
    types: { TransferWithAuthorization: [{ name: 'from', type: 'address' }, { name: 'to', type: 'address' }, { name: 'value', type: 'uint256' }, { name: 'validAfter', type: 'uint256' }, { name: 'validBefore', type: 'uint256' }, { name: 'nonce', type: 'bytes32' }] },
    primaryType: 'TransferWithAuthorization',
    message: { from: auth.from, to: auth.to, value: BigInt(auth.value), validAfter: BigInt(auth.validAfter), validBefore: BigInt(auth.validBefore), nonce: auth.nonce },
    signature: payload!.signature!,
  });
}

describe('paying A2A agents with a standard x402 scheme (exact, EIP-3009)', () => {
  it.each(['send', 'stream'] as const)('signs one payload per message, commits its price on payment-completed, never reuses it (%s)', async (how) => {
    const nonces = new Set<string>();
    const agent = await startPaidAgent({ required: () => ({ x402Version: 2, resource: { url: 'a2a://weather' }, accepts: [exactEntry] }), charge: exactCharge(nonces) });
    closers.push(agent.close);
    const account = privateKeyToAccount(generatePrivateKey());
    const pay = createPayingFetch({ schemes: [{ network: NETWORK, client: new ExactEvmScheme(account) }], policy: { budget: { lifetimeCents: 100 } } });
    const a2a = payingA2A(await connectClient(agent.url), pay, { agentUrl: agent.agentUrl });
    for (let i = 0; i < 2; i += 1) {
      if (how === 'send') await a2a.sendMessage({ message: userMessage('weather?') } as never);
      else for await (const _event of a2a.sendMessageStream({ message: userMessage('weather?') } as never));
    }
    const paid = agent.log.messages.filter((m) => m.status === 'payment-submitted');
    expect(paid).toHaveLength(2);
    expect(paid[0]!.payload).toMatchObject({ x402Version: 2, accepted: { scheme: 'exact', network: NETWORK, amount: '10000' }, payload: { authorization: { from: account.address } } });
    expect(await signatureValid(paid[0]!.payload)).toBe(true);
    expect(nonces.size).toBe(2); // single use: a fresh signature per message
    expect((await pay.receipts()).map((r) => [r.method, r.outcome, r.amountCents, r.transaction])).toEqual([
      ['A2A', 'paid', 1, `0x${'cd'.repeat(32)}`],
      ['A2A', 'paid', 1, `0x${'cd'.repeat(32)}`],
    ]);
    expect((await pay.budget()).lifetime).toMatchObject({ spentCents: 2 });
  });

  it('a signed payload the agent reports failed stays counted (unknown) until reconciled', async () => {
    const agent = await startPaidAgent({ required: () => ({ x402Version: 2, accepts: [exactEntry] }), charge: () => ({ ok: false, code: 'EXPIRED_PAYMENT', reason: 'too late' }) });
    closers.push(agent.close);
    const pay = createPayingFetch({ schemes: [{ network: NETWORK, client: new ExactEvmScheme(privateKeyToAccount(generatePrivateKey())) }], policy: { budget: { lifetimeCents: 100 } } });
    const a2a = payingA2A(await connectClient(agent.url), pay, { agentUrl: agent.agentUrl });
    await expect(a2a.sendMessage({ message: userMessage('weather?') } as never)).rejects.toMatchObject({ code: 'A2A_PAYMENT_FAILED', agentCode: 'EXPIRED_PAYMENT' });
    expect((await pay.receipts()).map((r) => [r.method, r.outcome])).toEqual([['A2A', 'unknown']]);
    expect((await pay.budget()).lifetime).toMatchObject({ unspentReservedCents: 1, remainingCents: 99 });
  });
});

describe("Nevermined's older A2A agents (payment-signature header, HTTP 402)", () => {
  it('the PayingFetch as the client transport fetch pays the 402 by the header; payingA2A passes the answer through', async () => {
    const sb = await sandbox();
    const challenge = Buffer.from(JSON.stringify({ x402Version: 2, accepts: [{ scheme: 'nvm:card-delegation', network: 'stripe', planId: SANDBOX_PLANS.basic, extra: { agentId: 'weather-agent' } }] })).toString('base64');
    const agent = await startPaidAgent({
      required: () => undefined,
      charge: () => ({ ok: false, code: 'UNUSED', reason: 'in band is not spoken here' }),
      headerOnly: {
        challenge,
        verify: (token) => {
          try {
            const settled = sb.world.settle(token, SANDBOX_PLANS.basic, 1);
            return { success: true, transaction: '0xheader', network: 'stripe', remainingBalance: String(settled.remainingBalance) };
          } catch {
            return undefined;
          }
        },
      },
    });
    closers.push(agent.close);
    const pay = createPayingFetch({ nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId }, backendRetryDelayMs: 5 });
    const a2a = payingA2A(await connectClient(agent.url, pay), pay, { agentUrl: agent.agentUrl });
    for (let i = 0; i < 2; i += 1) {
      const result = (await a2a.sendMessage({ message: userMessage('weather?') } as never)) as { status: { state: number } };
      expect(result.status.state).toBe(3); // completed
    }
    expect(sb.stats()).toMatchObject({ mints: 1, settlements: 2 });
    expect((await pay.receipts()).map((r) => [r.method, r.path, r.transaction, r.outcome])).toEqual([
      ['POST', '/a2a', '0xheader', 'paid'],
      ['POST', '/a2a', '0xheader', 'paid'],
    ]);
  });
});
