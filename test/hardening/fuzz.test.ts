import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidPaymentDataError, NeverminedBackendError } from '../../src/index.js';
import { NeverminedRestClient } from '../../src/advanced.js';
import { readPurchaseAnswer } from '../../src/providers/purchase-answer.js';
import { decodePaymentRequiredHeader, readChallenge } from '../../src/x402/payment-required.js';
import { decodeReceipt } from '../../src/x402/receipt.js';
import { paymentRequiredSchema } from '../../src/x402/schemas.js';
import { SANDBOX_PLANS } from '../../src/sandbox/index.js';
import { payingFetchFor, sandbox } from '../helpers.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const HOSTILE = [
  '{"__proto__":{"polluted":1},"x402Version":2,"accepts":[{"scheme":"nvm:card-delegation","network":"stripe"}]}',
  '{"constructor":{"prototype":{"polluted":1}},"x402Version":2,"accepts":[]}',
  '{"x402Version":2,"accepts":[{"scheme":"nvm:card-delegation","network":"stripe","planId":"1","extra":{"__proto__":{"polluted":1}}}]}',
  '{"x402Version":2,"accepts":' + '['.repeat(5000) + ']'.repeat(5000) + '}',
];
const VALID = JSON.stringify({ x402Version: 2, accepts: [{ scheme: 'nvm:card-delegation', network: 'stripe', planId: '123', extra: { agentId: 'a' } }] });

/** A value that is either a valid parse or our typed error: anything else fails the property. */
function typedOrValid(run: () => unknown, check?: (value: unknown) => void): void {
  try {
    const value = run();
    check?.(value);
  } catch (error) {
    if (!(error instanceof InvalidPaymentDataError)) throw error;
  }
}

describe('hostile input to the codec (property-based)', () => {
  it('any header string: a valid challenge or InvalidPaymentDataError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), (value) => typedOrValid(() => decodePaymentRequiredHeader(value), (v) => expect(paymentRequiredSchema.safeParse(v).success).toBe(true))), { numRuns: 500 });
  });

  it('any JSON, base64-encoded: a valid challenge or InvalidPaymentDataError', () => {
    fc.assert(fc.property(fc.json({ maxDepth: 4 }), (json) => typedOrValid(() => decodePaymentRequiredHeader(b64(json)))), { numRuns: 500 });
  });

  it('truncations and byte flips of a valid challenge never crash', () => {
    fc.assert(
      fc.property(fc.nat(VALID.length), fc.nat(VALID.length), fc.integer({ min: 0, max: 255 }), (cut, at, byte) => {
        const bytes = Buffer.from(VALID.slice(0, cut));
        if (at < bytes.length) bytes[at] = byte;
        typedOrValid(() => decodePaymentRequiredHeader(bytes.toString('base64')));
        typedOrValid(() => readChallenge(new Headers(), bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('wrong-typed fields are refused, not coerced', () => {
    const shapes = fc.record({ x402Version: fc.anything(), accepts: fc.anything(), resource: fc.anything() }, { requiredKeys: [] });
    fc.assert(fc.property(shapes, (shape) => typedOrValid(() => decodePaymentRequiredHeader(b64(JSON.stringify(shape) ?? 'null')))), { numRuns: 300 });
  });

  it('prototype-pollution payloads pollute nothing', () => {
    for (const payload of HOSTILE) typedOrValid(() => decodePaymentRequiredHeader(b64(payload)));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('receipts: any header value is a receipt or InvalidPaymentDataError', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.json({ maxDepth: 3 }).map(b64)), (value) => typedOrValid(() => decodeReceipt(new Headers({ 'payment-response': value })))), { numRuns: 500 });
  });

  it('purchase answers: any JSON reads as an answer or as nothing, never throws', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (json) => {
        const answer = readPurchaseAnswer(json);
        if (answer) {
          expect(answer.apiKey === undefined || typeof answer.apiKey === 'string').toBe(true);
          expect(answer.units === undefined || Number.isInteger(answer.units)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('hostile backend answers (property-based, over loopback)', () => {
  let url = '';
  let next: { status: number; body: string } = { status: 200, body: '{}' };
  const server = createServer((_req, res) => {
    res.writeHead(next.status, { 'content-type': 'application/json' });
    res.end(next.body);
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => void server.close());

  it('a mint answer is a token string or a NeverminedBackendError', async () => {
    const apiKey = `sandbox:e30.${Buffer.from('{"sub":"0xabc"}').toString('base64url')}.sig`;
    const client = new NeverminedRestClient({ apiKey, backendUrl: url, retries: 0 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(200, 201, 400, 402, 404, 500), fc.oneof(fc.json({ maxDepth: 3 }), fc.string({ maxLength: 100 })), async (status, body) => {
        next = { status, body };
        try {
          const { accessToken } = await client.mint({ scheme: 'nvm:card-delegation', network: 'stripe', planId: '1', delegationId: 'd' });
          expect(typeof accessToken).toBe('string');
          expect(status < 300).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(NeverminedBackendError);
          expect((error as Error).message).not.toContain(apiKey);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('hostile sellers never lead to a mint', () => {
  it('random challenges from a seller: a typed outcome, and a mint only for a valid Nevermined entry', async () => {
    const sb = await sandbox();
    let header = '';
    sb.route('/fuzz', { raw: (_req, res) => { res.writeHead(402, { 'payment-required': header }); res.end('{}'); } });
    const { pay } = payingFetchFor(sb);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.json({ maxDepth: 3 }).map(b64), fc.string({ minLength: 1, maxLength: 80 }).filter((s) => /^[\x21-\x7e]+$/.test(s))), async (value) => {
        header = value;
        const before = sb.stats().mints;
        const res = await pay(`${sb.sellerUrl}/fuzz`);
        expect(res.status).toBe(402);
        expect(sb.stats().mints).toBe(before);
      }),
      { numRuns: 100 },
    );
    // The control: a valid challenge for a known plan does mint (and, refused by this seller, once more).
    header = b64(JSON.stringify({ x402Version: 2, accepts: [{ scheme: 'nvm:card-delegation', network: 'stripe', planId: SANDBOX_PLANS.basic }] }));
    await expect(pay(`${sb.sellerUrl}/fuzz`)).rejects.toMatchObject({ code: 'PAYMENT_REJECTED' });
    expect(sb.stats().mints).toBe(2);
  });
});
