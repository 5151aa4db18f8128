// `npm run cli:types`: generates the CLI's GraphQL operation types (cli/graphql/types.ts) from schema.gql
// and the operations in cli/graphql/operations.ts. With --check, writes nothing and exits 1 when the
// committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { ROOT } from './lib.mjs';

const TARGET = 'cli/graphql/types.ts';
const config = {
  schema: path.join(ROOT, 'schema.gql'),
  documents: [path.join(ROOT, 'cli/graphql/operations.ts')],
  silent: true,
  generates: {
    [TARGET]: {
      plugins: [{ add: { content: '/* Generated from schema.gql and cli/graphql/operations.ts by `npm run cli:types`; do not edit. */' } }, 'typescript-operations'],
      config: { enumsAsTypes: true, avoidOptionals: { field: true, inputValue: false }, scalars: { DateTime: 'string', JSON: 'unknown' }, skipTypename: true },
    },
  },
};

const [output] = await generate(config, false);
const file = path.join(ROOT, TARGET);
if (process.argv.includes('--check')) {
  const current = readFileSync(file, 'utf8');
  if (current !== output.content) {
    process.stderr.write(`custody: ${TARGET} is stale; run npm run cli:types\n`);
    process.exit(1);
  }
  process.stdout.write(`custody: ${TARGET} is current\n`);
} else {
  writeFileSync(file, output.content);
  process.stdout.write(`custody: wrote ${TARGET}\n`);
}
