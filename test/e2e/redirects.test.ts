import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { payingFetchFor, sandbox } from '../helpers.js';

const closers: Array<() => void> = [];
afterEach(() => closers.splice(0).forEach((c) => c()));

/** Another origin that records what it receives. */
async function foreignOrigin(): Promise<{ url: string; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.end('foreign');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('payment credentials stay on the origin they were bought for', () => {
  it('a redirect to another origin drops payment-signature and authorization', async () => {
    const sb = await sandbox();
    const foreign = await foreignOrigin();
    sb.route('/leave', { raw: (_req, res) => { res.writeHead(307, { location: `${foreign.url}/steal` }); res.end(); } });
    const { pay } = payingFetchFor(sb);
    await pay(`${sb.sellerUrl}/weather`); // the host now gets its token up front
    const res = await pay(`${sb.sellerUrl}/leave`, { headers: { authorization: 'Bearer user-secret' } });
    expect(await res.text()).toBe('foreign');
    expect(sb.sellerRequests.at(-1)?.headers['payment-signature']).toEqual(expect.any(String));
    expect(foreign.seen).toHaveLength(1);
    expect(foreign.seen[0]?.['payment-signature']).toBeUndefined();
    expect(foreign.seen[0]?.authorization).toBeUndefined();
  });

  it('a 402 from the redirect target is paid there, and the token never goes back to the first origin', async () => {
    const first = await sandbox();
    const second = await sandbox();
    first.route('/moved', { raw: (_req, res) => { res.writeHead(302, { location: `${second.sellerUrl}/weather` }); res.end(); } });
    // Pay with the second sandbox's buyer (its backend minted the token the seller verifies).
    const { pay } = payingFetchFor(second);
    const res = await pay(`${first.sellerUrl}/moved`);
    expect(res.status).toBe(200);
    expect(second.stats()).toMatchObject({ mints: 1, paidResponses: 1 });
    expect(first.sellerRequests.every((r) => !r.paid)).toBe(true);
    await pay(`${first.sellerUrl}/moved`);
    expect(first.sellerRequests.every((r) => !r.paid)).toBe(true);
  });

  it('a redirect loop ends with an error, not a hang', async () => {
    const sb = await sandbox();
    sb.route('/loop', { raw: (_req, res) => { res.writeHead(302, { location: '/loop' }); res.end(); } });
    const error = await payingFetchFor(sb).pay(`${sb.sellerUrl}/loop`).catch((e: unknown) => e);
    expect(String(error)).toMatch(/redirects/);
    expect(sb.sellerRequests.length).toBe(21);
  });

  it('redirect: manual is passed through untouched', async () => {
    const sb = await sandbox();
    sb.route('/r', { raw: (_req, res) => { res.writeHead(301, { location: '/free' }); res.end(); } });
    const res = await payingFetchFor(sb).pay(`${sb.sellerUrl}/r`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(sb.sellerRequests.map((r) => r.path)).toEqual(['/r']);
  });
});
