export interface Timing {
  perSecond: number;
  p50: number;
  p99: number;
}

/**
 * Calls `call` one at a time, `calls` times after `warmup` unmeasured calls (JIT, caches, connections),
 * and returns the throughput (`batch` items a call) and the latency percentiles per call.
 */
export async function time(calls: number, batch: number, call: () => Promise<unknown> | unknown, warmup = Math.min(50, calls)): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await call();
  const latencies: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await call();
    latencies.push(performance.now() - t);
  }
  const wall = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { perSecond: (calls * batch) / (wall / 1000), p50: at(0.5), p99: at(0.99) };
}

export interface Stats {
  p50: number;
  p95: number;
  mean: number;
}

export function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p95: at(0.95), mean: values.reduce((a, b) => a + b, 0) / values.length };
}

export const ms = (n: number) => (n < 1 ? `${(n * 1000).toFixed(0)} µs` : `${n.toFixed(1)} ms`);
