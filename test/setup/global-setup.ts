import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { Connection } from '@temporalio/client';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { WORKFLOWS_ENTRY } from '../../paths.js';
import { ensureSearchAttributes } from '../../worker/search-attributes.js';
// @ts-expect-error: plain ESM helper shared with `npm start`, without type declarations
import { findTemporalCli, startDevServer } from '../../scripts/temporal.mjs';
// @ts-expect-error: plain ESM helper shared with `npm start`, without type declarations
import { freePort } from '../../scripts/lib.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    /** A maintenance URL of the Postgres server tests create their databases on; null means PGlite. */
    postgresAdminUrl: string | null;
    workflowBundlePath: string;
  }
}

const DEFAULT_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

async function reachablePostgres(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** One real Temporal dev server and one workflow bundle for the whole run; each test file makes its own database. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const adminUrl = process.env.TEST_POSTGRES_URL ?? DEFAULT_POSTGRES;
  if (await reachablePostgres(adminUrl)) {
    project.provide('postgresAdminUrl', adminUrl);
  } else {
    process.stdout.write(`\n[custody tests] PostgreSQL is not reachable at ${adminUrl}; database tests use embedded PGlite instead.\n`);
    project.provide('postgresAdminUrl', null);
  }

  const cli: string = await findTemporalCli();
  const server = await startDevServer({ cli, port: await freePort(), headless: true, quiet: true });
  const connection = await Connection.connect({ address: server.address });
  await ensureSearchAttributes(connection, 'default');
  await connection.close();
  project.provide('temporalAddress', server.address);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-bundle-'));
  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: quietLogger });
  const bundlePath = path.join(dir, 'workflows.js');
  writeFileSync(bundlePath, bundle.code);
  project.provide('workflowBundlePath', bundlePath);

  return async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
  };
}

const noop = () => {};
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
