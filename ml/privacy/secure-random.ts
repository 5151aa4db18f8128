import { randomFillSync } from 'node:crypto';

/** How many 32-bit words are drawn from the operating system at once: a refill costs one call per 2,048 uniforms. */
const BLOCK_WORDS = 4096;

/**
 * Uniforms in [0, 1) with 53 random bits each (every double of the form k / 2⁵³), drawn from the operating
 * system's cryptographically secure generator (`node:crypto`). What a differential-privacy guarantee rests
 * on comes from here, never from a seed: nothing stored (the spec, the artifact, the history) can
 * regenerate it, so a published model cannot be matched by retraining with and without a person's row.
 */
export function secureUniform(): () => number {
  const words = new Uint32Array(BLOCK_WORDS);
  let next = BLOCK_WORDS;
  return () => {
    if (next === BLOCK_WORDS) {
      randomFillSync(words);
      next = 0;
    }
    const high = words[next++]! >>> 5; // 27 bits
    const low = words[next++]! >>> 6; // 26 bits
    return (high * 67_108_864 + low) / 9_007_199_254_740_992;
  };
}

/**
 * Standard normal draws by the Box–Muller transform, exact in distribution given exact uniforms: each pair of
 * uniforms (u in (0, 1], v in [0, 1)) gives two independent N(0, 1) values, r·cos(2πv) and r·sin(2πv) with
 * r = √(−2 ln u). `uniform` is the secure source in private training; tests may pass a seeded one.
 */
export function gaussian(uniform: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const value = spare;
      spare = null;
      return value;
    }
    const u = 1 - uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}
