import { inspect } from 'node:util';
import { afterEach } from 'vitest';
import { createPayingFetch, exa, type PayingFetch, type PayingFetchOptions } from '../src/index.js';
import { createSandbox, type Sandbox } from '../src/sandbox/index.js';

const open: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** A fresh sandbox per test, closed after it. */
export async function sandbox(options?: Parameters<typeof createSandbox>[0]): Promise<Sandbox> {
  const sb = await createSandbox(options);
  open.push(sb);
  return sb;
}

/** Every event a PayingFetch emits, kept for assertions (and secret scans). */
export interface Recorded {
  pay: PayingFetch;
  events: Array<{ type: string; event: unknown }>;
  count(type: string): number;
}

export function record(pay: PayingFetch): Recorded {
  const events: Recorded['events'] = [];
  for (const type of ['mint', 'sign', 'payment', 'receipt', 'blocked', 'budget-warning', 'purchase'] as const) {
    pay.on(type, (event) => events.push({ type, event }));
  }
  return { pay, events, count: (type) => events.filter((e) => e.type === type).length };
}

export function payingFetchFor(sb: Sandbox, extra: Partial<PayingFetchOptions> = {}): Recorded {
  return record(
    createPayingFetch({
      nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId },
      backendRetryDelayMs: 5,
      ...extra,
    }),
  );
}

/** Every token the seller ever received. */
export function tokensSeen(sb: Sandbox): string[] {
  return sb.sellerRequests.flatMap((r) => {
    const value = r.headers['payment-signature'] ?? r.headers['x-payment'];
    return typeof value === 'string' ? [value] : [];
  });
}

/** Fails when any secret appears in the given things (serialised every way a user might print them). */
export function expectNoSecrets(things: unknown[], secrets: string[]): void {
  things.forEach((t, i) => {
    const text = `${safeJson(t)}\n${inspect(t, { depth: 10, showHidden: true })}\n${String(t)}`;
    for (const secret of secrets) {
      if (text.includes(secret)) throw new Error(`a secret leaked (${secret.slice(0, 12)}...) in item ${i}: ${text.slice(Math.max(0, text.indexOf(secret) - 600), text.indexOf(secret) + 40).replaceAll(secret, '<SECRET>')}`);
    }
  });
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (v instanceof Error ? { ...v, message: v.message, stack: v.stack, cause: v.cause } : v));
  } catch {
    return '';
  }
}

/** A payingFetch that creates delegations from the sandbox card, on the sandbox clock. */
export function cardPayingFetch(sb: Sandbox, policy: PayingFetchOptions['policy'], extra: Partial<PayingFetchOptions> = {}): Recorded {
  return record(
    createPayingFetch({
      nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, paymentMethodId: sb.paymentMethodId },
      policy,
      clock: () => sb.world.now(),
      backendRetryDelayMs: 5,
      ...extra,
    }),
  );
}

/** The built-in exa() recipe pointed at the sandbox vendor. */
export function sandboxExa(sb: Sandbox, overrides: Partial<Parameters<typeof exa>[0]> = {}) {
  return exa({ purchaseUrl: `${sb.vendorUrl}/team-management/nevermined/purchase-key`, apiOrigin: sb.vendorUrl, ...overrides });
}

/** A payingFetch with exa() on the sandbox, paying with the sandbox delegation. */
export function exaPayingFetch(sb: Sandbox, extra: Partial<PayingFetchOptions> = {}): Recorded & { search: (q?: string) => Promise<Response> } {
  const recorded = record(
    createPayingFetch({
      nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId },
      providers: [sandboxExa(sb)],
      backendRetryDelayMs: 5,
      rateLimit: { baseMs: 5, maxMs: 20 },
      ...extra,
    }),
  );
  const search = (q = 'agents') => recorded.pay(`${sb.vendorUrl}/search`, { method: 'POST', body: JSON.stringify({ query: q }), headers: { 'content-type': 'application/json' } });
  return { ...recorded, search };
}
