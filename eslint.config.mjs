import tseslint from 'typescript-eslint';

const nodeBuiltIns = 'Workflows run in a deterministic sandbox: no Node built-ins.';
// Exact module names (a pattern would also catch our own folders of the same name, such as events/).
const sandboxBannedPaths = ['fs', 'path', 'crypto', 'os', 'child_process', 'http', 'https', 'net', 'url', 'util', 'stream', 'events'].map((name) => ({ name, message: nodeBuiltIns }));
const sandboxBanned = [
  { group: ['node:*'], message: nodeBuiltIns },
  { group: ['@temporalio/activity', '@temporalio/client', '@temporalio/worker', '@temporalio/testing'], message: 'Workflows may import only @temporalio/workflow (and @temporalio/common).' },
  { group: ['**/db/**', '**/api/**', 'drizzle-orm', 'drizzle-orm/*', 'postgres', 'uuid', '@nestjs/*'], message: 'Workflows must not reach the database, the API or I/O libraries.', allowTypeImports: true },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', 'db/migrations/', 'examples/**/*.py'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
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
  {
    // The layers' walls: domain/ is pure and imports nothing of ours; ml/ (the learners) only domain/.
    files: ['domain/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../*', '../**'], message: 'domain/ imports nothing else of ours.' }] }] },
  },
  {
    files: ['ml/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/activities/**', '**/api/**', '**/db/**', '**/workflows/**', '**/worker/**', '**/bench/**'], message: 'ml/ may import only domain/ and itself.' }] },
      ],
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', fetch: 'readonly', AbortSignal: 'readonly', Buffer: 'readonly', setTimeout: 'readonly' } },
  },
);
