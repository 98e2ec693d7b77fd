import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPayingFetch } from '../../src/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';

// The platform's fetch ignores HTTP_PROXY on Node 20/22: the default transport hands it undici's
// EnvHttpProxyAgent when a proxy is configured, so agents behind a proxy keep working.
describe('the default transport behind HTTP_PROXY', () => {
  let sb: Sandbox;
  let proxy: Server;
  const tunnels: string[] = [];
  const saved = process.env.HTTP_PROXY;

  beforeAll(async () => {
    sb = await createSandbox();
    // A CONNECT proxy on loopback that records where each tunnel goes.
    proxy = createServer();
    proxy.on('connect', (req, socket, head) => {
      tunnels.push(req.url!);
      const [host, port] = req.url!.split(':');
      const upstream = connect(Number(port), host!, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    process.env.HTTP_PROXY = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    if (saved === undefined) delete process.env.HTTP_PROXY;
    else process.env.HTTP_PROXY = saved;
    proxy.closeAllConnections();
    proxy.close();
    await sb.close();
  });

  it('sends the seller call and the mint through the proxy, and still answers with the platform Response', async () => {
    const pay = createPayingFetch({ nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId } });
    const res = await pay(`${sb.sellerUrl}/weather`);
    expect(res.status).toBe(200);
    expect(res).toBeInstanceOf(Response);
    const hostOf = (url: string) => new URL(url).host;
    expect(new Set(tunnels)).toEqual(new Set([hostOf(sb.sellerUrl), hostOf(sb.backendUrl)]));
  });
});
