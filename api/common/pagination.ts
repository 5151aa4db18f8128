import { InputError } from '../errors/input-error.js';
import { isUuid } from './validate.js';

/** A keyset position: lists are ordered by (created_at, id), newest first. */
export interface Cursor {
  createdAt: Date;
  id: string;
}

export function encodeCursor(row: Cursor): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

/** Reads a cursor this API returned; anything else is a field error on `path`. */
export function decodeCursor(cursor: string, path = 'input.after'): Cursor {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (!isUuid(id) || Number.isNaN(createdAt.getTime())) throw InputError.field(path, 'is not a cursor this API returned');
  return { createdAt, id };
}

/** The page size asked for, checked: 1 to `max`, `fallback` when omitted. */
export function pageSize(first: number | null | undefined, fallback = 20, max = 100, path = 'input.first'): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > max) throw InputError.field(path, `must be between 1 and ${max}`);
  return size;
}

/** A position in a sequence (the audit chain): lists ordered by a growing integer. */
export function encodeSeqCursor(seq: number): string {
  return Buffer.from(String(seq)).toString('base64url');
}

/** Reads a sequence cursor this API returned; anything else is a field error on `path`. */
export function decodeSeqCursor(cursor: string, path = 'input.after'): number {
  const seq = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(seq) || seq < 0) throw InputError.field(path, 'is not a cursor this API returned');
  return seq;
}

/** Cuts one extra row off a page of `size + 1`, and says where the next page starts. */
export function pageOf<Row extends Cursor, Node>(rows: Row[], size: number, toNode: (row: Row) => Node): { nodes: Node[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } {
  const page = rows.slice(0, size);
  const last = page.at(-1);
  return { nodes: page.map(toNode), pageInfo: { hasNextPage: rows.length > size, endCursor: last ? encodeCursor(last) : null } };
}
