import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sampleScoredRows } from '../../ml/scoring/sample.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-sample-'));

/** An input of `n` rows (x = 10·row, colour by row) and its scores, without the rows in `rejected`. */
function files(name: string, n: number, rejected: ReadonlySet<number> = new Set()) {
  const input = path.join(dir, `${name}-input.csv`);
  const output = path.join(dir, `${name}-scores.csv`);
  const rows = Array.from({ length: n }, (_, i) => i + 1);
  writeFileSync(input, `id,x,colour\n${rows.map((r) => `id-${r},${r * 10},${r % 2 ? 'red' : 'blue'}`).join('\n')}\n`);
  writeFileSync(output, `row,id,prediction,model_version\n${rows.filter((r) => !rejected.has(r)).map((r) => `${r},id-${r},p${r},1`).join('\n')}\n`);
  return { input, output, format: 'csv' as const };
}

describe('the sample of a scoring job’s scored rows', () => {
  it('joins each scored row’s features to its own prediction, and leaves the rejected rows out', async () => {
    const rejected = new Set([1, 7, 500, 999]);
    const { sample, scored } = await sampleScoredRows(files('joined', 999, rejected), ['x', 'colour'], 10_000, 1);
    expect(scored).toBe(995);
    expect(sample.map((s) => s.row)).toEqual(Array.from({ length: 999 }, (_, i) => i + 1).filter((r) => !rejected.has(r)));
    for (const s of sample) expect(s).toEqual({ row: s.row, inputs: { x: String(s.row * 10), colour: s.row % 2 ? 'red' : 'blue' }, prediction: `p${s.row}` });
  });

  it('draws each scored row with the same chance, and the same rows again for the same seed', async () => {
    const input = files('uniform', 200);
    const counts = new Array<number>(201).fill(0);
    const draws = 400;
    for (let seed = 1; seed <= draws; seed++) {
      const { sample } = await sampleScoredRows(input, ['x'], 20, seed);
      expect(new Set(sample.map((s) => s.row)).size).toBe(20);
      for (const s of sample) counts[s.row]!++;
    }
    // Each row is in a sample with probability 20/200: over 400 samples, 40 times on average. Chi-square over
    // the 200 rows (199 degrees of freedom): its 0.999 quantile is about 268.
    const expected = (draws * 20) / 200;
    const chi = counts.slice(1).reduce((sum, c) => sum + ((c - expected) ** 2 * 200) / (expected * 180), 0);
    expect(chi).toBeLessThan(268);
    // Rows late in the file are drawn as often as early ones.
    const half = (from: number) => counts.slice(from, from + 100).reduce((a, b) => a + b, 0);
    expect(Math.abs(half(1) - half(101))).toBeLessThan(0.1 * half(1));
    expect((await sampleScoredRows(input, ['x'], 20, 7)).sample).toEqual((await sampleScoredRows(input, ['x'], 20, 7)).sample);
  });

  it('refuses scores that name a row the input does not have', async () => {
    const bad = files('bad', 10);
    writeFileSync(bad.output, 'row,prediction\n3,a\n2,b\n');
    await expect(sampleScoredRows(bad, ['x'], 10, 1)).rejects.toThrow(/row 2, past the input's last row|row 2 out of order/);
  });
});
