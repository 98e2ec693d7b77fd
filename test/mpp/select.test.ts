import { describe, expect, it } from 'vitest';
import { PolicyDeniedError } from '../../src/index.js';
import { selectEntry, type SelectionContext } from '../../src/engine/select-entry.js';
import type { Candidate } from '../../src/engine/scheme-plugins.js';
import { parseMppChallenges, priceMppChallengeInCents, type MppMethodPlugin } from '../../src/mpp/index.js';
import { parsePolicy, type Policy } from '../../src/policy/policy.js';
import type { PaymentRequired } from '../../src/x402/schemas.js';

// x402 and MPP offers of one 402 compete under the same rules: payable, allowed by policy, the
// authorization flow first, the cheapest, the user hook last.

const USDC = '0x036CbD53842c5426634e7929541eC2318f3dCF7e';
const stub = { scheme: 'exact', createPaymentPayload: async (v: number) => ({ x402Version: v, payload: {} }) };
const exact = (amount: string) => ({ scheme: 'exact', network: 'eip155:84532', amount, asset: USDC, payTo: '0x1' });
const nvmEntry = { scheme: 'nvm:erc4337', network: 'eip155:84532', planId: 'plan-1' };
const x402 = (...accepts: Array<Record<string, unknown>>) => ({ x402Version: 2, accepts }) as PaymentRequired;

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const future = new Date(Date.now() + 600_000).toISOString();
const mpp = (fields: { id?: string; method?: string; request: unknown; expires?: string; header?: string }) =>
  parseMppChallenges(
    `Payment id="${fields.id ?? 'c1'}", realm="r", method="${fields.method ?? 'test'}", intent="charge", request="${b64(fields.request)}", expires="${fields.expires ?? future}"` +
      (fields.header ? `, header="${fields.header}"` : ''),
  );
const usd = (cents: string) => ({ amount: cents, currency: 'usd', decimals: 2, recipient: 'acct' });
const testPlugin: MppMethodPlugin = { method: 'test', createCredential: async () => ({ payload: {} }) };

function ctx(over: { policy?: Policy; challenges?: ReturnType<typeof mpp>; nevermined?: boolean; select?: SelectionContext['select']; plugins?: MppMethodPlugin[] } = {}): SelectionContext {
  return {
    origin: 'https://s.io',
    policy: parsePolicy(over.policy ?? {}),
    nevermined: over.nevermined ?? false,
    plugins: [{ network: 'eip155:84532', client: stub }],
    select: over.select,
    mpp: { challenges: over.challenges ?? [], plugins: over.plugins ?? [testPlugin], nevermined: over.nevermined ? { network: 'eip155:84532' } : undefined, now: Date.now() },
  };
}

const chosen = (s: ReturnType<typeof selectEntry>) => (s.kind === 'chosen' ? s.candidate : undefined);

describe('x402 and MPP offers on one 402', () => {
  it('the cheaper wins, whichever protocol it is', () => {
    expect(chosen(selectEntry(x402(exact('2000000')), ctx({ challenges: mpp({ request: usd('150') }) })))).toMatchObject({ kind: 'mpp', priceCents: 150, entry: { scheme: 'mpp:test', network: 'mpp:test', amount: '150', asset: 'usd', payTo: 'acct' } });
    expect(chosen(selectEntry(x402(exact('1000000')), ctx({ challenges: mpp({ request: usd('150') }) })))).toMatchObject({ kind: 'scheme', priceCents: 100 });
  });

  it('a Nevermined seller offering both (credits on each side) is paid over x402 by default', () => {
    const challenges = mpp({ method: 'nevermined', request: { planId: 'plan-1', credits: '1' } });
    const candidate = chosen(selectEntry(x402(nvmEntry), ctx({ challenges, nevermined: true })));
    expect(candidate).toMatchObject({ kind: 'nvm' });
  });

  it("Nevermined's MPP method is payable only with the agent's delegation", () => {
    const challenges = mpp({ method: 'nevermined', request: { planId: 'plan-1', credits: '1', agentId: 'a-1' } });
    expect(chosen(selectEntry(x402(exact('1')), { ...ctx({ challenges, nevermined: true }), plugins: [] }))).toMatchObject({ kind: 'mpp', plugin: undefined, entry: { scheme: 'mpp:nevermined', planId: 'plan-1', extra: { agentId: 'a-1' } } });
    expect(selectEntry(x402(exact('1')), { ...ctx({ challenges }), plugins: [] })).toMatchObject({ kind: 'unpayable', reason: 'no-delegation' });
  });

  it('the policy filters MPP like x402 (schemes, networks, origins, plans)', () => {
    const challenges = mpp({ request: usd('1') });
    expect(chosen(selectEntry(x402(exact('2000000')), ctx({ challenges, policy: { deny: { schemes: ['mpp:test'] } } })))).toMatchObject({ kind: 'scheme' });
    expect(() => selectEntry(x402(exact('1')), { ...ctx({ challenges, policy: { allow: { networks: ['mpp:other'] } } }), plugins: [] })).toThrow(PolicyDeniedError);
  });

  it('the user hook sees both kinds, and the MPP challenges; a hook written for x402 only still works', () => {
    const challenges = mpp({ request: usd('150') });
    let seen: { kinds: string[]; mpp: number } | undefined;
    const picked = chosen(
      selectEntry(
        x402(exact('2000000')),
        ctx({
          challenges,
          select: (candidates, _c, offers) => {
            seen = { kinds: candidates.map((c) => c.kind), mpp: offers?.mpp.length ?? -1 };
            return candidates.find((c) => c.kind === 'scheme');
          },
        }),
      ),
    );
    expect(seen).toEqual({ kinds: ['mpp', 'scheme'], mpp: 1 });
    expect(picked).toMatchObject({ kind: 'scheme' });
    const legacy = (candidates: ReadonlyArray<Candidate>) => candidates.find((c) => c.entry.network === 'eip155:84532');
    expect(chosen(selectEntry(x402(exact('2000000')), ctx({ challenges, select: legacy })))).toMatchObject({ kind: 'scheme' });
  });

  it('passes over expired challenges and ones asking for another credential header', () => {
    const expired = mpp({ request: usd('1'), expires: new Date(Date.now() - 1000).toISOString() });
    const otherHeader = mpp({ id: 'c2', request: usd('1'), header: 'x-payment-credential' });
    const selection = selectEntry(x402(exact('1')), { ...ctx({ challenges: [...expired, ...otherHeader] }), plugins: [] });
    expect(selection).toMatchObject({ kind: 'unpayable', reason: 'unknown-scheme' });
    expect(selection.kind === 'unpayable' && selection.detail).toMatch(/expired.*credential header x-payment-credential/);
  });

  it('a price it cannot read is refused (assets), unless the policy names the token under the plugin network', () => {
    const token = '0x20C0000000000000000000000000000000000000';
    const challenges = mpp({ method: 'tempo', request: { amount: '1000000', currency: token, decimals: 6 } });
    const tempo: MppMethodPlugin = { method: 'tempo', network: 'tempo:4217', createCredential: async () => ({ payload: {} }) };
    const noX402 = { x402Version: 2, accepts: [] } as unknown as PaymentRequired;
    expect(() => selectEntry(noX402, ctx({ challenges, plugins: [tempo] }))).toThrow(PolicyDeniedError);
    const assets = { [`tempo:4217:${token}`]: { decimals: 6, centsPerUnit: 100 } };
    expect(chosen(selectEntry(noX402, ctx({ challenges, plugins: [tempo], policy: { assets } })))).toMatchObject({ kind: 'mpp', priceCents: 100, entry: { network: 'tempo:4217' } });
  });
});

describe('pricing never under-reserves', () => {
  it('a seller claiming more decimals than a known currency has is priced at its real decimals', () => {
    const [c] = mpp({ request: { amount: '150', currency: 'usd', decimals: 6 } });
    expect(priceMppChallengeInCents(c!)).toBe(150);
    const [t] = mpp({ request: { amount: '1000000', currency: 'usdc', decimals: 18 } });
    expect(priceMppChallengeInCents(t!)).toBe(100);
    const [listed] = mpp({ request: { amount: '1000000', currency: '0xabc', decimals: 9 } });
    expect(priceMppChallengeInCents(listed!, { '0xabc': { centsPerUnit: 100, decimals: 6 } })).toBe(100);
  });
});
