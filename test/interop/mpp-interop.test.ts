import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Challenge, Method } from 'mppx';
import { BudgetExceededError, createPayingFetch, getReceipt, PolicyDeniedError, type PayingFetchOptions } from '../../src/index.js';
import { readMppChallenges, mppxMethod, neverminedMppRequest, type MppMethodPlugin } from '../../src/mpp/index.js';
import { readChallenge } from '../../src/x402/payment-required.js';
import { payingFetchFor, record, sandbox } from '../helpers.js';
import { startMppxSeller, testChargeMethod } from './mppx-seller.js';
import { startNeverminedMppSeller } from './nevermined-mpp-seller.js';

// MPP interop (issue 16 items 8-10) through payingFetch itself: a real mppx/express seller (test
// method, no chain) and a seller shaped as Nevermined's middleware sends MPP (x402 and MPP on one
// 402), on loopback. What the seller saw, what the ledger holds and what receipts say.

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

/** A transport that records every Authorization header sent, per URL. */
function recordingFetch() {
  const sent: Array<{ url: string; authorization: string | null }> = [];
  const transport: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    sent.push({ url: String(input), authorization: headers.get('authorization') });
    return fetch(input, init);
  };
  return { sent, transport };
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

function mppFetch(plugins: MppMethodPlugin[], extra: Partial<PayingFetchOptions> = {}) {
  return record(createPayingFetch({ mpp: plugins, ...extra }));
}

describe('payingFetch against a seller built with mppx/express', () => {
  it('pays a $1.50 challenge: reserved, credential accepted, receipt recorded, price committed', async () => {
    const seller = await startMppxSeller();
    closers.push(seller.close);
    // The challenge reads as mppx itself reads it.
    const unpaid = await fetch(`${seller.url}/report`);
    expect(readMppChallenges(unpaid.headers)[0]).toEqual(expect.objectContaining(Challenge.fromResponse(unpaid) as unknown as Record<string, unknown>));
    await unpaid.arrayBuffer();

    const tokens: string[] = [];
    const { pay, events, count } = mppFetch([tokenPlugin(tokens)]);
    const res = await pay(`${seller.url}/report`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ report: 'paid content' });
    expect(seller.log.verified).toEqual([expect.objectContaining({ token: tokens[0], amount: '150' })]);
    expect(tokens).toHaveLength(1);
    expect(getReceipt(res)).toMatchObject({ success: true, transaction: 'ref-1' });
    const receipts = await pay.receipts();
    expect(receipts).toEqual([expect.objectContaining({ outcome: 'paid', scheme: 'mpp:test', network: 'mpp:test', amountCents: 150, reservedCents: 150, transaction: 'ref-1', status: 200 })]);
    expect((await pay.budget()).lifetime).toMatchObject({ committedCents: 150 });
    expect(events.find((e) => e.type === 'sign')?.event).toMatchObject({ scheme: 'mpp:test', priceCents: 150, amount: '150', asset: 'usd' });
    expect(count('payment')).toBe(1);
    expect(count('receipt')).toBe(1);
  });

  it('a description with escaped quotes and commas: paid at its 25 cents', async () => {
    const seller = await startMppxSeller();
    closers.push(seller.close);
    const { pay } = mppFetch([tokenPlugin([])]);
    const res = await pay(`${seller.url}/quote`);
    expect(await res.json()).toEqual({ quote: 42 });
    expect((await pay.receipts())[0]).toMatchObject({ amountCents: 25, outcome: 'paid' });
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
    const { pay } = mppFetch([mppxMethod(client)]);
    expect((await pay(`${seller.url}/report`)).status).toBe(200);
    expect(seller.log.verified.map((v) => v.token)).toEqual(['from-mppx-client']);
  });

  it('over budget: refused before the plugin is asked, nothing sent, nothing reserved', async () => {
    const seller = await startMppxSeller();
    closers.push(seller.close);
    const tokens: string[] = [];
    const { pay, events } = mppFetch([tokenPlugin(tokens)], { policy: { budget: { lifetimeCents: 100 } } });
    await expect(pay(`${seller.url}/report`)).rejects.toBeInstanceOf(BudgetExceededError);
    expect(tokens).toEqual([]);
    expect(seller.log.verified).toEqual([]);
    expect((await pay.budget()).lifetime).toMatchObject({ committedCents: 0, reservedCents: 0 });
    expect(events.some((e) => e.type === 'blocked')).toBe(true);
  });

  it('denied by policy (deny.schemes mpp:test): no credential made or sent', async () => {
    const seller = await startMppxSeller();
    closers.push(seller.close);
    const tokens: string[] = [];
    const { pay } = mppFetch([tokenPlugin(tokens)], { policy: { deny: { schemes: ['mpp:test'] } } });
    await expect(pay(`${seller.url}/report`)).rejects.toBeInstanceOf(PolicyDeniedError);
    expect(tokens).toEqual([]);
    expect(seller.log.verified).toEqual([]);
  });

  it("the caller's own Authorization travels after the credential (existingAuthorization), never dropped", async () => {
    const seller = await startMppxSeller();
    closers.push(seller.close);
    const { sent, transport } = recordingFetch();
    const { pay } = mppFetch([tokenPlugin([])], { fetch: transport });
    const res = await pay(`${seller.url}/report`, { headers: { authorization: 'Bearer callers-own' } });
    expect(res.status).toBe(200);
    expect(sent.map((s) => s.authorization)).toEqual(['Bearer callers-own', expect.stringMatching(/^Payment [A-Za-z0-9_-]+, Bearer callers-own$/)]);
  });

  it('a 402 from a redirect target: the credential goes there alone, the caller Authorization stays home', async () => {
    const seller = await startMppxSeller();
    closers.push(seller.close);
    const home = createServer((_req, res) => {
      res.writeHead(307, { location: `${seller.url}/report` });
      res.end();
    });
    await new Promise<void>((r) => home.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => home.close(() => r())));
    const homeUrl = `http://127.0.0.1:${(home.address() as AddressInfo).port}`;
    const { sent, transport } = recordingFetch();
    const { pay } = mppFetch([tokenPlugin([])], { fetch: transport });
    const res = await pay(`${homeUrl}/go`, { headers: { authorization: 'Bearer for-home-only' } });
    expect(res.status).toBe(200);
    const toSeller = sent.filter((s) => s.url.startsWith(seller.url)).map((s) => s.authorization);
    expect(toSeller).toEqual([null, expect.stringMatching(/^Payment [A-Za-z0-9_-]+$/)]);
    expect(sent.filter((s) => s.url.startsWith(homeUrl)).every((s) => s.authorization === 'Bearer for-home-only')).toBe(true);
  });
});

describe("payingFetch against a challenge shaped as Nevermined's middleware sends it", () => {
  const PLAN = 'plan-123';

  /** The sandbox backend for delegations; its MPP mint (`/api/v1/mpp/permissions`) stood in here. */
  async function setup(extra: Partial<PayingFetchOptions> = {}, options: { validTokens?: boolean } = {}) {
    const sb = await sandbox();
    const tokens = new Map<string, string>();
    const seller = await startNeverminedMppSeller({ planId: PLAN, credits: '2', agentId: 'agent-9', tokens });
    closers.push(seller.close);
    const mints: unknown[] = [];
    const sentAuth: string[] = [];
    const transport: typeof fetch = async (input, init) => {
      const url = String(input);
      if (url === `${sb.backendUrl}/api/v1/mpp/permissions`) {
        const body = JSON.parse(String(init?.body)) as { accepted: { planId: string } };
        mints.push(body);
        const accessToken = `nvm-mpp-${mints.length}`;
        if (options.validTokens !== false) tokens.set(accessToken, body.accepted.planId);
        return new Response(JSON.stringify({ accessToken }), { status: 201, headers: { 'content-type': 'application/json' } });
      }
      const auth = new Headers(init?.headers).get('authorization');
      if (url.startsWith(seller.url) && auth) sentAuth.push(auth);
      return fetch(input, init);
    };
    const recorded = payingFetchFor(sb, { fetch: transport, ...extra });
    return { sb, seller, mints, sentAuth, ...recorded };
  }

  it('x402 and MPP on one 402: the hook sees both; MPP chosen, minted on the delegation, settled, receipted', async () => {
    const offered: string[] = [];
    const { sb, seller, mints, pay, events } = await setup({
      selectRequirement: (candidates) => {
        offered.push(...candidates.map((c) => `${c.kind}:${c.entry.scheme}`));
        return candidates.find((c) => c.kind === 'mpp');
      },
    });
    const res = await pay(`${seller.url}/ask`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ answer: 'paid over MPP' });
    expect(offered).toEqual(['nvm:nvm:erc4337', 'mpp:mpp:nevermined']);
    expect(mints).toEqual([{ accepted: { scheme: 'nvm:erc4337', network: 'eip155:84532', planId: PLAN, extra: { agentId: 'agent-9' } }, delegationConfig: { delegationId: sb.delegationId } }]);
    // Accepted: the seller's HMAC over request and opaque matched (sent back byte for byte).
    expect(seller.log.settled).toEqual([expect.objectContaining({ accessToken: 'nvm-mpp-1' })]);
    expect(sb.stats().mints).toBe(0); // no x402 token minted
    const [receipt] = await pay.receipts();
    expect(receipt).toMatchObject({ outcome: 'paid', scheme: 'mpp:nevermined', planId: PLAN, agentId: 'agent-9', delegationId: sb.delegationId, status: 200 });
    expect(receipt!.transaction).toMatch(/^0x0+1$/);
    expect(events.find((e) => e.type === 'mint')?.event).toMatchObject({ scheme: 'mpp:nevermined', delegationId: sb.delegationId, reason: 'single-use' });
    expect(JSON.stringify(events)).not.toContain('nvm-mpp-1');
  });

  it('with x402 denied by policy, the MPP challenge of the same 402 is paid', async () => {
    const { seller, mints, pay } = await setup({ policy: { deny: { schemes: ['nvm:erc4337'] } } });
    expect((await pay(`${seller.url}/ask`)).status).toBe(200);
    expect(mints).toHaveLength(1);
    expect(seller.log.settled).toHaveLength(1);
  });

  it('BCK.MPP.0003 (token not valid for the plan) ends the call: one credential, a typed error, it stays counted', async () => {
    const { seller, mints, pay } = await setup({ policy: { deny: { schemes: ['nvm:erc4337'] } } }, { validTokens: false });
    await expect(pay(`${seller.url}/ask`)).rejects.toMatchObject({ code: 'MPP_CREDENTIAL_REFUSED', sellerCode: 'BCK.MPP.0003' });
    expect(mints).toHaveLength(1);
    expect(seller.log.settled).toEqual([]);
    expect(await pay.receipts()).toEqual([expect.objectContaining({ outcome: 'unknown', scheme: 'mpp:nevermined', status: 402 })]);
  });

  it('the 402 names plan and credits as Nevermined does', async () => {
    const { seller } = await setup();
    const first = await fetch(`${seller.url}/ask`);
    expect(readChallenge(first.headers, undefined)?.accepts[0]).toMatchObject({ scheme: 'nvm:erc4337', planId: PLAN });
    expect(neverminedMppRequest(readMppChallenges(first.headers)[0]!)).toEqual({ planId: PLAN, credits: '2', agentId: 'agent-9' });
    await first.arrayBuffer();
  });
});
