import { describe, expect, it } from 'vitest';
import { sortFloat64 } from '../../activities/monitoring/radix-sort.js';
import { seededRandom } from '../../domain/random.js';

/** The radix sort must give exactly the native sort's order, bit for bit, or KS and PSI would change. */
describe('sortFloat64', () => {
  const sameAsNative = (values: Float64Array) => {
    const expected = Float64Array.from(values).sort();
    const actual = sortFloat64(Float64Array.from(values));
    expect(Buffer.from(actual.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
  };

  it.each([
    ['wide magnitudes of both signs', (r: () => number) => (r() - 0.5) * 10 ** (r() * 40 - 20)],
    ['normals', (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())],
    ['few distinct values', (r: () => number) => Math.floor(r() * 5) - 2],
    ['all equal', () => 3.25],
    ['negatives only', (r: () => number) => -r() * 1e6],
  ])('orders %s exactly as Float64Array.prototype.sort does', (_, draw) => {
    const random = seededRandom(11);
    const values = Float64Array.from({ length: 50_000 }, () => draw(random));
    values.set([-0, 0, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE], 100);
    sameAsNative(values);
  });

  it('sorts a view in place without touching the rest of its buffer', () => {
    const random = seededRandom(3);
    const whole = Float64Array.from({ length: 20_000 }, () => random());
    const before = Float64Array.from(whole);
    const view = whole.subarray(1000, 15_000);
    sortFloat64(view);
    expect(Array.from(whole.subarray(0, 1000))).toEqual(Array.from(before.subarray(0, 1000)));
    expect(Array.from(whole.subarray(15_000))).toEqual(Array.from(before.subarray(15_000)));
    expect(Array.from(view)).toEqual(Array.from(before.subarray(1000, 15_000)).sort((a, b) => a - b));
  });
});
