import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const nodeBuiltIns = 'Workflows run in a deterministic sandbox: no Node built-ins.';
// Exact module names (a pattern would also catch our own folders of the same name, such as events/).
const sandboxBannedPaths = ['fs', 'path', 'crypto', 'os', 'child_process', 'http', 'https', 'net', 'url', 'util', 'stream', 'events'].map((name) => ({ name, message: nodeBuiltIns }));
const sandboxBanned = [
  { group: ['node:*'], message: nodeBuiltIns },
  { group: ['@temporalio/activity', '@temporalio/client', '@temporalio/worker', '@temporalio/testing'], message: 'Workflows may import only @temporalio/workflow (and @temporalio/common).' },
  { group: ['**/db/**', '**/api/**', 'drizzle-orm', 'drizzle-orm/*', 'postgres', 'uuid', '@nestjs/*'], message: 'Workflows must not reach the database, the API or I/O libraries.', allowTypeImports: true },
];

/**
 * Forbids files matching `files` from importing any of the named top-level folders; `topOnly` folders are matched
 * from the root only (api/ has a serving/ of its own beside the top-level one).
 */
function wall(files, folders, message, topOnly = []) {
  const group = [...folders.flatMap((folder) => [`**/${folder}/**`, `../${folder}/**`]), ...topOnly.flatMap((folder) => [1, 2, 3, 4].map((up) => `${'../'.repeat(up)}${folder}/**`))];
  return { files, rules: { 'no-restricted-imports': ['error', { patterns: [{ group, message }] }] } };
}

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', 'db/migrations/', 'examples/**/*.py', 'cli/graphql/types.ts', 'console/src/graphql/generated/'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // No import cycles between our modules. The rule sees value imports only; test/layers.test.ts also checks type-only ones.
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { 'import-x': importX },
    settings: { ...importX.flatConfigs.typescript.settings, 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // NestJS reads constructor parameter types at run time: those imports must stay values.
    files: ['api/**/*.ts'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: sandboxBannedPaths, patterns: sandboxBanned }],
      'no-restricted-globals': ['error', { name: 'process', message: 'Use workflow inputs.' }, { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' }],
    },
  },
  // The layers' walls, from the bottom: domain/ (pure: spec, messages, decisions, report types) imports
  // nothing else of ours; db/ only domain/; storage/ (artifacts, dataset files) db/ and domain/; ml/ (the
  // learners, trainers and prediction) those three; clients/ (starting our workflows from outside) adds
  // workflows' message types; observability/ (tracing) nothing of ours. The API never reaches into worker code: what both need lives below both.
  wall(['domain/**/*.ts'], ['activities', 'api', 'db', 'workflows', 'worker', 'ml', 'storage', 'clients', 'observability', 'bench', 'test'], 'domain/ imports nothing else of ours.'),
  wall(['db/**/*.ts'], ['activities', 'api', 'workflows', 'worker', 'ml', 'storage', 'clients', 'observability', 'bench'], 'db/ may import only domain/ and itself.'),
  wall(['storage/**/*.ts'], ['activities', 'api', 'workflows', 'worker', 'ml', 'clients', 'bench'], 'storage/ may import only domain/, db/ and itself.'),
  { ...wall(['ml/**/*.ts'], ['activities', 'api', 'workflows', 'worker', 'clients', 'bench', 'export'], 'ml/ may import only domain/, db/, storage/ and itself; an exchange format (ml/export/) is for the edge, never the core.'), ignores: ['ml/export/**'] },
  // Exchange formats at the edge: ml/export/ translates a model artifact with ml/ and domain/ alone (no database, store or
  // API), and only the API, bundle/ (and tests) import it.
  wall(['ml/export/**/*.ts'], ['activities', 'api', 'workflows', 'worker', 'clients', 'bench', 'db', 'storage'], 'ml/export/ (exchange formats) translates an artifact with ml/ and domain/ alone.'),
  wall(['clients/**/*.ts'], ['activities', 'api', 'worker', 'bench'], 'clients/ may not import activities/, api/ or worker/.'),
  wall(['cli/**/*.ts'], ['activities', 'api', 'db', 'workflows', 'worker', 'ml', 'storage', 'clients', 'bench'], 'cli/ is a client of the GraphQL API: it may import only domain/, bundle/ (to verify and serve a bundle) and itself.'),
  // Model bundles: their format (written by the API, checked by the CLI) and `custody serve`, which predicts with ml/ and
  // nothing of the stack's (no database, store, Temporal or API).
  wall(['bundle/**/*.ts'], ['activities', 'api', 'db', 'workflows', 'worker', 'storage', 'clients', 'bench', 'cli', 'console', 'serving'], 'bundle/ (model bundles and custody serve) uses ml/ and domain/ alone: a bundle is served without the stack.'),
  wall(['console/**/*.ts', 'console/**/*.tsx'], ['activities', 'api', 'db', 'workflows', 'worker', 'ml', 'storage', 'clients', 'bench', 'cli'], 'console/ is a client of the GraphQL API: it may import only domain/ and itself.'),
  wall(['observability/**/*.ts'], ['activities', 'api', 'db', 'workflows', 'worker', 'ml', 'storage', 'clients', 'bench'], 'observability/ (tracing) wraps what it is given: it imports nothing else of ours.'),
  wall(['api/**/*.ts'], ['activities', 'worker', 'workflows', 'bench'], 'api/ never imports worker code or workflows: move what both need to domain/, ml/, storage/ or clients/.', ['serving']),
  // The data plane is the API's serving, access and metrics in a process of their own: it composes api/, and nothing imports it.
  wall(['serving/**/*.ts'], ['activities', 'worker', 'workflows', 'bench', 'cli', 'console'], 'serving/ (the data plane) composes the API\'s serving; it never loads worker code or workflows.'),
  // Every entry point starts through start-up.ts, the API alone included: it is given the worker and the API, and imports neither.
  wall(['start-up.ts'], ['activities', 'api', 'worker', 'workflows', 'serving', 'ml', 'clients', 'bench', 'cli', 'console'], 'start-up.ts is shared by every entry point: it is given the worker and the API sides, and imports neither.'),
  {
    // One writer per fact: a run's record (its row, its steps) and its gates' record are written by its workflow
    // alone, through the projection activities (activities/runs/), a scoring job's by its workflow through
    // activities/scoring/, and a release's (shadow, A/B test) by its run through activities/release/; the API reads.
    files: ['**/*.ts', '**/*.tsx'],
    ignores: ['activities/runs/**', 'activities/scoring/**', 'activities/release/**', 'db/**', 'test/**', 'bench/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.property.name='runs'][callee.property.name=/^(create|update|upsertStep)$/]", message: "A run's record has one writer, its workflow (activities/runs/): start the workflow instead." },
        { selector: "CallExpression[callee.object.property.name='gates'][callee.property.name='record']", message: "A gate's record has one writer, its run's workflow (activities/runs/); a refusal is an audit event." },
        { selector: "CallExpression[callee.object.property.name='scoring'][callee.property.name=/^(record|progress|finish)$/]", message: "A scoring job's record has one writer, its workflow (activities/scoring/): start the workflow instead." },
        { selector: "CallExpression[callee.object.property.name='releases'][callee.property.name=/^(start|setDeployment|setReport|finish|look)$/]", message: "A release's record has one writer, its run's workflow (activities/release/)." },
      ],
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', fetch: 'readonly', AbortSignal: 'readonly', Buffer: 'readonly', setTimeout: 'readonly' } },
  },
);
