import { spawnSync } from 'node:child_process';
import { compareColumn, referenceColumn } from '../activities/monitoring/drift.js';
import { seededRandom } from '../domain/random.js';

export interface DriftFigures {
  rows: number;
  features: number;
  /** Seconds for Custody's reference columns plus PSI and KS on every feature. */
  seconds: number;
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
export function driftBench(rows = 1_000_000, features = 20): DriftFigures {
  const columns = Array.from({ length: features }, (_, f) => ({ reference: normals(rows, 1000 + f, 0), current: normals(rows, 2000 + f, f % 4 === 0 ? 0.05 : 0) }));
  let t = performance.now();
  for (const { reference, current } of columns) {
    Float64Array.from(reference).sort();
    Float64Array.from(current).sort();
  }
  const sortSeconds = (performance.now() - t) / 1000;
  // Served values arrive as JSON rows: plain arrays, converted before the clock starts.
  const cells = columns.map(({ reference, current }) => ({ reference: Array.from(reference), current: Array.from(current) }));
  t = performance.now();
  for (const { reference, current } of cells) {
    const column = referenceColumn('numeric', reference);
    compareColumn(column, current, LIMITS);
  }
  const seconds = (performance.now() - t) / 1000;
  return { rows, features, seconds, sortSeconds, scipySeconds: scipyBaseline(rows, features) };
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
