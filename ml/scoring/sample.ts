import { seededRandom } from '../../domain/random.js';
import type { DatasetFormat } from '../../domain/data/profile.js';
import { DataFormatError, readRows, type Cell, type Row } from '../../storage/read-rows.js';

/** A scored row as drift judges it: its features as the input held them, and what the model predicted. */
export interface ScoredRow {
  row: number;
  inputs: Record<string, Cell>;
  prediction: Cell;
}

/**
 * A uniform sample of at most `size` of the rows a job scored (Algorithm R, seeded, so a retry draws the same
 * sample): the input and the output are read side by side, each in row order, and joined on the row number;
 * rows the job rejected are not in the output and so not in the sample.
 */
export async function sampleScoredRows(
  files: { input: string; output: string; format: DatasetFormat },
  features: readonly string[],
  size: number,
  seed: number,
  onProgress?: (rows: number) => void,
): Promise<{ sample: ScoredRow[]; scored: number }> {
  const random = seededRandom(seed);
  const sample: ScoredRow[] = [];
  const input = numbered(readRows(files.input, files.format));
  let scored = 0;
  for await (const out of readRows(files.output, files.format)) {
    const row = Number(out.row);
    const source = await rowNumbered(input, row);
    scored++;
    if (scored % 50_000 === 0) onProgress?.(scored);
    const slot = scored <= size ? scored - 1 : Math.floor(random() * scored);
    if (slot < size) sample[slot] = { row, inputs: pick(source, features), prediction: out.prediction ?? null };
  }
  return { sample, scored };
}

async function* numbered(rows: AsyncGenerator<Row>): AsyncGenerator<[number, Row]> {
  let n = 0;
  for await (const row of rows) yield [++n, row];
}

/** Reads the input on to row `wanted`; the output's rows come in the input's order, so it is never behind. */
async function rowNumbered(input: AsyncGenerator<[number, Row]>, wanted: number): Promise<Row> {
  for (;;) {
    const next = await input.next();
    if (next.done) throw new DataFormatError(`the scores name row ${wanted}, past the input's last row`);
    if (next.value[0] === wanted) return next.value[1];
    if (next.value[0] > wanted) throw new DataFormatError(`the scores name row ${wanted} out of order`);
  }
}

function pick(row: Row, names: readonly string[]): Record<string, Cell> {
  const picked: Record<string, Cell> = {};
  for (const name of names) picked[name] = row[name] ?? null;
  return picked;
}
