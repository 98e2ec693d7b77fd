import { describe, expect, it } from 'vitest';
import { BudgetExceededError, ConsentRequiredError, MemoryStore, PolicyDeniedError, VelocityExceededError } from '../../src/index.js';
import { SANDBOX_PLANS } from '../../src/sandbox/index.js';
import { cardPayingFetch, expectNoSecrets, payingFetchFor, sandbox, tokensSeen } from '../helpers.js';

const DAY = 24 * 3600 * 1000;
const statusOrCode = (p: Promise<Response>) => p.then((r) => r.status, (e: { code?: string }) => e.code ?? String(e));

describe('a budget that cannot be overrun', () => {
  it('200 concurrent calls with a budget for 5 charges: 5 charges, the rest BudgetExceededError', async () => {
    const sb = await sandbox();
    const { pay } = cardPayingFetch(sb, { budget: { lifetimeCents: 500 } });
    const outcomes = await Promise.all(Array.from({ length: 200 }, () => statusOrCode(pay(`${sb.sellerUrl}/metered`))));
    expect(sb.stats().charges).toBe(5);
    expect(outcomes.filter((o) => o === 200)).toHaveLength(5);
    expect(outcomes.filter((o) => o !== 200).every((o) => o === 'BUDGET_EXCEEDED')).toBe(true);
    // The $20 delegation already on the card was too big to adopt: one of $5 was created instead.
    const created = [...sb.world.delegations.values()].filter((d) => d.delegationId !== sb.delegationId);
    expect(created.map((d) => d.spendingLimitCents)).toEqual([500]);
    expect((await pay.receipts()).filter((r) => r.orderTx).map((r) => r.amountCents)).toEqual([100, 100, 100, 100, 100]);
  });

  it('a daily budget rolls over with the clock', async () => {
    const sb = await sandbox();
    const { pay } = cardPayingFetch(sb, { budget: { perDayCents: 200 }, autoRenew: true });
    expect(await statusOrCode(pay(`${sb.sellerUrl}/metered`))).toBe(200);
    expect(await statusOrCode(pay(`${sb.sellerUrl}/metered`))).toBe(200);
    const error = await pay(`${sb.sellerUrl}/metered`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(error).toMatchObject({ limit: 'budget.perDay', remainingCents: 0 });
    sb.world.advance(DAY + 60_000);
    expect(await statusOrCode(pay(`${sb.sellerUrl}/metered`))).toBe(200);
    expect(sb.stats()).toMatchObject({ charges: 3, chargedCents: 300 });
  });

  it('a given delegation larger than the budget is refused before any mint', async () => {
    const sb = await sandbox(); // its delegation can charge $20
    const { pay } = payingFetchFor(sb, { policy: { budget: { perDayCents: 500 } } });
    const error = await pay(`${sb.sellerUrl}/weather`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(error).toMatchObject({ limit: 'budget.perDay', requestedCents: 2000 });
    expect(sb.stats()).toMatchObject({ mints: 0, charges: 0 });
  });

  it('adopts a delegation on the card that fits the budget, reserving its remaining budget', async () => {
    const sb = await sandbox();
    const { pay } = cardPayingFetch(sb, { budget: { lifetimeCents: 5000 } });
    expect(await statusOrCode(pay(`${sb.sellerUrl}/weather`))).toBe(200);
    expect(sb.world.delegations.size).toBe(1);
    expect(sb.world.mints[0]?.delegationId).toBe(sb.delegationId);
    expect((await pay.budget()).lifetime).toEqual({ limitCents: 5000, reservedCents: 2000, committedCents: 0, remainingCents: 3000, spentCents: 100, unspentReservedCents: 1900 });
  });

  it('a warm process makes no extra backend calls', async () => {
    const sb = await sandbox();
    const { pay } = cardPayingFetch(sb, { budget: { lifetimeCents: 5000 } });
    await pay(`${sb.sellerUrl}/weather`);
    const before = sb.stats().backendRequests;
    for (let i = 0; i < 5; i += 1) await pay(`${sb.sellerUrl}/weather`);
    expect(sb.stats().backendRequests).toBe(before);
  });
});

describe('renewal needs consent', () => {
  const policy = { budget: { lifetimeCents: 1000 }, delegation: { spendingLimitCents: 200 } };

  it('without autoRenew an exhausted delegation stops with ConsentRequiredError', async () => {
    const sb = await sandbox();
    const { pay, events } = cardPayingFetch(sb, policy);
    await pay(`${sb.sellerUrl}/metered`);
    await pay(`${sb.sellerUrl}/metered`);
    const error = await pay(`${sb.sellerUrl}/metered`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConsentRequiredError);
    expect(error).toMatchObject({ code: 'CONSENT_REQUIRED', consent: 'autoRenew' });
    expect(sb.stats().charges).toBe(2);
    expect(events.filter((e) => e.type === 'blocked').map((e) => (e.event as { reason: string }).reason)).toEqual(['consent-required']);
    // What the exhausted delegation spent is committed; the rest of the budget is free again.
    expect((await pay.budget()).lifetime).toMatchObject({ committedCents: 200, reservedCents: 0, remainingCents: 800 });
  });

  it('with autoRenew a new delegation is created and the call succeeds', async () => {
    const sb = await sandbox();
    const { pay } = cardPayingFetch(sb, { ...policy, autoRenew: true });
    for (let i = 0; i < 3; i += 1) expect(await statusOrCode(pay(`${sb.sellerUrl}/metered`))).toBe(200);
    expect(sb.stats().charges).toBe(3);
    expect(sb.world.delegations.size).toBe(3); // the sandbox's own + two created at $2
  });

  it('autoRenew caps are consent too', async () => {
    const sb = await sandbox();
    const { pay } = cardPayingFetch(sb, { ...policy, delegation: { spendingLimitCents: 100 }, autoRenew: { maxPerDay: 1 } });
    expect(await statusOrCode(pay(`${sb.sellerUrl}/metered`))).toBe(200);
    expect(await statusOrCode(pay(`${sb.sellerUrl}/metered`))).toBe(200); // first renewal
    const error = await pay(`${sb.sellerUrl}/metered`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONSENT_REQUIRED', consent: 'autoRenew.maxPerDay' });
    expect(sb.stats().charges).toBe(2);
  });

  it('a fixed delegation that expired is a typed error, never a silent renewal', async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb, { clock: () => sb.world.now() });
    expect(await statusOrCode(pay(`${sb.sellerUrl}/weather`))).toBe(200);
    sb.world.advance(31 * DAY);
    expect(await statusOrCode(pay(`${sb.sellerUrl}/weather`))).toBe('DELEGATION_EXPIRED');
    expect(sb.world.delegations.size).toBe(1);
  });
});

describe('caps, lists and velocity', () => {
  it('an origin not on the allow-list is refused before any mint, with a blocked event', async () => {
    const sb = await sandbox();
    const { pay, events } = payingFetchFor(sb, { policy: { allow: { origins: ['https://api.exa.ai'] } } });
    const error = await pay(`${sb.sellerUrl}/weather`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyDeniedError);
    expect(error).toMatchObject({ rule: 'allow.origins', value: sb.sellerUrl });
    expect(events.map((e) => e.type)).toEqual(['blocked']);
    expect(sb.stats().mints).toBe(0);
  });

  it('a denied plan is refused', async () => {
    const sb = await sandbox();
    const { pay } = cardPayingFetch(sb, { budget: { lifetimeCents: 5000 }, deny: { planIds: [SANDBOX_PLANS.metered] } });
    expect(await statusOrCode(pay(`${sb.sellerUrl}/metered`))).toBe('POLICY_DENIED');
    expect(await statusOrCode(pay(`${sb.sellerUrl}/weather`))).toBe(200);
  });

  it('a cap on an origin stops paying once observed charges reach it', async () => {
    const sb = await sandbox();
    const { pay } = cardPayingFetch(sb, { budget: { lifetimeCents: 5000 }, perOrigin: { [sb.sellerUrl]: { perDayCents: 200 } } });
    expect(await statusOrCode(pay(`${sb.sellerUrl}/metered`))).toBe(200);
    expect(await statusOrCode(pay(`${sb.sellerUrl}/metered`))).toBe(200);
    const error = await pay(`${sb.sellerUrl}/metered`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BUDGET_EXCEEDED', limit: `origin:${sb.sellerUrl}.perDay`, usedCents: 200 });
    expect(sb.stats().charges).toBe(2);
  });

  it('maxPurchasesPer bounds how many delegations are created', async () => {
    const sb = await sandbox();
    const { pay } = cardPayingFetch(sb, { budget: { lifetimeCents: 1000 }, delegation: { spendingLimitCents: 100 }, autoRenew: true, maxPurchasesPer: { day: 1 } });
    expect(await statusOrCode(pay(`${sb.sellerUrl}/metered`))).toBe(200);
    const error = await pay(`${sb.sellerUrl}/metered`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VelocityExceededError);
  });

  it('warns when what was spent passes 80%, not when a delegation is reserved (issue 18, 4)', async () => {
    const sb = await sandbox();
    const { pay, events } = cardPayingFetch(sb, { budget: { lifetimeCents: 1000 }, delegation: { spendingLimitCents: 900 } });
    const warnings = () => events.filter((e) => e.type === 'budget-warning').map((e) => e.event);
    await pay(`${sb.sellerUrl}/metered`);
    expect(warnings()).toEqual([]); // $9 reserved for the delegation, $1 spent
    for (let i = 0; i < 7; i++) await pay(`${sb.sellerUrl}/metered`);
    expect(warnings()).toEqual([{ limit: 'budget.lifetime', limitCents: 1000, spentCents: 800, unspentReservedCents: 100, usedCents: 800, percent: 80 }]);
  });
});

describe('receipts', () => {
  it('every paid call has a receipt with the facts and no secret', async () => {
    const sb = await sandbox();
    const { pay } = cardPayingFetch(sb, { budget: { lifetimeCents: 5000 } });
    await pay(`${sb.sellerUrl}/metered?apikey=secret-in-query`);
    await pay(`${sb.sellerUrl}/metered`, { method: 'POST', body: 'x' });
    const receipts = await pay.receipts();
    expect(receipts).toHaveLength(2);
    expect(receipts[0]).toMatchObject({
      method: 'GET', origin: sb.sellerUrl, path: '/metered', status: 200, scheme: 'nvm:card-delegation', network: 'stripe',
      delegationId: sb.delegationId, tokenHash: expect.stringMatching(/^sha256:/), transaction: expect.any(String),
      creditsRedeemed: '1', remainingBalance: '0', orderTx: expect.stringMatching(/^pi_/), amountCents: 100, outcome: 'paid',
    });
    expect(await pay.receipts({ since: receipts[1]!.at, origin: sb.sellerUrl })).toHaveLength(receipts[0]!.at === receipts[1]!.at ? 2 : 1);
    expectNoSecrets(receipts, [sb.apiKey, ...tokensSeen(sb), 'secret-in-query']);
  });
});

describe('a declined card', () => {
  it('stops at the first refusal with CardDeclinedError, no second mint', async () => {
    const sb = await sandbox();
    sb.world.cards.get(sb.paymentMethodId)!.declined = true;
    const { pay } = cardPayingFetch(sb, { budget: { lifetimeCents: 5000 } });
    const error = await pay(`${sb.sellerUrl}/metered`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CARD_DECLINED', bckCode: 'BCK.X402.0049' });
    expect(sb.stats()).toMatchObject({ mints: 1, charges: 0 });
  });
});

describe('a policy tightened under a delegation adopted before', () => {
  it('stops paying once the reservations exceed the new budget', async () => {
    const sb = await sandbox();
    const store = new MemoryStore();
    const loose = payingFetchFor(sb, { store });
    expect((await loose.pay(`${sb.sellerUrl}/weather`)).status).toBe(200); // adopts the $20 delegation
    const tight = payingFetchFor(sb, { store, policy: { budget: { lifetimeCents: 500 } } });
    const error = await tight.pay(`${sb.sellerUrl}/weather`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BUDGET_EXCEEDED', limit: 'budget.lifetime', usedCents: 2000 });
    expect(sb.stats().paidResponses).toBe(1);
  });
});

describe('closing a delegation commits exactly what it spent while reserved', () => {
  it('an adopted delegation with earlier spend commits only the spend since adoption', async () => {
    const sb = await sandbox();
    sb.world.injectCharge(sb.delegationId, 500); // spent before paying-fetch adopted it
    const { pay } = cardPayingFetch(sb, { budget: { lifetimeCents: 5000 }, autoRenew: true, delegation: { spendingLimitCents: 1500 } });
    await pay(`${sb.sellerUrl}/metered`);
    await pay(`${sb.sellerUrl}/metered`);
    expect((await pay.budget()).lifetime).toMatchObject({ reservedCents: 1500, committedCents: 0 });
    sb.world.delegations.get(sb.delegationId)!.revoked = true;
    expect((await pay(`${sb.sellerUrl}/metered`)).status).toBe(200); // renewed on a new delegation
    const view = (await pay.budget()).lifetime;
    expect(view.committedCents).toBe(200); // the two calls, not the 500 spent before adoption
    expect(view.reservedCents).toBe(1500); // the new delegation
  });

  it('a delegation only too small for an order stays reserved: it can still be charged', async () => {
    const sb = await sandbox();
    const { pay } = cardPayingFetch(sb, { budget: { lifetimeCents: 1000 }, autoRenew: true, delegation: { spendingLimitCents: 250 } });
    for (let i = 0; i < 3; i += 1) expect((await pay(`${sb.sellerUrl}/metered`)).status).toBe(200);
    // The first delegation has $0.50 left but plans cost $1: a new one was created, the old one kept reserved.
    const created = [...sb.world.delegations.values()].filter((d) => d.delegationId !== sb.delegationId);
    expect(created.map((d) => d.amountSpentCents)).toEqual([200, 100]);
    expect((await pay.budget()).lifetime).toMatchObject({ reservedCents: 500, committedCents: 0 });
  });
});
