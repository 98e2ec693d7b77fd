import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { MAX_MPP_CREDENTIAL_BYTES } from '../mpp/limits.js';
import { safeJsonParse } from '../util/safe-json.js';
import { base64Text, textToBase64 } from '../util/text-bytes.js';
import { close, listen, sendJson } from './http.js';

// An MPP seller ("Payment" HTTP authentication) with a `test` method that charges nothing real: a
// credential is accepted when it answers a challenge this seller issued, unused, with a token in
// its payload. node:http and paying-fetch's own codec only, so it ships in the package.

export const MPP_SANDBOX_REALM = 'sandbox.test';

export interface MppSellerRoute {
  /** Price in the currency's minor units (`usd`, 2 decimals: '150' = $1.50). */
  amount: string;
  body: unknown;
}

export interface MppSeller {
  readonly url: string;
  /** Every credential accepted: the challenge it answered, its token and the amount. */
  readonly verified: Array<{ challengeId: string; token: string; amount: string }>;
  close(): Promise<void>;
}

const DEFAULT_ROUTES: Record<string, MppSellerRoute> = {
  '/report': { amount: '150', body: { report: 'paid content' } },
  '/quote': { amount: '25', body: { quote: 42 } },
};

const credentialSchema = z.object({
  challenge: z.looseObject({ id: z.string().max(200), realm: z.string().max(200), method: z.string().max(64), intent: z.string().max(64), request: z.string().max(8_192) }),
  payload: z.looseObject({ token: z.string().min(1).max(1_024) }),
});

interface Issued {
  request: string;
  path: string;
  used: boolean;
}

const b64url = (value: unknown) => textToBase64(JSON.stringify(value), true);

function readCredential(header: string | undefined): z.infer<typeof credentialSchema> | undefined {
  const match = header && header.length <= MAX_MPP_CREDENTIAL_BYTES + 16 ? /^Payment\s+([A-Za-z0-9_-]+={0,2})$/i.exec(header.trim()) : null;
  const parsed = credentialSchema.safeParse(match ? safeJsonParse(base64Text(match[1]!)) : undefined);
  return parsed.success ? parsed.data : undefined;
}

/** Starts the MPP seller on 127.0.0.1 (GET /report $1.50, GET /quote $0.25, method `test`). */
export async function startMppSeller(routes: Record<string, MppSellerRoute> = DEFAULT_ROUTES): Promise<MppSeller> {
  const issued = new Map<string, Issued>();
  const verified: MppSeller['verified'] = [];
  const handler = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    const route = routes[url.pathname];
    if (!route) return sendJson(res, 404, { error: 'Not Found' });
    const ask = (detail: string) => {
      const id = randomBytes(16).toString('base64url');
      const request = b64url({ amount: route.amount, currency: 'usd', decimals: 2, recipient: 'acct_sandbox' });
      if (issued.size >= 10_000) issued.delete(issued.keys().next().value as string); // bounded
      issued.set(id, { request, path: url.pathname, used: false });
      const expires = new Date(Date.now() + 5 * 60_000).toISOString();
      const challenge = `Payment id="${id}", realm="${MPP_SANDBOX_REALM}", method="test", intent="charge", request="${request}", expires="${expires}"`;
      sendJson(res, 402, { type: 'https://paymentauth.org/problems/payment-required', title: 'Payment Required', status: 402, detail }, { 'www-authenticate': challenge });
    };
    const header = req.headers.authorization;
    if (header === undefined) return ask('Payment is required.');
    const credential = readCredential(header);
    if (!credential) return ask('Malformed credential.');
    const { challenge, payload } = credential;
    const known = issued.get(challenge.id);
    if (!known || known.used || known.path !== url.pathname || known.request !== challenge.request || challenge.method !== 'test' || challenge.intent !== 'charge' || challenge.realm !== MPP_SANDBOX_REALM) {
      return ask('Credential does not answer a challenge of this seller.');
    }
    known.used = true;
    verified.push({ challengeId: challenge.id, token: payload.token, amount: route.amount });
    const receipt = b64url({ method: 'test', reference: `ref-${verified.length}`, status: 'success', timestamp: new Date().toISOString() });
    sendJson(res, 200, route.body, { 'payment-receipt': receipt });
  };
  const { server, url } = await listen(handler);
  return { url, verified, close: () => close(server) };
}
