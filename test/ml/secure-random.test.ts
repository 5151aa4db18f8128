import erfc from '@stdlib/math-base-special-erfc';
import { describe, expect, it } from 'vitest';
import { gaussian, secureUniform } from '../../ml/privacy/secure-random.js';

/** P(|Z| > t) for a standard normal Z. */
const twoSidedTail = (t: number) => erfc(t / Math.SQRT2);

describe('the secure source of private training', () => {
  it('gives uniforms in [0, 1) with 53 random bits, never the same stream twice', () => {
    const uniform = secureUniform();
    const values = Array.from({ length: 100_000 }, uniform);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    // A 32-bit source gives multiples of 2⁻³²; 53 bits almost never do.
    expect(values.filter((v) => Number.isInteger(v * 2 ** 32)).length).toBeLessThan(5);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / values.length));
    const other = secureUniform();
    expect(Array.from({ length: 8 }, other)).not.toEqual(values.slice(0, 8));
  });

  it('draws standard normals with the right mean, variance and tails', () => {
    const n = 2_000_000;
    const normal = gaussian(secureUniform());
    let sum = 0;
    let squares = 0;
    const beyond = { 2: 0, 3: 0, 4: 0 };
    for (let i = 0; i < n; i++) {
      const z = normal();
      sum += z;
      squares += z * z;
      for (const t of [2, 3, 4] as const) if (Math.abs(z) > t) beyond[t]++;
    }
    const mean = sum / n;
    const variance = squares / n - mean * mean;
    // Five standard errors: a correct sampler fails this about once in two million runs.
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    for (const t of [2, 3, 4] as const) {
      const expected = n * twoSidedTail(t);
      expect(Math.abs(beyond[t] - expected), `|Z| > ${t}: ${beyond[t]} against ${expected.toFixed(1)} expected`).toBeLessThan(5 * Math.sqrt(expected));
    }
  });
});
