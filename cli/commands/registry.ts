import { statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { downloadTo, FILE_OPTION, type Ctx } from '../context.js';
import { registerBundleCommands } from './bundles.js';
import { registerImportCommand } from './imports.js';
import { CliError, EXIT, wholeNumber } from '../exit.js';
import { DATASET_VERSION, DATASETS, DEPLOYMENT_HISTORY, MODEL, MODEL_CARD, MODELS } from '../graphql/operations.js';
import type {
  DatasetVersionQuery,
  DatasetVersionQueryVariables,
  DatasetsQuery,
  DeploymentHistoryQuery,
  DeploymentHistoryQueryVariables,
  ModelCardQuery,
  ModelQuery,
  ModelsQuery,
} from '../graphql/types.js';
import { num, print, table } from '../output.js';

/** What POST /v1/datasets/{name} answers: the dataset version (the fields the CLI prints). */
interface UploadedDataset {
  id: string;
  datasetName: string;
  version: number;
  rowCount: number;
  sha256: string;
}

const metricsText = (metrics: unknown) =>
  Object.entries((metrics ?? {}) as Record<string, unknown>)
    .map(([k, v]) => `${k}=${num(v)}`)
    .join(' ');

export function registerRegistryCommands(program: Command, ctx: () => Ctx): void {
  const models = program.command('models').description('the model registry');
  models
    .command('list')
    .description('every model, with the version in production')
    .action(async () => {
      const c = ctx();
      const { models: all } = await c.api().request<ModelsQuery>(MODELS);
      print(c.out, all, () => table(c.out, ['MODEL', 'VERSIONS', 'PRODUCTION', 'TRAINER', 'METRICS'], all.map((m) => [m.name, m.versions.length, m.productionVersion ? `v${m.productionVersion.version}` : '', m.productionVersion?.trainer, metricsText(m.productionVersion?.metrics)])));
    });
  models
    .command('get')
    .description('one model: its versions and what serves now')
    .argument('<model>', 'the model name')
    .action(async (name: string) => {
      const c = ctx();
      const { model } = await c.api().request<ModelQuery, { name: string }>(MODEL, { name });
      print(c.out, model, () => {
        const serving = table(c.out, ['STAGE', 'ROLE', 'TRAFFIC', 'VERSION'], model.currentDeployments.map((d) => [d.stage, d.role, `${d.trafficPercent}%`, `v${d.version}`]));
        const versions = table(c.out, ['VERSION', 'TRAINER', 'METRICS', 'RUN', 'CREATED'], model.versions.map((v) => [`v${v.version}`, v.trainer, metricsText(v.metrics), v.runId, v.createdAt]));
        return `${model.name}\n\n${serving}\n\n${versions}`;
      });
    });

  models
    .command('history')
    .description('every deployment of a model, newest first; with --at, what served at that time')
    .argument('<model>', 'the model name')
    .option('--at <time>', 'an ISO time')
    .action(async (model: string, opts: { at?: string }) => {
      const c = ctx();
      if (opts.at && Number.isNaN(Date.parse(opts.at))) throw new CliError('--at must be an ISO time, such as 2026-01-31T12:00:00Z', EXIT.usage);
      const { deploymentHistory: history } = await c.api().request<DeploymentHistoryQuery, DeploymentHistoryQueryVariables>(DEPLOYMENT_HISTORY, { model, at: opts.at ? new Date(opts.at).toISOString() : undefined });
      print(c.out, history, () => table(c.out, ['STAGE', 'ROLE', 'VERSION', 'TRAFFIC', 'APPROVED BY', 'FROM', 'UNTIL', 'ENDED'], history.map((d) => [d.stage, d.role, `v${d.version}`, `${d.trafficPercent}%`, d.approvedBy.join(', '), d.startedAt, d.endedAt, d.endReason])));
    });
  models
    .command('card')
    .description("a model version's model card (Markdown); the production version by default")
    .argument('<model>', 'the model name')
    .option('--version <n>', 'this version instead')
    .action(async (name: string, opts: { version?: string }) => {
      const c = ctx();
      const { model } = await c.api().request<ModelCardQuery, { name: string }>(MODEL_CARD, { name });
      const wanted = opts.version === undefined ? model.productionVersion?.version : wholeNumber('--version', opts.version, 1, Number.MAX_SAFE_INTEGER);
      const version = model.versions.find((v) => v.version === wanted);
      if (!version) throw new CliError(opts.version === undefined ? `${name} has no version in production; give --version` : `${name} has no version ${opts.version}`, EXIT.usage);
      print(c.out, version, () => version.modelCard.trimEnd());
    });
  models
    .command('export')
    .summary('a model version as ONNX, or as a signed bundle')
    .description('a model version as a file: onnx, the model with its learned preprocessing inside, for other runtimes; bundle, a signed .tar.gz with the model, its card, datasheet, environment, input schema, metrics and a Dockerfile (custody models verify, custody serve); the production version by default')
    .argument('<model>', 'the model name')
    .option('--version <n>', 'this version instead')
    .requiredOption('--format <format>', 'the file format: onnx or bundle')
    .option(...FILE_OPTION)
    .action(async (name: string, opts: { version?: string; format: string; file?: string }) => {
      const c = ctx();
      if (opts.format !== 'onnx' && opts.format !== 'bundle') throw new CliError(`--format must be onnx or bundle (got ${opts.format})`, EXIT.usage);
      let version = opts.version === undefined ? undefined : wholeNumber('--version', opts.version, 1, 2 ** 31 - 1);
      if (version === undefined) {
        const { model } = await c.api().request<ModelQuery, { name: string }>(MODEL, { name });
        version = model.productionVersion?.version;
        if (version === undefined) throw new CliError(`${name} has no version in production; give --version`, EXIT.usage);
      }
      await downloadTo(c, `/v1/models/${encodeURIComponent(name)}/versions/${version}/export?format=${opts.format}`, opts.file);
    });

  registerBundleCommands(program, models, ctx);
  registerImportCommand(models, ctx);

  const datasets = program.command('datasets').description('versioned datasets');
  datasets
    .command('list')
    .description('every dataset and its versions')
    .action(async () => {
      const c = ctx();
      const { datasets: all } = await c.api().request<DatasetsQuery>(DATASETS);
      const rows = all.flatMap((d) => d.versions.map((v) => [d.name, `v${v.version}`, v.rowCount, v.sha256.slice(0, 12), v.registeredBy, v.createdAt]));
      print(c.out, all, () => table(c.out, ['DATASET', 'VERSION', 'ROWS', 'SHA256', 'BY', 'CREATED'], rows));
    });
  datasets
    .command('get')
    .description("one dataset version and its datasheet (Markdown); the newest version by default")
    .argument('<name>', 'the dataset name')
    .option('--version <n>', 'this version instead')
    .action(async (name: string, opts: { version?: string }) => {
      const c = ctx();
      const version = opts.version === undefined ? undefined : wholeNumber('--version', opts.version, 1, Number.MAX_SAFE_INTEGER);
      const { datasetVersion: v } = await c.api().request<DatasetVersionQuery, DatasetVersionQueryVariables>(DATASET_VERSION, { name, version });
      print(c.out, v, () => v.datasheet.trimEnd());
    });
  datasets
    .command('download')
    .description("a dataset version's content (what was registered, or a scoring job's scores); the newest version by default")
    .argument('<name>', 'the dataset name')
    .option('--version <n>', 'this version instead')
    .option(...FILE_OPTION)
    .action(async (name: string, opts: { version?: string; file?: string }) => {
      const c = ctx();
      const version = opts.version === undefined ? 'latest' : String(wholeNumber('--version', opts.version, 1, 2 ** 31 - 1));
      await downloadTo(c, `/v1/datasets/${encodeURIComponent(name)}/versions/${version}`, opts.file);
    });
  datasets
    .command('budget')
    .description("a dataset's privacy budget: the total ε, what is spent and remains, and every run's draw")
    .argument('<name>', 'the dataset name')
    .action(async (name: string) => {
      const c = ctx();
      const { datasets: all } = await c.api().request<DatasetsQuery>(DATASETS);
      const dataset = all.find((d) => d.name === name);
      if (!dataset) throw new CliError(`no dataset is named ${name}`, EXIT.usage);
      const budget = dataset.privacyBudget;
      print(c.out, budget, () => {
        if (!budget) return `${name} has no privacy budget`;
        const head = `${name}: ε ${num(budget.spent)} spent of ${num(budget.epsilon)}, ${num(budget.remaining)} remains; non-private runs ${budget.allowNonPrivate ? 'allowed' : 'refused'}`;
        const rows = budget.draws.map((d) => [d.runId, num(d.epsilon), num(d.delta), d.drawnBy, d.drawnAt]);
        return `${head}\n${table(c.out, ['RUN', 'EPSILON', 'DELTA', 'BY', 'DRAWN'], rows)}`;
      });
    });
  datasets
    .command('register')
    .description('upload a CSV or JSON-lines file as a new version of a dataset (the same content is the same version)')
    .argument('<file>', 'a .csv or .jsonl file')
    .requiredOption('--name <name>', 'the dataset name')
    .option('--source <text>', 'where the data came from, for its datasheet')
    .option('--privacy-epsilon <ε>', "set the dataset's privacy budget: the total ε private training on it may spend (set once)")
    .option('--allow-non-private', 'with --privacy-epsilon: let runs without training.privacy train on it too')
    .action(async (file: string, opts: { name: string; source?: string; privacyEpsilon?: string; allowNonPrivate?: boolean }) => {
      const c = ctx();
      const format = { '.csv': 'csv', '.jsonl': 'jsonl', '.ndjson': 'jsonl' }[path.extname(file).toLowerCase()];
      if (!format) throw new CliError(`${file} must end in .csv or .jsonl`, EXIT.usage);
      try {
        if (!statSync(file).isFile()) throw new Error('not a file');
      } catch (error) {
        throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, EXIT.usage);
      }
      // Streamed to the upload endpoint, so a file of any size (up to the server's limit) never sits in memory.
      if (opts.allowNonPrivate && opts.privacyEpsilon === undefined) throw new CliError('--allow-non-private goes with --privacy-epsilon', EXIT.usage);
      const query = new URLSearchParams({ format, source: opts.source ?? file });
      if (opts.privacyEpsilon !== undefined) query.set('privacyEpsilon', opts.privacyEpsilon);
      if (opts.allowNonPrivate) query.set('allowNonPrivate', 'true');
      const v = await c.api().upload<UploadedDataset>(`/v1/datasets/${encodeURIComponent(opts.name)}?${query}`, file, { 'content-type': format === 'csv' ? 'text/csv' : 'application/x-ndjson' });
      print(c.out, v, () => `${v.datasetName}@v${v.version}: ${v.rowCount} rows, sha256 ${v.sha256}`);
    });
}
