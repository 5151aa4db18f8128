import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { PROJECT_ROOT } from '../../paths.js';
import { withPrivateDir } from '../../storage/private-dir.js';
import type { Row } from '../../storage/read-rows.js';
import { startUserCode, userCodeDirs, type UserCodeDirs } from './user-code.js';
import type { Predictions } from '../metrics.js';
import type { CommandModelArtifact } from '../artifact.js';
import type { TrainJob } from '../trainers/job.js';

/**
 * The `command` trainer runs any executable under a small file contract. It is started in a private working
 * directory (arguments naming repository files are made absolute), with an allow-listed environment
 * (ml/command/user-code.ts: none of Custody's secrets) and these variables, paths to files in a private directory:
 *
 *   CUSTODY_MODE         `train` or `predict`
 *   CUSTODY_TRAIN_DATA   train: CSV of the feature columns and the target
 *   CUSTODY_PREDICT_DATA CSV of the feature columns of the rows to predict
 *   CUSTODY_PARAMS       JSON: { params, seed, task, target, features: [{ name, kind }] }
 *   CUSTODY_MODEL        train: where to write the model file; predict: the model file to read
 *   CUSTODY_PREDICTIONS  where to write JSON { predictions: [...], probabilities?: [[...]], classes?: [...] }
 *   CUSTODY_METRICS      train, optional: where to write JSON { name: number } of extra metrics
 *
 * A non-zero exit fails the trial with the end of its output. Custody computes the metrics itself
 * from the predictions, the same way as for the built-in trainers. Every file of a start, the data included,
 * is removed when it ends, however it ends.
 */
export class CommandTrainerError extends Error {
  override readonly name = 'CommandTrainerError';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface CommandRunOptions {
  signal?: AbortSignal;
  /** Called every few seconds while the command runs. */
  onTick?: () => void;
  /** Variables of this process's environment the spec gives the command (training.environment.variables). */
  variables?: readonly string[];
}

export async function trainWithCommand(
  job: TrainJob,
  rows: { train: Row[]; predict: Row[] },
  options: CommandRunOptions,
): Promise<{ modelBytes: Buffer; predictions: Predictions; extraMetrics: Record<string, number> }> {
  return await withPrivateDir('command', async (root) => {
    const dirs = await userCodeDirs(root);
    const files = contractFiles(dirs.io);
    const columns = job.features.map((f) => f.name);
    await writeFile(files.CUSTODY_TRAIN_DATA, toCsv(rows.train, [...columns, job.target]));
    await writeFile(files.CUSTODY_PREDICT_DATA, toCsv(rows.predict, columns));
    await writeFile(files.CUSTODY_PARAMS, JSON.stringify({ params: job.params, seed: job.seed, task: job.task, target: job.target, features: job.features }));
    await run(job.command!, dirs, { ...files, CUSTODY_MODE: 'train' }, options);
    if (!existsSync(files.CUSTODY_MODEL)) throw new CommandTrainerError('the command exited without writing its model to CUSTODY_MODEL', false);
    const predictions = await readPredictions(files.CUSTODY_PREDICTIONS, rows.predict.length);
    const extraMetrics = existsSync(files.CUSTODY_METRICS) ? await readMetrics(files.CUSTODY_METRICS) : {};
    return { modelBytes: await readFile(files.CUSTODY_MODEL), predictions, extraMetrics };
  });
}

/** Predicts with a command model by a process for this call: the model's bytes are written to a private file that lives as long as the call. */
export async function predictWithCommand(artifact: CommandModelArtifact, model: Uint8Array, rows: Row[], options: CommandRunOptions = {}): Promise<Predictions> {
  return await withPrivateDir('command', async (root) => {
    const dirs = await userCodeDirs(root);
    const files = contractFiles(dirs.io);
    await writeFile(files.CUSTODY_MODEL, model, { mode: 0o600 });
    await writeFile(files.CUSTODY_PREDICT_DATA, toCsv(rows, artifact.features.map((f) => f.name)));
    await writeFile(files.CUSTODY_PARAMS, paramsOf(artifact));
    await run(artifact.command, dirs, { ...files, CUSTODY_MODE: 'predict' }, { ...options, variables: artifact.variables });
    return await readPredictions(files.CUSTODY_PREDICTIONS, rows.length);
  });
}

/** The CUSTODY_PARAMS file of a command model, the same in every mode. */
export function paramsOf(artifact: CommandModelArtifact): string {
  return JSON.stringify({ params: artifact.params, seed: artifact.seed, task: artifact.task, target: artifact.target, features: artifact.features });
}

/**
 * A version of the command's code: the hash of the command line and of every argument that names a
 * file in the repository (such as the training script), so editing the script invalidates cached trials.
 */
export async function commandCodeVersion(command: string[]): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify(command));
  for (const arg of command) {
    const file = path.resolve(PROJECT_ROOT, arg);
    if (file.startsWith(PROJECT_ROOT) && existsSync(file) && !file.endsWith(path.sep)) {
      try {
        hash.update(await readFile(file));
      } catch {
        // A directory or unreadable path: the command line alone identifies it.
      }
    }
  }
  return `command:${hash.digest('hex').slice(0, 16)}`;
}

function contractFiles(dir: string) {
  return {
    CUSTODY_TRAIN_DATA: path.join(dir, 'train.csv'),
    CUSTODY_PREDICT_DATA: path.join(dir, 'predict.csv'),
    CUSTODY_PARAMS: path.join(dir, 'params.json'),
    CUSTODY_MODEL: path.join(dir, 'model.bin'),
    CUSTODY_PREDICTIONS: path.join(dir, 'predictions.json'),
    CUSTODY_METRICS: path.join(dir, 'metrics.json'),
  };
}

function toCsv(rows: Row[], columns: string[]): string {
  return stringify(rows.map((row) => columns.map((c) => row[c] ?? '')), { header: true, columns });
}

async function readMetrics(file: string): Promise<Record<string, number>> {
  let body: unknown;
  try {
    body = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    throw new CommandTrainerError('CUSTODY_METRICS is not valid JSON', false);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new CommandTrainerError('CUSTODY_METRICS must hold a JSON object of name: number', false);
  return Object.fromEntries(Object.entries(body).filter(([, v]) => typeof v === 'number' && Number.isFinite(v))) as Record<string, number>;
}

async function readPredictions(file: string, expected: number): Promise<Predictions> {
  if (!existsSync(file)) throw new CommandTrainerError('the command exited without writing CUSTODY_PREDICTIONS', false);
  let body: { predictions?: unknown; probabilities?: number[][]; classes?: unknown[] };
  try {
    body = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    throw new CommandTrainerError('CUSTODY_PREDICTIONS is not valid JSON', false);
  }
  if (!Array.isArray(body.predictions) || body.predictions.length !== expected) {
    throw new CommandTrainerError(`CUSTODY_PREDICTIONS must hold "predictions", an array of ${expected} values`, false);
  }
  return {
    values: body.predictions as (string | number)[],
    probabilities: body.probabilities,
    classes: body.classes?.map(String),
  };
}

async function run(command: string[], dirs: UserCodeDirs, contract: Record<string, string>, options: CommandRunOptions): Promise<void> {
  const program = command[0]!;
  const child = startUserCode(command, dirs, contract, { variables: options.variables, stdio: ['ignore', 'pipe', 'pipe'] });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const tick = setInterval(() => options.onTick?.(), 2000);
  const onAbort = () => {
    signalGroup('SIGTERM');
    setTimeout(() => signalGroup('SIGKILL'), 5000).unref();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', (error) => reject(new CommandTrainerError(`could not start ${program}: ${error.message}`, false)));
      child.once('exit', (exitCode) => resolve(exitCode));
    });
    signalGroup('SIGKILL');
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
    // Killed by a signal (no exit code), say by the machine running out of memory: worth another try.
    if (code === null) throw new CommandTrainerError(`${command.join(' ')} was killed: ${output.trim().split('\n').slice(-10).join('\n')}`, true);
    if (code !== 0) throw new CommandTrainerError(`${command.join(' ')} exited with code ${code}: ${output.trim().split('\n').slice(-10).join('\n')}`, false);
  } finally {
    clearInterval(tick);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
