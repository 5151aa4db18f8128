import { createLogUpdate } from 'log-update';
import type { Api } from './api.js';
import { CliError, EXIT, exitOfRun } from './exit.js';
import { RUN } from './graphql/operations.js';
import type { RunDetailFragment, RunQuery, RunQueryVariables } from './graphql/types.js';
import { duration, num } from './output.js';

/** Where progress goes: stderr, so stdout keeps only the result. */
export interface Progress {
  tty: boolean;
  write(text: string): void;
}

export const stderrProgress = (): Progress => ({ tty: Boolean(process.stderr.isTTY), write: (text) => void process.stderr.write(text) });

/** What a person watching a run sees: its status, each step, the trials, and the gate it waits at. */
export function progressLines(run: RunDetailFragment): string[] {
  const lines = [`run ${run.id} (${run.pipelineName}): ${run.status}${run.currentStep ? ` at ${run.currentStep}` : ''}`];
  for (const step of run.steps) lines.push(`  step ${step.name}: ${step.status}${step.startedAt ? ` ${duration(step.startedAt, step.finishedAt)}` : ''}`);
  if (run.trials.length > 0) {
    const done = run.trials.filter((t) => t.status !== 'running').length;
    const best = run.leaderboard[0];
    lines.push(`  trials: ${done} of ${run.trialsPlanned ?? run.trials.length} done${best ? `, best ${best.metric} ${num(best.value)} (${best.trainer})` : ''}`);
  }
  for (const gate of run.gates.filter((g) => g.status !== 'pending')) {
    const deadline = gate.status === 'open' && gate.deadline ? `, decides by ${gate.deadline}` : '';
    lines.push(`  gate ${gate.name}: ${gate.status}, ${gate.approvals.length} of ${gate.quorum} approvals, needs ${gate.role}${deadline}`);
  }
  if (run.error) lines.push(`  ${run.error.type}: ${run.error.message}`);
  return lines;
}

/** The lines not printed before, durations left out (they change every poll): one line per change. */
function changedLines(lines: string[], seen: Set<string>): string[] {
  const fresh: string[] = [];
  for (const line of lines.map((l) => l.trim().replace(/ (\d+(\.\d+)?s|\d+m\d+s|\d+h\d+m)$/, ''))) {
    if (seen.has(line)) continue;
    seen.add(line);
    fresh.push(line);
  }
  return fresh;
}

/**
 * Follows a run until it ends and returns it. On a terminal the progress block is redrawn in place;
 * elsewhere (CI logs) each change is one plain line, with no control characters.
 */
export async function follow(api: Api, progress: Progress, runId: string, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<RunDetailFragment> {
  const deadline = options.timeoutMs ? Date.now() + options.timeoutMs : Infinity;
  const interval = options.intervalMs ?? 1000;
  const draw = progress.tty ? createLogUpdate(process.stderr) : undefined;
  const seen = new Set<string>();
  const outage: Outage = {};
  for (;;) {
    const run = await poll(api, progress, runId, deadline, outage);
    if (!run) {
      await pause(interval, deadline);
      continue;
    }
    const lines = progressLines(run);
    if (draw) draw(lines.join('\n'));
    else for (const line of changedLines(lines, seen)) progress.write(line + '\n');
    const ended = exitOfRun(run.status) !== null;
    if (ended || Date.now() >= deadline) draw?.done();
    if (ended) return run;
    if (Date.now() >= deadline) throw new CliError(`run ${runId} is still ${run.status} after the timeout`, EXIT.timedOut);
    await pause(interval, deadline);
  }
}

const pause = (ms: number, deadline: number) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, Math.max(0, deadline - Date.now()))));

/** How long the server may be away while a run is followed, before the CLI gives up with exit 8. */
const MAX_OUTAGE_MS = 15 * 60_000;

/** Since when the server has been unreachable, while it is. */
interface Outage {
  since?: number;
}

/** Reads the run; while the server is unreachable, says so once and returns null, until the deadline or a long outage. */
async function poll(api: Api, progress: Progress, runId: string, deadline: number, outage: Outage): Promise<RunDetailFragment | null> {
  try {
    const { pipelineRun } = await api.request<RunQuery, RunQueryVariables>(RUN, { runId }, Math.min(60_000, deadline - Date.now()));
    if (outage.since !== undefined) progress.write('the server answers again\n');
    outage.since = undefined;
    return pipelineRun;
  } catch (error) {
    if (!(error instanceof CliError) || error.code !== EXIT.unreachable) throw error;
    if (outage.since === undefined) progress.write(`${error.message}; trying again (the run goes on without us)\n`);
    outage.since ??= Date.now();
    if (Date.now() >= deadline) throw new CliError(`run ${runId}: the server was unreachable until the timeout`, EXIT.timedOut);
    if (Date.now() - outage.since > MAX_OUTAGE_MS) throw error;
    return null;
  }
}
