import Table from 'cli-table3';
import { stringify as toYaml } from 'yaml';
import { CliError, EXIT } from './exit.js';

export const FORMATS = ['table', 'json', 'yaml'] as const;
export type Format = (typeof FORMATS)[number];

export function parseFormat(value: string): Format {
  if ((FORMATS as readonly string[]).includes(value)) return value as Format;
  throw new CliError(`-o must be one of ${FORMATS.join(', ')}, not ${value}`, EXIT.usage);
}

/** Where the CLI writes, and how: tables for people, JSON or YAML for scripts. */
export interface Out {
  format: Format;
  color: boolean;
  tty: boolean;
  write(text: string): void;
}

/**
 * Prints `data` as JSON or YAML (its shape is the documented, stable one), or as the command's table.
 * JSON is pretty-printed, one document per command.
 */
export function print(out: Out, data: unknown, table: () => string): void {
  if (out.format === 'json') out.write(JSON.stringify(data, null, 2) + '\n');
  else if (out.format === 'yaml') out.write(toYaml(data));
  else out.write(table() + '\n');
}

/** A table of rows under a header; plain text without colour or borders that need a terminal. */
export function table(out: Pick<Out, 'color'>, head: string[], rows: (string | number | null | undefined)[][]): string {
  const t = new Table({
    head,
    style: { head: out.color ? ['cyan'] : [], border: [], compact: true },
    chars: { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ' },
  });
  for (const row of rows) t.push(row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))));
  return t.toString().replace(/^ /gm, '').replace(/ +$/gm, '');
}

/** A metric or number, short. */
export const num = (value: unknown): string => (typeof value === 'number' ? Number(value.toPrecision(4)).toString() : value === null || value === undefined ? '' : String(value));

/** How long from `from` to `to` (or now), as 1.2s, 3m4s, 1h2m. */
export function duration(from: string | null | undefined, to?: string | null): string {
  if (!from) return '';
  const ms = (to ? Date.parse(to) : Date.now()) - Date.parse(from);
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}
