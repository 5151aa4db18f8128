/**
 * Stable partition of order[start, end): the rows whose bin in `column` is at most `bin` first, in
 * their order, then the rest, through `scratch`. Returns where the right part begins.
 */
export function partitionByBin(order: Uint32Array, scratch: Uint32Array, start: number, end: number, column: Uint8Array, bin: number): number {
  let l = start;
  let r = 0;
  for (let p = start; p < end; p++) {
    const i = order[p]!;
    if (column[i]! <= bin) order[l++] = i;
    else scratch[r++] = i;
  }
  order.set(scratch.subarray(0, r), l);
  return l;
}
