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
