import type { Command } from 'commander';
import { downloadTo, FILE_OPTION, type Ctx } from '../context.js';
import { CliError, EXIT, wholeNumber, type ExitCode } from '../exit.js';
import { CANCEL_SCORING_JOB, SCORE_DATASET, SCORING_JOB, SCORING_JOBS } from '../graphql/operations.js';
import type { CancelScoringJobMutation, ScoreDatasetInput, ScoreDatasetMutation, ScoringJobDetailFragment, ScoringJobQuery, ScoringJobsQuery, ScoringJobsQueryVariables, ScoringJobStatus } from '../graphql/types.js';
import { duration, num, print, table } from '../output.js';
import { timeoutOf } from './runs.js';

/** A scoring job's outcome as an exit code, as `submit --wait` gives a run's; null while it runs. */
const EXIT_OF: Record<ScoringJobStatus, ExitCode | null> = { running: null, succeeded: EXIT.succeeded, failed: EXIT.failed, cancelled: EXIT.cancelled };

interface ScoreOptions {
  dataset: string;
  version?: string;
  output?: string;
  idColumn?: string[];
  chunkRows?: string;
  parallelism?: string;
  maxRejected?: string;
  monitoring?: boolean;
  wait?: boolean;
  timeout?: string;
}

export function registerScoringCommands(program: Command, ctx: () => Ctx): void {
  program
    .command('score')
    .description('score every row of a dataset version with a model, as a durable job; with --wait follow it to the end')
    .argument('<model>', 'the model name')
    .requiredOption('--dataset <name[@version]>', 'the dataset to score; its latest version unless @version is given')
    .option('--version <n>', 'the model version; the one serving production when omitted')
    .option('--output <dataset>', 'the dataset the scores are registered in; <model>-scores when omitted')
    .option('--id-column <column...>', 'input columns copied to each output row to join on')
    .option('--chunk-rows <n>', 'rows per chunk (100 to 1,000,000; 50,000 when omitted)')
    .option('--parallelism <n>', 'chunks scored at once (1 to 64; 4 when omitted)')
    .option('--max-rejected <fraction>', 'share of rows the model may reject before the job fails (0 to 1; 0.01 when omitted)')
    .option('--monitoring', 'also write a drift report of the scored rows against the model’s training reference')
    .option('--wait', 'follow the job until it ends; the exit code is its outcome')
    .option('--timeout <duration>', 'with --wait, stop waiting after this long (exit 6)')
    .action(async (model: string, opts: ScoreOptions) => {
      const c = ctx();
      const timeoutMs = timeoutOf(opts.timeout);
      const { scoreDataset: job } = await c.api().request<ScoreDatasetMutation, { input: ScoreDatasetInput }>(SCORE_DATASET, { input: scoreInput(model, opts) });
      if (!opts.wait) return print(c.out, job, () => jobTable(c, [job]));
      c.err(`started scoring job ${job.id}; following it (Ctrl-C stops following, not the job)`);
      const ended = await followJob(c, job, timeoutMs);
      print(c.out, ended, () => jobTable(c, [ended]));
      process.exitCode = EXIT_OF[ended.status] ?? EXIT.succeeded;
    });

  const jobs = program.command('scoring').description('batch scoring jobs');
  jobs
    .command('list')
    .description('scoring jobs, newest first')
    .option('--model <name>', 'only this model’s jobs')
    .option('--limit <n>', 'at most this many (1 to 100)', '20')
    .action(async (opts: { model?: string; limit: string }) => {
      const c = ctx();
      const input = { first: wholeNumber('--limit', opts.limit, 1, 100), model: opts.model };
      const { scoringJobs } = await c.api().request<ScoringJobsQuery, ScoringJobsQueryVariables>(SCORING_JOBS, { input });
      print(c.out, scoringJobs.nodes, () => jobTable(c, scoringJobs.nodes));
    });
  jobs
    .command('get')
    .description('one scoring job: its progress and what it came to')
    .argument('<job>', 'the job id')
    .action(async (id: string) => {
      const c = ctx();
      const { scoringJob } = await c.api().request<ScoringJobQuery, { id: string }>(SCORING_JOB, { id });
      print(c.out, scoringJob, () => jobTable(c, [scoringJob]));
    });
  jobs
    .command('rejects')
    .description("a job's rejects file: each rejected row's number and the reason (the scores are a dataset version: custody datasets download)")
    .argument('<job>', 'the job id')
    .option(...FILE_OPTION)
    .action(async (id: string, opts: { file?: string }) => {
      const c = ctx();
      await downloadTo(c, `/v1/scoring-jobs/${encodeURIComponent(id)}/rejects`, opts.file);
    });
  jobs
    .command('cancel')
    .description('cancel a running scoring job: it ends cancelled, with no output registered')
    .argument('<job>', 'the job id')
    .option('--reason <text>', 'why, for the audit history')
    .action(async (id: string, opts: { reason?: string }) => {
      const c = ctx();
      const { cancelScoringJob } = await c.api().request<CancelScoringJobMutation, { id: string; reason?: string }>(CANCEL_SCORING_JOB, { id, reason: opts.reason });
      c.err(`asked scoring job ${cancelScoringJob.id} to cancel; \`custody scoring get ${cancelScoringJob.id}\` shows when it has`);
      print(c.out, cancelScoringJob, () => jobTable(c, [cancelScoringJob]));
    });
}

/** The mutation's input from the command line; the server checks each value and names the one at fault. */
function scoreInput(model: string, opts: ScoreOptions): ScoreDatasetInput {
  const [dataset, version, ...rest] = opts.dataset.split('@');
  if (!dataset || rest.length > 0) throw new CliError(`--dataset must be NAME or NAME@VERSION, not ${opts.dataset}`, EXIT.usage);
  const fraction = opts.maxRejected === undefined ? undefined : Number(opts.maxRejected);
  if (fraction !== undefined && !(fraction >= 0 && fraction <= 1)) throw new CliError(`--max-rejected must be a fraction from 0 to 1, not ${opts.maxRejected}`, EXIT.usage);
  return {
    model,
    dataset,
    ...(version !== undefined ? { datasetVersion: wholeNumber('--dataset @version', version, 1, 2 ** 31 - 1) } : {}),
    ...(opts.version !== undefined ? { version: wholeNumber('--version', opts.version, 1, 2 ** 31 - 1) } : {}),
    ...(opts.output !== undefined ? { output: opts.output } : {}),
    ...(opts.idColumn ? { idColumns: opts.idColumn } : {}),
    ...(opts.chunkRows !== undefined ? { chunkRows: wholeNumber('--chunk-rows', opts.chunkRows, 100, 1_000_000) } : {}),
    ...(opts.parallelism !== undefined ? { parallelism: wholeNumber('--parallelism', opts.parallelism, 1, 64) } : {}),
    ...(fraction !== undefined ? { maxRejectedFraction: fraction } : {}),
    ...(opts.monitoring ? { monitoring: true } : {}),
  };
}

/** Polls the job until it ends, a line on stderr per chunk done; exit 6 at the timeout with the job still going. */
async function followJob(c: Ctx, job: ScoringJobDetailFragment, timeoutMs: number | undefined): Promise<ScoringJobDetailFragment> {
  const deadline = timeoutMs ? Date.now() + timeoutMs : Infinity;
  let last = '';
  for (let current = job; ; ) {
    const line = `job ${current.id}: ${current.status}, ${current.chunksDone} of ${current.chunksTotal ?? '?'} chunks scored`;
    if (line !== last) c.err((last = line));
    if (current.status !== 'running') return current;
    if (Date.now() >= deadline) throw new CliError(`job ${current.id} is still running after --timeout; it goes on`, EXIT.timedOut);
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, Math.max(0, deadline - Date.now()))));
    current = (await c.api().request<ScoringJobQuery, { id: string }>(SCORING_JOB, { id: current.id })).scoringJob;
  }
}

function jobTable(c: Ctx, jobs: ScoringJobDetailFragment[]): string {
  return table(
    c.out,
    ['job', 'status', 'model', 'input', 'output', 'chunks', 'scored', 'rejected', 'drift', 'took', 'error'],
    jobs.map((j) => [
      j.id,
      j.status,
      `${j.model} v${j.modelVersion?.version ?? '?'}`,
      j.inputDatasetVersion ? `${j.inputDatasetVersion.datasetName}@${j.inputDatasetVersion.version}` : '',
      j.outputDatasetVersion ? `${j.outputDatasetVersion.datasetName}@${j.outputDatasetVersion.version}` : j.outputDataset,
      `${j.chunksDone}/${j.chunksTotal ?? '?'}`,
      j.scored === null ? '' : num(j.scored),
      j.rejected === null ? '' : `${num(j.rejected)}${j.rejectsSha256 ? ` (rejects ${j.rejectsSha256.slice(0, 12)})` : ''}`,
      j.driftReport ? `${j.driftReport.status}${j.driftReport.driftedFeatures.length ? `: ${j.driftReport.driftedFeatures.join(', ')}` : ''}` : '',
      duration(j.createdAt, j.finishedAt),
      j.error ? `${j.error.type}: ${j.error.message}` : '',
    ]),
  );
}
