import { describe, expect, it } from 'vitest';
import { createPayingFetch } from '../../src/index.js';
import { record, sandbox, sandboxExa } from '../helpers.js';

type Sb = Awaited<ReturnType<typeof sandbox>>;

function cardExa(sb: Sb, autoRenew: boolean) {
  const { pay } = record(createPayingFetch({
    nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, paymentMethodId: sb.paymentMethodId },
    providers: [sandboxExa(sb)],
    policy: { autoRenew, delegation: { spendingLimitCents: 2000 } },
    backendRetryDelayMs: 5,
  }));
  return () => pay(`${sb.vendorUrl}/search`, { method: 'POST' });
}

describe("a vendor's words retire no delegation", () => {
  it.each([true, false])('a purchase refused with "BCK.X402.0022" in the text leaves the delegation in use (autoRenew %s)', async (autoRenew) => {
    const sb = await sandbox();
    const search = cardExa(sb, autoRenew);
    // The vendor claims the delegation is exhausted; the backend still shows it Active.
    sb.faults.inject('purchase', { kind: 'status', status: 402, body: { error: 'BCK.X402.0022: Delegation exhausted' } }, 2);
    await expect(search()).rejects.toMatchObject({ code: 'PURCHASE_FAILED', status: 402 });
    const delegations = sb.world.delegations.size;
    expect((await search()).status).toBe(200); // no ConsentRequiredError: nothing was retired
    expect(sb.world.delegations.size).toBe(delegations); // and nothing renewed
    expect(new Set(sb.world.mints.map((m) => m.delegationId))).toEqual(new Set([sb.delegationId]));
  });
});
