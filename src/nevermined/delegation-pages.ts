import type { Delegation } from './schemas.js';

/** One page of `GET /api/v1/delegation` as validated by `delegationListSchema`. */
export interface DelegationPage {
  delegations: Delegation[];
  totalResults?: number | undefined;
  page?: number | undefined;
}

/** Page size asked for (the backend's `offset` query parameter is its page size). */
export const DELEGATION_PAGE_SIZE = 100;
/** At most this many pages are read: 5,000 delegations per key is far past any real account. */
export const MAX_DELEGATION_PAGES = 50;

/**
 * Reads every page of a key's delegations. Stops when the total is reached, a page comes back
 * empty, or the answer is not the page asked for (a caller that cannot page, like the
 * Payments SDK's `listDelegations`, returns page 1 every time). `complete` is false when the
 * backend said there are more than were read.
 */
export async function collectDelegationPages(
  readPage: (page: number, size: number) => Promise<DelegationPage>,
): Promise<{ delegations: Delegation[]; complete: boolean }> {
  const byId = new Map<string, Delegation>();
  let total: number | undefined;
  for (let page = 1; page <= MAX_DELEGATION_PAGES; page += 1) {
    const answer = await readPage(page, DELEGATION_PAGE_SIZE);
    for (const d of answer.delegations) byId.set(d.delegationId, d);
    total = answer.totalResults;
    const pagedAsAsked = answer.page === page;
    if (total === undefined || byId.size >= total || answer.delegations.length === 0 || !pagedAsAsked) break;
  }
  return { delegations: [...byId.values()], complete: total === undefined || byId.size >= total };
}
