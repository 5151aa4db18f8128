import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/** The run an activity works for, from its input (`{ runId }`, as every pipeline activity takes). */
function runIdOf(args: unknown[]): string | undefined {
  const first = args[0] as { runId?: unknown } | undefined;
  return typeof first?.runId === 'string' ? first.runId : undefined;
}

/**
 * Adds the Custody run id to every log line an activity writes, beside the workflow id, activity type and
 * attempt the SDK adds, so one grep finds a run's lines across workers.
 */
export const runIdInLogs: ActivityInterceptorsFactory = () => {
  let runId: string | undefined;
  return {
    inbound: {
      async execute(input, next) {
        runId = runIdOf(input.args);
        return await next(input);
      },
    },
    outbound: {
      getLogAttributes(input, next) {
        return next(runId ? { ...input, custodyRunId: runId } : input);
      },
    },
  };
};
