import { seededRandom, shuffled } from '../../domain/random.js';
import type { DatasetFormat } from '../../domain/data/profile.js';
import { isMissing, readRows, type Row } from '../../storage/read-rows.js';

export interface SplitOptions {
  testFraction: number;
  validationFraction: number;
  seed: number;
  stratify: boolean;
}

export interface Splits {
  train: Row[];
  validation: Row[];
  test: Row[];
}

/** Loads the rows that have a target value, keeping only the columns the model uses. */
export async function loadRows(file: string, format: DatasetFormat, columns: string[], target: string): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const row of readRows(file, format)) {
    if (isMissing(row[target])) continue;
    const kept: Row = {};
    for (const name of columns) kept[name] = row[name] ?? null;
    rows.push(kept);
  }
  return rows;
}

/**
 * Splits rows into train, validation (for choosing among trials) and test (for the final verdict).
 * A pure function of the rows and the options: the same seed always gives the same split, and a
 * stratified split keeps each class's share in every part.
 */
export function splitRows(rows: Row[], target: string, options: SplitOptions): Splits {
  const random = seededRandom(options.seed);
  const groups = new Map<string, number[]>();
  rows.forEach((row, i) => {
    const key = options.stratify ? String(row[target]) : '';
    const group = groups.get(key) ?? [];
    group.push(i);
    groups.set(key, group);
  });
  const parts: Record<keyof Splits, number[]> = { train: [], validation: [], test: [] };
  for (const key of [...groups.keys()].sort()) {
    const indices = shuffled(groups.get(key)!, random);
    const testCount = Math.round(indices.length * options.testFraction);
    const rest = indices.length - testCount;
    const validationCount = Math.round(rest * options.validationFraction);
    parts.test.push(...indices.slice(0, testCount));
    parts.validation.push(...indices.slice(testCount, testCount + validationCount));
    parts.train.push(...indices.slice(testCount + validationCount));
  }
  const pick = (indices: number[]) => indices.sort((a, b) => a - b).map((i) => rows[i]!);
  return { train: pick(parts.train), validation: pick(parts.validation), test: pick(parts.test) };
}

/** A seeded sample of `fraction` of the rows (at least one), in their original order: the rows a halving rung trains on. */
export function sampleRows(rows: Row[], fraction: number, seed: number): Row[] {
  const count = Math.max(1, Math.round(rows.length * fraction));
  const picked = shuffled(rows.map((_, i) => i), seededRandom(seed ^ 0x4a1f)).slice(0, count).sort((a, b) => a - b);
  return picked.map((i) => rows[i]!);
}
