// `npm run graphql:types`: generates the GraphQL operation types of the API's two clients from schema.gql:
// the CLI's (cli/graphql/types.ts, from cli/graphql/operations.ts) and the console's typed documents
// (console/src/graphql/generated/, from the graphql(`…`) calls in console/src). With --check, writes
// nothing and exits 1 when a committed file is stale.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { ROOT } from './lib.mjs';

const banner = (from) => `/* Generated from schema.gql and ${from} by \`npm run graphql:types\`; do not edit. */`;
const scalars = { DateTime: 'string', JSON: 'unknown' };
const CLI = 'cli/graphql/types.ts';
const CONSOLE = 'console/src/graphql/generated/';

const config = {
  schema: path.join(ROOT, 'schema.gql'),
  silent: true,
  generates: {
    [CLI]: {
      documents: [path.join(ROOT, 'cli/graphql/operations.ts')],
      plugins: [{ add: { content: banner('cli/graphql/operations.ts') } }, 'typescript-operations'],
      config: { enumsAsTypes: true, avoidOptionals: { field: true, inputValue: false }, scalars, skipTypename: true },
    },
    [CONSOLE]: {
      documents: [path.join(ROOT, 'console/src/**/*.{ts,tsx}'), `!${path.join(ROOT, CONSOLE)}**`],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      plugins: [{ add: { content: banner('console/src') } }],
      config: { enumsAsTypes: true, scalars, skipTypename: true, useTypeImports: true },
    },
  },
};

const outputs = await generate(config, false);
const stale = [];
for (const output of outputs) {
  const file = path.isAbsolute(output.filename) ? output.filename : path.join(ROOT, output.filename);
  const relative = path.relative(ROOT, file);
  const current = existsSync(file) ? readFileSync(file, 'utf8') : null;
  if (current === output.content) continue;
  if (process.argv.includes('--check')) {
    stale.push(relative);
  } else {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, output.content);
    process.stdout.write(`custody: wrote ${relative}\n`);
  }
}
if (stale.length > 0) {
  process.stderr.write(`custody: ${stale.join(', ')} ${stale.length === 1 ? 'is' : 'are'} stale; run npm run graphql:types\n`);
  process.exit(1);
}
if (process.argv.includes('--check')) process.stdout.write('custody: the generated GraphQL types are current\n');
