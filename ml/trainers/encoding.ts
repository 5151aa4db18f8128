import type { ColumnKind } from '../../domain/data/profile.js';
import { numericValue, type Row } from '../../storage/read-rows.js';

/** How one input column becomes model inputs; learned on the training rows and stored in the artifact. */
export interface FeatureEncoding {
  name: string;
  kind: ColumnKind;
  /** numeric: fills missing values, and centres when standardising. */
  mean?: number;
  std?: number;
  /** categorical: one input per known category; unknown values encode as all zeros. */
  categories?: string[];
}

export function fitEncoding(rows: Row[], features: { name: string; kind: ColumnKind }[]): FeatureEncoding[] {
  return features.map(({ name, kind }) => {
    if (kind === 'numeric') {
      const values = rows.map((r) => numericValue(r[name])).filter((v): v is number => v !== null && Number.isFinite(v));
      const mean = values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
      const variance = values.length > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1) : 0;
      return { name, kind, mean, std: Math.sqrt(variance) || 1 };
    }
    const categories = [...new Set(rows.map((r) => r[name]).filter((v) => v !== null && v !== '').map(String))].sort();
    return { name, kind, categories };
  });
}

/** Encodes rows into a numeric matrix: imputed (and optionally standardised) numbers, one-hot categories. */
export function encodeRows(rows: Row[], encoding: FeatureEncoding[], standardize: boolean): number[][] {
  return rows.map((row) => {
    const out: number[] = [];
    for (const feature of encoding) {
      if (feature.kind === 'numeric') {
        const raw = numericValue(row[feature.name]);
        const value = raw === null || !Number.isFinite(raw) ? feature.mean! : raw;
        out.push(standardize ? (value - feature.mean!) / feature.std! : value);
      } else {
        const value = row[feature.name] === null ? null : String(row[feature.name]);
        for (const category of feature.categories!) out.push(value === category ? 1 : 0);
      }
    }
    return out;
  });
}
