import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Ctx } from '../context.js';
import { CliError, EXIT, wholeNumber } from '../exit.js';
import { COMPARE, CREATE_SCHEDULE, DELETE_SCHEDULE, DRIFT, PAUSE_SCHEDULE, PREDICT, RESUME_SCHEDULE, SCHEDULES, TRIGGER_SCHEDULE } from '../graphql/operations.js';
import type {
  CompareQuery,
  CreateScheduleMutation,
  CreateScheduleMutationVariables,
  DriftQuery,
  PredictMutation,
  PredictMutationVariables,
  ScheduleFieldsFragment,
  SchedulesQuery,
} from '../graphql/types.js';
import { num, print, table } from '../output.js';

/** Rows of JSON objects from a JSON-lines file, or from one JSON object or array given inline. */
export function predictionInputs(opts: { input?: string; json?: string }): Record<string, unknown>[] {
  if (Boolean(opts.input) === Boolean(opts.json)) throw new CliError('give exactly one of --input FILE.jsonl or --json \'{…}\'', EXIT.usage);
  const parse = (text: string, where: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      throw new CliError(`${where} is not valid JSON`, EXIT.usage);
    }
  };
  let rows: unknown[];
  if (opts.json) {
    const value = parse(opts.json, '--json');
    rows = Array.isArray(value) ? value : [value];
  } else {
    let text: string;
    try {
      text = readFileSync(opts.input!, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read ${opts.input}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, EXIT.usage);
    }
    rows = text.split(/\r?\n/).flatMap((line, i) => (line.trim() ? [parse(line, `${opts.input} line ${i + 1}`)] : []));
  }
  rows.forEach((row, i) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new CliError(`input ${i + 1} must be a JSON object of feature values`, EXIT.usage);
  });
  if (rows.length === 0) throw new CliError('no inputs to predict', EXIT.usage);
  return rows as Record<string, unknown>[];
}

/** What a schedule does, with the dataset a scoring schedule scores. */
const actionOf = (s: ScheduleFieldsFragment): string => (s.action === 'SCORE' ? `SCORE ${(s.score as { dataset?: string } | null)?.dataset ?? ''}`.trim() : s.action);
const scheduleTable = (c: Ctx, schedules: ScheduleFieldsFragment[]) =>
  table(c.out, ['ID', 'MODEL', 'ACTION', 'EVERY', 'PAUSED', 'NEXT', 'TAKEN', 'NOTE'], schedules.map((s) => [s.id, s.model, actionOf(s), s.cron ?? s.interval, s.paused ? 'yes' : 'no', s.nextRuns[0], s.actionsTaken, s.note]));

export function registerServingCommands(program: Command, ctx: () => Ctx): void {
  program
    .command('compare')
    .description('runs side by side: dataset version, the chosen model, its params and metrics')
    .argument('<runs...>', 'two or more run ids')
    .action(async (ids: string[]) => {
      const c = ctx();
      if (ids.length < 2) throw new CliError('compare needs at least two runs', EXIT.usage);
      const runs = await Promise.all(ids.map(async (runId) => (await c.api().request<CompareQuery, { runId: string }>(COMPARE, { runId })).pipelineRun));
      const metrics = [...new Set(runs.flatMap((r) => Object.keys((r.modelVersion?.metrics ?? {}) as object)))].sort();
      const params = [...new Set(runs.flatMap((r) => Object.keys((r.modelVersion?.params ?? r.leaderboard[0]?.params ?? {}) as object)))].sort();
      const cell = (value: unknown) => (typeof value === 'object' && value !== null ? JSON.stringify(value) : num(value));
      const rows = [
        ['pipeline', ...runs.map((r) => r.pipelineName)],
        ['status', ...runs.map((r) => r.status)],
        ['dataset', ...runs.map((r) => (r.datasetVersion ? `${r.datasetVersion.datasetName}@v${r.datasetVersion.version}` : ''))],
        ['trainer', ...runs.map((r) => r.modelVersion?.trainer ?? r.leaderboard[0]?.trainer ?? '')],
        ['model version', ...runs.map((r) => (r.modelVersion ? `v${r.modelVersion.version}` : ''))],
        ...params.map((p) => [`param ${p}`, ...runs.map((r) => cell(((r.modelVersion?.params ?? r.leaderboard[0]?.params ?? {}) as Record<string, unknown>)[p]))]),
        ...metrics.map((m) => [`test ${m}`, ...runs.map((r) => cell(((r.modelVersion?.metrics ?? {}) as Record<string, unknown>)[m]))]),
      ];
      print(c.out, runs, () => table(c.out, ['', ...runs.map((r) => r.id.slice(0, 8))], rows));
    });

  program
    .command('predict')
    .description('serve predictions from the model in production (or its canary), as the API routes them')
    .argument('<model>', 'the model name')
    .option('--input <file>', 'a JSON-lines file, one object of feature values per line')
    .option('--json <object>', 'one JSON object, or an array of them')
    .option('--key <key>', 'a request key: the same key is always served by the same version')
    .action(async (model: string, opts: { input?: string; json?: string; key?: string }) => {
      const c = ctx();
      const inputs = predictionInputs(opts);
      const { predict } = await c.api().request<PredictMutation, PredictMutationVariables>(PREDICT, { model, inputs, key: opts.key });
      print(c.out, predict, () => table(c.out, ['#', 'VALUE', 'VERSION', 'ROLE', 'PREDICTION'], predict.map((p, i) => [i + 1, typeof p.value === 'object' ? JSON.stringify(p.value) : String(p.value), `v${p.version}`, p.role, p.predictionId])));
    });

  program
    .command('drift')
    .description("a model's newest drift report, feature by feature")
    .argument('<model>', 'the model name')
    .action(async (model: string) => {
      const c = ctx();
      const { driftReports } = await c.api().request<DriftQuery, { model: string }>(DRIFT, { model });
      const report = driftReports.nodes[0];
      if (!report) throw new CliError(`${model} has no drift report yet; a monitoring schedule makes them`, EXIT.usage);
      print(c.out, report, () => {
        const head = `${model}: ${report.status} over ${report.rows} rows, ${report.windowStart} to ${report.windowEnd}${report.reasons.length ? `\n${report.reasons.map((r) => `  ${r}`).join('\n')}` : ''}`;
        const features = table(c.out, ['FEATURE', 'KIND', 'PSI', 'KS P', 'CHI² P', 'DRIFTED'], report.features.map((f) => [f.name, f.kind, num(f.psi), num(f.ksPValue), num(f.chiSquarePValue), f.drifted ? 'yes' : '']));
        return `${head}\n\n${features}`;
      });
    });

  const schedules = program.command('schedules').description('monitoring, retraining and scoring schedules (Temporal Schedules)');
  schedules
    .command('list')
    .option('--model <name>', "only this model's schedules")
    .action(async (opts: { model?: string }) => {
      const c = ctx();
      const { schedules: all } = await c.api().request<SchedulesQuery, { model?: string }>(SCHEDULES, { model: opts.model });
      print(c.out, all, () => scheduleTable(c, all));
    });
  schedules
    .command('create')
    .description('monitor, retrain or score with a model on a cron or an interval')
    .requiredOption('--model <name>', 'the model')
    .option('--action <action>', 'monitor, retrain or score', 'monitor')
    .option('--score <dataset>', 'each tick scores the newest version of this dataset with the version in production (implies --action score)')
    .option('--output <dataset>', 'with --score: the dataset the scores are registered in (<model>-scores by default)')
    .option('--id-column <column...>', 'with --score: input columns copied to each output row')
    .option('--parallelism <n>', 'with --score: chunks scored at once (1 to 64)')
    .option('--monitoring', 'with --score: also write a drift report of each tick’s scored rows')
    .option('--cron <expression>', 'such as "0 * * * *" (hourly)')
    .option('--interval <duration>', 'such as 1h or 30m')
    .option('--time-zone <zone>', 'IANA time zone the cron is read in (UTC by default)')
    .option('--catchup-window <duration>', 'ticks missed while Temporal was down are still taken if no later than this (1h by default)')
    .option('--paused', 'create it paused')
    .option('--note <text>', 'why it exists')
    .action(async (opts: CreateScheduleOptions) => {
      const c = ctx();
      const { createSchedule: s } = await c.api().request<CreateScheduleMutation, CreateScheduleMutationVariables>(CREATE_SCHEDULE, { input: scheduleInput(opts) });
      print(c.out, s, () => scheduleTable(c, [s]));
    });
  const change = (name: string, description: string, query: string, field: string, withNote: boolean) => {
    const command = schedules.command(name).description(description).argument('<id>', 'the schedule id');
    if (withNote) command.option('--note <text>', 'why, for the record');
    command.action(async (id: string, opts: { note?: string }) => {
      const c = ctx();
      const data = await c.api().request<Record<string, ScheduleFieldsFragment>, { id: string; note?: string }>(query, { id, ...(opts.note ? { note: opts.note } : {}) });
      print(c.out, data[field], () => scheduleTable(c, [data[field]!]));
    });
  };
  change('pause', 'pause a schedule', PAUSE_SCHEDULE, 'pauseSchedule', true);
  change('resume', 'resume a paused schedule', RESUME_SCHEDULE, 'resumeSchedule', true);
  change('trigger', 'run a schedule now', TRIGGER_SCHEDULE, 'triggerSchedule', false);
  change('delete', 'delete a schedule', DELETE_SCHEDULE, 'deleteSchedule', false);
}

interface CreateScheduleOptions {
  model: string;
  action: string;
  score?: string;
  output?: string;
  idColumn?: string[];
  parallelism?: string;
  monitoring?: boolean;
  cron?: string;
  interval?: string;
  timeZone?: string;
  catchupWindow?: string;
  paused?: boolean;
  note?: string;
}

/** The mutation's input from the command line: `--score DATASET` makes it a scoring schedule. */
function scheduleInput(opts: CreateScheduleOptions): CreateScheduleMutationVariables['input'] {
  const action = (opts.score !== undefined && opts.action === 'monitor' ? 'score' : opts.action).toUpperCase();
  if (action !== 'MONITOR' && action !== 'RETRAIN' && action !== 'SCORE') throw new CliError('--action must be monitor, retrain or score', EXIT.usage);
  if ((action === 'SCORE') !== (opts.score !== undefined)) throw new CliError(action === 'SCORE' ? '--action score needs --score DATASET' : `--score does not go with --action ${opts.action}`, EXIT.usage);
  const scoringOnly = [opts.output && '--output', opts.idColumn && '--id-column', opts.parallelism && '--parallelism', opts.monitoring && '--monitoring'].filter(Boolean);
  if (action !== 'SCORE' && scoringOnly.length > 0) throw new CliError(`${scoringOnly.join(', ')} ${scoringOnly.length === 1 ? 'goes' : 'go'} only with --score`, EXIT.usage);
  const score =
    action === 'SCORE'
      ? {
          dataset: opts.score!,
          ...(opts.output !== undefined ? { output: opts.output } : {}),
          ...(opts.idColumn ? { idColumns: opts.idColumn } : {}),
          ...(opts.parallelism !== undefined ? { parallelism: wholeNumber('--parallelism', opts.parallelism, 1, 64) } : {}),
          ...(opts.monitoring ? { monitoring: true } : {}),
        }
      : undefined;
  return { model: opts.model, action: action as 'MONITOR' | 'RETRAIN' | 'SCORE', score, cron: opts.cron, interval: opts.interval, timeZone: opts.timeZone, catchupWindow: opts.catchupWindow, paused: opts.paused, note: opts.note };
}
