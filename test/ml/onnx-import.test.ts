import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchmarkDatasets, splitOf } from '../../bench/datasets.js';
import type { BuiltInTrainer } from '../../domain/pipeline/spec.js';
import type { OnnxModelArtifact } from '../../ml/artifact.js';
import { exportOnnx } from '../../ml/export/onnx/export.js';
import { inspectOnnx, OnnxImportError, type InspectedOnnx } from '../../ml/onnx/inspect.js';
import { predictOnnx } from '../../ml/onnx/run.js';
import { predictBuiltIn, trainBuiltIn } from '../../ml/trainers/built-in.js';
import { PROJECT_ROOT } from '../../paths.js';
import type { Row } from '../../storage/read-rows.js';

/**
 * Importing ONNX files trained elsewhere: a scikit-learn model (test/fixtures/onnx/generate.py) answers in Custody as it
 * answers in scikit-learn, a Custody export imported again answers as the model it came from, and a file that does
 * not fit its data is refused with every mismatch named.
 */
const FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'onnx');
const fixture = (name: string) => new Uint8Array(readFileSync(path.join(FIXTURES, name)));
const IRIS_COLUMNS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'].map((name) => ({ name, kind: 'numeric' as const }));
const irisRows: Row[] = readFileSync(path.join(PROJECT_ROOT, 'examples/iris/iris.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => Object.fromEntries(IRIS_COLUMNS.map((c, k) => [c.name, Number(line.split(',')[k])])));
const IRIS = [...IRIS_COLUMNS, { name: 'species', kind: 'categorical' as const }];

/** The artifact an import makes of an inspected file (as the training activity writes it). */
function artifactOf(inspected: InspectedOnnx, target: string): OnnxModelArtifact {
  return {
    format: 'custody-model/v1',
    kind: 'onnx',
    modelSha256: Math.random().toString(16).slice(2).padEnd(64, '0'),
    task: inspected.task,
    target,
    features: inspected.inputs.map(({ name, kind }) => ({ name, kind })),
    inputs: inspected.inputs.map(({ name, type, rank }) => ({ name, type, rank })),
    outputs: inspected.outputs,
    ...(inspected.classes ? { classes: inspected.classes } : {}),
    producer: inspected.producer,
    params: {},
    seed: 0,
  };
}

const refusal = (run: () => unknown): OnnxImportError => {
  try {
    run();
  } catch (error) {
    if (error instanceof OnnxImportError) return error;
    throw error;
  }
  throw new Error('not refused');
};

describe('importing an ONNX model', () => {
  it('answers as scikit-learn does for its logistic regression: the same labels, probabilities within 1e-6', async () => {
    const expected = JSON.parse(readFileSync(path.join(FIXTURES, 'iris-logistic.json'), 'utf8')) as { classes: string[]; labels: string[]; probabilities: number[][] };
    const bytes = fixture('iris-logistic.onnx');
    const inspected = inspectOnnx(bytes, IRIS, 'species');
    expect(inspected).toMatchObject({ task: 'classification', classes: expected.classes, outputs: { label: 'label', probabilities: 'probabilities' }, producer: { name: 'scikit-learn' }, opset: 17 });
    expect(inspected.inputs).toEqual(IRIS_COLUMNS.map((c) => ({ ...c, type: 'float', rank: 2 })));
    const predictions = await predictOnnx(artifactOf(inspected, 'species'), async () => bytes, irisRows);
    expect(predictions.values).toEqual(expected.labels);
    predictions.probabilities!.forEach((p, i) => p.forEach((value, k) => expect(Math.abs(value - expected.probabilities[i]![k]!), `row ${i} class ${k}`).toBeLessThanOrEqual(1e-6)));
  });

  it('refuses an input that is no column, and a matrix input, naming each', () => {
    const misspelt = refusal(() => inspectOnnx(fixture('iris-misspelt.onnx'), IRIS, 'species'));
    expect(misspelt.issues).toEqual([
      { path: 'inputs.petal_lenght', message: 'is not a column of the data (its columns are sepal_length, sepal_width, petal_length, petal_width): the graph needs one input per column, named as the column' },
    ]);
    const matrix = refusal(() => inspectOnnx(fixture('iris-matrix.onnx'), IRIS, 'species'));
    expect(matrix.issues).toEqual([{ path: 'inputs.float_input', message: 'takes shape [?, 4]; Custody gives one input per column, each [N] or [N, 1], named as the column' }]);
    // A categorical input given as numbers, and a file that is no ONNX at all.
    const asText = refusal(() => inspectOnnx(fixture('iris-logistic.onnx'), IRIS.map((c) => (c.name === 'petal_width' ? { ...c, kind: 'categorical' as const } : c)), 'species'));
    expect(asText.issues).toEqual([{ path: 'inputs.petal_width', message: 'takes float, but petal_width is a categorical column: give a string input' }]);
    expect(refusal(() => inspectOnnx(new TextEncoder().encode('species,petal_width\n'), IRIS, 'species')).issues[0]!.path).toBe('file');
  });

  const cases: { dataset: string; trainer: BuiltInTrainer }[] = [
    { dataset: 'claims', trainer: 'gradient-boosting' },
    { dataset: 'claims', trainer: 'logistic-regression' },
    { dataset: 'house-prices', trainer: 'ridge-regression' },
  ];
  it.each(cases)('a Custody export of $trainer on $dataset, imported again, answers as the model it came from', { timeout: 120_000 }, async ({ dataset, trainer }) => {
    const d = (await benchmarkDatasets()).find((b) => b.name === dataset)!;
    const split = splitOf(d);
    const train = split.train.slice(0, 5000);
    const model = trainBuiltIn({ trainer, task: d.task, rows: train, target: d.target, features: d.features, params: trainer === 'gradient-boosting' ? { maxIter: 20 } : {}, seed: 0 });
    const bytes = exportOnnx(model, { model: dataset, version: 1, producerVersion: 'test' });
    const inspected = inspectOnnx(bytes, [...d.features, { name: d.target, kind: d.task === 'classification' ? 'categorical' : 'numeric' }], d.target);
    expect(inspected.inputs.map((i) => i.name)).toEqual(d.features.map((f) => f.name));
    const rows = split.test.slice(0, 2000);
    const [ours, imported] = [predictBuiltIn(model, rows), await predictOnnx(artifactOf(inspected, d.target), async () => bytes, rows)];
    if (d.task === 'classification') {
      expect(imported.values).toEqual(ours.values);
      expect(imported.classes).toEqual(ours.classes);
      ours.probabilities!.forEach((p, i) => p.forEach((value, k) => expect(Math.abs(value - imported.probabilities![i]![k]!)).toBeLessThanOrEqual(1e-5)));
    } else {
      ours.values.forEach((value, i) => expect(Math.abs(Number(value) - Number(imported.values[i]))).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(Number(value)))));
    }
  });
});
