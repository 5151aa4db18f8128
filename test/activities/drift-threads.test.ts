import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareColumn, referenceColumn } from '../../activities/monitoring/drift.js';
import { DriftThreads } from '../../activities/monitoring/drift-threads.js';
import { seededRandom } from '../../domain/random.js';
import { PROJECT_ROOT } from '../../paths.js';

// scipy's ks_2samp on samples past the exact limit (test/fixtures/drift/generate.py).
const reference = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/drift/reference.json'), 'utf8')) as {
  large: { n1: number; n2: number; power: number; ks_statistic: number; ks_pvalue: number }[];
};
const LIMITS = { psi: 0.2, ksPValue: 0.01, chiSquarePValue: 0.01 };

/** The values in a seeded random order: the threads must sort them, not find them sorted. */
function shuffled(values: number[], seed: number): number[] {
  const random = seededRandom(seed);
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
  return values;
}

describe('numeric drift on worker threads', () => {
  const threads = new DriftThreads(2);
  afterAll(() => threads.close());

  it.each(reference.large)('KS on $n1 against $n2 values equals scipy.stats.ks_2samp', async ({ n1, n2, power, ks_statistic, ks_pvalue }) => {
    const [sorted] = await threads.sortColumns([shuffled(Array.from({ length: n1 }, (_, i) => i / n1), n1)]);
    const current = shuffled(Array.from({ length: n2 }, (_, j) => (j / n2) ** power), n2);
    const [drift] = await threads.compare([{ reference: sorted!, current, limits: LIMITS }]);
    expect(Math.abs(drift!.ksStatistic! - ks_statistic)).toBeLessThan(1e-9);
    expect(Math.abs(drift!.ksPValue! - ks_pvalue)).toBeLessThan(1e-9);
  });

  it('gives what the single-threaded comparison gives, to the last bit, for many columns at once', async () => {
    const random = seededRandom(11);
    const column = (n: number, shift: number) => Array.from({ length: n }, (_, i) => (i % 97 === 0 ? null : i % 89 === 0 ? String(random() + shift) : random() * 3 + shift));
    const pairs = Array.from({ length: 6 }, (_, f) => ({ reference: column(20_000 + f, 0), current: column(15_000, f * 0.05) }));
    pairs.push({ reference: [1, 1, 1], current: [1, 2, '3', null] }, { reference: [], current: [1, 2] });
    const sorted = await threads.sortColumns(pairs.map((p) => p.reference));
    const threaded = await threads.compare(sorted.map((reference, f) => ({ reference, current: pairs[f]!.current, limits: LIMITS })));
    const single = pairs.map((p) => compareColumn(referenceColumn('numeric', p.reference), p.current, LIMITS));
    expect(threaded).toEqual(single);
    expect(threaded.filter((d) => d.drifted).length).toBeGreaterThan(0);
    // A reference comes back from the threads with its answer, ready to compare again.
    const again = await threads.compare([{ reference: sorted[5]!, current: pairs[5]!.current, limits: LIMITS }]);
    expect(again[0]).toEqual(single[5]);
    // A second round, the other way about, through the same pool.
    const swapped = pairs.map((p) => ({ reference: p.current, current: p.reference })).reverse();
    const sortedAgain = await threads.sortColumns(swapped.map((p) => p.reference));
    const threadedAgain = await threads.compare(sortedAgain.map((reference, f) => ({ reference, current: swapped[f]!.current, limits: LIMITS })));
    expect(threadedAgain).toEqual(swapped.map((p) => compareColumn(referenceColumn('numeric', p.reference), p.current, LIMITS)));
  });
});
