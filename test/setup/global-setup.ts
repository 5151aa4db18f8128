import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_TRACING_MODULE } from '../../observability/tracing.js';
import { Connection } from '@temporalio/client';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { WORKFLOWS_ENTRY } from '../../paths.js';
import { ensureSearchAttributes } from '../../worker/search-attributes.js';
// @ts-expect-error: plain ESM helper shared with `npm start`, without type declarations
import { findTemporalCli, startDevServer } from '../../scripts/temporal.mjs';
// @ts-expect-error: plain ESM helper shared with `npm start`, without type declarations
import { freePort } from '../../scripts/lib.mjs';
// @ts-expect-error: plain ESM helper, without type declarations
import { findS3Server, startS3Server } from '../../scripts/s3-server.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    /** A maintenance URL of the Postgres server tests create their databases on; null means PGlite. */
    postgresAdminUrl: string | null;
    workflowBundlePath: string;
    /** A real S3 server (versitygw) for the run, with one bucket; each test keeps to its own prefix. */
    s3: { endpoint: string; bucket: string; accessKey: string; secretKey: string; root: string };
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
    // The URL without its password (TEST_POSTGRES_URL may hold one): the run's output is a log like any other.
    process.stdout.write(`\n[custody tests] PostgreSQL is not reachable at ${adminUrl.replace(/^([^:/]+:\/\/[^:/@]*:)[^@]*@/, '$1***@')}; database tests use embedded PGlite instead.\n`);
    project.provide('postgresAdminUrl', null);
  }

  const cli: string = await findTemporalCli();
  const server = await startDevServer({ cli, port: await freePort(), headless: true, quiet: true });
  const connection = await Connection.connect({ address: server.address });
  await ensureSearchAttributes(connection, 'default');
  await connection.close();
  project.provide('temporalAddress', server.address);

  const s3Root = mkdtempSync(path.join(os.tmpdir(), 'custody-s3-'));
  const s3Keys = { accessKey: 'custody-test', secretKey: randomBytes(18).toString('base64url') };
  const s3 = await startS3Server({ bin: findS3Server(), root: s3Root, port: await freePort(), access: s3Keys.accessKey, secret: s3Keys.secretKey, buckets: ['custody-test'] });
  project.provide('s3', { endpoint: s3.endpoint, bucket: 'custody-test', root: s3Root, ...s3Keys });

  const dir = mkdtempSync(path.join(os.tmpdir(), 'custody-bundle-'));
  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, workflowInterceptorModules: [WORKFLOW_TRACING_MODULE], logger: quietLogger });
  const bundlePath = path.join(dir, 'workflows.js');
  writeFileSync(bundlePath, bundle.code);
  project.provide('workflowBundlePath', bundlePath);

  return async () => {
    server.child.kill('SIGTERM');
    s3.child.kill('SIGTERM');
    await Promise.all([server.exited, s3.exited]);
    rmSync(dir, { recursive: true, force: true });
    rmSync(s3Root, { recursive: true, force: true });
  };
}

const noop = () => {};
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
