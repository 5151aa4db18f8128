import { describe, expect, it } from 'vitest';
import { fairnessReport, permutationImportance } from '../../activities/evaluation/responsible.js';

describe('fairness', () => {
  it('computes selection rates, true positive rates and their spreads per group', () => {
    const groups = ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b'];
    const actual = ['y', 'y', 'n', 'n', 'y', 'y', 'n', 'n'];
    const predicted = ['y', 'y', 'y', 'n', 'y', 'n', 'n', 'n'];
    const report = fairnessReport('group', groups, actual, predicted, 'y');
    expect(report.groups).toEqual([
      { group: 'a', count: 4, selectionRate: 0.75, truePositiveRate: 1 },
      { group: 'b', count: 4, selectionRate: 0.25, truePositiveRate: 0.5 },
    ]);
    expect(report.demographicParityDifference).toBe(0.5);
    expect(report.equalOpportunityDifference).toBe(0.5);
  });
});

describe('permutation importance', () => {
  it('ranks the feature the score depends on first, and a useless one near zero', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => ({ signal: i % 2, noise: (i * 7) % 5, y: i % 2 }));
    // A perfect "model" that reads only `signal`: accuracy of signal against y.
    const accuracy = (r: typeof rows) => r.filter((row) => row.signal === row.y).length / r.length;
    const batches: number[] = [];
    const scoreAll = async (datasets: (typeof rows)[]) => (batches.push(datasets.length), datasets.map(accuracy));
    const importances = await permutationImportance(rows as never, ['noise', 'signal'], 'accuracy', scoreAll as never, { seed: 3 });
    expect(importances[0]!.feature).toBe('signal');
    expect(importances[0]!.importance).toBeGreaterThan(0.3);
    expect(importances[1]).toEqual({ feature: 'noise', importance: 0, std: 0 });
    // The baseline, then all six shuffles (two features, three repeats) in one batch.
    expect(batches).toEqual([1, 6]);
  });
});
