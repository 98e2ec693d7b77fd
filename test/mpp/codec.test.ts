import { Challenge, Credential, Method, Receipt, z } from 'mppx';
import { describe, expect, it } from 'vitest';
import { InvalidPaymentDataError } from '../../src/errors/index.js';
import {
  decodeMppReceipt,
  encodeCredential,
  findMppPlugin,
  isMppChallengeExpired,
  mppReceiptOutcome,
  mppxMethod,
  neverminedMppMethod,
  parseMppChallenges,
  priceMppChallengeInCents,
  readMppChallenges,
  type MppChallenge,
} from '../../src/mpp/index.js';

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const decode = (value: string) => JSON.parse(Buffer.from(value.replace(/^Payment\s+/, ''), 'base64url').toString('utf8')) as { challenge: Record<string, unknown>; payload: unknown; source?: string };

// Exactly as Nevermined's SDK 1.11 tests write its seller's challenge (src/mpp tests).
const NVM_REQUEST = 'eyJjcmVkaXRzIjoiMiIsInBsYW5JZCI6IjQ0NzQyNzYzMDc2MDQ3NDk3NjQwMDgwMjMwMjM2NzgxNDc0MTI5OTcwOTkyNzI3ODk2NTkzODYxOTk3MzQ3MTM1NjEzMTM1NTcxMDcifQ';
const NVM_OPAQUE = 'eyJfbXBweF9zY29wZSI6IlBPU1QgL2FzayIsIm5vbmNlIjoiMTExMTExMTEtMjIyMi0zMzMzLTQ0NDQtNTU1NTU1NTU1NTU1In0';
const NVM_CHALLENGE =
  'Payment id="CQszOngfvT1RIGSajipZJvg-lBCEDugWLDF7SD_w1og", realm="api.nevermined.app", method="nevermined", intent="charge", ' +
  `request="${NVM_REQUEST}", expires="2026-08-12T10:05:00.000Z", opaque="${NVM_OPAQUE}"`;

const mppxChallenge = (overrides: Partial<Parameters<typeof Challenge.from>[0]> = {}) =>
  Challenge.serialize(
    Challenge.from({
      secretKey: 'k'.repeat(32),
      realm: 'seller.test',
      method: 'test',
      intent: 'charge',
      request: { amount: '150', currency: 'usd', decimals: 2, recipient: 'acct_1' },
      expires: '2999-01-01T00:00:00.000Z',
      ...overrides,
    } as Parameters<typeof Challenge.from>[0]),
  );

describe('WWW-Authenticate: Payment challenges', () => {
  it("reads Nevermined's challenge: request and opaque exactly as received", () => {
    const [c] = parseMppChallenges(NVM_CHALLENGE);
    expect(c).toMatchObject({ id: 'CQszOngfvT1RIGSajipZJvg-lBCEDugWLDF7SD_w1og', realm: 'api.nevermined.app', method: 'nevermined', intent: 'charge', expires: '2026-08-12T10:05:00.000Z', credentialHeader: 'authorization' });
    expect(c!.requestEncoded).toBe(NVM_REQUEST);
    expect(c!.opaque).toBe(NVM_OPAQUE);
    expect(c!.request).toEqual({ credits: '2', planId: '4474276307604749764008023023678147412997099272789659386199734713561313557107' });
  });

  it('reads what mppx writes, escaped quotes, commas and characters above U+00FF in a description included', () => {
    const description = 'a "5\\" screen", with commas, café ✓';
    const header = mppxChallenge({ description });
    const [c] = parseMppChallenges(header);
    const reference = Challenge.deserialize(header);
    expect(c).toMatchObject({ id: reference.id, realm: 'seller.test', method: 'test', intent: 'charge', description });
    expect(c!.request).toEqual(reference.request);
  });

  it('reads several challenges in one header, in order, skipping other schemes', () => {
    const header = `Bearer realm="api", error="invalid_token", ${mppxChallenge({ id: undefined })}, ${NVM_CHALLENGE}, Basic realm="x"`;
    expect(parseMppChallenges(header).map((c) => c.method)).toEqual(['test', 'nevermined']);
  });

  it('reads challenges sent as several WWW-Authenticate headers', () => {
    const headers = new Headers();
    headers.append('WWW-Authenticate', mppxChallenge());
    headers.append('WWW-Authenticate', NVM_CHALLENGE);
    expect(readMppChallenges(headers).map((c) => c.method)).toEqual(['test', 'nevermined']);
    expect(readMppChallenges(new Headers())).toEqual([]);
    expect(readMppChallenges(new Headers({ 'www-authenticate': 'Bearer realm="x"' }))).toEqual([]);
  });

  it('skips a challenge with a bad field and keeps the good one', () => {
    const bad = [
      'Payment id="a", realm="r", method="Test", intent="charge", request="e30"', // method not lower case
      'Payment id="b", realm="r", method="test", intent="charge", request="bm90IGpzb24"', // request not JSON
      'Payment id="c", realm="r", method="test", intent="charge"', // no request
      'Payment id="d", id="d2", realm="r", method="test", intent="charge", request="e30"', // duplicate param
      'Payment id="e", realm="r", method="test", intent="charge", request="e30", expires="tomorrow"',
      `Payment id="f", realm="r", method="test", intent="charge", request="${b64url([1, 2])}"`, // not an object
      'Payment dG9rZW42OA==', // a token68 is a credential, not a challenge
    ];
    for (const b of bad) expect(parseMppChallenges(`${b}, ${NVM_CHALLENGE}`).map((c) => c.id), b).toEqual(['CQszOngfvT1RIGSajipZJvg-lBCEDugWLDF7SD_w1og']);
    for (const b of bad) expect(() => parseMppChallenges(b), b).toThrow(InvalidPaymentDataError);
  });

  it.each([
    ['an unterminated quote', 'Payment id="abc, realm="r"'],
    ['a CR in a quoted value', 'Payment id="a\rb", realm="r"'],
    ['a param before any scheme', 'id="a", Payment realm="r"'],
    ['garbage', 'Payment id="a" realm="r"'],
    ['over 64 KiB', `Payment id="${'a'.repeat(70_000)}"`],
    ['a value over 16 KiB', `Payment id="${'a'.repeat(17_000)}"`],
    ['more than 16 challenges', Array.from({ length: 17 }, () => 'Basic realm="x"').join(', ')],
    ['more than 32 params', `Payment ${Array.from({ length: 33 }, (_, i) => `p${i}="v"`).join(', ')}`],
  ])('refuses %s with a typed error', (_name, header) => {
    expect(() => parseMppChallenges(header)).toThrow(InvalidPaymentDataError);
  });

  it('tells an expired challenge', () => {
    const [c] = parseMppChallenges(NVM_CHALLENGE);
    expect(isMppChallengeExpired(c!, Date.parse('2026-08-12T10:04:59Z'))).toBe(false);
    expect(isMppChallengeExpired(c!, Date.parse('2026-08-12T10:05:00Z'))).toBe(true);
  });
});

describe('the credential', () => {
  it('carries the challenge back with request and opaque byte for byte, even when not canonical', () => {
    // Keys out of canonical order and padding kept: a re-encoding would change these bytes.
    const request = Buffer.from('{"planId":"p","credits":"1"}').toString('base64url');
    const [c] = parseMppChallenges(`Payment id="x", realm="r", method="nevermined", intent="charge", request="${request}", opaque="b3BhcXVl", description="d \\"q\\""`);
    const { name, value } = encodeCredential(c!, { payload: { accessToken: 'tok' } });
    expect(name).toBe('authorization');
    expect(decode(value)).toEqual({
      challenge: { id: 'x', realm: 'r', method: 'nevermined', intent: 'charge', request, opaque: 'b3BhcXVl', description: 'd "q"' },
      payload: { accessToken: 'tok' },
    });
  });

  it('is what mppx reads as the same challenge', () => {
    const header = mppxChallenge();
    const [c] = parseMppChallenges(header);
    const credential = Credential.deserialize(encodeCredential(c!, { payload: { token: 't' }, source: 'did:example:1' }).value);
    expect(credential.challenge).toEqual(Challenge.deserialize(header));
    expect(credential).toMatchObject({ payload: { token: 't' }, source: 'did:example:1' });
  });

  it('goes in the header the challenge names', () => {
    const [c] = parseMppChallenges('Payment id="x", realm="r", method="m", intent="charge", request="e30", header="X-Payment-Credential"');
    expect(encodeCredential(c!, { payload: {} }).name).toBe('x-payment-credential');
  });
});

describe('Payment-Receipt', () => {
  const receipt = { method: 'test', reference: 'tx-1', status: 'success' as const, timestamp: '2026-01-01T00:00:00.000Z' };

  it('decodes what mppx writes', () => {
    expect(decodeMppReceipt(new Headers({ 'payment-receipt': Receipt.serialize(receipt) }))).toEqual(receipt);
  });

  it('keeps any status word; only "success" is success and only a stated failure is failed', () => {
    const outcome = (status: string) => mppReceiptOutcome({ ...receipt, status });
    expect([outcome('success'), outcome('FAILED'), outcome('declined'), outcome('completed')]).toEqual(['success', 'failed', 'failed', 'unknown']);
  });

  it('is undefined when absent, accepts null optional fields, and is a typed error when malformed', () => {
    expect(decodeMppReceipt(new Headers())).toBeUndefined();
    expect(decodeMppReceipt(new Headers({ 'payment-receipt': b64url({ ...receipt, externalId: null }) }))).toEqual({ ...receipt, externalId: null });
    for (const bad of ['%%%', b64url({ ...receipt, reference: '' }), b64url([receipt]), 'A'.repeat(9000)]) {
      expect(() => decodeMppReceipt(new Headers({ 'payment-receipt': bad })), bad.slice(0, 20)).toThrow(InvalidPaymentDataError);
    }
  });
});

describe('pricing a challenge', () => {
  const priced = (request: Record<string, unknown>, method = 'stripe') => ({ ...parseMppChallenges(NVM_CHALLENGE)[0]!, method, request });

  it('prices dollars and dollar stablecoins in whole cents, rounded up', () => {
    expect(priceMppChallengeInCents(priced({ amount: '150', currency: 'usd', decimals: 2 }))).toBe(150);
    expect(priceMppChallengeInCents(priced({ amount: '1', currency: 'USDC', decimals: 6 }))).toBe(1);
    expect(priceMppChallengeInCents(priced({ amount: '2500000', currency: 'usdc', decimals: 6 }))).toBe(250);
    expect(priceMppChallengeInCents(priced({ amount: '10'.padEnd(78, '0'), currency: 'usd', decimals: 0 }))).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('prices a token only when the caller names its rate; nothing for credits or malformed amounts', () => {
    const token = { amount: '1000000', currency: '0x20C0000000000000000000000000000000000000', decimals: 6 };
    expect(priceMppChallengeInCents(priced(token, 'tempo'))).toBeUndefined();
    expect(priceMppChallengeInCents(priced(token, 'tempo'), { '0x20c0000000000000000000000000000000000000': 100 })).toBe(100);
    expect(priceMppChallengeInCents(parseMppChallenges(NVM_CHALLENGE)[0]!)).toBeUndefined();
    expect(priceMppChallengeInCents(priced({ amount: '1.5', currency: 'usd', decimals: 2 }))).toBeUndefined();
    expect(priceMppChallengeInCents(priced({ amount: 150, currency: 'usd', decimals: 2 }))).toBeUndefined();
  });
});

describe('method plugins', () => {
  it("Nevermined's method mints for the challenge's plan and agent with the delegation, and carries the token", async () => {
    const mints: unknown[] = [];
    const plugin = neverminedMppMethod({ delegationId: 'del-1', mint: async (request) => (mints.push(request), { accessToken: 'nvm-token' }) });
    const request = b64url({ planId: 'plan-123', credits: 3, agentId: 'agent-1' });
    const [c] = parseMppChallenges(`Payment id="x", realm="api.nevermined.app", method="nevermined", intent="charge", request="${request}"`);
    expect(findMppPlugin([plugin], c!)).toBe(plugin);
    expect(await plugin.createCredential(c!, { url: 'http://127.0.0.1/x', httpMethod: 'GET' })).toEqual({ payload: { accessToken: 'nvm-token' } });
    expect(mints).toEqual([{ scheme: 'nvm:erc4337', network: 'eip155:84532', planId: 'plan-123', agentId: 'agent-1', delegationId: 'del-1' }]);
    // A Nevermined challenge without a plan is not one it can pay.
    const [noPlan] = parseMppChallenges(`Payment id="y", realm="r", method="nevermined", intent="charge", request="${b64url({ credits: '1' })}"`);
    expect(findMppPlugin([plugin], noPlan!)).toBeUndefined();
  });

  it('an mppx client method pays through the same interface', async () => {
    const method = Method.toClient(
      Method.from({ name: 'test', intent: 'charge', schema: { credential: { payload: z.object({ token: z.string() }) }, request: z.object({ amount: z.string() }) } }),
      { async createCredential({ challenge }) { return Credential.serialize({ challenge, payload: { token: `paid-${challenge.id}` }, source: 'did:x' }); } },
    );
    const plugin = mppxMethod(method);
    const [c] = parseMppChallenges(mppxChallenge({ id: 'fixed-id' } as never));
    expect(findMppPlugin([neverminedMppMethod({ delegationId: 'd', mint: async () => ({ accessToken: '' }) }), plugin], c!)).toBe(plugin);
    expect(await plugin.createCredential(c!, { url: 'u', httpMethod: 'GET' })).toEqual({ payload: { token: `paid-${c!.id}` }, source: 'did:x' });
  });

  it('no plugin for a method nobody pays, or for another intent', () => {
    const plugin = { method: 'test', intent: 'session', createCredential: async () => ({ payload: {} }) };
    expect(findMppPlugin([plugin], parseMppChallenges(mppxChallenge())[0]! as MppChallenge)).toBeUndefined();
  });
});
