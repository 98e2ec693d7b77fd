/** Latency samples of one run, and what they say. */
export interface RunResult {
  rps: number;
  p50: number;
  p99: number;
  /** CPU time (user + system) of the whole process per call, µs: steadier than throughput on a shared machine. */
  cpuUs: number;
}

export interface Summary {
  rps: number;
  rpsMin: number;
  rpsMax: number;
  p50: number;
  p99: number;
  cpuUs: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Runs `total` calls of `call` with `concurrency` workers; latencies in ms. */
export async function runOnce(call: () => Promise<void>, total: number, concurrency: number): Promise<RunResult> {
  const latencies: number[] = [];
  let next = 0;
  const cpu0 = process.cpuUsage();
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next += 1;
        const t0 = process.hrtime.bigint();
        await call();
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  return { rps: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpuUs: (cpu.user + cpu.system) / total };
}

/** Warm up once, then `repeats` runs: median throughput with its spread, median percentiles. */
export async function measure(call: () => Promise<void>, total: number, concurrency: number, repeats = 3): Promise<Summary> {
  await runOnce(call, Math.max(50, Math.floor(total / 5)), concurrency);
  const runs: RunResult[] = [];
  for (let i = 0; i < repeats; i += 1) runs.push(await runOnce(call, total, concurrency));
  return summarise(runs);
}

/** Median throughput and spread over runs, median percentiles. */
export function summarise(runs: RunResult[]): Summary {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return {
    rps: median(runs.map((x) => x.rps)),
    rpsMin: Math.min(...runs.map((x) => x.rps)),
    rpsMax: Math.max(...runs.map((x) => x.rps)),
    p50: median(runs.map((x) => x.p50)),
    p99: median(runs.map((x) => x.p99)),
    cpuUs: median(runs.map((x) => x.cpuUs)),
  };
}

export const fmt = {
  rps: (n: number) => Math.round(n).toLocaleString('en-US'),
  ms: (n: number) => n.toFixed(3),
  pct: (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(1)}%`,
};
