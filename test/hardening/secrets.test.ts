import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, createPayingFetch } from '../../src/index.js';
import { NeverminedRestClient } from '../../src/advanced.js';
import { SANDBOX_PLANS } from '../../src/sandbox/index.js';
import { cardPayingFetch, exaPayingFetch, expectNoSecrets, payingFetchFor, sandbox } from '../helpers.js';

/** An error and every cause under it. */
function chain(error: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e = error; e; e = (e as { cause?: unknown }).cause) out.push(e);
  return out;
}

describe('no secret ever leaks', () => {
  it('across events, errors and their causes, receipts, key listings, reports and inspected objects', async () => {
    const sb = await sandbox({ delegationLimitCents: 5000 });
    const seen: unknown[] = [];
    const capture = async (p: Promise<unknown>) => {
      try {
        const value = await p;
        // A Response is the caller's own (with the URL they asked for): its headers are scanned.
        const isResponse = typeof (value as Response | null)?.headers?.get === 'function' && 'status' in (value as object);
        seen.push(isResponse ? Object.fromEntries((value as Response).headers) : value);
      } catch (error) {
        seen.push(...chain(error), inspect(error, { depth: 10 }));
      }
    };

    const agent = payingFetchFor(sb, { policy: { autoTopUp: true } });
    const shopper = exaPayingFetch(sb, { policy: { autoTopUp: true } });
    const card = cardPayingFetch(sb, { budget: { lifetimeCents: 300 }, delegation: { spendingLimitCents: 200 } });
    await capture(agent.pay(`${sb.sellerUrl}/weather?token=query-secret`));
    await capture(agent.pay(`${sb.sellerUrl}/premium`));
    sb.route('/hostile', { planId: SANDBOX_PLANS.basic, alwaysChallenge: true });
    await capture(agent.pay(`${sb.sellerUrl}/hostile`)); // PaymentRejectedError
    sb.faults.inject('seller', { kind: 'reset', after: 'work' });
    await capture(agent.pay(`${sb.sellerUrl}/metered`)); // PaymentOutcomeUnknownError
    for (let i = 0; i < 12; i += 1) await capture(shopper.search()); // provision + top up
    sb.vendor.keys.get(sb.principal)!.capped = 'API_KEY_BUDGET_EXCEEDED';
    await capture(shopper.search()); // ProviderCappedError
    for (let i = 0; i < 4; i += 1) await capture(card.pay(`${sb.sellerUrl}/metered`)); // consent / budget errors
    await capture(payingFetchFor(sb, { nevermined: { apiKey: sb.apiKey.slice(0, -3) + 'xyz', backendUrl: sb.backendUrl, delegationId: sb.delegationId } }).pay(`${sb.sellerUrl}/weather`));
    for (const p of [agent, shopper, card]) {
      seen.push(p.events, await p.pay.receipts(), await p.pay.keys(), await p.pay.budget(), inspect(p.pay, { depth: 10, showHidden: true }));
      await capture(p.pay.reconcile());
    }
    seen.push(inspect(new NeverminedRestClient({ apiKey: sb.apiKey, backendUrl: sb.backendUrl }), { depth: 10, showHidden: true }));

    const secrets = [
      sb.apiKey,
      ...sb.world.tokensIssued(),
      ...[...sb.vendor.keys.values()].map((k) => k.apiKey),
      'query-secret',
    ];
    expect(secrets.length).toBeGreaterThan(5);
    expect(seen.length).toBeGreaterThan(30);
    expectNoSecrets(seen, secrets);
  });

  it('an API key in a configuration error is not echoed', () => {
    const apiKey = 'nonsense:very-secret-key-material';
    let error: unknown;
    try {
      createPayingFetch({ nevermined: { apiKey, delegationId: 'd' } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expectNoSecrets([error, inspect(error)], [apiKey, 'very-secret-key-material']);
  });
});

describe('keys and tokens travel over HTTPS only', () => {
  it('refuses a plain-http backend off loopback, unless allowed on purpose', async () => {
    const sb = await sandbox();
    const options = { nevermined: { apiKey: sb.apiKey, backendUrl: 'http://nevermined.internal:3001', delegationId: 'd' } };
    expect(() => createPayingFetch(options)).toThrow(/must use https/);
    expect(() => createPayingFetch({ ...options, allowInsecureHttp: true })).not.toThrow();
    expect(() => createPayingFetch({ nevermined: { apiKey: sb.apiKey, backendUrl: 'http://localhost:3001' } })).not.toThrow();
  });

  it('refuses a plain-http provider', async () => {
    const sb = await sandbox();
    const { exa } = await import('../../src/index.js');
    expect(() => createPayingFetch({ nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl }, providers: [exa({ apiOrigin: 'http://api.exa.ai' })] })).toThrow(/exa origin must use https/);
  });
});

describe('a vendor that echoes the token it refuses', () => {
  it('never gets the token into the purchase error', async () => {
    const sb = await sandbox();
    const { createServer } = await import('node:http');
    const { exa } = await import('../../src/index.js');
    const server = createServer((req, res) => {
      if (req.url === '/purchase') {
        res.writeHead(400, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ error: `bad token ${String(req.headers['payment-signature'])}` }));
      }
      res.writeHead(402);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const pay = createPayingFetch({ nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId }, providers: [exa({ purchaseUrl: `${origin}/purchase`, apiOrigin: origin })] });
    const error = await pay(`${origin}/search`).catch((e: unknown) => e);
    server.close();
    expect(error).toMatchObject({ code: 'PURCHASE_FAILED', status: 400 });
    expect((error as Error).message).toContain('bad token [redacted]');
    expect(sb.world.tokensIssued()).toHaveLength(1);
    expectNoSecrets([error], [sb.apiKey, ...sb.world.tokensIssued()]);
  });
});
