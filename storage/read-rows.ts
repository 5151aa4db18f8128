import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { DatasetFormat } from '../domain/data/profile.js';

/** A cell as read: text from CSV, any JSON scalar from JSON Lines; null when absent. */
export type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;

/** Thrown for content that cannot be read as its format: bad input, never worth a retry. */
export class DataFormatError extends Error {
  override readonly name = 'DataFormatError';
}

/** Streams the rows of a CSV (with a header line) or JSON Lines file, one at a time. */
export async function* readRows(file: string, format: DatasetFormat): AsyncGenerator<Row> {
  yield* rowsOf(createReadStream(file), format);
}

/**
 * Streams the rows of bytes [start, end) of a file: a run of whole records that `columns` names (a CSV's header,
 * read elsewhere). The batch scorer reads its chunks so, each from where the last one ended.
 */
export async function* readRowRange(file: string, format: DatasetFormat, range: { start: number; end: number; columns: string[] }): AsyncGenerator<Row> {
  if (range.end <= range.start) return;
  yield* rowsOf(createReadStream(file, { start: range.start, end: range.end - 1 }), format, range.columns);
}

async function* rowsOf(input: Readable, format: DatasetFormat, columns?: string[]): AsyncGenerator<Row> {
  if (format === 'csv') {
    const parser = input.pipe(parse({ columns: columns ?? true, skip_empty_lines: true, trim: true, bom: true, relax_column_count: false }));
    try {
      let line = 1;
      for await (const record of parser as AsyncIterable<Record<string, string>>) {
        line++;
        refuseNul(record, `row ${line}`);
        yield record;
      }
    } catch (error) {
      throw new DataFormatError(`the CSV could not be parsed: ${(error as Error).message}`);
    }
    return;
  }
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new DataFormatError(`line ${lineNumber} is not valid JSON`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new DataFormatError(`line ${lineNumber} is not a JSON object`);
    }
    const row: Row = {};
    for (const [key, cell] of Object.entries(value)) {
      row[key] = cell === null || ['string', 'number', 'boolean'].includes(typeof cell) ? (cell as Cell) : JSON.stringify(cell);
    }
    refuseNul(row, `line ${lineNumber}`);
    yield row;
  }
}

/** Postgres cannot store NUL characters, and no real dataset needs them: refuse them as a format error. */
function refuseNul(row: Record<string, unknown>, where: string): void {
  for (const [name, cell] of Object.entries(row)) {
    if ((typeof cell === 'string' && cell.includes('\u0000')) || name.includes('\u0000')) throw new DataFormatError(`${where}, column ${JSON.stringify(name.replace(/\u0000/g, ''))} contains a NUL character`);
  }
}

/** Infers the format from a file name, or null when the extension says nothing. */
export function formatOf(file: string): DatasetFormat | null {
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(file)) return 'jsonl';
  return null;
}

/** A cell's numeric value: a finite number, NaN for non-numeric text, or null when missing. */
export function numericValue(cell: Cell | undefined): number | null {
  if (cell === null || cell === undefined || cell === '') return null;
  if (typeof cell === 'number') return cell;
  if (typeof cell === 'boolean') return cell ? 1 : 0;
  const value = Number(cell);
  return Number.isFinite(value) ? value : Number.NaN;
}

export const isMissing = (cell: Cell | undefined): boolean => cell === null || cell === undefined || cell === '';
