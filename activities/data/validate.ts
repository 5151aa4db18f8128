import { featureColumnList, featureSectionColumns, featureSectionOf, type PipelineSpec } from '../../domain/pipeline/spec.js';
import type { ColumnProfile, DatasetFormat } from '../../domain/data/profile.js';
import { isMissing, numericValue, readRows, type Cell } from '../../storage/read-rows.js';

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

type ValidationSpec = Pick<PipelineSpec, 'validation' | 'features' | 'target' | 'task'> & { fairness?: PipelineSpec['fairness']; sensitiveColumns?: string[] };
type Rules = PipelineSpec['validation'];
type Columns = Map<string, ColumnProfile>;

/** One rule applied: it counts towards `rulesChecked` whether or not it held; its failure is reported only if it did not. */
interface Check {
  ok: boolean;
  failure: ValidationFailure;
}

const check = (ok: boolean, failure: ValidationFailure): Check => ({ ok, failure });

const PROGRESS_EVERY = 5000;

/**
 * Checks a dataset version against the spec's rules and reports every failure, not just the first.
 * Counts come from the stored profile; range and category rules stream the file once more for exact counts.
 * The rule families run in the order their failures are reported.
 */
export async function validateDataset(
  file: string,
  format: DatasetFormat,
  profile: { rowCount: number; columns: ColumnProfile[] },
  spec: ValidationSpec,
  /** Called every few thousand rows while the file streams, so a long check can heartbeat. */
  onProgress: (rows: number) => void = () => {},
): Promise<ValidationReport> {
  const { validation, target } = spec;
  const columns: Columns = new Map(profile.columns.map((c) => [c.name, c]));
  const used = usedColumns(spec, profile.columns);
  const checks = [
    rowCountCheck(profile.rowCount, validation),
    ...usedColumnChecks(used, columns),
    ...missingValueChecks(used, columns, profile.rowCount, validation),
    ...columnRuleChecks(used, columns, validation),
    ...(await valueChecks(file, format, valueRules(columns, validation), new Set(spec.sensitiveColumns ?? []), onProgress)),
    ...targetChecks(columns.get(target), spec),
    ...classBalanceChecks(columns.get(target), spec),
  ];
  const failures = checks.filter((c) => !c.ok).map((c) => c.failure);
  return { passed: failures.length === 0, rowCount: profile.rowCount, rulesChecked: checks.length, failures };
}

/** Every column the spec uses: its features, the columns its features section names, the target and the sensitive attribute. */
function usedColumns(spec: ValidationSpec, columns: ColumnProfile[]): string[] {
  const section = featureSectionOf(spec);
  const named = section ? featureSectionColumns(section).map((c) => c.column) : [];
  return [...new Set([...featureColumns(spec, columns), ...named, spec.target, ...(spec.fairness ? [spec.fairness.sensitiveAttribute] : [])])];
}

/** Size: enough rows to train on. */
function rowCountCheck(rowCount: number, validation: Rules): Check {
  return check(rowCount >= validation.minRows, {
    rule: 'min-rows',
    message: `the dataset has ${rowCount} rows; at least ${validation.minRows} are required`,
  });
}

/** Schema: every column the spec uses is in the dataset. */
function usedColumnChecks(used: string[], columns: Columns): Check[] {
  return used.map((name) => check(columns.has(name), { rule: 'schema', column: name, message: `column ${name} is used by the spec but missing from the dataset` }));
}

/** Missing values: the global limit applies to every used column; per-column rules may override it. */
function missingValueChecks(used: string[], columns: Columns, rowCount: number, validation: Rules): Check[] {
  const limits = new Map<string, number>(used.map((name) => [name, validation.maxMissingFraction]));
  for (const [name, rule] of Object.entries(validation.columns)) {
    if (rule.maxMissingFraction !== undefined) limits.set(name, rule.maxMissingFraction);
  }
  const checks: Check[] = [];
  for (const [name, limit] of limits) {
    const column = columns.get(name);
    if (!column || rowCount === 0) continue;
    const missing = column.nullCount + column.nanCount;
    const fraction = missing / rowCount;
    checks.push(
      check(fraction <= limit, {
        rule: column.nanCount > 0 && column.nullCount === 0 ? 'non-numeric' : 'missing',
        column: name,
        message:
          `column ${name} has ${missing} missing or non-numeric values (${pct(fraction)}); at most ${pct(limit)} allowed` +
          (column.nanCount > 0 ? `, ${column.nanCount} of them NaN or not numbers` : ''),
      }),
    );
  }
  return checks;
}

/** Schema, per column rule: a required column is present (unless already checked as used), and of the kind the rule names. */
function columnRuleChecks(used: string[], columns: Columns, validation: Rules): Check[] {
  const checks: Check[] = [];
  for (const [name, rule] of Object.entries(validation.columns)) {
    const column = columns.get(name);
    if (!column) {
      if (rule.required && !used.includes(name)) checks.push(check(false, { rule: 'schema', column: name, message: `required column ${name} is missing from the dataset` }));
      continue;
    }
    if (rule.kind) {
      checks.push(check(column.kind === rule.kind, { rule: 'schema', column: name, message: `column ${name} is ${column.kind}, but the spec expects ${rule.kind}` }));
    }
  }
  return checks;
}

/** A range or category rule on a column the dataset has: checked against every value, so the file is streamed. */
interface ValueRule {
  name: string;
  min?: number;
  max?: number;
  allowed?: Set<string>;
}

/** What one pass over the rows found: per column, the values outside the range and the values outside the allowed set. */
interface ValueTally {
  outOfRange: Map<string, { count: number; low: number; high: number }>;
  unknown: Map<string, Map<string, number>>;
}

const hasRange = (rule: ValueRule) => rule.min !== undefined || rule.max !== undefined;

function valueRules(columns: Columns, validation: Rules): ValueRule[] {
  return Object.entries(validation.columns)
    .filter(([name, rule]) => columns.has(name) && (rule.min !== undefined || rule.max !== undefined || rule.allowed))
    .map(([name, rule]) => ({ name, min: rule.min, max: rule.max, allowed: rule.allowed ? new Set(rule.allowed) : undefined }));
}

/** Ranges and categories: one pass over the file (none when no column has such a rule), then a check per rule. */
async function valueChecks(file: string, format: DatasetFormat, rules: ValueRule[], sensitive: Set<string>, onProgress: (rows: number) => void): Promise<Check[]> {
  if (rules.length === 0) return [];
  const tally = await tallyValues(file, format, rules, onProgress);
  return rules.flatMap((rule) => [
    ...(hasRange(rule) ? [rangeCheck(rule, tally, sensitive.has(rule.name))] : []),
    ...(rule.allowed ? [categoryCheck(rule, tally, sensitive.has(rule.name))] : []),
  ]);
}

async function tallyValues(file: string, format: DatasetFormat, rules: ValueRule[], onProgress: (rows: number) => void): Promise<ValueTally> {
  const tally: ValueTally = { outOfRange: new Map(), unknown: new Map() };
  let rows = 0;
  for await (const row of readRows(file, format)) {
    if (++rows % PROGRESS_EVERY === 0) onProgress(rows);
    for (const rule of rules) {
      const cell = row[rule.name];
      if (!isMissing(cell)) tallyCell(rule, cell!, tally);
    }
  }
  return tally;
}

function tallyCell(rule: ValueRule, cell: Cell, { outOfRange, unknown }: ValueTally): void {
  if (hasRange(rule)) {
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

// A failure says what is wrong with a sensitive column, never which values it holds.
const WITHHELD = ' (values withheld: a sensitive column)';

function rangeCheck(rule: ValueRule, { outOfRange }: ValueTally, sensitive: boolean): Check {
  const bad = outOfRange.get(rule.name);
  return check(!bad, {
    rule: 'range',
    column: rule.name,
    message: bad ? `column ${rule.name} has ${bad.count} values outside [${rule.min ?? '-∞'}, ${rule.max ?? '∞'}]${sensitive ? WITHHELD : ` (seen ${bad.low} to ${bad.high})`}` : '',
  });
}

function categoryCheck(rule: ValueRule, { unknown }: ValueTally, sensitive: boolean): Check {
  const bad = unknown.get(rule.name);
  const examples = !bad ? '' : sensitive ? WITHHELD : `, such as ${[...bad.keys()].slice(0, 5).map((v) => JSON.stringify(v)).join(', ')}`;
  return check(!bad, {
    rule: 'categories',
    column: rule.name,
    message: bad ? `column ${rule.name} has ${[...bad.values()].reduce((a, b) => a + b, 0)} values outside the allowed set${examples}` : '',
  });
}

/** Target: a classification target has few enough classes; a regression target is numeric. */
function targetChecks(target: ColumnProfile | undefined, spec: ValidationSpec): Check[] {
  if (!target) return [];
  if (spec.task === 'classification') {
    return [
      check(target.categories !== undefined && (target.distinct ?? 0) <= 50, {
        rule: 'schema',
        column: spec.target,
        message: `target ${spec.target} has more than 50 distinct values; is this a regression task?`,
      }),
    ];
  }
  if (spec.task === 'regression') {
    return [check(target.kind === 'numeric', { rule: 'schema', column: spec.target, message: `target ${spec.target} must be numeric for regression, but it is ${target.kind}` })];
  }
  return [];
}

/** Class balance (classification with a `classBalance` rule): every class is a large enough share, and there are at least two. */
function classBalanceChecks(target: ColumnProfile | undefined, spec: ValidationSpec): Check[] {
  const { classBalance } = spec.validation;
  if (spec.task !== 'classification' || !target || !classBalance || !(target.count > 0)) return [];
  const counts = Object.entries(target.categories ?? {});
  const min = classBalance.minFraction;
  return [
    ...counts.map(([label, count]) => {
      const fraction = count / target.count;
      return check(fraction >= min, {
        rule: 'class-balance',
        column: spec.target,
        message: `class ${JSON.stringify(label)} is ${pct(fraction)} of the rows; at least ${pct(min)} required`,
      });
    }),
    check(counts.length >= 2, { rule: 'class-balance', column: spec.target, message: `target ${spec.target} has ${counts.length} class; at least 2 are needed` }),
  ];
}

const pct = (fraction: number) => `${Number((fraction * 100).toPrecision(3))}%`;
