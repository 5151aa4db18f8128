import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateDataset } from '../../activities/data/validate.js';
import type { ColumnProfile } from '../../domain/data/profile.js';

const column = (name: string, kind: ColumnProfile['kind'], extra: Partial<ColumnProfile> = {}): ColumnProfile => ({ name, kind, count: 4, nullCount: 0, nanCount: 0, ...extra });
const labels = (categories: Record<string, number>, distinct = Object.keys(categories).length) => column('label', 'categorical', { categories, distinct });
const spec = (task: 'classification' | 'regression', features: string[], validation: object, sensitiveColumns?: string[]) =>
  ({ task, target: 'label', features, sensitiveColumns, validation: { minRows: 1, maxMissingFraction: 0, columns: {}, ...validation } }) as never;

/**
 * Every rule family of `validateDataset`, each failing once, in the order the report lists them: the
 * report is what a failed run shows, and `rulesChecked` counts the rules that held as well.
 */
describe('validateDataset', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'custody-validate-dataset-'));
    file = path.join(dir, 'people.csv');
    writeFileSync(file, 'age,income,sex,kind,label\n17,100,f,a,yes\n30,,m,b,no\n95,300,x,c,yes\n40,abc,f,a,no\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const profile = () => ({
    rowCount: 4,
    columns: [column('age', 'numeric'), column('income', 'numeric', { count: 2, nullCount: 1, nanCount: 1 }), column('sex', 'categorical'), column('kind', 'categorical'), labels({ yes: 3, no: 1 })],
  });

  it('reports every family’s failures in order: rows, schema, missing values, column rules, ranges and categories, target, class balance', async () => {
    const columns = {
      age: { required: true, min: 18, max: 90 },
      sex: { required: true, allowed: ['f', 'm'] },
      kind: { required: true, kind: 'numeric', allowed: ['a', 'b'], maxMissingFraction: 0.5 },
      zip: { required: true },
      note: { required: false },
    };
    const report = await validateDataset(file, 'csv', profile(), spec('classification', ['age', 'income', 'sex', 'height'], { minRows: 10, classBalance: { minFraction: 0.3 }, columns }, ['sex']));
    expect(report).toEqual({
      passed: false,
      rowCount: 4,
      rulesChecked: 20,
      failures: [
        { rule: 'min-rows', message: 'the dataset has 4 rows; at least 10 are required' },
        { rule: 'schema', column: 'height', message: 'column height is used by the spec but missing from the dataset' },
        { rule: 'missing', column: 'income', message: 'column income has 2 missing or non-numeric values (50%); at most 0% allowed, 1 of them NaN or not numbers' },
        { rule: 'schema', column: 'kind', message: 'column kind is categorical, but the spec expects numeric' },
        { rule: 'schema', column: 'zip', message: 'required column zip is missing from the dataset' },
        { rule: 'range', column: 'age', message: 'column age has 2 values outside [18, 90] (seen 17 to 95)' },
        { rule: 'categories', column: 'sex', message: 'column sex has 1 values outside the allowed set (values withheld: a sensitive column)' },
        { rule: 'categories', column: 'kind', message: 'column kind has 1 values outside the allowed set, such as "c"' },
        { rule: 'class-balance', column: 'label', message: 'class "no" is 25% of the rows; at least 30% required' },
      ],
    });
  });

  it('withholds a sensitive column’s out-of-range values, and wants a numeric target for regression', async () => {
    const report = await validateDataset(file, 'csv', profile(), spec('regression', ['age'], { columns: { age: { required: true, max: 50 } } }, ['age']));
    expect(report).toEqual({
      passed: false,
      rowCount: 4,
      rulesChecked: 7,
      failures: [
        { rule: 'range', column: 'age', message: 'column age has 1 values outside [-∞, 50] (values withheld: a sensitive column)' },
        { rule: 'schema', column: 'label', message: 'target label must be numeric for regression, but it is categorical' },
      ],
    });
  });

  it('reads no file when no column has a range or category rule, and counts the rules that held', async () => {
    const absent = path.join(dir, 'absent.csv');
    const checks = spec('classification', ['age'], { classBalance: { minFraction: 0.1 } });
    expect(await validateDataset(absent, 'csv', { rowCount: 4, columns: [column('age', 'numeric'), labels({ yes: 4 }, 51)] }, checks)).toEqual({
      passed: false,
      rowCount: 4,
      rulesChecked: 8,
      failures: [
        { rule: 'schema', column: 'label', message: 'target label has more than 50 distinct values; is this a regression task?' },
        { rule: 'class-balance', column: 'label', message: 'target label has 1 class; at least 2 are needed' },
      ],
    });
    expect(await validateDataset(absent, 'csv', { rowCount: 4, columns: [column('age', 'numeric'), labels({ yes: 2, no: 2 })] }, checks)).toEqual({ passed: true, rowCount: 4, rulesChecked: 9, failures: [] });
  });
});
