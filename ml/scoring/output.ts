import type { Cell, Row } from '../../storage/read-rows.js';
import type { Predictions } from '../metrics.js';

/**
 * The scores' columns: the input's row number (from 1, as the rejects file counts), the id columns asked for,
 * the prediction, each class's probability (classification) and the model version that scored the row.
 */
export function outputColumns(idColumns: readonly string[], classes: readonly string[] | undefined): string[] {
  return ['row', ...idColumns, 'prediction', ...(classes ?? []).map((c) => `probability_${c}`), 'model_version'];
}

/** Whether a name is taken by an output column, so an id column may not have it. */
export const isOutputColumn = (name: string): boolean => name === 'row' || name === 'prediction' || name === 'model_version' || name.startsWith('probability_');

/** Writes scored rows in the input's format: CSV lines without the header, or JSON Lines. */
export class ScoreWriter {
  constructor(
    private readonly format: 'csv' | 'jsonl',
    private readonly columns: readonly string[],
    private readonly idColumns: readonly string[],
    private readonly version: number,
    private readonly classes?: readonly string[],
  ) {}

  header(): string {
    return this.format === 'csv' ? `${this.columns.map(csvField).join(',')}\n` : '';
  }

  /** The lines of a batch: `rowNumbers[i]` and `ids[i]` belong to the i-th prediction. */
  lines(rowNumbers: readonly number[], ids: readonly Row[], predictions: Predictions): string {
    // The model may name its classes in another order than the header: each probability goes under its class.
    // A model that gives no probabilities (a command model may not) leaves their cells empty.
    const order = (this.classes ?? []).map((c) => predictions.classes?.indexOf(c) ?? -1);
    let text = '';
    for (let i = 0; i < rowNumbers.length; i++) {
      const probabilities = order.map((k) => predictions.probabilities?.[i]?.[k] ?? null);
      const cells: Cell[] = [rowNumbers[i]!, ...this.idColumns.map((c) => ids[i]![c] ?? null), predictions.values[i]!, ...probabilities, this.version];
      text += this.format === 'csv' ? `${cells.map(csvField).join(',')}\n` : `${JSON.stringify(Object.fromEntries(this.columns.map((c, k) => [c, cells[k]])))}\n`;
    }
    return text;
  }
}

/** One CSV field, quoted when it holds a comma, a quote, a line break or space at either end. */
export function csvField(cell: Cell | undefined): string {
  if (cell === null || cell === undefined) return '';
  const text = String(cell);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A rejects file's header and lines: the row number and why the row was not scored. */
export const REJECTS_HEADER = 'row,reason\n';
export const rejectLine = (row: number, reason: string): string => `${row},${csvField(reason)}\n`;
