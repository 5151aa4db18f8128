/**
 * What user code (a command trainer, a command model's serving process) sees of the environment of the
 * process that starts it: an allow-list, never the whole environment. It gets these, the file contract's
 * `CUSTODY_*` variables, a private working and temporary directory, and the variables its spec names in
 * `training.environment.variables`, which may never name one that holds Custody's own settings or secrets.
 */
export const INHERITED_VARIABLES = ['PATH', 'HOME', 'LANG', 'TZ'] as const;

/** A portable environment variable name. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Prefixes of Custody's own configuration and of the services it holds credentials for. */
const DENIED_PREFIXES = ['CUSTODY_', 'DATABASE_', 'PG', 'AWS_', 'TEMPORAL_', 'OTEL_', 'NODE_', 'NPM_'];
/** Words that name a secret, wherever they stand in a name. */
const SECRET_WORDS = /SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|PRIVATE|KEY|AUTH|COOKIE|SESSION/;

/** Why user code may not be given the variable `name`, or null when it may. */
export function deniedVariable(name: string): string | null {
  if (!VARIABLE_NAME.test(name)) return 'is not a variable name (letters, digits and underscores, not starting with a digit)';
  const upper = name.toUpperCase();
  const prefix = DENIED_PREFIXES.find((p) => upper.startsWith(p));
  if (prefix) return `belongs to Custody's own settings and credentials (${prefix}…), which user code never sees`;
  const word = SECRET_WORDS.exec(upper)?.[0];
  if (word) return `looks like it holds a secret (${word}); user code is never given one of the process's secrets`;
  if ((INHERITED_VARIABLES as readonly string[]).includes(upper) || upper === 'TMPDIR') return 'is always set for user code; it need not be named';
  return null;
}
