#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { registerAdminCommands } from './commands/admin.js';
import { registerGateCommands } from './commands/gates.js';
import { registerRegistryCommands } from './commands/registry.js';
import { registerReleaseCommands } from './commands/releases.js';
import { registerRunCommands } from './commands/runs.js';
import { registerScoringCommands } from './commands/scoring.js';
import { registerServingCommands } from './commands/serving.js';
import { readEnv } from './config.js';
import { createContext, type Ctx } from './context.js';
import { CliError, EXIT, EXIT_HELP } from './exit.js';
import { FORMATS } from './output.js';

/**
 * `custody`: the command line for CI and for people at a terminal. A client of the GraphQL API only.
 * Every failure is one line on stderr and an exit code from the documented contract.
 */
async function main(argv: string[]): Promise<void> {
  const env = readEnv();
  const program = new Command('custody')
    .description('Custody: ML pipelines with durable approval gates, from the command line.')
    .addOption(new Option('-o, --output <format>', `output: ${FORMATS.join(', ')} (default table; CUSTODY_OUTPUT sets it)`))
    .addHelpText('after', `\nConfiguration: custody login --url URL --token TOKEN, or CUSTODY_URL and CUSTODY_TOKEN.\n\n${EXIT_HELP}`)
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  let context: Ctx | undefined;
  const ctx = () => (context ??= createContext(env, program.opts<{ output?: string }>().output));
  registerRunCommands(program, ctx);
  registerGateCommands(program, ctx);
  registerRegistryCommands(program, ctx);
  registerServingCommands(program, ctx);
  registerReleaseCommands(program, ctx);
  registerScoringCommands(program, ctx);
  registerAdminCommands(program, ctx);
  await program.parseAsync(argv);
}

try {
  await main(process.argv);
} catch (error) {
  if (error instanceof CliError) {
    process.stderr.write(`custody: ${error.message}\n`);
    process.exitCode = error.code;
  } else if (error instanceof CommanderError) {
    // Commander has printed the usage error (or the help, or the version, which exit 0).
    process.exitCode = error.exitCode === 0 ? EXIT.succeeded : EXIT.usage;
  } else {
    process.stderr.write(`custody: unexpected error: ${(error as Error)?.message ?? String(error)}\n`);
    process.exitCode = EXIT.failed;
  }
}
