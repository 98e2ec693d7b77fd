import { describe, expect, it } from 'vitest';
import { BudgetExceededError, getRefusal, PolicyDeniedError, REFUSAL_TYPE_PREFIX } from '../../src/index.js';
import { expectNoSecrets, payingFetchFor, sandbox } from '../helpers.js';

describe("refusals: 'response'", () => {
  it('answers a budget refusal as a 402 problem+json naming it, with the typed error reachable', async () => {
    const sb = await sandbox();
    const { pay, count } = payingFetchFor(sb, { refusals: 'response', policy: { budget: { perDayCents: 40 } } });
    const res = await pay(`${sb.sellerUrl}/weather`);

    expect(res.status).toBe(402);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('x-should-retry')).toBe('false');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      type: `${REFUSAL_TYPE_PREFIX}budget-exceeded`,
      title: 'Budget exceeded',
      status: 402,
      code: 'BUDGET_EXCEEDED',
      facts: { limit: 'budget.perDay', limitCents: 40, usedCents: 0, remainingCents: 40, requestedCents: 2000 }, // the delegation's budget is reserved
      error: { type: 'policy_refusal', code: 'BUDGET_EXCEEDED' },
    });
    expect(String(body.detail)).toContain('budget.perDay');
    const refusal = getRefusal(res);
    expect(refusal).toBeInstanceOf(BudgetExceededError);
    expect(getRefusal(body)).toBe(refusal); // from the parsed body alone, as SDK errors keep it
    expect(count('blocked')).toBe(1);
    expect(sb.stats()).toMatchObject({ mints: 0, charges: 0 });
    expectNoSecrets([body], [sb.apiKey]);
  });

  it('names allow-list refusals too, and leaves other failures thrown', async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb, { refusals: 'response', policy: { deny: { origins: [sb.sellerUrl] } } });
    const res = await pay(`${sb.sellerUrl}/weather`);
    expect(res.status).toBe(402);
    expect(await res.json()).toMatchObject({ code: 'POLICY_DENIED', type: `${REFUSAL_TYPE_PREFIX}policy-denied`, facts: { rule: 'deny.origins' } });
    expect(getRefusal(res)).toBeInstanceOf(PolicyDeniedError);

    await expect(pay('http://127.0.0.1:1/nothing-listens')).rejects.toThrow(); // a network error is not a refusal
  });

  it('throws the refusal by default, and a seller 402 is never taken for a refusal', async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb, { policy: { budget: { perDayCents: 40 } } });
    await expect(pay(`${sb.sellerUrl}/weather`)).rejects.toBeInstanceOf(BudgetExceededError);
    sb.route('/plain-402', { raw: (_req, res) => res.writeHead(402, { 'content-type': 'application/problem+json' }).end('{"instance":"urn:x"}') });
    const { pay: answering } = payingFetchFor(sb, { refusals: 'response' });
    const seller402 = await answering(`${sb.sellerUrl}/plain-402`);
    expect(seller402.status).toBe(402);
    expect(getRefusal(seller402)).toBeUndefined();
  });
});
