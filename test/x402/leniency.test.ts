import { describe, expect, it } from 'vitest';
import { InvalidPaymentDataError } from '../../src/errors/index.js';
import { decodePaymentRequiredHeader } from '../../src/x402/payment-required.js';
import { decodeReceipt } from '../../src/x402/receipt.js';
import { SANDBOX_PLANS } from '../../src/sandbox/index.js';

// What real sellers send (issue 16 items 6-7): the SDK's middleware forwards the facilitator's
// settle answer verbatim (optional fields as JSON null); plan ids in the SDK's docs look like
// `plan-123`; one bad accepts[] entry must not hide a payable one.
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
const entry = (planId: string) => ({ scheme: 'nvm:card-delegation', network: 'stripe', planId, extra: { version: '1', httpVerb: 'GET' } });
const challenge = (accepts: unknown[]) => ({ x402Version: 2, resource: { url: '/x' }, accepts, extensions: {} });

describe('payment-response with JSON null in optional fields', () => {
  it('is a receipt, nulls read as absent', () => {
    const headers = new Headers({ 'payment-response': b64({ success: true, transaction: '0x1', network: 'stripe', creditsRedeemed: '1', orderTx: null, payer: null, errorReason: null, remainingBalance: null }) });
    expect(decodeReceipt(headers)).toEqual({ success: true, transaction: '0x1', network: 'stripe', creditsRedeemed: '1' });
    expect(Object.keys(decodeReceipt(headers)!)).not.toContain('orderTx');
  });

  it('still needs success as a boolean (null is not a receipt)', () => {
    expect(() => decodeReceipt(new Headers({ 'payment-response': b64({ success: null }) }))).toThrow(InvalidPaymentDataError);
  });
});

describe('plan ids and accepts[] entries', () => {
  it.each(['plan-123', 'did:nv:abc', '0xabc', SANDBOX_PLANS.basic])('accepts the plan id %s', (planId) => {
    expect(decodePaymentRequiredHeader(b64(challenge([entry(planId)]))).accepts[0]?.planId).toBe(planId);
  });

  it.each([['with a space', 'plan 123'], ['with a control character', 'plan\n123'], ['longer than 256', 'p'.repeat(257)], ['empty', '']])(
    'skips an entry whose plan id is %s, and keeps the good one',
    (_name, bad) => {
      const parsed = decodePaymentRequiredHeader(b64(challenge([entry(bad), entry('plan-123')])));
      expect(parsed.accepts.map((a) => a.planId)).toEqual(['plan-123']);
    },
  );

  it('skips entries of the wrong shape and keeps the rest in order', () => {
    const parsed = decodePaymentRequiredHeader(b64(challenge([{ scheme: 1 }, entry('a'), null, 'x', entry('b')])));
    expect(parsed.accepts.map((a) => a.planId)).toEqual(['a', 'b']);
  });

  it('a challenge with no well-formed entry is still a typed error', () => {
    expect(() => decodePaymentRequiredHeader(b64(challenge([{ scheme: 1 }, entry('plan 1')])))).toThrow(InvalidPaymentDataError);
  });
});

