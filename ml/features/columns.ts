/** A cell as rows hold it: text, a number, a boolean, or missing. */
export type Cell = string | number | boolean | null | undefined;
export type Row = Record<string, Cell>;

export type NumericTransform = 'log' | 'sqrt' | { power: number };
export type DatePart = 'year' | 'month' | 'day' | 'weekday' | 'hour';

/**
 * How one generated column is computed from a raw row: everything it learned on the training rows
 * (fill values, categories, bucket edges) is in it, so applying it needs nothing else.
 */
export type Generator =
  | { kind: 'number'; column: string; transform?: NumericTransform; fill: number }
  /** `numeric`: missing when the cell is not a number at all ("NA" in a CSV reads as missing, as null does when served). */
  | { kind: 'missing'; column: string; numeric?: boolean }
  | { kind: 'category'; column: string; value: string; fill?: string }
  /** The column of categories grouped as rare, and of categories never seen in training. */
  | { kind: 'other'; column: string; known: string[]; fill?: string }
  | { kind: 'bucket'; column: string; lower: number; upper: number; fill: number }
  | { kind: 'datepart'; column: string; part: DatePart; fill: number }
  | { kind: 'product'; left: Generator; right: Generator };

export function isMissing(cell: Cell): boolean {
  return cell === null || cell === undefined || cell === '' || (typeof cell === 'number' && !Number.isFinite(cell));
}

/** A cell as a number: NaN when missing or not a number. */
export function numberOf(cell: Cell): number {
  if (isMissing(cell)) return Number.NaN;
  if (typeof cell === 'number') return cell;
  if (typeof cell === 'boolean') return cell ? 1 : 0;
  const value = Number(cell);
  return Number.isFinite(value) ? value : Number.NaN;
}

/** log is log(1 + x) (so zeros stay finite), sqrt needs x ≥ 0, power keeps the sign: sign(x)·|x|^p. */
export function transformed(value: number, transform?: NumericTransform): number {
  if (transform === undefined || Number.isNaN(value)) return value;
  if (transform === 'log') return value > -1 ? Math.log1p(value) : Number.NaN;
  if (transform === 'sqrt') return value >= 0 ? Math.sqrt(value) : Number.NaN;
  return Math.sign(value) * Math.abs(value) ** transform.power;
}

/**
 * A date part of a cell: a number, or text of digits only, is epoch milliseconds (so "1700000000000"
 * from a CSV and 1700000000000 from a served row agree); other text is parsed as an ISO date or time.
 */
export function datePart(cell: Cell, part: DatePart): number {
  if (isMissing(cell) || typeof cell === 'boolean') return Number.NaN;
  const text = String(cell).trim();
  const date = new Date(/^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text);
  if (Number.isNaN(date.getTime())) return Number.NaN;
  switch (part) {
    case 'year':
      return date.getUTCFullYear();
    case 'month':
      return date.getUTCMonth() + 1;
    case 'day':
      return date.getUTCDate();
    case 'weekday':
      return date.getUTCDay();
    case 'hour':
      return date.getUTCHours();
  }
}

const categoryOf = (cell: Cell, fill?: string): string | null => (isMissing(cell) ? (fill ?? null) : String(cell));

/** The generated column's value for one row. */
export function generate(g: Generator, row: Row): number {
  switch (g.kind) {
    case 'number': {
      const value = transformed(numberOf(row[g.column]), g.transform);
      return Number.isNaN(value) ? g.fill : value;
    }
    case 'missing':
      return (g.numeric ? Number.isNaN(numberOf(row[g.column])) : isMissing(row[g.column])) ? 1 : 0;
    case 'category':
      return categoryOf(row[g.column], g.fill) === g.value ? 1 : 0;
    case 'other': {
      const value = categoryOf(row[g.column], g.fill);
      return value !== null && !g.known.includes(value) ? 1 : 0;
    }
    case 'bucket': {
      const raw = numberOf(row[g.column]);
      const value = Number.isNaN(raw) ? g.fill : raw;
      return value > g.lower && value <= g.upper ? 1 : 0;
    }
    case 'datepart': {
      const value = datePart(row[g.column], g.part);
      return Number.isNaN(value) ? g.fill : value;
    }
    case 'product':
      return generate(g.left, row) * generate(g.right, row);
  }
}

/** Generated columns that are 0/1 flags: never scaled. */
export const isFlag = (g: Generator): boolean => g.kind === 'missing' || g.kind === 'category' || g.kind === 'other' || g.kind === 'bucket';

/** What a generated column is, in words, for the run and the model card. */
export function describeGenerator(g: Generator): string {
  switch (g.kind) {
    case 'number':
      return g.transform ? `${typeof g.transform === 'string' ? g.transform : `power ${g.transform.power}`} of ${g.column}` : `${g.column} as given`;
    case 'missing':
      return `whether ${g.column} is missing`;
    case 'category':
      return `one-hot: ${g.column} is ${g.value}`;
    case 'other':
      return `one-hot: ${g.column} is a rare or unseen category`;
    case 'bucket':
      return `bucket: ${g.column} in (${g.lower}, ${g.upper}]`;
    case 'datepart':
      return `${g.part} of ${g.column}`;
    case 'product':
      return `interaction: ${describeGenerator(g.left)} × ${describeGenerator(g.right)}`;
  }
}
