import { describe, expect, it } from 'vitest';
import { InvalidPaymentDataError } from '../../src/errors/index.js';
import { decodePaymentRequiredHeader, readChallenge } from '../../src/x402/payment-required.js';
import { decodeReceipt } from '../../src/x402/receipt.js';
import { isSingleUseToken } from '../../src/x402/access-token.js';

const PLAN = '27800462147494506865542649899724877617306579171265399959488097895839186996870';
const v2 = {
  x402Version: 2,
  resource: { url: '/search' },
  accepts: [{ scheme: 'nvm:card-delegation', network: 'stripe', planId: PLAN, extra: { version: '1', agentId: 'a1', futureField: true } }],
  extensions: {},
  somethingNew: 1,
};
const b64 = (v: unknown, enc: BufferEncoding = 'base64') => Buffer.from(JSON.stringify(v)).toString(enc);

describe('the payment-required header', () => {
  it('decodes standard base64 and keeps unknown fields', () => {
    const parsed = decodePaymentRequiredHeader(b64(v2));
    expect(parsed.x402Version).toBe(2);
    expect(parsed.accepts[0]).toMatchObject({ scheme: 'nvm:card-delegation', planId: PLAN, extra: { agentId: 'a1', futureField: true } });
  });

  it('decodes base64url without padding', () => {
    const value = b64({ ...v2, resource: { url: '/??>>??' } }, 'base64url');
    expect(value).toMatch(/[-_]/);
    expect((decodePaymentRequiredHeader(value) as { resource?: { url: string } }).resource?.url).toBe('/??>>??');
  });

  it('is found whatever the case of the header name', () => {
    const headers = new Headers({ 'PAYMENT-REQUIRED': b64(v2) });
    expect(readChallenge(headers, undefined)?.accepts[0]?.planId).toBe(PLAN);
  });

  it.each([
    ['not base64', '%%%not-base64%%%'],
    ['not JSON', Buffer.from('{oops').toString('base64')],
    ['no accepts', b64({ x402Version: 2, accepts: [] })],
    ['unknown version', b64({ ...v2, x402Version: 9 })],
    ['its only entry with a plan id that is not printable', b64({ ...v2, accepts: [{ ...v2.accepts[0], planId: 'plan 1\n' }] })],
    ['wrong types', b64({ ...v2, accepts: [{ scheme: 1, network: null }] })],
  ])('rejects %s with a typed error', (_name, value) => {
    expect(() => decodePaymentRequiredHeader(value)).toThrow(InvalidPaymentDataError);
  });

  it('rejects a header over 64 KiB before decoding it', () => {
    const huge = b64({ ...v2, padding: 'x'.repeat(70_000) });
    const error = (() => { try { decodePaymentRequiredHeader(huge); } catch (e) { return e; } })();
    expect(error).toBeInstanceOf(InvalidPaymentDataError);
    expect((error as InvalidPaymentDataError).code).toBe('INVALID_PAYMENT_DATA');
    expect((error as Error).message).toMatch(/65536 bytes/);
  });

  it('does not let __proto__ in a challenge pollute objects', () => {
    const hostile = `{"x402Version":2,"accepts":[{"scheme":"nvm:card-delegation","network":"stripe","__proto__":{"polluted":true}}],"__proto__":{"isAdmin":true}}`;
    const parsed = decodePaymentRequiredHeader(Buffer.from(hostile).toString('base64'));
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect((parsed as Record<string, unknown>).isAdmin).toBeUndefined();
    expect((parsed.accepts[0] as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('a challenge in the 402 body', () => {
  it('reads an x402 v1 body with maxAmountRequired', () => {
    const body = Buffer.from(JSON.stringify({ x402Version: 1, error: 'pay', accepts: [{ scheme: 'exact', network: 'base-sepolia', maxAmountRequired: '10000', resource: 'https://x/y', payTo: '0xabc', asset: '0xusdc' }] }));
    const parsed = readChallenge(new Headers(), body);
    expect(parsed).toMatchObject({ x402Version: 1, accepts: [{ maxAmountRequired: '10000' }] });
  });

  it('reads a v2 object carried in the body (as Exa purchase-key sends it)', () => {
    const parsed = readChallenge(new Headers(), Buffer.from(JSON.stringify(v2)));
    expect(parsed?.x402Version).toBe(2);
  });

  it('returns nothing for a 402 body that is not an x402 challenge', () => {
    expect(readChallenge(new Headers(), Buffer.from('{"error":"Payment Required"}'))).toBeUndefined();
    expect(readChallenge(new Headers(), Buffer.from('<html>pay</html>'))).toBeUndefined();
  });

  it('prefers the header over the body', () => {
    const body = Buffer.from(JSON.stringify({ x402Version: 1, accepts: [{ scheme: 'exact', network: 'base' }] }));
    expect(readChallenge(new Headers({ 'payment-required': b64(v2) }), body)?.x402Version).toBe(2);
  });
});

describe('receipts', () => {
  it('decodes payment-response, with credits as strings', () => {
    const headers = new Headers({ 'payment-response': b64({ success: true, transaction: '0x1', network: 'stripe', creditsRedeemed: 1, remainingBalance: '9', orderTx: 'pi_1' }) });
    expect(decodeReceipt(headers)).toEqual({ success: true, transaction: '0x1', network: 'stripe', creditsRedeemed: '1', remainingBalance: '9', orderTx: 'pi_1' });
  });

  it('decodes the v1 x-payment-response header', () => {
    const headers = new Headers({ 'X-PAYMENT-RESPONSE': b64({ success: true, transaction: '0xabc' }) });
    expect(decodeReceipt(headers)?.transaction).toBe('0xabc');
  });

  it('is undefined when absent and a typed error when malformed', () => {
    expect(decodeReceipt(new Headers())).toBeUndefined();
    expect(() => decodeReceipt(new Headers({ 'payment-response': b64({ success: 'yes' }) }))).toThrow(InvalidPaymentDataError);
  });
});

describe('access tokens', () => {
  it('tells single-use v3 tokens (authorization.nonce) from reusable v2 ones', () => {
    expect(isSingleUseToken(b64({ x402Version: 2, payload: { token: 'jwt', authorization: { nonce: 'n1' } } }))).toBe(true);
    expect(isSingleUseToken(b64({ x402Version: 2, payload: { token: 'jwt' } }))).toBe(false);
    expect(isSingleUseToken('opaque-token')).toBe(false);
  });
});
