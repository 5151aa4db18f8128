// `npm test`: installs what it needs, type-checks, lints, builds, obtains the Temporal CLI, then runs
// the vitest suite against a real Temporal dev server and real Postgres (PGlite when none is reachable).
// Extra arguments go to vitest, e.g. `npm test -- test/api`.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ensureBuild, ensureConsole, ensureDependencies, log, ROOT, spawnChild } from './lib.mjs';
import { findTemporalCli } from './temporal.mjs';
import { findToxiproxy } from './toxiproxy.mjs';

ensureDependencies();
const bin = (name) => path.join(ROOT, 'node_modules', name);
const step = async (title, args) => {
  log(title);
  const { exited } = spawnChild(process.execPath, args);
  const code = await exited;
  if (code !== 0) {
    process.stdout.write(`custody: ${title} failed\n`);
    process.exit(code);
  }
};

await step('type-checking…', [bin('typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit']);
await step('type-checking the console…', [bin('typescript/bin/tsc'), '-p', 'console/tsconfig.json', '--noEmit']);
await step('linting…', [bin('eslint/bin/eslint.js'), '.', '--max-warnings=0']);
ensureBuild();
ensureConsole();
process.env.TEMPORAL_CLI = await findTemporalCli();
// The fault suite's slice puts Toxiproxy between the stack and its servers.
process.env.TOXIPROXY_SERVER = findToxiproxy();

const reportDir = path.join(ROOT, '.data', 'test-report');
mkdirSync(reportDir, { recursive: true });
const report = path.join(reportDir, 'vitest.json');
rmSync(report, { force: true });
const { exited } = spawnChild(process.execPath, [
  bin('vitest/vitest.mjs'),
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
]);
const code = await exited;
if (existsSync(report)) {
  const { numPassedTests, numFailedTests, numFailedTestSuites, numPendingTests, numTodoTests } = JSON.parse(readFileSync(report, 'utf8'));
  // A suite that fails in its setup fails no single test; count it so the line never reads green.
  const failed = numFailedTests + (code !== 0 && numFailedTests === 0 ? Math.max(1, numFailedTestSuites) : 0);
  process.stdout.write(`\ntests: ${numPassedTests} passed, ${failed} failed, ${numPendingTests + numTodoTests} skipped\n`);
}
process.exit(code);
