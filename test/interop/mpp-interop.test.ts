import { afterEach, describe, expect, it } from 'vitest';
import { Challenge, Method } from 'mppx';
import { readChallenge } from '../../src/x402/payment-required.js';
import {
  decodeMppReceipt,
  encodeCredential,
  findMppPlugin,
  mppReceiptOutcome,
  mppxMethod,
  neverminedMppMethod,
  neverminedMppRequest,
  priceMppChallengeInCents,
  readMppChallenges,
  type MppMethodPlugin,
} from '../../src/mpp/index.js';
import { startMppxSeller, testChargeMethod } from './mppx-seller.js';
import { startNeverminedMppSeller } from './nevermined-mpp-seller.js';

// MPP interop (issue 16 items 8-10) against a real mppx seller and a Nevermined-shaped one, on
// loopback. Until payingFetch pays MPP (the engine's part), `payMpp` walks the codec by hand:
// challenge -> plugin -> credential -> retry -> receipt. These tests then move to payingFetch.

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function payMpp(url: string, plugins: MppMethodPlugin[]) {
  const first = await fetch(url);
  expect(first.status).toBe(402);
  await first.arrayBuffer();
  const challenges = readMppChallenges(first.headers);
  const challenge = challenges.find((c) => findMppPlugin(plugins, c));
  if (!challenge) throw new Error('no payable MPP challenge');
  const credential = await findMppPlugin(plugins, challenge)!.createCredential(challenge, { url, httpMethod: 'GET' });
  const { name, value } = encodeCredential(challenge, credential);
  const paid = await fetch(url, { headers: { [name]: value } });
  return { first, challenge, challenges, paid, header: value };
}

const tokenPlugin = (tokens: string[]): MppMethodPlugin => ({
  method: 'test',
  intent: 'charge',
  createCredential: async (challenge) => {
    const token = `tok-${tokens.length + 1}-${challenge.id.slice(0, 6)}`;
    tokens.push(token);
    return { payload: { token } };
  },
});

describe('against a seller built with mppx/express', () => {
  it('parses its challenge as mppx does, prices it, and the credential is accepted with a receipt', async () => {
    const seller = await startMppxSeller();
    closers.push(seller.close);
    const tokens: string[] = [];
    const { first, challenge, paid } = await payMpp(`${seller.url}/report`, [tokenPlugin(tokens)]);
    expect(challenge).toEqual(expect.objectContaining(Challenge.fromResponse(first) as unknown as Record<string, unknown>));
    expect(priceMppChallengeInCents(challenge)).toBe(150);
    expect(paid.status).toBe(200);
    expect(await paid.json()).toEqual({ report: 'paid content' });
    expect(seller.log.verified).toEqual([{ challengeId: challenge.id, token: tokens[0], amount: '150' }]);
    const receipt = decodeMppReceipt(paid.headers);
    expect(receipt).toMatchObject({ method: 'test', reference: 'ref-1', status: 'success' });
    expect(mppReceiptOutcome(receipt!)).toBe('success');
  });

  it('a description with escaped quotes and commas reads as mppx wrote it', async () => {
    const seller = await startMppxSeller();
    closers.push(seller.close);
    const { challenge, paid } = await payMpp(`${seller.url}/quote`, [tokenPlugin([])]);
    expect(challenge.description).toBe('A "5\\" screen", quoted, with commas');
    expect(priceMppChallengeInCents(challenge)).toBe(25);
    expect(paid.status).toBe(200);
  });

  it('pays through an mppx client method as a plugin', async () => {
    const seller = await startMppxSeller();
    closers.push(seller.close);
    const client = Method.toClient(testChargeMethod, {
      async createCredential({ challenge }) {
        const { Credential } = await import('mppx');
        return Credential.serialize({ challenge, payload: { token: 'from-mppx-client' } });
      },
    });
    const { paid } = await payMpp(`${seller.url}/report`, [mppxMethod(client)]);
    expect(paid.status).toBe(200);
    expect(seller.log.verified.map((v) => v.token)).toEqual(['from-mppx-client']);
  });

  it('a credential whose request was changed is refused by the seller (nothing verified)', async () => {
    const seller = await startMppxSeller();
    closers.push(seller.close);
    const first = await fetch(`${seller.url}/report`);
    const [challenge] = readMppChallenges(first.headers);
    const cheaper = { ...challenge!, requestEncoded: Buffer.from(JSON.stringify({ ...challenge!.request, amount: '1' })).toString('base64url') };
    const { name, value } = encodeCredential(cheaper, { payload: { token: 't' } });
    const res = await fetch(`${seller.url}/report`, { headers: { [name]: value } });
    expect(res.status).toBe(402);
    expect(seller.log.verified).toEqual([]);
  });
});

describe("against a challenge shaped as Nevermined's middleware sends it", () => {
  const PLAN = 'plan-123';

  async function nvmSeller() {
    const tokens = new Map<string, string>();
    const seller = await startNeverminedMppSeller({ planId: PLAN, credits: '2', agentId: 'agent-9', tokens });
    closers.push(seller.close);
    const mints: unknown[] = [];
    const plugin = neverminedMppMethod({
      delegationId: 'del-1',
      mint: async (request) => {
        mints.push(request);
        const accessToken = `nvm-mpp-${mints.length}`;
        tokens.set(accessToken, request.planId);
        return { accessToken };
      },
    });
    return { seller, plugin, mints };
  }

  it('offers x402 and MPP on one 402; the MPP credential carries request and opaque back unchanged and is settled', async () => {
    const { seller, plugin, mints } = await nvmSeller();
    const { first, challenge, paid, header } = await payMpp(`${seller.url}/ask`, [plugin]);
    // Both protocols on the same 402: the engine can choose between them.
    expect(readChallenge(first.headers, undefined)?.accepts[0]).toMatchObject({ scheme: 'nvm:erc4337', planId: PLAN });
    expect(neverminedMppRequest(challenge)).toEqual({ planId: PLAN, credits: '2', agentId: 'agent-9' });
    expect(priceMppChallengeInCents(challenge)).toBeUndefined(); // credits, not money
    const sent = JSON.parse(Buffer.from(header.replace('Payment ', ''), 'base64url').toString('utf8')) as { challenge: Record<string, string> };
    expect(sent.challenge.request).toBe(challenge.requestEncoded);
    expect(sent.challenge.opaque).toBe(challenge.opaque);
    expect(paid.status).toBe(200);
    expect(mints).toEqual([{ scheme: 'nvm:erc4337', network: 'eip155:84532', planId: PLAN, agentId: 'agent-9', delegationId: 'del-1' }]);
    expect(seller.log.settled).toEqual([{ challengeId: challenge.id, accessToken: 'nvm-mpp-1' }]);
    expect(decodeMppReceipt(paid.headers)).toMatchObject({ method: 'nevermined', status: 'success' });
  });

  it('a re-encoded request (canonical key order) breaks the challenge id: the seller refuses it', async () => {
    const { seller, plugin } = await nvmSeller();
    const first = await fetch(`${seller.url}/ask`);
    const [challenge] = readMppChallenges(first.headers);
    const reencoded = { ...challenge!, requestEncoded: Buffer.from(JSON.stringify(Object.fromEntries(Object.entries(challenge!.request).sort()))).toString('base64url') };
    expect(reencoded.requestEncoded).not.toBe(challenge!.requestEncoded);
    const credential = await plugin.createCredential(reencoded, { url: seller.url, httpMethod: 'GET' });
    const { name, value } = encodeCredential(reencoded, credential);
    const res = await fetch(`${seller.url}/ask`, { headers: { [name]: value } });
    expect(res.status).toBe(402);
    expect(await res.json()).toMatchObject({ code: 'BCK.MPP.0003' });
    expect(seller.log.settled).toEqual([]);
  });

  it('a credential presented twice is refused the second time with a fresh challenge (one settle)', async () => {
    const { seller, plugin } = await nvmSeller();
    const { paid, header } = await payMpp(`${seller.url}/ask`, [plugin]);
    expect(paid.status).toBe(200);
    const again = await fetch(`${seller.url}/ask`, { headers: { authorization: header } });
    expect(again.status).toBe(402);
    expect(readMppChallenges(again.headers)).toHaveLength(1);
    expect(seller.log.settled).toHaveLength(1);
  });
});
