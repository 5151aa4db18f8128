import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { durationMs, parsePipelineSpec } from '../../domain/pipeline/spec.js';
import type { Ctx } from '../context.js';
import { CliError, EXIT, exitOfRun, wholeNumber } from '../exit.js';
import { CANCEL, REPRODUCE, RESUME, RUN, RUNS, SUBMIT } from '../graphql/operations.js';
import type {
  CancelMutation,
  CancelMutationVariables,
  ReproduceMutation,
  ResumeMutation,
  RunDetailFragment,
  RunQuery,
  RunsQuery,
  RunsQueryVariables,
  RunStatus,
  RunSummaryFragment,
  SubmitMutation,
  SubmitMutationVariables,
} from '../graphql/types.js';
import { duration, num, print, table } from '../output.js';
import { follow, stderrProgress } from '../watch.js';

const STATUSES: RunStatus[] = ['running', 'awaiting_approval', 'succeeded', 'failed', 'rejected', 'rolled_back', 'cancelled'];

/** Reads and checks a spec file with the server's own schema: every bad field named, nothing sent. */
export function checkSpec(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, EXIT.usage);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new CliError(`${file} is not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`, EXIT.usage);
  }
  const parsed = parsePipelineSpec(raw);
  if (!parsed.ok) throw new CliError(`${file} is not a valid pipeline spec:\n${parsed.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`, EXIT.usage);
  return text;
}

export function timeoutOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    const ms = durationMs(text);
    if (ms > 0) return ms;
  } catch {
    // reported below
  }
  throw new CliError(`--timeout must be a duration such as 90s, 30m or 2h, not ${text}`, EXIT.usage);
}

export const summaryTable = (ctx: Ctx, runs: RunSummaryFragment[]) =>
  table(
    ctx.out,
    ['RUN', 'PIPELINE', 'MODEL', 'STATUS', 'STEP', 'BY', 'STARTED', 'TOOK'],
    runs.map((r) => [r.id, r.pipelineName, r.modelName, r.status, r.currentStep, r.submittedBy, r.createdAt, duration(r.createdAt, r.finishedAt)]),
  );

function detailTable(ctx: Ctx, run: RunDetailFragment): string {
  const head = table(ctx.out, ['FIELD', 'VALUE'], [
    ['run', run.id],
    ['pipeline', `${run.pipelineName} (model ${run.modelName}, ${run.purpose})`],
    ['status', run.status],
    ['submitted by', run.submittedBy],
    ['dataset', run.datasetVersion ? `${run.datasetVersion.datasetName}@v${run.datasetVersion.version}` : ''],
    ['model version', run.modelVersion ? `v${run.modelVersion.version}` : ''],
    ['metrics', Object.entries((run.modelVersion?.metrics ?? {}) as Record<string, unknown>).map(([k, v]) => `${k}=${num(v)}`).join(' ')],
    ['privacy', run.modelVersion?.privacy ? `(ε = ${num(run.modelVersion.privacy.epsilon)}, δ = ${run.modelVersion.privacy.delta})-differentially private` : ''],
    ['error', run.error ? `${run.error.type}: ${run.error.message}` : ''],
    ['temporal', run.temporalUiUrl],
  ]);
  const steps = table(ctx.out, ['STEP', 'STATUS', 'ATTEMPTS', 'TOOK'], run.steps.map((s) => [s.name, s.status, s.attempts, duration(s.startedAt, s.finishedAt)]));
  const trials = run.leaderboard.length ? '\n\n' + table(ctx.out, ['RANK', 'TRAINER', 'METRIC', 'VALUE', 'NOTE'], run.leaderboard.map((e) => [e.rank, e.trainer, e.metric, num(e.value), trialNote(e)])) : '';
  return `${head}\n\n${steps}${trials}`;
}

/** Prints the run as it ended and turns its outcome into the exit code. */
export function finish(ctx: Ctx, run: RunDetailFragment): void {
  print(ctx.out, run, () => detailTable(ctx, run));
  process.exitCode = exitOfRun(run.status) ?? EXIT.succeeded;
}

export function registerRunCommands(program: Command, ctx: () => Ctx): void {
  program
    .command('submit')
    .description('check a pipeline spec locally, submit it, and with --wait follow it to the end')
    .argument('<spec>', 'the spec file, YAML or JSON')
    .option('--wait', 'follow the run until it ends; the exit code is its outcome')
    .option('--timeout <duration>', 'with --wait, stop waiting after this long (exit 6)')
    .option('--run-id-file <file>', 'write the new run id to this file')
    .action(async (spec: string, opts: { wait?: boolean; timeout?: string; runIdFile?: string }) => {
      const c = ctx();
      const specText = checkSpec(spec);
      const timeoutMs = timeoutOf(opts.timeout);
      const { submitPipeline: run } = await c.api().request<SubmitMutation, SubmitMutationVariables>(SUBMIT, { specText });
      if (opts.runIdFile) writeFileSync(opts.runIdFile, run.id + '\n');
      if (!opts.wait) return print(c.out, run, () => summaryTable(c, [run]));
      c.err(`submitted run ${run.id}; following it (Ctrl-C stops following, not the run)`);
      finish(c, await follow(c.api(), stderrProgress(), run.id, { timeoutMs }));
    });

  program
    .command('reproduce')
    .description('retrain a run from the same inputs and compare the artifacts; a reproduction never deploys')
    .argument('<run>', 'the run id')
    .action(async (id: string) => {
      const c = ctx();
      const { reproduce: run } = await c.api().request<ReproduceMutation, { runId: string }>(REPRODUCE, { runId: id });
      print(c.out, run, () => summaryTable(c, [run]));
    });

  const runs = program.command('runs').description('pipeline runs');
  runs
    .command('list')
    .description('the runs, newest first')
    .option('--status <status>', `only runs in this status: ${STATUSES.join(', ')}`)
    .option('--model <name>', 'only runs of this model')
    .option('--pipeline <name>', 'only runs of this pipeline')
    .option('--limit <n>', 'at most this many (1 to 100)', '20')
    .action(async (opts: { status?: string; model?: string; pipeline?: string; limit: string }) => {
      const c = ctx();
      if (opts.status && !STATUSES.includes(opts.status as RunStatus)) throw new CliError(`--status must be one of ${STATUSES.join(', ')}`, EXIT.usage);
      const first = wholeNumber('--limit', opts.limit, 1, 100);
      const input = { first, status: opts.status as RunStatus | undefined, modelName: opts.model, pipelineName: opts.pipeline };
      const { pipelineRuns } = await c.api().request<RunsQuery, RunsQueryVariables>(RUNS, { input });
      print(c.out, pipelineRuns.nodes, () => summaryTable(c, pipelineRuns.nodes));
    });
  runs
    .command('get')
    .description('one run: its steps, trials, gates and outcome')
    .argument('<run>', 'the run id')
    .action(async (id: string) => {
      const c = ctx();
      const { pipelineRun: run } = await c.api().request<RunQuery, { runId: string }>(RUN, { runId: id });
      print(c.out, run, () => detailTable(c, run));
    });
  runs
    .command('watch')
    .description('follow one run live until it ends; the exit code is its outcome')
    .argument('<run>', 'the run id')
    .option('--timeout <duration>', 'stop waiting after this long (exit 6)')
    .action(async (id: string, opts: { timeout?: string }) => {
      const c = ctx();
      const timeoutMs = timeoutOf(opts.timeout);
      finish(c, await follow(c.api(), stderrProgress(), id, { timeoutMs }));
    });
  runs
    .command('cancel')
    .description('cancel a run; what it deployed is rolled back')
    .argument('<run>', 'the run id')
    .option('-m, --reason <text>', 'why, for the audit history')
    .action(async (id: string, opts: { reason?: string }) => {
      const c = ctx();
      const { cancelRun: run } = await c.api().request<CancelMutation, CancelMutationVariables>(CANCEL, { runId: id, reason: opts.reason });
      print(c.out, run, () => summaryTable(c, [run]));
    });
  runs
    .command('resume')
    .description('continue a failed or cancelled run from the step that did not finish')
    .argument('<run>', 'the run id')
    .action(async (id: string) => {
      const c = ctx();
      const { resumeRun: run } = await c.api().request<ResumeMutation, { runId: string }>(RESUME, { runId: id });
      print(c.out, run, () => summaryTable(c, [run]));
    });
}

/** What sets a leaderboard row apart: a warm start from an earlier run, or where pruning stopped it. */
function trialNote(entry: { prunedAtRound: number | null; fromHistory: boolean }): string {
  return [entry.fromHistory ? 'warm start' : '', entry.prunedAtRound !== null ? `pruned at round ${entry.prunedAtRound}` : ''].filter(Boolean).join(', ');
}
