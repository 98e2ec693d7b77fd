// One client of a throughput comparison, alone in its own process (spawned by run.ts).
// Why a process each: undici's fetch, shared by every client, is JIT-compiled for the argument
// shapes it sees. Run in one process, the clients deoptimise each other's calls into it, and
// the comparison measures that cross-talk rather than the client. An agent runs one client.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wrapFetchWithPayment, x402Client } from '@x402/fetch';
import { Agent, fetch as undiciFetch } from 'undici';
import { createPayingFetch, EmbeddedStore } from '../dist/index.js';
import { undiciTransport } from '../dist/undici.js';
import { createSandbox } from '../dist/sandbox/index.js';
import { runOnce, type RunResult } from './measure.js';
import { startOrigin } from './servers.js';

export type ClientName = 'undici' | 'fetch' | 'paying-fetch' | 'paying-fetch-embedded' | 'paying-fetch-undici' | 'paying-fetch-undici-embedded' | 'x402';

export interface ClientJob {
  route: 'free' | 'paid';
  /** Time only the first paid call of a fresh process (cold), split into transport and own time. */
  first?: boolean;
  client: ClientName;
  total: number;
  concurrency: number;
  repeats: number;
}

export interface FirstCall {
  /** The whole first paid call, ms. */
  totalMs: number;
  /** Of which waiting on the transport (seller and backend round trips), ms; paying-fetch only. */
  transportMs?: number | undefined;
  /** Round trips the call made (seller and backend). */
  trips?: number | undefined;
}

export interface ClientReport {
  runs: RunResult[];
  /** Requests the origin saw per measured call. */
  tripsPerCall: number;
  /** Payloads created (@x402/fetch) or tokens minted (paying-fetch) per measured call. */
  paymentsPerCall: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as ClientJob;
const origin = await startOrigin();
const url = `${origin.url}/${job.route}`;
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 128 });
const raw = (target: string, init: Record<string, unknown> = {}) => undiciFetch(target, { ...init, dispatcher: agent });
const consume = async (res: { arrayBuffer(): Promise<ArrayBuffer> }) => void (await res.arrayBuffer());

// Every client gets the same world: a sandbox backend that mints the token the paid route accepts.
const sandbox = await createSandbox({ delegationLimitCents: 10_000_000 });
const nevermined = { apiKey: sandbox.apiKey, backendUrl: sandbox.backendUrl, delegationId: sandbox.delegationId };
let payments = () => sandbox.world.mints.length;
let call: () => Promise<void>;
if (job.first) await firstCall(); // exits

if (job.client === 'undici' || job.client === 'fetch') {
  // The floor: the token minted once, then set by hand on every call.
  // Minted over the floor's own fetch: one fetch implementation per process (see the top).
  const minter = createPayingFetch({ nevermined, ...(job.client === 'undici' ? { fetch: undiciTransport() } : {}) });
  await minter(`${origin.url}/paid`).then(consume);
  const headers = job.route === 'paid' ? { 'payment-signature': sandbox.world.tokensIssued()[0]! } : {};
  call = job.client === 'fetch' ? () => fetch(url, { headers: headers as Record<string, string> }).then(consume) : () => raw(url, { headers }).then(consume);
} else if (job.client === 'x402') {
  let payloads = 0;
  payments = () => payloads;
  const x402 = wrapFetchWithPayment(
    // @x402/fetch hands the transport a global Request, which undici's own fetch does not take.
    ((input: Request) => raw(input.url, { method: input.method, headers: input.headers })) as unknown as typeof fetch,
    x402Client.fromConfig({
      schemes: [{ network: 'eip155:84532', client: { scheme: 'exact', createPaymentPayload: async (v: number) => ({ x402Version: v, payload: { signature: '0xstub', n: (payloads += 1) } }) } }],
      spendControls: false,
    } as never),
  );
  call = () => x402(url).then(consume);
} else {
  const store = job.client.endsWith('-embedded') ? new EmbeddedStore(join(mkdtempSync(join(tmpdir(), 'pf-bench-')), 'state')) : undefined;
  // Default transport: the platform's fetch; '-undici': the opt-in paying-fetch/undici transport.
  const transport = job.client.startsWith('paying-fetch-undici') ? { fetch: undiciTransport() } : {};
  const pay = createPayingFetch({ nevermined, ...transport, ...(store ? { store } : {}) });
  // Paid route: mint once, the token is then sent up front. Free route: never asked to pay, nothing sent.
  if (job.route === 'paid') await pay(url).then(consume);
  call = () => pay(url).then(consume);
}

/**
 * The first paid call of a fresh process: the 402, (paying-fetch: the delegation and the mint,) the
 * paid replay. The floor is two plain round trips with undici (the 402, then the same request with a
 * payment header). Nothing is warmed: this is what an agent's first call, or a CLI run, costs.
 */
async function firstCall(): Promise<never> {
  let result: FirstCall;
  const paid = `${origin.url}/paid`;
  if (job.client === 'undici' || job.client === 'fetch') {
    const plain = job.client === 'fetch' ? (u: string, i?: RequestInit) => fetch(u, i) : raw;
    const t0 = performance.now();
    await plain(paid).then(consume);
    await plain(paid, { headers: { 'payment-signature': 'x'.repeat(64) } }).then(consume);
    result = { totalMs: performance.now() - t0, trips: 2 };
  } else if (job.client === 'x402') {
    const x402 = wrapFetchWithPayment(
      ((input: Request) => raw(input.url, { method: input.method, headers: input.headers })) as unknown as typeof fetch,
      x402Client.fromConfig({ schemes: [{ network: 'eip155:84532', client: { scheme: 'exact', createPaymentPayload: async (v: number) => ({ x402Version: v, payload: { signature: '0xstub' } }) } }], spendControls: false } as never),
    );
    const t0 = performance.now();
    await x402(paid).then(consume);
    result = { totalMs: performance.now() - t0, trips: 2 };
  } else {
    // The default transport, timed: what is left of the call is paying-fetch's own time.
    let transportMs = 0;
    let trips = 0;
    const base = job.client.startsWith('paying-fetch-undici') ? undiciTransport() : (u: string, i?: RequestInit) => fetch(u, i);
    const timed = async (u: string, i?: RequestInit) => {
      const t = performance.now();
      trips += 1;
      try {
        return await base(u, i);
      } finally {
        transportMs += performance.now() - t;
      }
    };
    const pay = createPayingFetch({ nevermined, fetch: timed, ...(process.env.PF_TELEMETRY === '0' ? { telemetry: false } : {}) });
    const t0 = performance.now();
    await pay(paid).then(consume);
    result = { totalMs: performance.now() - t0, transportMs, trips };
  }
  process.stdout.write(JSON.stringify(result) + '\n');
  await sandbox.close();
  process.exit(0);
}

// Warm-up by time, not count: the JIT, the connection pool and the caches settle within a second or two.
for (const until = Date.now() + 2_000; Date.now() < until; ) await runOnce(call, 500, job.concurrency);
const trips0 = origin.counters.requests;
const payments0 = payments();
const runs: RunResult[] = [];
for (let i = 0; i < job.repeats; i += 1) runs.push(await runOnce(call, job.total, job.concurrency));
const calls = job.total * job.repeats;
const report: ClientReport = { runs, tripsPerCall: (origin.counters.requests - trips0) / calls, paymentsPerCall: (payments() - payments0) / calls };
process.stdout.write(JSON.stringify(report) + '\n');
await sandbox.close();
process.exit(0);
