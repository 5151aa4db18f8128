import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runInThread, siblingModule } from '../activities/threads.js';
import { benchmarkTask } from './training-data.js';

export interface TrainingFigure {
  shape: string;
  model: string;
  seconds: number;
  auc: number;
  sklearnSeconds: number | null;
  sklearnAuc: number | null;
}

const SKLEARN = `
import sys, time, os
import numpy as np
from sklearn.ensemble import RandomForestClassifier, HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
train = np.loadtxt(sys.argv[1], delimiter=','); test = np.loadtxt(sys.argv[2], delimiter=',')
for name, model in [('random-forest', RandomForestClassifier(n_estimators=100, n_jobs=1, random_state=0)),
                    ('gradient-boosting', HistGradientBoostingClassifier(max_iter=100, early_stopping=False))]:
    t = time.perf_counter(); model.fit(train[:, :-1], train[:, -1]); seconds = time.perf_counter() - t
    print(name, seconds, roc_auc_score(test[:, -1], model.predict_proba(test[:, :-1])[:, 1]))
`;

/** scikit-learn's fit times and test AUC on the same files, on one core as a Custody trial has. */
function sklearnFigures(trainFile: string, testFile: string): Map<string, { seconds: number; auc: number }> {
  const out = new Map<string, { seconds: number; auc: number }>();
  const result = spawnSync('/usr/bin/python3', ['-c', SKLEARN, trainFile, testFile], {
    encoding: 'utf8',
    timeout: 1_800_000,
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
  });
  if (result.status !== 0) return out;
  for (const line of result.stdout.trim().split('\n')) {
    const [name, seconds, auc] = line.split(' ');
    out.set(name!, { seconds: Number(seconds), auc: Number(auc) });
  }
  return out;
}

/** Random forest (100 trees) and gradient boosting (100 rounds) fitted by Custody and by scikit-learn on the same rows. */
export async function trainingBench(shapes: [number, number][] = [[5000, 10], [100_000, 20]]): Promise<TrainingFigure[]> {
  const figures: TrainingFigure[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-bench-training-'));
  try {
    for (const [rows, features] of shapes) {
      const write = (name: string, d: { X: number[][]; y: number[] }) => {
        const file = path.join(dir, name);
        writeFileSync(file, d.X.map((x, i) => [...x, d.y[i]].join(',')).join('\n'));
        return file;
      };
      const sklearn = sklearnFigures(write(`train-${rows}.csv`, benchmarkTask(rows, features, rows + features)), write(`test-${rows}.csv`, benchmarkTask(Math.min(20_000, rows), features, 99)));
      for (const model of ['random-forest', 'gradient-boosting'] as const) {
        // In a worker thread of its own, as a trial trains: a fresh heap, one core.
        const fit = await runInThread<{ seconds: number; auc: number }>(siblingModule(import.meta.url, 'training-fit'), { model, rows, features });
        const reference = sklearn.get(model);
        figures.push({ shape: `${rows.toLocaleString('en')} × ${features}`, model, seconds: fit.seconds, auc: fit.auc, sklearnSeconds: reference?.seconds ?? null, sklearnAuc: reference?.auc ?? null });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

export function trainingSection(training: TrainingFigure[]): string {
  return `## Training

Random forest (100 fully grown trees, √features per split) and gradient-boosted trees (100 rounds, 31 leaves, learning rate 0.1, no early stopping) on a binary task with a non-linear signal in five of the columns, fitted by Custody's own learners and by scikit-learn (\`RandomForestClassifier\`, \`HistGradientBoostingClassifier\`) on the same rows, each on one core (a Custody trial is one worker thread; scikit-learn with \`n_jobs=1\` and one OpenMP thread). ROC AUC on the same 20,000 held-out rows shows the speed is not bought with accuracy.

${trainingTable(training)}

Goal: at most 3× scikit-learn's time.
`;
}

function trainingTable(figures: TrainingFigure[]): string {
  const rows = figures.map(
    (f) =>
      `| ${f.shape} | ${f.model} | ${f.seconds.toFixed(2)} | ${f.sklearnSeconds === null ? 'not run' : f.sklearnSeconds.toFixed(2)} | **${f.sklearnSeconds === null ? '–' : `${(f.seconds / f.sklearnSeconds).toFixed(2)}×`}** | ${f.auc.toFixed(4)} | ${f.sklearnAuc === null ? '–' : f.sklearnAuc.toFixed(4)} |`,
  );
  return ['| rows × features | model | Custody, s | scikit-learn, s | time ratio | Custody AUC | scikit-learn AUC |', '| --- | --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}
