/** A dense matrix of `rows` by `cols` numbers, stored row by row. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function matrix(rows: number, cols: number, data: Float64Array = new Float64Array(rows * cols)): Matrix {
  if (data.length !== rows * cols) throw new Error(`a ${rows}x${cols} matrix needs ${rows * cols} values, not ${data.length}`);
  return { rows, cols, data };
}

/** Builds a matrix from rows of numbers (all of one length). */
export function fromRows(rows: readonly (readonly number[])[]): Matrix {
  const cols = rows[0]?.length ?? 0;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((row, i) => data.set(row, i * cols));
  return { rows: rows.length, cols, data };
}

/** Row `i` as a view, without copying. */
export function rowOf(m: Matrix, i: number): Float64Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}
