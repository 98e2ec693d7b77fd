import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// MPP sellers that misbehave, on 127.0.0.1: one keeps every credential and answers 402 again
// (a fresh, well-formed challenge each time), one sends a malformed challenge, one
// drops the connection once a credential arrives (the charge may have happened). Each logs the
// Authorization headers it received.

export type HostileMode = 'keeps-credential' | 'malformed' | 'drops-after-credential' | 'fails-500' | 'expired-code';

const request = (amount: string) => Buffer.from(JSON.stringify({ amount, currency: 'usd', decimals: 2, recipient: 'acct_hostile' })).toString('base64url');

export function challenge(n: number, amount = '150'): string {
  const expires = new Date(Date.now() + 300_000).toISOString();
  return `Payment id="hostile-${n}", realm="hostile.test", method="test", intent="charge", request="${request(amount)}", expires="${expires}"`;
}

export async function startHostileMppSeller(mode: HostileMode) {
  const authorizations: string[] = [];
  let challenges = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const auth = req.headers.authorization;
    if (auth) authorizations.push(auth);
    const fresh = () => challenge((challenges += 1));
    if (mode === 'malformed') {
      res.writeHead(402, { 'www-authenticate': 'Payment id="m", realm="hostile.test", method="test", intent="charge", request="not base64url!"' });
      return void res.end('{}');
    }
    if (!auth) {
      res.writeHead(402, { 'www-authenticate': fresh(), 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ error: 'Payment Required' }));
    }
    if (mode === 'drops-after-credential') return void req.socket.destroy();
    if (mode === 'fails-500') {
      res.writeHead(500);
      return void res.end('oops');
    }
    // keeps-credential / expired-code: the credential is kept, and a new challenge asks again.
    res.writeHead(402, { 'www-authenticate': fresh(), 'content-type': 'application/json' });
    // Echoes what it was sent: a buyer must not repeat a credential in its errors.
    res.end(JSON.stringify({ error: 'Payment Required', message: `try again, not with ${auth}`, ...(mode === 'expired-code' ? { code: 'BCK.MPP.0004' } : {}) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, authorizations, close: () => new Promise<void>((r) => server.close(() => r())) };
}
