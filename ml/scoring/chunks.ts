import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { DatasetFormat } from '../../domain/data/profile.js';
import type { ScoringChunk, ScoringPlan } from '../../domain/scoring.js';
import { DataFormatError } from '../../storage/read-rows.js';

const NEWLINE = 0x0a;
const QUOTE = 0x22;

/**
 * Splits a CSV or JSON Lines file into chunks of `chunkRows` records, by byte range, in one pass: each chunk
 * is then read on its own, from where it starts, so no chunk reads the rows before it. A CSV record ends at a
 * line break outside quotes; lines of only white space hold no record, as the parser skips them.
 */
export async function planChunks(file: string, format: DatasetFormat, chunkRows: number, onProgress?: (rows: number) => void): Promise<ScoringPlan> {
  const chunks: ScoringChunk[] = [];
  let header: { start: number; end: number } | null = null;
  let rows = 0;
  let chunkStart = 0;
  const record = (start: number, end: number) => {
    if (format === 'csv' && !header) {
      header = { start, end };
      chunkStart = end;
      return;
    }
    rows++;
    if (rows % chunkRows === 0) {
      chunks.push({ index: chunks.length, firstRow: rows - chunkRows + 1, rows: chunkRows, startByte: chunkStart, endByte: end });
      chunkStart = end;
      onProgress?.(rows);
    }
  };
  const size = await scanRecords(file, format === 'csv', record);
  const left = rows % chunkRows;
  if (left > 0) chunks.push({ index: chunks.length, firstRow: rows - left + 1, rows: left, startByte: chunkStart, endByte: size });
  return { columns: header ? await headerOf(file, header) : [], chunks };
}

/** Calls `onRecord(start, end)` for each line that holds a record; returns the file's size. */
async function scanRecords(file: string, quoteAware: boolean, onRecord: (start: number, end: number) => void): Promise<number> {
  let base = 0;
  let lineStart = 0;
  let blank = true;
  let inQuotes = false;
  for await (const buffer of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const plain = !quoteAware || (!inQuotes && buffer.indexOf(QUOTE) === -1);
    let i = 0;
    while (i < buffer.length) {
      const end = plain ? buffer.indexOf(NEWLINE, i) : nextBreak(buffer, i);
      const stop = end === -1 ? buffer.length : end;
      if (blank) blank = isBlank(buffer, i, stop);
      if (!plain) inQuotes = quoteParity(buffer, i, stop, inQuotes);
      if (end === -1) break;
      if (!blank) onRecord(lineStart, base + end + 1);
      lineStart = base + end + 1;
      blank = true;
      i = end + 1;
    }
    base += buffer.length;
  }
  if (!blank) onRecord(lineStart, base);
  return base;

  /** The next line break outside quotes, counting quotes from `from` with the state carried in. */
  function nextBreak(buffer: Buffer, from: number): number {
    let quoted = inQuotes;
    for (let k = from; k < buffer.length; k++) {
      const byte = buffer[k];
      if (byte === QUOTE) quoted = !quoted;
      else if (byte === NEWLINE && !quoted) return k;
    }
    return -1;
  }
}

/** The quote state after bytes [from, to), given the state before them. */
function quoteParity(buffer: Buffer, from: number, to: number, inQuotes: boolean): boolean {
  let quoted = inQuotes;
  for (let k = from; k < to; k++) if (buffer[k] === QUOTE) quoted = !quoted;
  return quoted;
}

function isBlank(buffer: Buffer, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const byte = buffer[k];
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d && byte !== 0xef && byte !== 0xbb && byte !== 0xbf) return false;
  }
  return true;
}

/** The CSV header's column names, read as the dataset's parser reads them. */
async function headerOf(file: string, range: { start: number; end: number }): Promise<string[]> {
  const handle = await open(file, 'r');
  try {
    const bytes = Buffer.alloc(range.end - range.start);
    await handle.read(bytes, 0, bytes.length, range.start);
    const [names] = parse(bytes, { bom: true, trim: true, relax_column_count: false }) as string[][];
    if (!names || names.length === 0) throw new DataFormatError('the CSV has no header');
    return names;
  } finally {
    await handle.close();
  }
}
