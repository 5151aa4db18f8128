/** Bits per digit: 11, so a digit's counts (2,048 of them) stay in the first-level cache while a pass scatters. */
const DIGIT_BITS = 11;
const BUCKETS = 1 << DIGIT_BITS;
const MASK = BUCKETS - 1;
/** The six digits of a 64-bit key: three of each 32-bit word (11, 11 and 10 bits), least significant first. */
const DIGITS = [0, 1, 2, 3, 4, 5].map((d) => ({ word: d < 3 ? 0 : 1, shift: (d % 3) * DIGIT_BITS }));

/**
 * Sorts float64 values ascending, in place, in the same order as Float64Array.prototype.sort (-0 before
 * +0; the values are finite or infinite, never NaN), by a least-significant-digit radix sort on their
 * bits: six passes of 11 bits, linear in the length, several times faster than the comparison sort from a
 * few thousand values up. Short arrays take the native sort.
 */
export function sortFloat64(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < 4096) return values.sort();
  // Each value's bits as an unsigned key that orders like the value: flip the sign bit of positives,
  // every bit of negatives. Words are little-endian pairs (low, high).
  const keys = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  for (let i = 0; i < n; i++) {
    const high = keys[2 * i + 1]!;
    if (high & 0x80000000) {
      keys[2 * i] = ~keys[2 * i]!;
      keys[2 * i + 1] = ~high;
    } else {
      keys[2 * i + 1] = high | 0x80000000;
    }
  }
  const counts = countDigits(keys, n);
  let from: Uint32Array = keys;
  let to: Uint32Array = scratchFor(n * 2);
  for (let d = 0; d < DIGITS.length; d++) {
    const offsets = counts.subarray(d * BUCKETS, (d + 1) * BUCKETS);
    const { word, shift } = DIGITS[d]!;
    if (offsets[(from[word]! >>> shift) & MASK] === n) continue; // Every key shares this digit: the pass would not move anything.
    let sum = 0;
    for (let b = 0; b < BUCKETS; b++) {
      const c = offsets[b]!;
      offsets[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const at = offsets[(from[2 * i + word]! >>> shift) & MASK]!++;
      to[2 * at] = from[2 * i]!;
      to[2 * at + 1] = from[2 * i + 1]!;
    }
    [from, to] = [to, from];
  }
  if (from !== keys) keys.set(from);
  for (let i = 0; i < n; i++) {
    const high = keys[2 * i + 1]!;
    if (high & 0x80000000) {
      keys[2 * i + 1] = high & 0x7fffffff;
    } else {
      keys[2 * i] = ~keys[2 * i]!;
      keys[2 * i + 1] = ~high;
    }
  }
  return values;
}

/**
 * The passes' second buffer, kept between sorts (one per thread, as each thread loads this module): a fresh
 * one of a million values costs more in page faults than a pass over it.
 */
let scratch = new Uint32Array(0);

function scratchFor(length: number): Uint32Array {
  if (scratch.length < length) scratch = new Uint32Array(length);
  return scratch.subarray(0, length);
}

/** How many keys have each value of each of the six digits, in one read of the keys. */
function countDigits(keys: Uint32Array, n: number): Uint32Array {
  const counts = new Uint32Array(DIGITS.length * BUCKETS);
  for (let i = 0; i < n; i++) {
    const low = keys[2 * i]!;
    const high = keys[2 * i + 1]!;
    counts[low & MASK]!++;
    counts[BUCKETS + ((low >>> 11) & MASK)]!++;
    counts[2 * BUCKETS + (low >>> 22)]!++;
    counts[3 * BUCKETS + (high & MASK)]!++;
    counts[4 * BUCKETS + ((high >>> 11) & MASK)]!++;
    counts[5 * BUCKETS + (high >>> 22)]!++;
  }
  return counts;
}
