/**
 * The CLI's exit codes: a contract for CI scripts, documented in the README and in `--help`.
 * A run's outcome maps to its own code, so `custody submit --wait` fails a CI job for the right reason.
 */
export const EXIT = {
  succeeded: 0,
  usage: 1,
  rejected: 2,
  failed: 3,
  cancelled: 4,
  rolledBack: 5,
  timedOut: 6,
  denied: 7,
  unreachable: 8,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_HELP = `Exit codes:
  0  succeeded
  1  usage or input error
  2  rejected (validation or gate)
  3  failed
  4  cancelled
  5  rolled back
  6  --timeout reached, with the run still going
  7  not authenticated or not allowed
  8  server unreachable`;

/** A failure the CLI reports as one line on stderr, with the exit code it means. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: ExitCode,
  ) {
    super(message);
  }
}

/** The exit code of a run that has ended, or null while it is still going. */
export function exitOfRun(status: string): ExitCode | null {
  switch (status) {
    case 'succeeded':
      return EXIT.succeeded;
    case 'rejected':
      return EXIT.rejected;
    case 'failed':
      return EXIT.failed;
    case 'cancelled':
      return EXIT.cancelled;
    case 'rolled_back':
      return EXIT.rolledBack;
    default:
      return null;
  }
}

/** A whole number within bounds, or a usage error naming the option. */
export function wholeNumber(option: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`${option} must be a whole number from ${min} to ${max}`, EXIT.usage);
  return n;
}
