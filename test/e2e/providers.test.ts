import { describe, expect, it, vi } from 'vitest';
import { CallerKeyRefusedError, ConsentRequiredError, createPayingFetch, keyProvider, MemoryStore, PaymentOutcomeUnknownError, ProviderCappedError, runPack } from '../../src/index.js';
import { EXA_PLAN_ID } from '../../src/sandbox/index.js';
import { exaPayingFetch, expectNoSecrets, record, sandbox, sandboxExa } from '../helpers.js';

const exaCharges = (sb: Awaited<ReturnType<typeof sandbox>>) => sb.world.charges.filter((c) => c.planId === EXA_PLAN_ID).length;

describe('credit packs: buy, cache, top up', () => {
  it('the first call provisions a key and sends it; the keyless x402 challenge is never paid per request', async () => {
    const sb = await sandbox();
    const { search, pay, events } = exaPayingFetch(sb);
    const res = await search();
    expect(res.status).toBe(200);
    expect(sb.stats()).toMatchObject({ purchases: 1, mints: 1 });
    const key = sb.vendor.keys.get(sb.principal)!;
    expect(sb.vendor.counters.calls.map((c) => c.apiKey)).toEqual([undefined, key.apiKey]);
    expect(events.filter((e) => e.type === 'purchase').map((e) => e.event)).toEqual([expect.objectContaining({ provider: 'exa', status: 'provisioned', amountCents: 700, resumed: false })]);
    expect(await pay.receipts()).toEqual([expect.objectContaining({ provider: 'exa', path: '/team-management/nevermined/purchase-key', amountCents: 700, outcome: 'paid', planId: EXA_PLAN_ID })]);
    // Later calls carry the key up front: no 402 at all.
    await search();
    expect(sb.vendor.counters.calls.at(-1)?.apiKey).toBe(key.apiKey);
    expect(sb.stats().purchases).toBe(1);
  });

  it('30 calls on a 10-call pack = 3 purchases, same key throughout', async () => {
    const sb = await sandbox({ delegationLimitCents: 5000 });
    const { search } = exaPayingFetch(sb, { policy: { autoTopUp: true } });
    for (let i = 0; i < 30; i += 1) expect((await search()).status).toBe(200);
    expect(sb.stats()).toMatchObject({ purchases: 3, searches: 30 });
    expect(exaCharges(sb)).toBe(3);
    const keysUsed = new Set(sb.vendor.counters.calls.map((c) => c.apiKey).filter(Boolean));
    expect(keysUsed.size).toBe(1);
  });

  it('exhaustion signalled by 429 (Exa NVM Pay) tops up too', async () => {
    const sb = await sandbox();
    sb.vendor.settings.exhaustion = '429';
    const { search } = exaPayingFetch(sb, { policy: { autoTopUp: true } });
    for (let i = 0; i < 12; i += 1) expect((await search()).status).toBe(200);
    expect(sb.stats().purchases).toBe(2);
  });

  it('50 concurrent calls at exhaustion = 1 purchase', async () => {
    const sb = await sandbox();
    const { search } = exaPayingFetch(sb, { policy: { autoTopUp: true } });
    await search();
    sb.vendor.settings.creditsPerPack = 100;
    sb.vendor.keys.get(sb.principal)!.credits = 0;
    const statuses = await Promise.all(Array.from({ length: 50 }, () => search().then((r) => r.status)));
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(sb.stats().purchases).toBe(2);
    expect(exaCharges(sb)).toBe(2);
  });

  it('an empty pack without autoTopUp consent is a typed error and buys nothing', async () => {
    const sb = await sandbox();
    const { search } = exaPayingFetch(sb);
    await search();
    sb.vendor.keys.get(sb.principal)!.credits = 0;
    const error = await search().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConsentRequiredError);
    expect(error).toMatchObject({ consent: 'autoTopUp' });
    expect((error as Error).message).toMatch(/exa pack is empty/);
    expect(sb.stats().purchases).toBe(1);
  });

  it('autoTopUp caps bound top-ups per day', async () => {
    const sb = await sandbox();
    const { search } = exaPayingFetch(sb, { policy: { autoTopUp: { maxPerDay: 1 } } });
    for (let i = 0; i < 20; i += 1) await search();
    const error = await search().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONSENT_REQUIRED', consent: 'autoTopUp.maxPerDay' });
    expect(sb.stats().purchases).toBe(2);
  });

  it('pack prices are reserved against caps before minting', async () => {
    const sb = await sandbox({ delegationLimitCents: 5000 });
    const { search, pay } = exaPayingFetch(sb, { policy: { autoTopUp: true, perOrigin: { [sb.vendorUrl]: { perDayCents: 1000 } } } });
    for (let i = 0; i < 10; i += 1) await search();
    const error = await search().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BUDGET_EXCEEDED', limit: `origin:${sb.vendorUrl}.perDay`, usedCents: 700, requestedCents: 700 });
    expect(sb.stats()).toMatchObject({ purchases: 1, mints: 1 });
    expect(await pay.receipts()).toHaveLength(1);
  });

  it('the budget bounds the delegation that pays for packs', async () => {
    const sb = await sandbox(); // a $20 delegation
    const { search } = exaPayingFetch(sb, { policy: { budget: { lifetimeCents: 1500 } } });
    expect(await search().catch((e: { code: string }) => e.code)).toBe('BUDGET_EXCEEDED');
    expect(sb.stats()).toMatchObject({ purchases: 0, mints: 0 });
  });

  it('a delegation too small for the pack is a typed refusal, not a loop', async () => {
    const sb = await sandbox({ delegationLimitCents: 1000 });
    const { search } = exaPayingFetch(sb, { policy: { autoTopUp: true } });
    for (let i = 0; i < 10; i += 1) await search();
    const error = await search().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PURCHASE_FAILED', status: 402 });
    expect((error as Error).message).toContain('BCK.X402.0023');
    expect(exaCharges(sb)).toBe(1);
  });

  it('a rate-limit 429 backs off (honouring retry-after-ms) and never buys', async () => {
    const sb = await sandbox();
    const { search } = exaPayingFetch(sb, { policy: { autoTopUp: true } });
    await search();
    sb.faults.inject('search', { kind: 'status', status: 429, message: 'Too many requests', headers: { 'retry-after-ms': '30' } }, 2);
    const started = Date.now();
    expect((await search()).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(60);
    sb.faults.inject('search', { kind: 'status', status: 429, message: 'Too many requests', headers: { 'retry-after': '0' } }, 10);
    expect((await search()).status).toBe(429); // 3 bounded waits, then the 429 is handed back
    expect(sb.stats().purchases).toBe(1);
  });

  it('a capped tag is a typed error and buys nothing', async () => {
    const sb = await sandbox();
    const { search } = exaPayingFetch(sb, { policy: { autoTopUp: true } });
    await search();
    sb.vendor.keys.get(sb.principal)!.capped = 'TEAM_BUDGET_EXCEEDED';
    const error = await search().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderCappedError);
    expect(error).toMatchObject({ code: 'PROVIDER_CAPPED', provider: 'exa', tag: 'TEAM_BUDGET_EXCEEDED' });
    expect(sb.stats().purchases).toBe(1);
  });

  it('a refused key is dropped and re-provisioned once (with consent)', async () => {
    const sb = await sandbox();
    const { search } = exaPayingFetch(sb, { policy: { autoTopUp: true } });
    await search();
    const old = sb.vendor.keys.get(sb.principal)!;
    sb.vendor.keys.delete(sb.principal); // the vendor revoked it
    expect((await search()).status).toBe(200);
    const fresh = sb.vendor.keys.get(sb.principal)!;
    expect(fresh.apiKey).not.toBe(old.apiKey);
    expect(sb.vendor.counters.calls.at(-1)?.apiKey).toBe(fresh.apiKey);
    expect(sb.stats().purchases).toBe(2);
  });

  it('a dropped connection after the vendor charged costs one charge in total', async () => {
    const sb = await sandbox();
    sb.faults.inject('purchase', { kind: 'reset', after: 'work' });
    const { search } = exaPayingFetch(sb);
    expect((await search()).status).toBe(200);
    expect(exaCharges(sb)).toBe(1);
    expect(sb.vendor.counters).toMatchObject({ purchases: 1, replays: 1 });
    expect(sb.stats().mints).toBe(1);
  });

  it('a purchase left pending by a dead process is resumed with the same token: one charge', async () => {
    const sb = await sandbox();
    const store = new MemoryStore();
    sb.faults.inject('purchase', { kind: 'reset', after: 'work' });
    sb.faults.inject('purchase', { kind: 'reset' }, 10);
    const first = exaPayingFetch(sb, { store });
    const error = await first.search().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentOutcomeUnknownError);
    sb.faults.clear();
    const second = exaPayingFetch(sb, { store }); // "restarted" on the same state
    expect((await second.search()).status).toBe(200);
    expect(exaCharges(sb)).toBe(1);
    expect(sb.stats().mints).toBe(1);
    expect(second.events.filter((e) => e.type === 'purchase').map((e) => (e.event as { resumed: boolean }).resumed)).toEqual([true]);
  });

  it('two principals never share a key', async () => {
    const sb = await sandbox();
    const other = sb.world.createAccount();
    const card = sb.world.addCard(other.principal);
    const d = sb.world.createDelegation(other, { providerPaymentMethodId: card.id, spendingLimitCents: 2000, durationSecs: 3600 });
    const store = new MemoryStore();
    const a = exaPayingFetch(sb, { store });
    const b = exaPayingFetch(sb, { store, nevermined: { apiKey: other.apiKey, backendUrl: sb.backendUrl, delegationId: d.delegationId } });
    await a.search();
    await b.search();
    expect(sb.vendor.keys.size).toBe(2);
    const keys = await a.pay.keys();
    expect(keys.map((k) => k.principal).sort()).toEqual([sb.principal, other.principal].sort());
    expect(new Set(sb.vendor.counters.calls.map((c) => c.apiKey).filter(Boolean)).size).toBe(2);
  });

  it('keys never leave the provider origin, and never appear in events, receipts or key listings', async () => {
    const sb = await sandbox();
    const { search, pay, events } = exaPayingFetch(sb);
    await search();
    await pay(`${sb.sellerUrl}/free`); // another origin: no key
    expect(sb.sellerRequests.at(-1)?.headers['x-api-key']).toBeUndefined();
    const apiKey = sb.vendor.keys.get(sb.principal)!.apiKey;
    const listing = await pay.keys();
    expect(listing[0]?.key).toMatch(/^exa_…/);
    expectNoSecrets([events, await pay.receipts(), listing], [apiKey, sb.apiKey]);
  });

  it('a key the caller set themselves is left alone (refused, a typed error naming the placeholder)', async () => {
    const sb = await sandbox();
    const { pay } = exaPayingFetch(sb);
    const error = await pay(`${sb.vendorUrl}/search`, { method: 'POST', headers: { 'x-api-key': 'exa_mine' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallerKeyRefusedError);
    expect((error as CallerKeyRefusedError).message).toContain('PLACEHOLDER_KEY');
    expect(sb.vendor.counters.calls.map((c) => c.apiKey)).toEqual(['exa_mine']);
    expect(sb.stats().purchases).toBe(0);
  });
});

describe('never two purchases for one call', () => {
  it('a key bought in this call and then refused is not bought again in the same call', async () => {
    const sb = await sandbox();
    const { pay } = record(createPayingFetch({
      nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId },
      providers: [{ ...sandboxExa(sb), readPurchase: () => ({ apiKey: 'exa_not_the_one_sold', status: 'provisioned', expiresAt: undefined, units: undefined }) }],
      backendRetryDelayMs: 5,
    }));
    const res = await pay(`${sb.vendorUrl}/search`, { method: 'POST' });
    expect(res.status).toBe(401);
    expect(sb.stats().purchases).toBe(1);
  });

  it('an answer the recipe cannot read leaves a paid purchase behind, not a pending one: the next buy needs consent', async () => {
    const sb = await sandbox();
    const { pay } = record(createPayingFetch({
      nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId },
      providers: [{ ...sandboxExa(sb), readPurchase: () => { throw new Error('unexpected answer'); } }],
      backendRetryDelayMs: 5,
    }));
    await expect(pay(`${sb.vendorUrl}/search`, { method: 'POST' })).rejects.toMatchObject({ code: 'PURCHASE_FAILED' });
    await expect(pay(`${sb.vendorUrl}/search`, { method: 'POST' })).rejects.toBeInstanceOf(ConsentRequiredError);
    expect(sb.stats()).toMatchObject({ purchases: 1 });
    expect(sb.vendor.counters.purchaseRequests).toBe(1); // its token was never posted again
    expect((await pay.receipts()).filter((r) => r.provider === 'exa')).toMatchObject([{ outcome: 'paid' }]);
    expect(await pay.keys()).toMatchObject([{ provider: 'exa', purchases: 1 }]);
  });
});

describe('other vendors', () => {
  it('a You.com-style top-up answer {apiKey: null, toppedUp: true} keeps the cached key', async () => {
    const sb = await sandbox();
    sb.vendor.settings.nullKeyOnTopUp = true;
    const youcom = keyProvider({ name: 'youcom', origins: [sb.vendorUrl], purchase: { url: `${sb.vendorUrl}/team-management/nevermined/purchase-key`, planId: EXA_PLAN_ID, priceCents: 700 } });
    const { pay } = record(createPayingFetch({ nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId }, providers: [youcom], policy: { autoTopUp: true } }));
    for (let i = 0; i < 15; i += 1) expect((await pay(`${sb.vendorUrl}/search`, { method: 'POST' })).status).toBe(200);
    expect(sb.stats().purchases).toBe(2);
    expect(new Set(sb.vendor.counters.calls.map((c) => c.apiKey).filter(Boolean)).size).toBe(1);
  });

  it('a run pack is used before paying per call, one unit per accepted call', async () => {
    const sb = await sandbox();
    const pack = runPack({ name: 'runner', origins: [sb.vendorUrl], units: 3, purchase: { url: `${sb.vendorUrl}/team-management/nevermined/purchase-key`, planId: EXA_PLAN_ID, priceCents: 700 } });
    const { pay } = record(createPayingFetch({ nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId }, providers: [pack] }));
    const run = () => pay(`${sb.vendorUrl}/agents/run`, { method: 'POST' });
    expect((await run()).status).toBe(200); // buys the pack, runs on it
    sb.faults.inject('search', { kind: 'status', status: 500, message: 'agent crashed' });
    expect((await run()).status).toBe(500); // not accepted: no unit spent
    expect((await run()).status).toBe(200);
    expect((await run()).status).toBe(200);
    expect((await pay.keys())[0]?.units).toBe(0);
    // The pack is empty and there is no consent to buy another: the next runs are paid per call.
    expect((await run()).status).toBe(200);
    expect((await run()).status).toBe(200);
    const calls = sb.vendor.counters.calls;
    expect(calls.filter((c) => c.apiKey).length).toBe(4);
    expect(calls.filter((c) => c.paid).length).toBe(2);
    expect(sb.stats().purchases).toBe(1);
  });
});

describe('proactive refill', () => {
  it('buys ahead in the background when units fall below refillBelow, only with autoTopUp', async () => {
    const sb = await sandbox();
    const purchase = { url: `${sb.vendorUrl}/team-management/nevermined/purchase-key`, planId: EXA_PLAN_ID, priceCents: 700 };
    const withConsent = record(createPayingFetch({ nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId }, providers: [runPack({ name: 'runner', origins: [sb.vendorUrl], units: 5, refillBelow: 2, purchase })], policy: { autoTopUp: true } }));
    for (let i = 0; i < 4; i += 1) expect((await withConsent.pay(`${sb.vendorUrl}/search`, { method: 'POST' })).status).toBe(200);
    await vi.waitFor(() => expect(sb.stats().purchases).toBe(2));
    await vi.waitFor(async () => expect((await withConsent.pay.keys())[0]?.units).toBe(6));
    expect(sb.vendor.counters.calls.filter((c) => !c.apiKey)).toHaveLength(1); // only the very first call went keyless
  });

  it('does not buy ahead without consent', async () => {
    const sb = await sandbox();
    const purchase = { url: `${sb.vendorUrl}/team-management/nevermined/purchase-key`, planId: EXA_PLAN_ID, priceCents: 700 };
    const { pay } = record(createPayingFetch({ nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId }, providers: [runPack({ name: 'runner', origins: [sb.vendorUrl], units: 5, refillBelow: 2, purchase })] }));
    for (let i = 0; i < 4; i += 1) await pay(`${sb.vendorUrl}/search`, { method: 'POST' });
    await new Promise((r) => setTimeout(r, 50));
    expect(sb.stats().purchases).toBe(1);
  });
});

describe('sandboxExa', () => {
  it('keeps the real Exa plan id by default', () => {
    expect(sandboxExa({ vendorUrl: 'http://127.0.0.1:1' } as never).purchase.planId).toBe(EXA_PLAN_ID);
  });
});
