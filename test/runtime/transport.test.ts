import { Response as UndiciResponse } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPayingFetch } from '../../src/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { undiciTransport } from '../../src/undici.js';

describe('transports', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await createSandbox();
  });
  afterAll(() => sb.close());
  const nevermined = () => ({ apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId });

  it('by default, a paid response is the platform Response (instanceof Response and Headers hold)', async () => {
    const pay = createPayingFetch({ nevermined: nevermined() });
    const res = await pay(`${sb.sellerUrl}/weather`);
    expect(res.status).toBe(200);
    expect(res).toBeInstanceOf(Response);
    expect(res.headers).toBeInstanceOf(Headers);
    expect(await res.json()).toMatchObject({ path: '/weather' });
    expect(await pay.receipts()).toHaveLength(1);
  });

  it("a free response is the platform's too", async () => {
    const res = await createPayingFetch({ nevermined: nevermined() })(`${sb.sellerUrl}/free`);
    expect(res.status).toBe(200);
    expect(res).toBeInstanceOf(Response);
  });

  it("undiciTransport (paying-fetch/undici) pays the same call over undici's own fetch", async () => {
    const pay = createPayingFetch({ nevermined: nevermined(), fetch: undiciTransport() });
    const res = await pay(`${sb.sellerUrl}/weather`);
    expect(res.status).toBe(200);
    // Its responses are undici's classes: why it is opt-in.
    expect(res).toBeInstanceOf(UndiciResponse);
    expect(await res.json()).toMatchObject({ path: '/weather' });
    expect((await pay.receipts()).map((r) => r.outcome)).toEqual(['paid']);
  });
});
