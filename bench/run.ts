// npm run bench: the cost paying-fetch adds, measured against raw undici fetch and @x402/fetch,
// all on loopback, in one run. Prints tables and writes BENCHMARKS.md. Not a test: no assertions.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
// What users run: the built package (npm run bench builds it first), not the sources through tsx.
import { createPayingFetch, EmbeddedStore, exa, MemoryStore, type PayingFetch } from '../dist/index.js';
import { createSandbox } from '../dist/sandbox/index.js';
import type { ClientJob, ClientName, ClientReport, FirstCall } from './client.js';
import { measureColdImports } from './cold-import.js';
import { measureFootprints } from './install-footprint.js';
import { fmt, measure, summarise, type Summary } from './measure.js';
import { startOrigin } from './servers.js';
import { storeBench } from './store-ledger.js';
import { startPostgres } from '../test/setup/postgres-server.js';

const quick = process.argv.includes('--quick');
let redisChild: ReturnType<typeof spawn> | undefined;
const N = (n: number) => (quick ? Math.max(50, Math.floor(n / 10)) : n);
const report: string[] = [];
const say = (line = '') => {
  console.log(line);
  report.push(line);
};
const table = (head: string[], rows: Array<Array<string | number>>) => {
  say(`| ${head.join(' | ')} |`);
  say(`|${head.map(() => '---').join('|')}|`);
  for (const r of rows) say(`| ${r.join(' | ')} |`);
  say();
};

const sandbox = await createSandbox({ delegationLimitCents: 10_000_000 });
const origin = await startOrigin();
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 128 });
const raw = (url: string, init: Record<string, unknown> = {}) => undiciFetch(url, { ...init, dispatcher: agent });
const consume = async (res: { arrayBuffer(): Promise<ArrayBuffer> }) => void (await res.arrayBuffer());
const nevermined = { apiKey: sandbox.apiKey, backendUrl: sandbox.backendUrl, delegationId: sandbox.delegationId };
const tempStore = () => new EmbeddedStore(join(mkdtempSync(join(tmpdir(), 'pf-bench-')), 'state'));

say('# paying-fetch benchmarks');
say();
say(`Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), ${new Date().toISOString().slice(0, 10)}${quick ? ', QUICK run (1/10 sizes)' : ''}.`);
say('All servers on 127.0.0.1 in the same process as the client they serve; medians after a warm-up, spread as min-max.');
say();

// 1 and 2 compare clients, each alone in a fresh process (bench/client.ts says why), in rounds:
// A B C, A B C, ... so drift of the machine spreads over all of them.
const ROUNDS = 7;
interface Isolated {
  s: Summary;
  trips: number;
  payments: number;
  /** Each round's median throughput: compared round by round with the floor measured next to it. */
  rounds: number[];
  /** Each round's median CPU per call (µs, the whole process: client and the origin it calls). */
  cpuRounds: number[];
}

/** Throughput over `base` as a ratio: the median of per-round ratios, with the lowest and highest round. */
function ratio(client: Isolated, base: Isolated): string {
  return medianRatio(client.rounds.map((rps, i) => rps / base.rounds[i]!));
}

/** The floor's CPU per call over the client's, as a ratio (1.00x: no CPU added), round by round. */
function cpuRatio(client: Isolated, base: Isolated): string {
  return medianRatio(client.cpuRounds.map((cpu, i) => base.cpuRounds[i]! / cpu));
}

function medianRatio(values: number[]): string {
  const ratios = [...values].sort((a, b) => a - b);
  return `${ratios[Math.floor(ratios.length / 2)]!.toFixed(2)}x (${ratios[0]!.toFixed(2)}-${ratios[ratios.length - 1]!.toFixed(2)})`;
}

async function isolated(jobs: ClientJob[]): Promise<Isolated[]> {
  const reports: ClientReport[][] = jobs.map(() => []);
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [i, job] of jobs.entries()) reports[i]!.push(await runClient(job));
  }
  return reports.map((r) => ({
    // Each process's own median run is one sample; the spread is over processes.
    s: summarise(r.map((x) => summarise(x.runs))),
    trips: r.reduce((n, x) => n + x.tripsPerCall, 0) / r.length,
    payments: r.reduce((n, x) => n + x.paymentsPerCall, 0) / r.length,
    rounds: r.map((x) => summarise(x.runs).rps),
    cpuRounds: r.map((x) => summarise(x.runs).cpuUs),
  }));
}

function runFirst(job: ClientJob): Promise<FirstCall> {
  return runClient(job) as unknown as Promise<FirstCall>;
}

function runClient(job: ClientJob): Promise<ClientReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/client.ts', JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as ClientReport) : reject(new Error(`bench client ${job.client} exited with ${code}`))));
  });
}

// 0. Cold start: import() in a fresh process, beside @x402/fetch (bench/cold-import.ts).
say('## Cold start (import in a fresh process)');
say();
{
  const rounds = quick ? 5 : 21;
  const rows = measureColdImports(['paying-fetch', 'paying-fetch/portable', 'paying-fetch/undici', '@x402/fetch'], '@x402/fetch', rounds);
  table(['module', 'import ms (median)', 'spread', 'CPU ms (median)', 'vs @x402/fetch'], rows.map((r) => [r.module, r.wallMs.toFixed(1), `${r.wallMin.toFixed(1)}-${r.wallMax.toFixed(1)}`, r.cpuMs.toFixed(1), r.ratio === undefined ? '-' : `${r.ratio.toFixed(2)}x`]));
  say(`\`await import(module)\` timed inside a fresh \`node\` process (start-up excluded), ${rounds} rounds of one process per module in turn; "vs @x402/fetch" is the median of per-round ratios. Target: paying-fetch at most 1.5x @x402/fetch.`);
  say('zod is bundled without its locales, undici is loaded only for a proxy or `undiciTransport()`, better-sqlite3 only when an embedded store opens.');
  say();
}

// 0b. Install footprint: npm install of the packed tree into an empty directory, beside @x402/fetch.
say('## Install footprint');
say();
if (quick || process.env.BENCH_SKIP_INSTALL) {
  say('(skipped in a quick run, or with BENCH_SKIP_INSTALL)');
  say();
} else {
  const rows = measureFootprints();
  table(['install', 'node_modules', 'packages', 'install time'], rows.map((f) => [f.install, typeof f.bytes === 'number' ? `${(f.bytes / 1e6).toFixed(1)} MB` : f.bytes, f.packages, `${f.seconds.toFixed(0)} s`]));
  say(`\`npm pack\` of this tree, then \`npm install <tarball>\` into an empty directory (npm's cache warm), next to \`npm install @x402/fetch\`; sizes are the bytes of every file under node_modules. Peer dependencies are all optional, so none is installed. Where no prebuilt better-sqlite3 binary can be downloaded (a registry-only network, as here) the default install compiles it, which is most of its time; \`--omit=optional\` skips it, and on Node >= 22.13 the embedded store then uses \`node:sqlite\`.`);
  say();
}

// 1. Pass-through: no payment involved.
say('## Pass-through (free route, no payment)');
say();
{
  const rows: Array<Array<string | number>> = [];
  for (const concurrency of [1, 64]) {
    const total = N(concurrency === 1 ? 5_000 : 20_000);
    const clients: ClientName[] = ['undici', 'fetch', 'paying-fetch', 'paying-fetch-undici', 'x402'];
    const [base, platform, pf, pfu, xf] = (await isolated(clients.map((client) => ({ route: 'free', client, total, concurrency, repeats: 3 })))) as [Isolated, Isolated, Isolated, Isolated, Isolated];
    const row = (name: string, r: Isolated, floor?: Isolated) => [name, concurrency, fmt.rps(r.s.rps), `${fmt.rps(r.s.rpsMin)}-${fmt.rps(r.s.rpsMax)}`, fmt.ms(r.s.p50), fmt.ms(r.s.p99), r === base ? '-' : ratio(r, base), r === platform ? '-' : ratio(r, platform), Math.round(r.s.cpuUs), floor ? cpuRatio(r, floor) : '-'];
    rows.push(row('undici fetch (floor)', base), row("the platform's fetch (floor)", platform), row('paying-fetch (platform fetch, the default)', pf, platform), row('paying-fetch + undiciTransport', pfu, base), row('@x402/fetch (over undici)', xf, base));
  }
  table(['client', 'concurrency', 'req/s', 'spread', 'p50 ms', 'p99 ms', 'vs undici', 'vs platform fetch', 'CPU µs/call', 'CPU: its floor / it'], rows);
  say(`Each client alone in a fresh process, ${ROUNDS} processes each in round-robin; a process warms up, then runs 3 times; the median of its runs is one sample, the spread is over processes. "vs undici" is the median of the per-round ratios (each client against the floor measured in the same round, lowest and highest round in brackets), so drift of the machine between rounds cancels.`);
  say("Target (issue 21): paying-fetch >= 0.97x of its floor at 1 and at 64 callers. By default paying-fetch sends over the platform's fetch (responses are the global Response), so it is also compared with that floor; `undiciTransport()` (paying-fetch/undici) sends over undici's own fetch and pool. A result above the floor is noise, not a speed-up.");
  say();
}

// 2. Paid hot path: every call needs payment; the credential is reusable. At 1 and at 64 callers.
say('## Paid hot path (every call pays; reusable credential)');
say();
{
  const clients: Array<[string, ClientName]> = [
    ['undici, header set by hand', 'undici'],
    ['platform fetch, header set by hand', 'fetch'],
    ['paying-fetch, memory store', 'paying-fetch'],
    ['paying-fetch, embedded store', 'paying-fetch-embedded'],
    ['paying-fetch + undiciTransport, memory store', 'paying-fetch-undici'],
    ['paying-fetch + undiciTransport, embedded store', 'paying-fetch-undici-embedded'],
    ['@x402/fetch (stub scheme, over undici)', 'x402'],
  ];
  const rows: Array<Array<string | number>> = [];
  for (const concurrency of [1, 64]) {
    const total = N(concurrency === 1 ? 1_000 : 5_000);
    const results = await isolated(clients.map(([, client]) => ({ route: 'paid', client, total, concurrency, repeats: concurrency === 1 ? 9 : 5 })));
    const [base, platform] = results as [Isolated, Isolated];
    results.forEach((r, i) => {
      // Its own floor: the platform's fetch for the default transport, undici for the rest.
      const floor = clients[i]![1] === 'paying-fetch' || clients[i]![1] === 'paying-fetch-embedded' ? platform : base;
      rows.push([clients[i]![0], concurrency, fmt.rps(r.s.rps), `${fmt.rps(r.s.rpsMin)}-${fmt.rps(r.s.rpsMax)}`, fmt.ms(r.s.p50), fmt.ms(r.s.p99), r.trips.toFixed(2), r.payments.toFixed(4), r === base ? '-' : ratio(r, base), r === platform ? '-' : ratio(r, platform), Math.round(r.s.cpuUs), r === base || r === platform ? '-' : cpuRatio(r, floor)]);
    });
  }
  table(['client', 'callers', 'req/s', 'spread', 'p50 ms', 'p99 ms', 'round trips/call', 'payloads or mints/call', 'vs undici', 'vs platform fetch', 'CPU µs/call', 'CPU: its floor / it'], rows);
  say(`1,000 calls per run at 1 caller (9 runs per process), 5,000 at 64 (5 runs), ${ROUNDS} processes per client in round-robin. "vs undici", "vs platform fetch": the median of per-round ratios (requests per second over the floor measured in the same round), with the lowest and highest round in brackets.`);
  say("Targets (issue 21): memory store >= 0.95x and embedded store >= 0.90x of the floor, at 1 and at 64 callers. The default transport is the platform's fetch, so its floor is the platform's fetch with the header set by hand; `undiciTransport()`'s floor is raw undici.");
  say("CPU µs/call: user + system time of the client's whole process (the origin it calls runs in it too) per call, the median of its runs; \"CPU: its floor / it\" divides its floor's CPU per call (the platform's fetch for the default transport, undici otherwise) by it, round by round (1.00x: no CPU added). A second view of the same rounds: throughput also counts time spent waiting (a store's writes, the event loop), CPU only work. On a shared machine both move with its speed.");
  say('paying-fetch records a receipt per paid call (the embedded store commits receipts to SQLite in groups, within 10 ms), which is most of its cost here.');
  say();
}

// 2b. The first paid call of a fresh process (cold): a 402, a mint, the replay.
say('## First paid call, cold (a fresh process)');
say();
{
  const rounds = quick ? 3 : 11;
  const clients: Array<[string, ClientName]> = [
    ['two plain round trips, undici (floor)', 'undici'],
    ["two plain round trips, the platform's fetch (floor)", 'fetch'],
    ['paying-fetch (platform fetch)', 'paying-fetch'],
    ['paying-fetch + undiciTransport', 'paying-fetch-undici'],
    ['@x402/fetch (stub scheme, over undici)', 'x402'],
  ];
  const samples: FirstCall[][] = clients.map(() => []);
  for (let round = 0; round < rounds; round += 1) {
    for (const [i, [, client]] of clients.entries()) samples[i]!.push(await runFirst({ route: 'paid', client, first: true, total: 1, concurrency: 1, repeats: 1 }));
  }
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  table(['client', 'first paid call ms (median)', 'spread', 'round trips', 'waiting on the transport ms', "paying-fetch's own ms"], samples.map((s, i) => {
    const total = s.map((x) => x.totalMs);
    const transport = s[0]!.transportMs === undefined ? undefined : med(s.map((x) => x.transportMs!));
    const own = transport === undefined ? undefined : med(s.map((x) => x.totalMs - x.transportMs!));
    return [clients[i]![0], med(total).toFixed(1), `${Math.min(...total).toFixed(1)}-${Math.max(...total).toFixed(1)}`, s[0]!.trips ?? '-', transport?.toFixed(1) ?? '-', own?.toFixed(1) ?? '-'];
  }));
  say(`Each sample is the first paid call of a fresh process (imports and servers ready, nothing warmed), ${rounds} processes per client in round-robin. paying-fetch makes four round trips: the 402, the delegation (first use only), the mint and the paid replay; the backend is the sandbox in the same process, so its work counts as waiting on the transport. Own time is the rest: parsing, policy, ledger, JIT warm-up of its code.`);
  say();
}

// 3. Payment frugality.
say('## Payment frugality');
say();
{
  const calls = N(10_000);
  const pay = createPayingFetch({ nevermined });
  const mints0 = sandbox.world.mints.length;
  const backend0 = sandbox.stats().backendRequests;
  await measureCalls(pay, `${sandbox.sellerUrl}/weather`, calls, 8);
  const mints = sandbox.world.mints.length - mints0;
  const backend = sandbox.stats().backendRequests - backend0;

  sandbox.vendor.settings.creditsPerPack = 5_000;
  const shop = createPayingFetch({ nevermined, providers: [exa({ purchaseUrl: `${sandbox.vendorUrl}/team-management/nevermined/purchase-key`, apiOrigin: sandbox.vendorUrl })], policy: { autoTopUp: true } });
  await shop(`${sandbox.vendorUrl}/search`, { method: 'POST' }).then(consume);
  sandbox.vendor.keys.get(sandbox.principal)!.credits = 0;
  const purchases0 = sandbox.stats().purchases;
  const concurrent = N(1_000);
  await Promise.all(Array.from({ length: concurrent }, () => shop(`${sandbox.vendorUrl}/search`, { method: 'POST' }).then(consume)));
  table(['scenario', 'result', 'target'], [
    [`${calls} calls to a Nevermined-protected route`, `${mints} mint(s), ${backend} backend round trips (${(backend / calls).toFixed(4)} per call; the card was charged ${Math.round(calls / 10)} times: each charge is priced from the delegation's transactions)`, '1 mint while the token is valid'],
    [`${concurrent} concurrent calls on an exhausted key`, `${sandbox.stats().purchases - purchases0} purchase(s)`, 'exactly 1'],
  ]);
}

async function measureCalls(pay: PayingFetch, url: string, calls: number, concurrency: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < calls) {
      next += 1;
      await pay(url).then(consume);
    }
  }));
}

// 4. Pay path latency, cold: first 402 to paid response, split.
say('## Pay path latency (cold calls against the sandbox)');
say();
{
  const timings: Record<string, number[]> = { total: [], 'get delegation': [], mint: [], 'first send (402)': [], 'paid replay': [], purchase: [] };
  const timed = (into: Record<string, number[]>) => async (url: string, init?: RequestInit) => {
    const t0 = performance.now();
    const res = (await raw(url, init as Record<string, unknown>)) as unknown as Response;
    const ms = performance.now() - t0;
    const path = new URL(url).pathname;
    const paidRequest = new Headers(init?.headers).has('payment-signature');
    const key = path === '/api/v1/x402/permissions' ? 'mint' : path.startsWith('/api/v1/delegation/') ? 'get delegation' : path.endsWith('purchase-key') ? 'purchase' : paidRequest ? 'paid replay' : 'first send (402)';
    into[key]?.push(ms);
    return res;
  };
  const rounds = quick ? 5 : 20;
  for (let i = 0; i < rounds; i += 1) {
    const pay = createPayingFetch({ nevermined, fetch: timed(timings) });
    const t0 = performance.now();
    await pay(`${sandbox.sellerUrl}/weather`).then(consume);
    timings.total!.push(performance.now() - t0);
  }
  const purchaseTimings: Record<string, number[]> = { purchase: [] };
  for (let i = 0; i < rounds; i += 1) {
    const shop = createPayingFetch({ nevermined, fetch: timed(purchaseTimings), providers: [exa({ purchaseUrl: `${sandbox.vendorUrl}/team-management/nevermined/purchase-key`, apiOrigin: sandbox.vendorUrl })], policy: { autoTopUp: true } });
    await shop(`${sandbox.vendorUrl}/search`, { method: 'POST' }).then(consume);
  }
  timings.purchase = purchaseTimings.purchase!;
  const med = (v: number[]) => (v.length ? [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!.toFixed(2) : '-');
  table(['step', 'median ms', 'samples'], Object.entries(timings).map(([k, v]) => [k, med(v), v.length]));
  say('A cold Nevermined call: send (402), get the delegation (first use only), mint, paid replay. A cold key purchase is one POST with a fresh token.');
  say();
}

// 5. Memory after many paid calls.
say('## Memory (heap after paid calls)');
say();
{
  const gc = (globalThis as { gc?: () => void }).gc;
  const heap = () => {
    gc?.();
    gc?.();
    return process.memoryUsage().heapUsed;
  };
  const rows: Array<Array<string | number>> = [];
  for (const [name, store] of [['memory store', new MemoryStore()], ['embedded store', tempStore()]] as const) {
    const pay = createPayingFetch({ nevermined, store });
    const paid = `${origin.url}/paid`;
    await measureCalls(pay, paid, 1_000, 16);
    const h0 = heap();
    const half = N(50_000);
    await measureCalls(pay, paid, half, 16);
    const h1 = heap();
    await measureCalls(pay, paid, half, 16);
    const h2 = heap();
    rows.push([name, (h0 / 1e6).toFixed(1), (h1 / 1e6).toFixed(1), (h2 / 1e6).toFixed(1), ((h2 - h1) / half).toFixed(1)]);
  }
  table(['store', 'heap MB after 1k', `after ${fmt.rps(1_000 + N(50_000))}`, `after ${fmt.rps(1_000 + 2 * N(50_000))}`, 'bytes/call (2nd half)'], rows);
  say(gc ? 'Heap measured after forced GC.' : 'Run with --expose-gc (npm run bench does) for GC-settled numbers.');
  say('The memory store keeps the newest 10,000 receipts in memory and the embedded store keeps them on disk: both stay flat once warm.');
  say();
}

// 6. Stores: reservations per second as the ledger grows (bench/store-ledger.ts).
{
  const pg = process.env.POSTGRES_URL ? undefined : await startPostgres({ fsync: true });
  await storeBench(say, table, { redisUrl: process.env.REDIS_URL ?? (await startRedis()), postgresUrl: process.env.POSTGRES_URL ?? pg?.url }, quick);
  pg?.stop();
}

async function startRedis(): Promise<string | undefined> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return undefined;
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  redisChild = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i += 1) {
    if (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG') return `redis://127.0.0.1:${port}`;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

redisChild?.kill();
await sandbox.close();
origin.server.close();
await agent.close();
// The profiling history (before and after each fix) is kept by hand next to the harness.
const notes = existsSync('bench/NOTES.md') ? '\n' + readFileSync('bench/NOTES.md', 'utf8') : '';
if (!quick) writeFileSync('BENCHMARKS.md', report.join('\n') + '\n' + notes);
console.log(quick ? '\n(quick run: BENCHMARKS.md not written)' : '\nwrote BENCHMARKS.md');
process.exit(0);
