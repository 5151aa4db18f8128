import { seededRandom } from '../domain/random.js';
import { explainBuiltIn } from '../ml/explain/explain.js';
import { predictBuiltIn, trainBuiltIn } from '../ml/trainers/built-in.js';
import type { Row } from '../storage/read-rows.js';

export interface ExplainFigures {
  rows: number;
  features: number;
  forests: { maxDepth: number | 'unlimited'; trees: number; leaves: number; predictSeconds: number; explainSeconds: number }[];
}

/** 20 numeric features, 5,000 training rows, a target that depends on half of them with interactions. */
function rowsOf(count: number, seed: number): Row[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const x = Array.from({ length: 20 }, () => random() * 2 - 1);
    const signal = x[0]! * x[1]! + x[2]! - x[3]! ** 2 + Math.sin(3 * x[4]!) + x[5]! * (x[6]! > 0 ? 1 : -1) + 0.5 * x[7]! + 0.3 * (x[8]! + x[9]!) + 0.3 * (random() - 0.5);
    return { ...Object.fromEntries(x.map((v, j) => [`x${j}`, v])), y: signal > 0 ? 'yes' : 'no' };
  });
}

/**
 * Explanations for 1,000 rows of a 100-tree forest on 20 features, against predicting the same rows (the baseline):
 * the bar is at most a second for the explanations.
 */
export function explainBench(): ExplainFigures {
  const train = rowsOf(5000, 1);
  const rows = rowsOf(1000, 2);
  const features = Array.from({ length: 20 }, (_, j) => ({ name: `x${j}`, kind: 'numeric' as const }));
  const forests = ([6, 8, 12] as const).map((maxDepth) => {
    const artifact = trainBuiltIn({ trainer: 'random-forest', task: 'classification', rows: train, target: 'y', features, params: { nEstimators: 100, maxDepth }, seed: 1 });
    explainBuiltIn(artifact, rows.slice(0, 10));
    let t = performance.now();
    predictBuiltIn(artifact, rows);
    const predictSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    explainBuiltIn(artifact, rows);
    const explainSeconds = (performance.now() - t) / 1000;
    const leaves = (artifact.report as { nodes: number }).nodes;
    return { maxDepth, trees: 100, leaves: Math.round((leaves + 100) / 2 / 100), predictSeconds, explainSeconds };
  });
  return { rows: rows.length, features: 20, forests };
}

export function explainSection(figures: ExplainFigures): string {
  const lines = figures.forests.map((f) => `| ${f.maxDepth} | ${f.leaves} | ${(f.predictSeconds * 1000).toFixed(0)} | ${(f.explainSeconds * 1000).toFixed(0)} | ${(f.explainSeconds / f.predictSeconds).toFixed(0)}× | ${f.explainSeconds <= 1 ? 'yes' : '**no**'} |`);
  return `## Explanations: TreeSHAP

Exact SHAP values (path-dependent TreeSHAP) for ${figures.rows.toLocaleString('en')} rows of a ${figures.forests[0]?.trees}-tree random forest on ${figures.features} numeric features (5,000 training rows), in one thread, against predicting the same rows (the baseline). The bar: at most a second.

| max depth | leaves per tree | predict, ms | explain, ms | explain / predict | ≤ 1 s |
| --- | --- | --- | --- | --- | --- |
${lines.join('\n')}
`;
}
