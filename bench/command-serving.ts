import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Row } from '../storage/read-rows.js';
import { CommandServers } from '../ml/command/server.js';
import { predictWithCommand, trainWithCommand } from '../ml/command/trainer.js';
import type { CommandModelArtifact } from '../ml/artifact.js';
import { PROJECT_ROOT } from '../paths.js';
import { ms, time, type Timing } from './timing.js';

export interface CommandServingFigures {
  python: string | null;
  perCall: Timing & { calls: number };
  served: Timing & { calls: number };
}

/**
 * The scikit-learn example's model (examples/breast-cancer-sklearn) predicting one row per call: the
 * first version's way, a process started per call, against the serve mode's warm process, which is
 * what `predict` uses for a command model.
 */
export async function commandServingBench(): Promise<CommandServingFigures | null> {
  const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import sklearn']).status === 0) ?? null;
  if (!python) return null;
  const rows = readFileSync(path.join(PROJECT_ROOT, 'examples/breast-cancer-sklearn/breast-cancer.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Row);
  const target = 'diagnosis';
  const features = Object.keys(rows[0]!).filter((c) => c !== target).map((name) => ({ name, kind: 'numeric' as const }));
  const command = [python, 'examples/breast-cancer-sklearn/train.py'];
  const job = { datasetSha256: '', format: 'jsonl' as const, task: 'classification' as const, target, features, split: { testFraction: 0.2, validationFraction: 0.2, seed: 1, stratify: true }, trainer: 'command' as const, command, params: { C: 1 }, seed: 1, codeVersion: 'bench' };
  const trained = await trainWithCommand(job, { train: rows, predict: rows.slice(0, 1) }, {});
  const servers = new CommandServers();
  const model = async () => trained.modelBytes;
  try {
    const artifact: CommandModelArtifact = { format: 'custody-model/v1', kind: 'command', command, modelSha256: 'bench', task: 'classification', target, features, params: { C: 1 }, seed: 1 };
    const one = [rows[0]!];
    // One warm-up call each: the per-call path has nothing to warm, and a call of it takes a second.
    const perCall = { calls: 20, ...(await time(20, 1, () => predictWithCommand(artifact, trained.modelBytes, one), 1)) };
    const served = { calls: 1000, ...(await time(1000, 1, () => servers.predict(artifact, model, one), 1)) };
    return { python, perCall, served };
  } finally {
    servers.stopAll();
  }
}

export function commandServingSection(figures: CommandServingFigures | null): string {
  if (!figures) return '## Serving a command model\n\nNot run: no python3 with scikit-learn here.\n';
  const { perCall, served } = figures;
  return [
    '## Serving a command model',
    '',
    'The scikit-learn example (`examples/breast-cancer-sklearn`, a pickled pipeline behind `train.py`) predicting one row per call, one call at a time. Baseline: a process started per call, as command models were served before the serve mode; against it, the serve mode\'s warm process that `predict` uses.',
    '',
    '| path | calls | predictions/s | p50 per call |',
    '| --- | --- | --- | --- |',
    `| a process per call (baseline) | ${perCall.calls} | ${perCall.perSecond.toFixed(2)} | ${ms(perCall.p50)} |`,
    `| serve mode, one warm process | ${served.calls} | ${served.perSecond.toFixed(0)} | ${ms(served.p50)} |`,
    `| **ratio (serve / per call)** | | **${(served.perSecond / perCall.perSecond).toFixed(0)}×** | |`,
    '',
    'Goal: at least 50×.',
  ].join('\n');
}
