// Compiled (never run) by payments-sdk-types.test.ts and by `npm run typecheck`: a real
// `Payments` (1.7-1.11 shapes) goes wherever paying-fetch takes one, without a cast.
import type { PaymentsLike } from '../../../src/nevermined/sdk-adapter.js';
import type { PayingFetchOptions } from '../../../src/fetch/options.js';
import type { Payments } from './payments-sdk-1.11.js';

export function asPaymentsLike(payments: Payments): PaymentsLike {
  return payments;
}

export function asOptions(payments: Payments): PayingFetchOptions[] {
  return [
    { nevermined: payments, delegationId: 'd' },
    { nevermined: { payments, delegationId: 'd' } },
  ];
}
