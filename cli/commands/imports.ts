import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { Ctx } from '../context.js';
import { CliError, EXIT } from '../exit.js';
import { IMPORT_MODEL } from '../graphql/operations.js';
import type { ImportModelMutation, ImportModelMutationVariables } from '../graphql/types.js';
import { follow, stderrProgress } from '../watch.js';
import { print } from '../output.js';
import { finish, summaryTable, timeoutOf } from './runs.js';

/** What `POST /v1/models/{name}/import` answers (the fields the command uses). */
interface ImportedOnnx {
  sha256: string;
  task: 'classification' | 'regression';
  inputs: { name: string }[];
  producer: { name: string; version: string };
}

/**
 * `custody models import FILE`: a model trained elsewhere, as ONNX, brought in as a run. The file is uploaded and
 * checked against the dataset (every mismatch named), then `importModel` starts a pipeline that evaluates it on that
 * dataset's test split with the same fairness, importance, model card and gates as a trained model: those of
 * `--spec`, or one approval.
 */
export function registerImportCommand(models: Command, ctx: () => Ctx): void {
  models
    .command('import')
    .summary('an ONNX model trained elsewhere, as a run governed like a trained one')
    .description("a model trained elsewhere (ONNX, one input per column) as a run: evaluated on the dataset's test split and governed like a trained one; the spec's gates with --spec, else one approval")
    .argument('<file>', 'the .onnx file')
    .requiredOption('--name <model>', 'the model name to register it under')
    .requiredOption('--dataset <name[@version]>', 'the data it is evaluated on (the latest version by default)')
    .requiredOption('--target <column>', 'the column it predicts')
    .option('--spec <file>', 'a pipeline spec (YAML or JSON) for the rest: evaluation, fairness, gates, deployment; its training, dataset, target and task are set by the import')
    .option('--wait', 'follow the run until it ends; the exit code is its outcome')
    .option('--timeout <duration>', 'with --wait, stop waiting after this long (exit 6)')
    .action(async (file: string, opts: { name: string; dataset: string; target: string; spec?: string; wait?: boolean; timeout?: string }) => {
      const c = ctx();
      const timeoutMs = timeoutOf(opts.timeout);
      const base = opts.spec ? specFile(opts.spec) : undefined;
      const query = new URLSearchParams({ dataset: opts.dataset, target: opts.target });
      const imported = await c.api().upload<ImportedOnnx>(`/v1/models/${encodeURIComponent(opts.name)}/import?${query}`, file, { 'content-type': 'application/octet-stream' });
      c.err(`imported ${file}: sha256 ${imported.sha256}, a ${imported.task} model from ${imported.producer.name || 'an unnamed producer'} taking ${imported.inputs.map((i) => i.name).join(', ')}`);
      const input = { model: opts.name, dataset: opts.dataset, target: opts.target, file: imported.sha256, ...(base ? { spec: base } : {}) };
      const { importModel: run } = await c.api().request<ImportModelMutation, ImportModelMutationVariables>(IMPORT_MODEL, { input });
      if (!opts.wait) return print(c.out, run, () => summaryTable(c, [run]));
      c.err(`submitted run ${run.id}; following it (Ctrl-C stops following, not the run)`);
      finish(c, await follow(c.api(), stderrProgress(), run.id, { timeoutMs }));
    });
}

function specFile(file: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`--spec ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message.split('\n')[0]}`, EXIT.usage);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new CliError(`--spec ${file}: must be a pipeline spec (a mapping)`, EXIT.usage);
  return raw as Record<string, unknown>;
}
