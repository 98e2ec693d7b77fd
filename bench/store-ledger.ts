// npm run bench, store section: reservations per second for each store, and how that moves as the
// ledger grows (issue 19). Each reservation checks a lifetime and a daily budget and an hourly
// count, atomically, as the Ledger does. Not a test: no assertions.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { EmbeddedStore } from '../src/store/embedded-store.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { PostgresStore } from '../src/store/postgres-store.js';
import { RedisStore } from '../src/store/redis-store.js';
import type { LedgerEntry, LimitCheck, Store } from '../src/store/types.js';
import { startPostgres } from '../test/setup/postgres-server.js';
import { fmt, measure, runOnce } from './measure.js';

const HOUR = 3_600_000;
const LIMITS: LimitCheck[] = [
  { name: 'budget.lifetime', max: 1e12, kinds: ['purchase', 'delegation'] },
  { name: 'budget.perDay', windowMs: 24 * HOUR, max: 1e12, kinds: ['purchase', 'delegation'] },
  { name: 'maxPurchasesPer.hour', windowMs: HOUR, max: 1e12, counts: true, kinds: ['purchase', 'pack'] },
];

export interface StoreServers {
  redisUrl?: string | undefined;
  postgresUrl?: string | undefined;
}

const entry = (now: number): LedgerEntry => ({ id: randomUUID(), kind: 'purchase', state: 'reserved', amountCents: 1, startAt: now, endAt: now });

/** Reservations per second through `store`, `concurrency` at a time. */
async function rate(store: Store, total: number, concurrency: number): Promise<{ rps: number; spread: string }> {
  const s = await measure(async () => {
    const now = Date.now();
    const r = await store.reserve(entry(now), LIMITS, now);
    if (!r.ok) throw new Error('refused');
  }, total, concurrency, 3);
  return { rps: s.rps, spread: `${fmt.rps(s.rpsMin)}-${fmt.rps(s.rpsMax)}` };
}

/** Past entry i ends this long before now: spread over the last 30 days whatever the count. */
const SPREAD = (i: number) => (i * 104_729) % (30 * 24 * HOUR);

/** Adds past entries `from` to `to` - 1 (settled, spread over 30 days) the fast way for each store. */
async function prefill(name: string, store: Store, from: number, to: number, servers: StoreServers, prefix: string): Promise<void> {
  const now = Date.now();
  const past = (i: number): LedgerEntry => {
    const at = now - SPREAD(i);
    return { id: `past-${i}`, kind: i % 3 ? 'purchase' : 'delegation', state: 'committed', amountCents: 1, startAt: at, endAt: at };
  };
  if (name.startsWith('redis')) {
    // Straight into the entries hash (pipelined), as a long-lived deployment would have them; the
    // running totals are dropped, so the first reservation (in the warm-up) rebuilds them by one scan.
    const redis = new Redis(servers.redisUrl!);
    for (let i = from; i < to; i += 10_000) {
      const batch = redis.pipeline();
      for (let j = i; j < Math.min(to, i + 10_000); j += 1) batch.hset(`{pf:${prefix}}:entries`, `past-${j}`, JSON.stringify(past(j)));
      await batch.exec();
    }
    await redis.del(`{pf:${prefix}}:tallies`);
    redis.disconnect();
    return;
  }
  if (name.startsWith('postgres')) {
    // The same in SQL: rows inserted in bulk, running totals dropped (rebuilt by one scan).
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: servers.postgresUrl });
    await client.connect();
    await client.query(
      `INSERT INTO pf_entries (deployment, id, kind, state, amount, start_at, end_at)
       SELECT $1, 'past-' || i, CASE WHEN i % 3 = 0 THEN 'delegation' ELSE 'purchase' END, 'committed', 1,
         $2 - (i * 104729) % $3, $2 - (i * 104729) % $3
       FROM generate_series($4::bigint, $5::bigint - 1) AS i`,
      [prefix, now, 30 * 24 * HOUR, from, to],
    );
    await client.query('DELETE FROM pf_tallies WHERE deployment = $1', [prefix]);
    await client.query('ANALYZE pf_entries');
    await client.end();
    return;
  }
  for (let i = from; i < to; i += 1) {
    const e = past(i);
    await store.reserve(e, [], e.startAt);
    await store.settle(e.id, { state: 'committed' });
  }
}

type Say = (line?: string) => void;
type Table = (head: string[], rows: Array<Array<string | number>>) => void;

export async function storeBench(say: Say, table: Table, servers: StoreServers, quick: boolean): Promise<void> {
  const parts = process.env.BENCH_STORE_PARTS?.split(',') ?? ['one', 'eight']; // e.g. BENCH_STORE_PARTS=eight
  if (parts.includes('one')) await oneProcess(say, table, servers, quick);
  if (parts.includes('eight')) await eightProcesses(say, table, servers, quick);
}

async function oneProcess(say: Say, table: Table, servers: StoreServers, quick: boolean): Promise<void> {
  const total = quick ? 500 : 3_000;
  say('## Stores: reservations per second (64 concurrent reservers, one process)');
  say();
  const makers: Array<[string, () => Promise<{ store: Store; prefix: string } | undefined>]> = [
    ['memory (running totals)', async () => ({ store: new MemoryStore(), prefix: '' })],
    ['embedded (SQLite, WAL)', async () => ({ store: new EmbeddedStore(join(mkdtempSync(join(tmpdir(), 'pf-bench-')), 'state')), prefix: '' })],
    ['redis (Lua, running totals)', async () => {
      if (!servers.redisUrl) return undefined;
      const prefix = `bench-${randomUUID().slice(0, 8)}`;
      return { store: await RedisStore.connect(servers.redisUrl, { prefix, compactAfterMs: 60 * 24 * HOUR }), prefix };
    }],
    ['postgres (row lock, running totals)', async () => {
      if (!servers.postgresUrl) return undefined;
      const prefix = `bench-${randomUUID().slice(0, 8)}`;
      return { store: await PostgresStore.connect(servers.postgresUrl, { prefix, pool: { max: 16 }, compactAfterMs: 60 * 24 * HOUR }), prefix };
    }],
  ];
  const sizes = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000, 1_000_000];
  const rows: Array<Array<string | number>> = [];
  const only = process.env.BENCH_STORES?.split(','); // e.g. BENCH_STORES=redis,embedded
  for (const [name, make] of makers) {
    if (only && !only.some((o) => name.startsWith(o))) continue;
    const made = await make();
    if (!made) {
      rows.push([name, 'skipped: no server', ...sizes.map(() => '-')]);
      continue;
    }
    const cells: string[] = [];
    let have = 0;
    for (const size of sizes) {
      // Past entries are added one by one (two transactions each) to the embedded and memory
      // stores: each is measured up to the size that takes a few minutes (and memory, some RAM).
      const most = name.startsWith('redis') || name.startsWith('postgres') ? Infinity : 100_000;
      if (size > most) {
        cells.push('-');
        continue;
      }
      await prefill(name, made.store, have, size, servers, made.prefix);
      have = size;
      // Redis: its CPU per reservation too, a steadier sign of flatness than throughput on a
      // shared machine (after a first short run, which rebuilds the totals dropped by prefill).
      const redisUrl = name.startsWith('redis') ? servers.redisUrl : undefined;
      if (redisUrl) await rate(made.store, 64, 64);
      const cpu0 = redisUrl ? await redisCpu(redisUrl) : 0;
      const r = await rate(made.store, total, 64);
      const cpuUs = redisUrl ? ((await redisCpu(redisUrl)) - cpu0) / (Math.max(50, Math.floor(total / 5)) + 3 * total) : undefined;
      cells.push(`${fmt.rps(r.rps)} (${r.spread})${cpuUs === undefined ? '' : `; redis-server ${Math.round(cpuUs)} µs CPU each`}`);
    }
    rows.push([name, ...cells]);
    await made.store.close();
  }
  table(['store', ...sizes.map((s) => `with ${fmt.rps(s)} past entries`)], rows);
  say('Each reservation checks a lifetime and a daily budget and an hourly purchase count, atomically. Past entries are settled purchases and delegations spread over 30 days. For Redis, the server\'s CPU per reservation (user + system) is given too: throughput on this shared machine moves by a third between runs, the server\'s work per reservation much less.');
  say();

}

async function eightProcesses(say: Say, table: Table, servers: StoreServers, quick: boolean): Promise<void> {
  const only = process.env.BENCH_STORES?.split(',');
  say('## Stores: reservations per second from 8 processes sharing one ledger');
  say();
  const shared: Array<[string, object | undefined]> = [
    ['embedded (one directory)', { kind: 'embedded', dir: join(mkdtempSync(join(tmpdir(), 'pf-bench-')), 'state') }],
    ['redis', servers.redisUrl ? { kind: 'redis', url: servers.redisUrl, prefix: `bench8-${randomUUID().slice(0, 8)}` } : undefined],
    ['postgres', servers.postgresUrl ? { kind: 'postgres', url: servers.postgresUrl, prefix: `bench8-${randomUUID().slice(0, 8)}` } : undefined],
  ];
  const seconds = quick ? 3 : 10;
  const multi: Array<Array<string | number>> = [];
  for (const [name, job] of shared) {
    if (only && !only.some((o) => name.startsWith(o))) continue;
    if (!job) {
      multi.push([name, 'skipped: no server', '-', '-', '-']);
      continue;
    }
    const serverCpu = name === 'redis' ? await redisCpu(servers.redisUrl!) : undefined;
    const runs = await together(8, { ...job }, seconds);
    const serverUs = serverCpu && (await redisCpu(servers.redisUrl!)) - serverCpu;
    // Counted over the time all 8 were measuring (they start on one signal, after their warm-up).
    const from = Math.max(...runs.map((r) => r.start));
    const to = Math.min(...runs.map((r) => r.end));
    const overlap = runs.reduce((n, r) => n + (r.n * Math.max(0, to - from)) / (r.end - r.start), 0);
    const n = runs.reduce((sum, r) => sum + r.n, 0);
    const clientUs = runs.reduce((sum, r) => sum + r.cpuUs, 0) / n;
    multi.push([
      name,
      to > from ? fmt.rps(overlap / ((to - from) / 1000)) : 'runs did not overlap',
      runs.map((r) => fmt.rps(r.n / ((r.end - r.start) / 1000))).join(', '),
      `${Math.round(clientUs)} µs`,
      serverUs === undefined ? '-' : `${Math.round(serverUs / n)} µs`,
    ]);
  }
  table(['store', 'reservations/s, 8 processes together', 'each process', 'client CPU per reservation', 'redis-server CPU per reservation'], multi);
  say(`Each process reserves 16 at a time: all 8 warm up, then measure for ${seconds} s from one signal. CPU is user + system time (the client's: its whole process) divided by reservations; the machine has ${availableParallelism()} cores, shared by the 8 clients and the server.`);
  say();
}

interface ChildRun {
  n: number;
  start: number;
  end: number;
  cpuUs: number;
}

/** `count` processes reserving (16 at a time each): each warms up, then all run `seconds` from one signal. */
async function together(count: number, job: object, seconds: number): Promise<ChildRun[]> {
  const procs = Array.from({ length: count }, () => spawn(process.execPath, ['--import', 'tsx', 'bench/store-ledger.ts', '--child', JSON.stringify(job)], { stdio: ['pipe', 'pipe', 'inherit'] }));
  const lines = procs.map((proc) => {
    const queue: string[] = [];
    const waiting: Array<(line: string) => void> = [];
    let buf = '';
    proc.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const w = waiting.shift();
        if (w) w(line);
        else queue.push(line);
      }
    });
    const exited = new Promise<never>((_, reject) => proc.on('exit', (code) => code !== 0 && reject(new Error(`bench child exited ${code}`))));
    return () => Promise.race([exited, new Promise<string>((resolve) => (queue.length > 0 ? resolve(queue.shift()!) : waiting.push(resolve)))]);
  });
  await Promise.all(lines.map((next) => next())); // 'ready'
  const startAt = Date.now() + 200; // each child waits for it: they start together
  for (const proc of procs) proc.stdin.end(`${startAt} ${startAt + seconds * 1000}\n`);
  return Promise.all(lines.map(async (next) => JSON.parse(await next()) as ChildRun));
}

/** redis-server's CPU time so far (user + system), in µs. */
async function redisCpu(url: string): Promise<number> {
  const redis = new Redis(url);
  const info = await redis.info('cpu');
  redis.disconnect();
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

async function runChild(job: { kind: string; dir?: string; url?: string; prefix?: string }): Promise<void> {
  const store: Store =
    job.kind === 'embedded' ? new EmbeddedStore(job.dir!)
    : job.kind === 'redis' ? await RedisStore.connect(job.url!, { prefix: job.prefix })
    : await PostgresStore.connect(job.url!, { prefix: job.prefix, pool: { max: 4 } });
  const reserve = async () => {
    const now = Date.now();
    if (!(await store.reserve(entry(now), LIMITS, now)).ok) throw new Error('refused');
  };
  await runOnce(reserve, 2_000, 16); // JIT-compiled by then (300 left half the run interpreted)
  console.log('ready');
  const [startAt, until] = await new Promise<number[]>((resolve) => {
    let text = '';
    process.stdin.on('data', (d: Buffer) => (text += d.toString()));
    process.stdin.on('end', () => resolve(text.trim().split(' ').map(Number)));
  });
  await new Promise((r) => setTimeout(r, Math.max(0, startAt! - Date.now())));
  let n = 0;
  const start = Date.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (Date.now() < until!) {
      await reserve();
      n += 1;
    }
  }));
  const end = Date.now();
  const cpu = process.cpuUsage(cpu0);
  await store.close();
  console.log(JSON.stringify({ n, start, end, cpuUs: cpu.user + cpu.system }));
}

// Run alone: npx tsx bench/store-ledger.ts [--quick]
if (process.argv.includes('--child')) {
  await runChild(JSON.parse(process.argv[process.argv.indexOf('--child') + 1]!) as never);
  process.exit(0);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  const redisPort = 30_000 + Math.floor(Math.random() * 10_000);
  const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  const pg = await startPostgres({ fsync: true });
  const say = (line = '') => console.log(line);
  const table = (head: string[], rows: Array<Array<string | number>>) => {
    say(`| ${head.join(' | ')} |`);
    say(`|${head.map(() => '---').join('|')}|`);
    for (const r of rows) say(`| ${r.join(' | ')} |`);
    say();
  };
  try {
    await storeBench(say, table, { redisUrl: `redis://127.0.0.1:${redisPort}`, postgresUrl: pg?.url }, quick);
  } finally {
    redis.kill(); // (a failed run left both servers behind)
    pg?.stop();
  }
  await new Promise((r) => setTimeout(r, 200)); // postgres's exit removes its directory
  process.exit(0);
}
