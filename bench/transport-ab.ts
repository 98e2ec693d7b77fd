// A/B of the transports on the paid hot path: rounds of one fresh process per client (bench/client.ts),
// median of per-round ratios against each floor. Quicker than npm run bench; run after a build:
// npx tsx bench/transport-ab.ts
import { spawnSync } from 'node:child_process';
const clients = ['undici', 'fetch', 'paying-fetch', 'paying-fetch-undici'];
const res: Record<string, number[]> = Object.fromEntries(clients.map((c) => [c, []]));
for (let r = 0; r < 6; r += 1) for (const c of clients) {
  const out = spawnSync(process.execPath, ['--import', 'tsx', 'bench/client.ts', JSON.stringify({ route: 'paid', client: c, total: 1000, concurrency: 1, repeats: 5 })], { encoding: 'utf8' });
  const runs = JSON.parse(out.stdout.trim().split('\n').pop()!).runs.map((x: { rps: number }) => x.rps).sort((a: number, b: number) => a - b);
  res[c]!.push(runs[2]);
}
const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
for (const c of clients) {
  const vsU = med(res[c]!.map((x, i) => x / res.undici![i]! - 1)) * 100;
  const vsF = med(res[c]!.map((x, i) => x / res.fetch![i]! - 1)) * 100;
  console.log(c.padEnd(22), Math.round(med(res[c]!)), 'rps', 'vs undici', vsU.toFixed(1) + '%', 'vs fetch', vsF.toFixed(1) + '%', res[c]!.map(Math.round).join(' '));
}
