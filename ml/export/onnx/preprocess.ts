import type { ColumnKind } from '../../../domain/data/profile.js';
import type { BuiltInModelArtifact } from '../../artifact.js';
import type { Generator } from '../../features/columns.js';
import type { FeatureColumn } from '../../features/pipeline.js';
import type { FeatureEncoding } from '../../trainers/encoding.js';
import { STANDARDISED } from '../../trainers/built-in.js';
import { OnnxExportError, type ExportIssue } from './export-error.js';
import { BATCH, ML, type GraphBuilder } from './graph.js';
import { DataType } from '../../onnx/proto.js';

/**
 * The learned preprocessing as graph nodes, computed in doubles as Custody computes it: from the raw columns
 * (numbers as double [N, 1], NaN or ±Infinity for a missing one; categories as string [N, 1], "" for a missing
 * one) to the model's input matrix [N, d], column for column what `transformFeatures` or `encodeRows` give.
 * ONNX-ML's Imputer and Scaler hold their constants as floats, so imputation and scaling are the core
 * operators in doubles here; one-hot encoding is ONNX-ML's OneHotEncoder.
 */
export function modelInputs(g: GraphBuilder, artifact: BuiltInModelArtifact): { X: string; width: number } {
  const generated = artifact.featurePipeline?.columns;
  if (generated) {
    const issues = new Map<string, ExportIssue>();
    for (const c of generated) for (const issue of unexportable(c.generator)) issues.set(issue.path, issue);
    if (issues.size > 0) throw new OnnxExportError([...issues.values()]);
  }
  // The graph's inputs come first, in the artifact's order, so that no other name can take a column's.
  const read = generated ? new Set(generated.flatMap((c) => columnsOf(c.generator))) : new Set(artifact.features.filter((f) => f.kind === 'numeric' || f.categories!.length > 0).map((f) => f.name));
  const columns = new Columns(g, artifact.features.filter((f) => read.has(f.name)));
  return generated ? columns.generated(generated) : columns.encoded(artifact.features, STANDARDISED.has(artifact.trainer));
}

/** A generator's identity, for sharing the nodes of one computed twice (±Infinity kept apart from each other). */
const keyOf = (value: unknown) => JSON.stringify(value, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));

class Columns {
  private readonly raw = new Map<string, string>();
  private readonly shared = new Map<string, string>();
  private readonly scalars = new Map<string, string>();
  /** Per categorical column, the strings its one-hot columns need, in the order of the encoder's output. */
  private readonly categories = new Map<string, string[]>();

  private readonly kinds: Map<string, ColumnKind>;

  constructor(
    private readonly g: GraphBuilder,
    inputs: { name: string; kind: ColumnKind }[],
  ) {
    this.kinds = new Map(inputs.map((f) => [f.name, f.kind]));
    for (const { name, kind } of inputs) {
      const input = kind === 'categorical' ? g.input(name, DataType.STRING, `${name}: text, "" when missing`) : g.input(name, DataType.DOUBLE, `${name}: a number, NaN when missing`);
      this.raw.set(name, input);
    }
  }

  /** Without a features section: `encodeRows` (numbers mean-imputed, standardised for logistic regression; one-hot, an unknown or missing category all zeros). */
  encoded(features: FeatureEncoding[], standardise: boolean): { X: string; width: number } {
    const blocks: string[] = [];
    const shift: number[] = [];
    const scale: number[] = [];
    for (const f of features) {
      if (f.kind === 'numeric') {
        blocks.push(this.once(`filled:${f.name}`, () => this.g.op('Where', [this.missingMask(f.name), this.scalar(f.mean!), this.input(f.name)], {}, `${f.name}_imputed`)));
        shift.push(standardise ? f.mean! : 0);
        scale.push(standardise ? f.std! : 1);
      } else if (f.categories!.length > 0) {
        blocks.push(this.oneHot(f.name, f.categories!));
        shift.push(...f.categories!.map(() => 0));
        scale.push(...f.categories!.map(() => 1));
      }
    }
    return this.matrix(blocks, shift, scale);
  }

  /** With a features section: each kept column's generator, then (value − shift) / scale, as `transformFeatures`. */
  generated(columns: FeatureColumn[]): { X: string; width: number } {
    for (const c of columns) this.collectCategories(c.generator);
    return this.matrix(columns.map((c) => this.generate(c.generator)), columns.map((c) => c.shift), columns.map((c) => c.scale));
  }

  private matrix(blocks: string[], shift: number[], scale: number[]): { X: string; width: number } {
    if (blocks.length === 0) throw new OnnxExportError([{ path: 'features', message: 'the model reads no column, so its graph would have no input' }]);
    let X = blocks.length === 1 ? blocks[0]! : this.g.op('Concat', blocks, { axis: { int: 1 } }, 'features_raw');
    if (shift.some((s) => s !== 0)) X = this.g.op('Sub', [X, this.g.doubles('shift', shift)], {}, 'features_shifted');
    if (scale.some((s) => s !== 1)) X = this.g.op('Div', [X, this.g.doubles('scale', scale)], {}, 'features');
    return { X, width: shift.length };
  }

  private generate(g: Generator): string {
    return this.once(keyOf(g), () => {
      switch (g.kind) {
        case 'number': {
          const value = this.transformed(g.column, g.transform);
          return this.g.op('Where', [this.g.op('IsNaN', [value]), this.scalar(g.fill), value], {}, `${g.column}_value`);
        }
        case 'missing':
          return this.kinds.get(g.column) === 'categorical' ? this.categoryMatch(g.column, [['', 1]], 0) : this.g.op('Cast', [this.missingMask(g.column)], { to: { int: DataType.DOUBLE } }, `${g.column}_missing`);
        case 'category': {
          // categoryOf(cell, fill) === value: the cell itself (never "", which is missing), or a missing cell filled with it.
          const weights: [string, number][] = [];
          if (g.value !== '') weights.push([g.value, 1]);
          if (g.fill === g.value) weights.push(['', 1]);
          return this.categoryMatch(g.column, weights, 0);
        }
        case 'other': {
          // 1 unless the category (filled) is missing or known: 1 − Σ known − missing, plus missing when its fill is not known.
          const known = g.known.filter((k) => k !== '');
          const fillIsOther = g.fill !== undefined && !g.known.includes(g.fill);
          return this.categoryMatch(g.column, [...known.map((k): [string, number] => [k, -1]), ['', fillIsOther ? 0 : -1]], 1);
        }
        case 'bucket': {
          const value = this.filled(g.column, g.fill);
          const tests: string[] = [];
          if (g.lower !== -Infinity) tests.push(this.g.op('Greater', [value, this.scalar(g.lower)]));
          if (g.upper !== Infinity) tests.push(this.g.op('LessOrEqual', [value, this.scalar(g.upper)]));
          const inside = tests.length === 2 ? this.g.op('And', tests) : tests[0];
          // A bucket of every value (no edges): always 1.
          if (inside === undefined) return this.g.op('Add', [this.g.op('Mul', [value, this.scalar(0)]), this.scalar(1)], {}, `${g.column}_bucket`);
          return this.g.op('Cast', [inside], { to: { int: DataType.DOUBLE } }, `${g.column}_bucket`);
        }
        case 'product':
          return this.g.op('Mul', [this.generate(g.left), this.generate(g.right)], {}, 'interaction');
        case 'datepart':
          throw new Error('refused above');
      }
    });
  }

  /** `transformed(numberOf(cell), transform)`: NaN where the cell is missing or the transform is undefined there. */
  private transformed(column: string, transform: Extract<Generator, { kind: 'number' }>['transform']): string {
    const x = this.finite(column);
    if (transform === undefined) return x;
    if (transform === 'sqrt') return this.g.op('Sqrt', [x], {}, `sqrt_${column}`);
    if (transform === 'log') {
      // log(1 + x) for x > −1, else NaN. log1p from Log as log(u)·x/(u − 1) with u = 1 + x (x itself where u rounds to 1),
      // accurate to a few units in the last place where a plain log(1 + x) would lose the digits of a small x.
      const u = this.g.op('Add', [x, this.scalar(1)]);
      const ratio = this.g.op('Div', [this.g.op('Mul', [this.g.op('Log', [u]), x]), this.g.op('Sub', [u, this.scalar(1)])]);
      const log1p = this.g.op('Where', [this.g.op('Equal', [u, this.scalar(1)]), x, ratio]);
      return this.g.op('Where', [this.g.op('Greater', [x, this.scalar(-1)]), log1p, this.scalar(Number.NaN)], {}, `log_${column}`);
    }
    // sign(x)·|x|^p
    return this.g.op('Mul', [this.g.op('Sign', [x]), this.g.op('Pow', [this.g.op('Abs', [x]), this.scalar(transform.power)])], {}, `power_${column}`);
  }

  /** The column's number, missing (NaN, ±Infinity) replaced by `fill`. */
  private filled(column: string, fill: number): string {
    return this.once(keyOf(['filled', column, fill]), () => {
      const x = this.finite(column);
      return this.g.op('Where', [this.g.op('IsNaN', [x]), this.scalar(fill), x], {}, `${column}_filled`);
    });
  }

  /** The column's number with ±Infinity as NaN: numberOf's missing, one value for all of it. */
  private finite(column: string): string {
    return this.once(`finite:${column}`, () => this.g.op('Where', [this.missingMask(column), this.scalar(Number.NaN), this.input(column)], {}, `${column}_finite`));
  }

  /** True where a number is missing: NaN or ±Infinity. */
  private missingMask(column: string): string {
    return this.once(`mask:${column}`, () => {
      const x = this.input(column);
      return this.g.op('Or', [this.g.op('IsNaN', [x]), this.g.op('IsInf', [x])], {}, `${column}_is_missing`);
    });
  }

  /** Every string a categorical column's generators compare with, "" (missing) among them. */
  private collectCategories(g: Generator): void {
    const add = (column: string, values: (string | undefined)[]) => {
      const list = this.categories.get(column) ?? [''];
      for (const v of values) if (v !== undefined && !list.includes(v)) list.push(v);
      this.categories.set(column, list);
    };
    if (g.kind === 'category') add(g.column, [g.value, g.fill]);
    if (g.kind === 'other') add(g.column, [...g.known, g.fill]);
    if (g.kind === 'missing' && this.kinds.get(g.column) === 'categorical') add(g.column, []);
    if (g.kind === 'product') {
      this.collectCategories(g.left);
      this.collectCategories(g.right);
    }
  }

  /** Σ weight·[cell is string] + bias over the column's one-hot encoding: exact, as every term is a small whole number. */
  private categoryMatch(column: string, weights: [string, number][], bias: number): string {
    const strings = this.categories.get(column)!;
    const w = new Float64Array(strings.length);
    for (const [s, weight] of weights) w[strings.indexOf(s)]! += weight;
    const sum = this.g.op('MatMul', [this.oneHot(column, strings), this.g.doubles(`${column}_weights`, w, [strings.length, 1])], {}, `${column}_match`);
    return bias === 0 ? sum : this.g.op('Add', [sum, this.scalar(bias)], {}, `${column}_other`);
  }

  /** ONNX-ML's OneHotEncoder over `categories` as doubles [N, categories]: a string not among them is all zeros. */
  private oneHot(column: string, categories: string[]): string {
    return this.once(keyOf(['onehot', column, categories]), () => {
      const encoded = this.g.op('OneHotEncoder', [this.input(column)], { cats_strings: { strings: categories }, zeros: { int: 1 } }, `${column}_onehot`, ML);
      this.g.declare(encoded, DataType.FLOAT, [BATCH, { dim_value: 1 }, { dim_value: categories.length }]);
      const flat = this.g.op('Flatten', [encoded], { axis: { int: 1 } });
      return this.g.op('Cast', [flat], { to: { int: DataType.DOUBLE } }, `${column}_onehot_double`);
    });
  }

  /** The graph input of a raw column: double [N, 1] for a numeric column, string [N, 1] for a categorical one. */
  private input(column: string): string {
    const name = this.raw.get(column);
    if (!name) throw new Error(`the model reads ${column}, which is not among its features`);
    return name;
  }

  private scalar(value: number): string {
    const key = Object.is(value, -0) ? '-0' : String(value);
    let name = this.scalars.get(key);
    if (!name) this.scalars.set(key, (name = this.g.doubles('c', [value], [])));
    return name;
  }

  private once(key: string, make: () => string): string {
    let name = this.shared.get(key);
    if (!name) this.shared.set(key, (name = make()));
    return name;
  }
}

/** The raw columns a generator reads. */
const columnsOf = (g: Generator): string[] => (g.kind === 'product' ? [...columnsOf(g.left), ...columnsOf(g.right)] : [g.column]);

/** What in a generator has no faithful ONNX form: date parts, which parse text as dates. */
function unexportable(g: Generator): ExportIssue[] {
  if (g.kind === 'datepart') return [{ path: `features.transforms.${g.column}`, message: 'dateparts has no ONNX export' }];
  if (g.kind === 'product') return [...unexportable(g.left), ...unexportable(g.right)];
  return [];
}
