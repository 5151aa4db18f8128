import { once } from 'node:events';
import { createWriteStream, writeFileSync } from 'node:fs';
import type { Row } from '../storage/read-rows.js';
import { taskRows } from './training-data.js';

// The scoring benchmark's files: the training benchmark's task written as CSV as it is generated, so that even
// ten million rows never sit in memory, and the same numbers as raw float64s for scikit-learn to read.

export const featureNames = (features: number): string[] => Array.from({ length: features }, (_, i) => `x${i + 1}`);

/** Streams `lines` into `file`, a megabyte at a time, waiting whenever the stream's buffer is full; returns its size. */
export async function writeLines(file: string, lines: Iterable<string>): Promise<number> {
  const out = createWriteStream(file);
  let buffer = '';
  for (const line of lines) {
    buffer += line;
    if (buffer.length < 1 << 20) continue;
    if (!out.write(buffer)) await once(out, 'drain');
    buffer = '';
  }
  out.end(buffer);
  await once(out, 'finish');
  return out.bytesWritten;
}

/**
 * Writes `rows` of the task to `file` as CSV: the features, and the label when `label` is set. With `matrix`, also
 * writes them there as float64s, row by row, each followed by its label (for scikit-learn's `np.fromfile`). Returns
 * the labels, whether written or not.
 */
export async function writeTask(file: string, rows: number, features: number, seed: number, options: { label: boolean; matrix?: string }): Promise<Uint8Array> {
  const numbers = options.matrix ? new Float64Array(rows * (features + 1)) : null;
  const labels = new Uint8Array(rows);
  function* lines() {
    yield `${[...featureNames(features), ...(options.label ? ['label'] : [])].join(',')}\n`;
    let i = 0;
    for (const { x, y } of taskRows(rows, features, seed)) {
      if (numbers) {
        numbers.set(x, i * (features + 1));
        numbers[i * (features + 1) + features] = y;
      }
      labels[i++] = y;
      yield `${x.join(',')}${options.label ? `,${y}` : ''}\n`;
    }
  }
  await writeLines(file, lines());
  if (numbers && options.matrix) writeFileSync(options.matrix, numbers);
  return labels;
}

/** Rows as read from a CSV (text cells) to float64s for scikit-learn, each followed by its label. */
export function writeMatrix(file: string, rows: readonly Row[], features: readonly string[], label: string): void {
  const width = features.length + 1;
  const numbers = new Float64Array(rows.length * width);
  rows.forEach((row, i) => {
    features.forEach((name, k) => (numbers[i * width + k] = Number(row[name])));
    numbers[i * width + features.length] = Number(row[label]);
  });
  writeFileSync(file, numbers);
}
