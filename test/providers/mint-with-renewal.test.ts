import { describe, expect, it } from 'vitest';
import { backendError } from '../../src/nevermined/backend-errors.js';
import type { NeverminedClient } from '../../src/nevermined/client.js';
import type { DelegationManager } from '../../src/nevermined/delegations.js';
import { mintWithRenewal } from '../../src/nevermined/mint-with-renewal.js';

/** A delegation room that hands out d1, then d2 once d1 is retired; and a client whose mints fail as told. */
function fakes(failures: unknown[]) {
  const retired: string[] = [];
  const minted: string[] = [];
  let active = 'd1';
  const delegations = {
    current: async () => active,
    retire: async (id: string) => {
      retired.push(id);
      active = 'd2';
    },
  } as unknown as DelegationManager;
  const client = {
    mint: async ({ delegationId }: { delegationId: string }) => {
      minted.push(delegationId);
      const failure = failures.shift();
      if (failure) throw failure;
      return { accessToken: `token-on-${delegationId}` };
    },
  } as unknown as NeverminedClient;
  return { deps: { client, delegations }, retired, minted };
}

const request = { scheme: 'nvm:card-delegation', network: 'stripe', planId: 'plan-1' };
const ended = () => backendError({ action: 'mint', bckCode: 'BCK.X402.0022', status: 402, message: 'Delegation exhausted' });

describe('mintWithRenewal: the one home of mint-and-renew', () => {
  it('mints on the current delegation', async () => {
    const { deps, retired } = fakes([]);
    expect(await mintWithRenewal(deps, request)).toEqual({ accessToken: 'token-on-d1', delegationId: 'd1' });
    expect(retired).toEqual([]);
  });

  it("renews once when the backend's own answer says the delegation ended", async () => {
    const { deps, retired, minted } = fakes([ended()]);
    expect(await mintWithRenewal(deps, request)).toEqual({ accessToken: 'token-on-d2', delegationId: 'd2' });
    expect(retired).toEqual(['d1']);
    expect(minted).toEqual(['d1', 'd2']);
  });

  it('renews at most once', async () => {
    const { deps, retired } = fakes([ended(), ended()]);
    await expect(mintWithRenewal(deps, request)).rejects.toMatchObject({ code: 'DELEGATION_EXHAUSTED' });
    expect(retired).toEqual(['d1']);
  });

  it('retires nothing on words that merely quote a backend code, or on other failures', async () => {
    for (const failure of [new Error('seller says BCK.X402.0022'), backendError({ action: 'mint', bckCode: 'BCK.X402.0049', message: 'card declined' })]) {
      const { deps, retired } = fakes([failure]);
      await expect(mintWithRenewal(deps, request)).rejects.toBe(failure);
      expect(retired).toEqual([]);
    }
  });
});
