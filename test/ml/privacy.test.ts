import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dpSgdEpsilon, epsilonFromRdp, noiseForEpsilon, sampledGaussianRdp } from '../../ml/privacy/rdp-accountant.js';
import { PROJECT_ROOT } from '../../paths.js';

interface References {
  rdpCurves: { source: string; samplingRate: number; noiseMultiplier: number; steps: number; orders: number[]; rdp: number[] }[];
  conversions: { source: string; constantRdp: number; delta: number; epsilon: number; order: number }[];
  dpSgd: { source: string; n: number; batchSize: number; noiseMultiplier: number; epochs: number; delta: number; epsilon: number; order: number }[];
}
const references = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/privacy/rdp-references.json'), 'utf8')) as References;
const TF_PRIVACY_ORDERS = [1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5, ...Array.from({ length: 59 }, (_, i) => 5 + i), 128, 256, 512];
const relative = (got: number, want: number) => Math.abs(got - want) / Math.abs(want);

describe('the Rényi-DP accountant against published reference values', () => {
  it.each(references.rdpCurves.flatMap((c) => c.orders.map((order, i) => ({ ...c, order, want: c.rdp[i]! }))))('RDP at order $order (q $samplingRate, σ $noiseMultiplier, $steps steps) matches $source', ({ samplingRate, noiseMultiplier, steps, order, want }) => {
    const [rdp] = sampledGaussianRdp(samplingRate, noiseMultiplier, [order]);
    expect(relative(rdp! * steps, want)).toBeLessThan(1e-3);
  });

  it.each(references.conversions)('converts RDP to (ε, δ) as $source', ({ constantRdp, delta, epsilon, order }) => {
    const orders = Array.from({ length: 31 }, (_, i) => 2 + i);
    const got = epsilonFromRdp(orders, orders.map(() => constantRdp), delta);
    expect(relative(got.epsilon, epsilon)).toBeLessThan(1e-3);
    expect(got.order).toBe(order);
  });

  it.each(references.dpSgd)('gives ε $epsilon for n $n, batch $batchSize, σ $noiseMultiplier, $epochs epochs, δ $delta, as $source', ({ n, batchSize, noiseMultiplier, epochs, delta, epsilon, order }) => {
    const got = dpSgdEpsilon({ samplingRate: batchSize / n, noiseMultiplier, steps: Math.ceil((epochs * n) / batchSize), delta, orders: TF_PRIVACY_ORDERS });
    expect(relative(got.epsilon, epsilon)).toBeLessThan(1e-3);
    expect(got.order).toBe(order);
  });

  it('is infinite at order ∞ or without noise, and zero without sampling', () => {
    expect(sampledGaussianRdp(0.01, 2.5, [Infinity])).toEqual([Infinity]);
    expect(sampledGaussianRdp(0.01, 0, [2])).toEqual([Infinity]);
    expect(sampledGaussianRdp(0, 1, [2, 3.5])).toEqual([0, 0]);
  });

  it('finds the smallest noise multiplier that meets a target ε, and more noise spends less', () => {
    const args = { samplingRate: 150 / 60000, steps: 6000, delta: 1e-5 };
    const { noiseMultiplier, epsilon } = noiseForEpsilon({ ...args, targetEpsilon: 1 });
    expect(epsilon).toBeLessThanOrEqual(1);
    expect(dpSgdEpsilon({ ...args, noiseMultiplier: noiseMultiplier * 0.995 }).epsilon).toBeGreaterThan(1);
    expect(dpSgdEpsilon({ ...args, noiseMultiplier: noiseMultiplier * 2 }).epsilon).toBeLessThan(epsilon);
  });
});
