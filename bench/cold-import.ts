// Cold start: how long `await import(x)` takes in a fresh Node process (nothing cached, nothing
// warmed), for paying-fetch's entries beside @x402/fetch. Each round starts one process per module,
// in turn, so drift of the machine lands on all of them; a row is the median over rounds.
import { spawnSync } from 'node:child_process';

export interface ColdImport {
  module: string;
  /** Median wall time of the import, ms. */
  wallMs: number;
  wallMin: number;
  wallMax: number;
  /** Median CPU time (user + system) of the import, ms: less sensitive to a busy machine. */
  cpuMs: number;
  /** Median over rounds of wall time / the baseline's wall time in the same round. */
  ratio: number | undefined;
}

// Runs in the child: times the import alone (process start-up excluded), prints one JSON line.
const CHILD = `
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await import(process.argv[1]);
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ wall, cpu: (cpu.user + cpu.system) / 1000 }));
`;

function importOnce(module: string): { wall: number; cpu: number } {
  // From the package root, so 'paying-fetch' resolves to this package's dist/ (self-reference).
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD, module], { encoding: 'utf8', cwd: new URL('..', import.meta.url) });
  if (out.status !== 0) throw new Error(`import('${module}') failed: ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split('\n').pop()!) as { wall: number; cpu: number };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** `rounds` fresh processes per module; ratios against `baseline` (one of `modules`). */
export function measureColdImports(modules: string[], baseline: string, rounds: number): ColdImport[] {
  for (const module of modules) importOnce(module); // the OS file cache warm for all alike
  const samples = new Map(modules.map((m) => [m, [] as Array<{ wall: number; cpu: number }>]));
  for (let round = 0; round < rounds; round += 1) for (const module of modules) samples.get(module)!.push(importOnce(module));
  const base = samples.get(baseline)!;
  return modules.map((module) => {
    const s = samples.get(module)!;
    const walls = s.map((x) => x.wall);
    return {
      module,
      wallMs: median(walls),
      wallMin: Math.min(...walls),
      wallMax: Math.max(...walls),
      cpuMs: median(s.map((x) => x.cpu)),
      ratio: module === baseline ? undefined : median(s.map((x, i) => x.wall / base[i]!.wall)),
    };
  });
}

// Alone: npx tsx bench/cold-import.ts (after a build).
if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = measureColdImports(['paying-fetch', 'paying-fetch/portable', '@x402/fetch', 'undici', 'zod'], '@x402/fetch', Number(process.argv[2] ?? 15));
  for (const r of rows) console.log(r.module.padEnd(24), r.wallMs.toFixed(1).padStart(7), 'ms', r.cpuMs.toFixed(1).padStart(7), 'ms cpu', r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`);
}
