import { spawnSync } from 'node:child_process';
import { compareColumn, referenceColumn } from '../activities/monitoring/drift.js';
import { DriftThreads } from '../activities/monitoring/drift-threads.js';
import { seededRandom } from '../domain/random.js';

export interface DriftFigures {
  rows: number;
  features: number;
  /** Seconds for Custody's sorted reference columns plus PSI and KS on every feature, on the drift threads. */
  seconds: number;
  /** How many threads that was. */
  threads: number;
  /** The same in one thread, reference columns kept as the stored profile keeps them (plain arrays). */
  singleThreadSeconds: number;
  /** Seconds to sort every column once (reference and current): the floor any exact KS pays. */
  sortSeconds: number;
  /** scipy.stats.ks_2samp plus a numpy PSI on data of the same shape, when python3 has scipy. */
  scipySeconds: number | null;
}

const LIMITS = { psi: 0.2, ksPValue: 0.01, chiSquarePValue: 0.01 };

function normals(n: number, seed: number, shift: number): Float64Array {
  const random = seededRandom(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = shift + Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return out;
}

/** PSI plus KS over `rows` × `features`, reference against current, every feature; scipy on the same shape as a yardstick. */
export async function driftBench(rows = 1_000_000, features = 20): Promise<DriftFigures> {
  const columns = Array.from({ length: features }, (_, f) => ({ reference: normals(rows, 1000 + f, 0), current: normals(rows, 2000 + f, f % 4 === 0 ? 0.05 : 0) }));
  let t = performance.now();
  for (const { reference, current } of columns) {
    Float64Array.from(reference).sort();
    Float64Array.from(current).sort();
  }
  const sortSeconds = (performance.now() - t) / 1000;
  // Served values arrive as JSON rows: plain arrays, converted before the clock starts.
  const cells = columns.map(({ reference, current }) => ({ reference: Array.from(reference), current: Array.from(current) }));
  const pool = new DriftThreads();
  // A warm-up, as the other sections have: a small column through every thread and through this one, untimed.
  const warm = Array.from({ length: pool.size }, (_, k) => ({ reference: Array.from(normals(200_000, 9000 + k, 0)), current: Array.from(normals(200_000, 9100 + k, 0)) }));
  await Promise.all(warm.map(async ({ reference, current }) => pool.compare([{ reference: (await pool.sortColumns([reference]))[0]!, current, limits: LIMITS }])));
  for (const { reference, current } of warm) compareColumn(referenceColumn('numeric', reference), current, LIMITS);
  t = performance.now();
  // Column by column, each compared as soon as its reference is sorted, so the threads never wait for all of them.
  const threaded = await Promise.all(
    cells.map(async ({ reference, current }) => {
      const [sorted] = await pool.sortColumns([reference]);
      return (await pool.compare([{ reference: sorted!, current, limits: LIMITS }]))[0]!;
    }),
  );
  const seconds = (performance.now() - t) / 1000;
  const threads = pool.size;
  await pool.close();
  t = performance.now();
  const single = cells.map(({ reference, current }) => compareColumn(referenceColumn('numeric', reference), current, LIMITS));
  const singleThreadSeconds = (performance.now() - t) / 1000;
  // Both paths run the same functions; the figures must agree exactly, or the speed is of something else.
  if (JSON.stringify(threaded) !== JSON.stringify(single)) throw new Error('the drift threads disagree with the single-threaded comparison');
  return { rows, features, seconds, threads, singleThreadSeconds, sortSeconds, scipySeconds: scipyBaseline(rows, features) };
}

const SCIPY = `
import sys, time
import numpy as np
from scipy import stats
rows, features = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(7)
cols = [(rng.normal(0, 1, rows), rng.normal(0.05 if f % 4 == 0 else 0, 1, rows)) for f in range(features)]
t = time.perf_counter()
for ref, cur in cols:
    stats.ks_2samp(ref, cur)
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, 11)))
    e = np.histogram(ref, bins=edges)[0] / rows
    a = np.histogram(np.clip(cur, edges[0], edges[-1]), bins=edges)[0] / rows
    e, a = np.maximum(e, 1e-4), np.maximum(a, 1e-4)
    float(np.sum((a - e) * np.log(a / e)))
print(time.perf_counter() - t)
`;

function scipyBaseline(rows: number, features: number): number | null {
  for (const python of ['python3', '/usr/bin/python3']) {
    const result = spawnSync(python, ['-c', SCIPY, String(rows), String(features)], { encoding: 'utf8', timeout: 600_000 });
    if (result.status === 0) return Number(result.stdout.trim());
  }
  return null;
}

/** The BENCHMARKS.md section of these figures, from its heading to the blank line before the next. */
export function driftSection(drift: DriftFigures): string {
  const rows = drift.rows.toLocaleString('en');
  const scipy = drift.scipySeconds;
  return `## Drift statistics

${drift.features} numeric features × ${rows} rows of reference and ${rows} rows of current data: Custody sorts each reference column (finding its decile edges) and computes PSI and the two-sample KS test on every feature, one column per job on ${drift.threads} worker threads, the columns moved to them as typed arrays, each column compared as soon as its reference is sorted; after a warm-up of one small column per thread. The same work in one thread, as the stored reference keeps its columns (plain arrays), is the first baseline; both give the same figures to the last bit, which the run checks. Other baselines: sorting every column once (what any exact KS must pay), and scipy's \`ks_2samp\` plus a numpy PSI on data of the same shape${scipy === null ? ' (not run: no python3 with scipy here)' : ''}.

| | seconds | ratio to the sort |
| --- | --- | --- |
| Custody: reference + PSI + KS, ${drift.threads} threads | **${drift.seconds.toFixed(2)}** | ${(drift.seconds / drift.sortSeconds).toFixed(2)}× |
| Custody in one thread (baseline) | ${drift.singleThreadSeconds.toFixed(2)} | ${(drift.singleThreadSeconds / drift.sortSeconds).toFixed(2)}× |
| sorting every column once, native sort (baseline) | ${drift.sortSeconds.toFixed(2)} | 1.00× |
${scipy === null ? '' : `| scipy ks_2samp + numpy PSI (baseline) | ${scipy.toFixed(2)} | ${(scipy / drift.sortSeconds).toFixed(2)}× |\n\nCustody takes **${(drift.seconds / scipy).toFixed(2)}×** scipy's time (${(scipy / drift.seconds).toFixed(1)}× faster). Goal: at most 2 s, and at least 5× faster than scipy.\n`}
At this size the KS p-value takes scipy's asymptotic route (\`kstwo\`), as Custody does above 10,000 rows a side; a monitoring check reads at most \`monitoring.maxRows\` predictions (10,000 unless the spec says more, up to 1,000,000) and moves to the threads from 50,000.
`;
}
