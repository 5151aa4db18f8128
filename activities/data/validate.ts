import { featureColumnList, featureSectionColumns, featureSectionOf, type PipelineSpec } from '../../domain/pipeline/spec.js';
import type { ColumnProfile, DatasetFormat } from '../../domain/data/profile.js';
import { isMissing, numericValue, readRows } from '../../storage/read-rows.js';

export interface ValidationFailure {
  rule: 'schema' | 'missing' | 'non-numeric' | 'range' | 'categories' | 'class-balance' | 'min-rows';
  column?: string;
  message: string;
}

export interface ValidationReport {
  passed: boolean;
  rowCount: number;
  rulesChecked: number;
  failures: ValidationFailure[];
}

/** The feature columns a spec trains on: its list, or every column but the target and the sensitive attribute. */
export function featureColumns(spec: Pick<PipelineSpec, 'features' | 'target'> & { fairness?: PipelineSpec['fairness'] }, columns: ColumnProfile[]): string[] {
  const sensitive = spec.fairness?.sensitiveAttribute;
  return featureColumnList(spec) ?? columns.map((c) => c.name).filter((name) => name !== spec.target && name !== sensitive);
}

const PROGRESS_EVERY = 5000;

/**
 * Checks a dataset version against the spec's rules and reports every failure, not just the first.
 * Counts come from the stored profile; range and category rules stream the file once more for exact counts.
 */
export async function validateDataset(
  file: string,
  format: DatasetFormat,
  profile: { rowCount: number; columns: ColumnProfile[] },
  spec: Pick<PipelineSpec, 'validation' | 'features' | 'target' | 'task'> & { fairness?: PipelineSpec['fairness']; sensitiveColumns?: string[] },
  /** Called every few thousand rows while the file streams, so a long check can heartbeat. */
  onProgress: (rows: number) => void = () => {},
): Promise<ValidationReport> {
  const failures: ValidationFailure[] = [];
  let rulesChecked = 0;
  const check = (ok: boolean, failure: ValidationFailure) => {
    rulesChecked++;
    if (!ok) failures.push(failure);
  };
  const byName = new Map(profile.columns.map((c) => [c.name, c]));
  const { validation } = spec;
  // A failure says what is wrong with a sensitive column, never which values it holds.
  const sensitive = new Set(spec.sensitiveColumns ?? []);

  check(profile.rowCount >= validation.minRows, {
    rule: 'min-rows',
    message: `the dataset has ${profile.rowCount} rows; at least ${validation.minRows} are required`,
  });

  const section = featureSectionOf(spec);
  const named = section ? featureSectionColumns(section).map((c) => c.column) : [];
  const used = [...new Set([...featureColumns(spec, profile.columns), ...named, spec.target, ...(spec.fairness ? [spec.fairness.sensitiveAttribute] : [])])];
  for (const name of used) {
    check(byName.has(name), { rule: 'schema', column: name, message: `column ${name} is used by the spec but missing from the dataset` });
  }

  // Missing values: the global limit applies to every used column; per-column rules may override it.
  const limits = new Map<string, number>(used.map((name) => [name, validation.maxMissingFraction]));
  for (const [name, rule] of Object.entries(validation.columns)) {
    if (rule.maxMissingFraction !== undefined) limits.set(name, rule.maxMissingFraction);
  }
  for (const [name, limit] of limits) {
    const column = byName.get(name);
    if (!column || profile.rowCount === 0) continue;
    const missing = column.nullCount + column.nanCount;
    const fraction = missing / profile.rowCount;
    check(fraction <= limit, {
      rule: column.nanCount > 0 && column.nullCount === 0 ? 'non-numeric' : 'missing',
      column: name,
      message:
        `column ${name} has ${missing} missing or non-numeric values (${pct(fraction)}); at most ${pct(limit)} allowed` +
        (column.nanCount > 0 ? `, ${column.nanCount} of them NaN or not numbers` : ''),
    });
  }

  const streamed: { name: string; min?: number; max?: number; allowed?: Set<string> }[] = [];
  for (const [name, rule] of Object.entries(validation.columns)) {
    const column = byName.get(name);
    if (!column) {
      if (rule.required && !used.includes(name)) check(false, { rule: 'schema', column: name, message: `required column ${name} is missing from the dataset` });
      continue;
    }
    if (rule.kind) {
      check(column.kind === rule.kind, { rule: 'schema', column: name, message: `column ${name} is ${column.kind}, but the spec expects ${rule.kind}` });
    }
    if (rule.min !== undefined || rule.max !== undefined || rule.allowed) {
      streamed.push({ name, min: rule.min, max: rule.max, allowed: rule.allowed ? new Set(rule.allowed) : undefined });
    }
  }

  if (streamed.length > 0) {
    const outOfRange = new Map<string, { count: number; low: number; high: number }>();
    const unknown = new Map<string, Map<string, number>>();
    let rows = 0;
    for await (const row of readRows(file, format)) {
      if (++rows % PROGRESS_EVERY === 0) onProgress(rows);
      for (const rule of streamed) {
        const cell = row[rule.name];
        if (isMissing(cell)) continue;
        if (rule.min !== undefined || rule.max !== undefined) {
          const value = numericValue(cell);
          if (value !== null && Number.isFinite(value) && ((rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max))) {
            const seen = outOfRange.get(rule.name) ?? { count: 0, low: value, high: value };
            outOfRange.set(rule.name, { count: seen.count + 1, low: Math.min(seen.low, value), high: Math.max(seen.high, value) });
          }
        }
        if (rule.allowed && !rule.allowed.has(String(cell))) {
          const counts = unknown.get(rule.name) ?? new Map<string, number>();
          counts.set(String(cell), (counts.get(String(cell)) ?? 0) + 1);
          unknown.set(rule.name, counts);
        }
      }
    }
    for (const rule of streamed) {
      if (rule.min !== undefined || rule.max !== undefined) {
        const bad = outOfRange.get(rule.name);
        check(!bad, {
          rule: 'range',
          column: rule.name,
          message: bad ? `column ${rule.name} has ${bad.count} values outside [${rule.min ?? '-∞'}, ${rule.max ?? '∞'}]${sensitive.has(rule.name) ? ' (values withheld: a sensitive column)' : ` (seen ${bad.low} to ${bad.high})`}` : '',
        });
      }
      if (rule.allowed) {
        const bad = unknown.get(rule.name);
        const examples = !bad ? '' : sensitive.has(rule.name) ? ' (values withheld: a sensitive column)' : `, such as ${[...bad.keys()].slice(0, 5).map((v) => JSON.stringify(v)).join(', ')}`;
        check(!bad, {
          rule: 'categories',
          column: rule.name,
          message: bad ? `column ${rule.name} has ${[...bad.values()].reduce((a, b) => a + b, 0)} values outside the allowed set${examples}` : '',
        });
      }
    }
  }

  const target = byName.get(spec.target);
  if (spec.task === 'classification' && target) {
    check(target.categories !== undefined && (target.distinct ?? 0) <= 50, {
      rule: 'schema',
      column: spec.target,
      message: `target ${spec.target} has more than 50 distinct values; is this a regression task?`,
    });
  }
  if (spec.task === 'regression' && target) {
    check(target.kind === 'numeric', { rule: 'schema', column: spec.target, message: `target ${spec.target} must be numeric for regression, but it is ${target.kind}` });
  }
  if (spec.task === 'classification' && target && validation.classBalance && target.count > 0) {
    const counts = Object.entries(target.categories ?? {});
    const min = validation.classBalance.minFraction;
    for (const [label, count] of counts) {
      const fraction = count / target.count;
      check(fraction >= min, {
        rule: 'class-balance',
        column: spec.target,
        message: `class ${JSON.stringify(label)} is ${pct(fraction)} of the rows; at least ${pct(min)} required`,
      });
    }
    check(counts.length >= 2, { rule: 'class-balance', column: spec.target, message: `target ${spec.target} has ${counts.length} class; at least 2 are needed` });
  }

  return { passed: failures.length === 0, rowCount: profile.rowCount, rulesChecked, failures };
}

const pct = (fraction: number) => `${Number((fraction * 100).toPrecision(3))}%`;
