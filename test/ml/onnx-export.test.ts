import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import { benchmarkDatasets, splitOf, type BenchmarkDataset } from '../../bench/datasets.js';
import type { BuiltInTrainer } from '../../domain/pipeline/spec.js';
import type { Params } from '../../domain/pipeline/search.js';
import type { BuiltInModelArtifact, CommandModelArtifact } from '../../ml/artifact.js';
import { isMissing, numberOf } from '../../ml/features/columns.js';
import type { Row } from '../../storage/read-rows.js';
import type { FeatureSection } from '../../ml/features/spec.js';
import { OnnxExportError } from '../../ml/export/onnx/export-error.js';
import { exportOnnx } from '../../ml/export/onnx/export.js';
import { decodeModel } from '../../ml/onnx/proto.js';
import { predictBuiltIn, trainBuiltIn } from '../../ml/trainers/built-in.js';
import { decodeTree, encodeTree, type EncodedTree } from '../../ml/trees/tree.js';

/**
 * Every built-in trainer's model, exported to ONNX and run in onnxruntime-web (WebAssembly), against Custody's own
 * predictions on the benchmark datasets' test splits: probabilities within 1e-5, labels exactly, regression values
 * within 1e-5 of their size. Every graph written is checked by Debian's python3-onnx (full check) at the end.
 */

ort.env.wasm.numThreads = 1;
const work = mkdtempSync(path.join(os.tmpdir(), 'custody-onnx-'));
const written: string[] = [];
afterAll(() => rmSync(work, { recursive: true, force: true }));
const datasets = new Map((await benchmarkDatasets()).map((d) => [d.name, d]));
const dataset = (name: string) => datasets.get(name)!;

const PROBABILITY_TOLERANCE = 1e-5;
const RELATIVE_TOLERANCE = 1e-5;

function exported(artifact: BuiltInModelArtifact, label: string): Uint8Array {
  const bytes = exportOnnx(artifact, { model: 'test', version: 1, producerVersion: 'test' });
  const file = path.join(work, `${label.replace(/[^a-z0-9-]+/gi, '-')}.onnx`);
  writeFileSync(file, bytes);
  written.push(file);
  return bytes;
}

/** What the graph answers for rows: numbers as double [N, 1] (NaN when missing; ±Infinity as given), categories as string [N, 1] ("" when missing). */
async function runGraph(bytes: Uint8Array, artifact: BuiltInModelArtifact, rows: Row[]): Promise<{ labels: unknown[]; probabilities?: number[][] }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const kinds = new Map(artifact.features.map((f) => [f.name, f.kind]));
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of session.inputNames) {
      feeds[name] =
        kinds.get(name) === 'categorical'
          ? new ort.Tensor('string', rows.map((r) => (isMissing(r[name]) ? '' : String(r[name]))), [rows.length, 1])
          : new ort.Tensor('float64', Float64Array.from(rows, (r) => { const cell = r[name]; return typeof cell === 'number' ? cell : numberOf(cell); }), [rows.length, 1]);
    }
    const out = await session.run(feeds);
    const labels = Array.from(out.label!.data as ArrayLike<unknown>);
    const probabilities = out.probabilities;
    if (!probabilities) return { labels };
    const K = probabilities.dims[1]!;
    const flat = probabilities.data as Float32Array;
    return { labels, probabilities: rows.map((_, i) => Array.from(flat.subarray(i * K, (i + 1) * K))) };
  } finally {
    await session.release();
  }
}

/** Requires the graph to answer as Custody does on the rows; returns the largest difference seen. */
async function expectSameAnswers(artifact: BuiltInModelArtifact, bytes: Uint8Array, rows: Row[]): Promise<number> {
  const ours = predictBuiltIn(artifact, rows);
  const theirs = await runGraph(bytes, artifact, rows);
  let worst = 0;
  if (artifact.task === 'classification') {
    expect(theirs.labels).toEqual(ours.values);
    rows.forEach((_, i) => ours.probabilities![i]!.forEach((p, k) => (worst = Math.max(worst, Math.abs(p - theirs.probabilities![i]![k]!)))));
    expect(worst).toBeLessThanOrEqual(PROBABILITY_TOLERANCE);
  } else {
    rows.forEach((_, i) => {
      const [a, b] = [Number(ours.values[i]), Number(theirs.labels[i])];
      worst = Math.max(worst, Math.abs(a - b) / Math.max(1, Math.abs(a)));
    });
    expect(worst).toBeLessThanOrEqual(RELATIVE_TOLERANCE);
  }
  return worst;
}

const train = (d: BenchmarkDataset, trainer: BuiltInTrainer, params: Params = {}, featureSection?: FeatureSection, rows = splitOf(d).train) =>
  trainBuiltIn({ trainer, task: d.task, rows, target: d.target, features: d.features, params, seed: 0, featureSection });

const TRAINERS: Record<BenchmarkDataset['task'], BuiltInTrainer[]> = {
  classification: ['logistic-regression', 'random-forest', 'gradient-boosting'],
  regression: ['linear-regression', 'ridge-regression', 'random-forest', 'gradient-boosting'],
};
/** Trainers' defaults, except a smaller forest on the 50,000 house sales (a hundred fully grown trees there are millions of nodes). */
const paramsFor = (name: string, trainer: BuiltInTrainer): Params => (name === 'house-prices' && trainer === 'random-forest' ? { nEstimators: 10, maxDepth: 12 } : {});

/** Test rows plus rows no training row looked like: categories never seen, infinities (missing to Custody), and every column missing in turn. */
function withOddRows(d: BenchmarkDataset, rows: Row[]): Row[] {
  const odd: Row[] = [];
  for (const [i, f] of d.features.entries()) {
    const base = rows[i % rows.length]!;
    odd.push({ ...base, [f.name]: null });
    odd.push({ ...base, [f.name]: '' });
    if (f.kind === 'categorical') odd.push({ ...base, [f.name]: 'never-seen-in-training' });
    else odd.push({ ...base, [f.name]: Infinity }, { ...base, [f.name]: -Infinity }, { ...base, [f.name]: 0 }, { ...base, [f.name]: -5 });
  }
  return [...rows, ...odd];
}

describe.each(['iris', 'breast-cancer', 'claims', 'land-cover', 'diabetes', 'house-prices'])('ONNX export on %s', (name) => {
  const d = dataset(name);
  it.each(TRAINERS[d.task])('%s answers in onnxruntime-web as Custody does on the test split', { timeout: 300_000 }, async (trainer) => {
    const artifact = train(d, trainer, paramsFor(name, trainer));
    const bytes = exported(artifact, `${name}-${trainer}`);
    await expectSameAnswers(artifact, bytes, withOddRows(d, splitOf(d).test));
  });
});

describe('ONNX export with a features section', () => {
  const claimsSection: FeatureSection = {
    impute: { numeric: 'median', categorical: 'most_frequent', indicators: true },
    scale: 'auto',
    // van and sports (about 8% each), central and coast (about 9%) are grouped as __other__, with unseen values.
    oneHot: { minFrequency: 0.1 },
    transforms: { annual_mileage: 'log', policy_tenure: 'sqrt', vehicle_age: { power: 0.5 }, age: { bucketize: [25, 40, 60] }, credit_score: { bucketize: { quantiles: 4 } } },
    interactions: [['vehicle_age', 'prior_claims']],
    select: { dropConstant: true },
  };

  it.each([
    ['logistic-regression', claimsSection],
    ['gradient-boosting', claimsSection],
    // A missing channel filled with "unknown", too rare for a column of its own: it counts as __other__.
    ['random-forest', { ...claimsSection, impute: { numeric: 'mean', categorical: 'constant', constant: 'unknown', indicators: false }, scale: 'minmax' } as FeatureSection],
    ['logistic-regression', { ...claimsSection, impute: { numeric: 'mean', categorical: 'missing', indicators: true }, scale: 'standard' } as FeatureSection],
  ] as [BuiltInTrainer, FeatureSection][])('%s on claims: imputation, indicators, one-hot with __other__, log, sqrt, power, buckets, an interaction, scaling', { timeout: 300_000 }, async (trainer, section) => {
    const d = dataset('claims');
    const artifact = train(d, trainer, {}, section);
    const kinds = new Set(artifact.featurePipeline!.columns.map((c) => c.generator.kind));
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['bucket', 'category', 'number', 'other', 'product']));
    const bytes = exported(artifact, `claims-section-${trainer}-${section.impute.categorical}`);
    await expectSameAnswers(artifact, bytes, withOddRows(d, splitOf(d).test));
  });

  it.each(['ridge-regression', 'gradient-boosting'] as BuiltInTrainer[])('%s on diabetes: transforms and standard scaling of a regression', { timeout: 120_000 }, async (trainer) => {
    const d = dataset('diabetes');
    const section: FeatureSection = {
      impute: { numeric: 'mean', categorical: 'missing', indicators: false },
      scale: 'standard',
      oneHot: { minFrequency: 0 },
      transforms: { s5: 'log', bmi: { bucketize: { quantiles: 5 } }, s4: { power: 1.5 }, bp: 'sqrt' },
      interactions: [['bp', 's5']],
      select: { dropConstant: true },
    };
    const artifact = train(d, trainer, {}, section);
    await expectSameAnswers(artifact, exported(artifact, `diabetes-section-${trainer}`), withOddRows(d, splitOf(d).test));
  });
});

describe('ONNX export of a tree’s splits', () => {
  /** The next double above a positive one. */
  const nextUp = (x: number) => {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, x);
    view.setBigUint64(0, view.getBigUint64(0) + 1n);
    return view.getFloat64(0);
  };

  it('sends a value equal to a threshold left and the next double right, as Custody does (doubles, x <= t)', { timeout: 60_000 }, async () => {
    const d = dataset('iris');
    const artifact = train(d, 'random-forest', { nEstimators: 20 });
    const trees = (artifact.model as { trees: EncodedTree[] }).trees.map(decodeTree);
    const base = splitOf(d).test[0]!;
    const rows: Row[] = [];
    for (const tree of trees.slice(0, 5)) {
      tree.feature.forEach((f, i) => {
        if (f < 0) return;
        const column = d.features[f]!.name;
        rows.push({ ...base, [column]: tree.threshold[i]! }, { ...base, [column]: nextUp(tree.threshold[i]!) });
      });
    }
    expect(rows.length).toBeGreaterThan(20);
    // Thresholds are midpoints such as 2.45, which no float holds: rounded to floats, some of these rows would cross.
    expect(rows.some((r) => d.features.some((f) => typeof r[f.name] === 'number' && Math.fround(r[f.name] as number) !== r[f.name]))).toBe(true);
    await expectSameAnswers(artifact, exported(artifact, 'iris-thresholds'), rows);
  });
});

describe('ONNX export of boosted trees whose leaves are all at least 0', () => {
  it('still gives probabilities through the logistic (ONNX Runtime reads such an ensemble as class shares unless one vote is negative)', { timeout: 60_000 }, async () => {
    const d = dataset('breast-cancer');
    const trained = train(d, 'gradient-boosting', { maxIter: 10, earlyStopping: false });
    const stored = trained.model as { rounds: EncodedTree[][] };
    const rounds = stored.rounds.map((round) =>
      round.map((encoded) => {
        const tree = decodeTree(encoded);
        return encodeTree({ ...tree, values: tree.values.map(Math.abs) });
      }),
    );
    const artifact: BuiltInModelArtifact = { ...trained, model: { ...stored, rounds } };
    await expectSameAnswers(artifact, exported(artifact, 'breast-cancer-nonnegative-leaves'), splitOf(d).test);
  });
});

describe('what ONNX cannot hold', () => {
  const d = dataset('iris');
  const dated = d.rows.map((r, i) => ({ ...r, measured_at: new Date(Date.UTC(2024, i % 12, 1 + (i % 28))).toISOString() }));
  const features = [...d.features, { name: 'measured_at', kind: 'categorical' as const }];
  const section: FeatureSection = {
    impute: { numeric: 'mean', categorical: 'missing', indicators: false },
    scale: 'none',
    oneHot: { minFrequency: 0 },
    transforms: { measured_at: 'dateparts', petal_length: 'log' },
    interactions: [],
    select: { dropConstant: true },
  };

  it('refuses a transform without a faithful ONNX form by name, never approximating it', () => {
    const artifact = trainBuiltIn({ trainer: 'random-forest', task: 'classification', rows: dated, target: d.target, features, params: { nEstimators: 5 }, seed: 0, featureSection: section });
    expect(artifact.featurePipeline!.columns.some((c) => c.generator.kind === 'datepart')).toBe(true);
    const refusal = (() => {
      try {
        exportOnnx(artifact, { model: 'iris', version: 1, producerVersion: 'test' });
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(OnnxExportError);
    expect((refusal as OnnxExportError).message).toBe('features.transforms.measured_at: dateparts has no ONNX export');
    expect((refusal as OnnxExportError).issues).toEqual([{ path: 'features.transforms.measured_at', message: 'dateparts has no ONNX export' }]);
  });

  it('refuses models of the first version’s libraries and command models, saying why', () => {
    const artifact = train(d, 'logistic-regression');
    expect(() => exportOnnx({ ...artifact, engine: undefined }, { model: 'iris', version: 1, producerVersion: 'test' })).toThrow(
      'training.trainer: this logistic-regression model was trained by the first version’s libraries, which have no ONNX export; train it again to export it',
    );
    const command: CommandModelArtifact = { format: 'custody-model/v1', kind: 'command', command: ['python3', 'train.py'], modelSha256: 'a'.repeat(64), task: 'classification', target: 'species', features: d.features, params: {}, seed: 0 };
    expect(() => exportOnnx(command, { model: 'iris', version: 1, producerVersion: 'test' })).toThrow(/^training\.trainer: a command model runs its own program, which has no ONNX export/);
  });
});

describe('the exported file', () => {
  it('names its inputs after the raw columns, typed, gives label and probabilities in Custody’s class order, and is the same bytes every time', () => {
    const d = dataset('claims');
    const artifact = train(d, 'logistic-regression');
    const bytes = exportOnnx(artifact, { model: 'claims', version: 3, producerVersion: '9.9.9' });
    expect(Buffer.from(exportOnnx(artifact, { model: 'claims', version: 3, producerVersion: '9.9.9' })).equals(Buffer.from(bytes))).toBe(true);
    const model = decodeModel(bytes);
    expect([model.ir_version, model.producer_name, model.producer_version, model.opset_import]).toEqual([8, 'custody', '9.9.9', [{ domain: '', version: 17 }, { domain: 'ai.onnx.ml', version: 3 }]]);
    const typeOf = (v: { type: { tensor_type: { elem_type: number } } }) => v.type.tensor_type.elem_type;
    expect(Object.fromEntries(model.graph.input.map((v) => [v.name, typeOf(v)]))).toEqual(Object.fromEntries(d.features.map((f) => [f.name, f.kind === 'categorical' ? 8 : 11])));
    expect(model.graph.output.map((v) => [v.name, typeOf(v)])).toEqual([['label', 8], ['probabilities', 1]]);
    expect(model.metadata_props).toContainEqual({ key: 'custody.classes', value: JSON.stringify(['no', 'yes']) });
    expect(model.graph.node.map((n) => n.op_type)).toEqual(expect.arrayContaining(['OneHotEncoder', 'LinearClassifier']));
  });
});

/** Debian's python3-onnx, if installed: `onnx.checker.check_model(…, full_check=True)` on every graph this file wrote. */
const hasOnnx = spawnSync('/usr/bin/python3', ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;
describe('python3-onnx', () => {
  const skipped = hasOnnx ? '' : ' (skipped: python3-onnx is not installed; apt-get install python3-onnx)';
  it.skipIf(!hasOnnx)(`accepts every exported graph (onnx.checker, full check)${skipped}`, { timeout: 120_000 }, () => {
    expect(written.length).toBeGreaterThanOrEqual(25);
    const script = 'import sys, onnx\nfor p in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(p), full_check=True)\nprint(len(sys.argv) - 1)';
    expect(execFileSync('/usr/bin/python3', ['-c', script, ...written], { encoding: 'utf8' }).trim()).toBe(String(written.length));
  });
});
