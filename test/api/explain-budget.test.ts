import { describe, expect, it } from 'vitest';
import { claims, splitOf } from '../../bench/datasets.js';
import { checkExplainable } from '../../api/serving/serving.service.js';
import { explanationCost } from '../../ml/explain/explain.js';
import { trainBuiltIn } from '../../ml/trainers/built-in.js';

describe('explanations in serving', () => {
  const dataset = claims();
  const rows = splitOf(dataset).train.slice(0, 3000);
  const forest = trainBuiltIn({ trainer: 'random-forest', task: 'classification', rows, target: dataset.target, features: dataset.features, params: { nEstimators: 60, maxDepth: 14 }, seed: 1 });

  it('refuses, naming explain, more inputs than its budget allows for the model, before predicting anything', () => {
    const most = Math.floor(5e7 / explanationCost(forest));
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThan(1000);
    expect(() => checkExplainable(forest, most, 3)).not.toThrow();
    expect(() => checkExplainable(forest, most + 1, 3)).toThrow(`explain version 3 can explain at most ${most} inputs in one request (it has ${most + 1}); send fewer`);
  });

  it('refuses a model that is not built in, or was trained by the earlier learners, naming explain', () => {
    expect(() => checkExplainable({ kind: 'onnx' } as never, 1, 2)).toThrow("explain version 2 is an imported ONNX model; explanations are for Custody's built-in trainers");
    expect(() => checkExplainable({ ...forest, engine: undefined } as never, 1, 2)).toThrow(/^explain version 2: this model was trained by an earlier version/);
  });
});
