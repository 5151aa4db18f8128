import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRepositories } from '../../db/repositories/index.js';
import { PROJECT_ROOT } from '../../paths.js';
import { eventually, exampleSpec } from '../support/pipelines.js';
import { startStack, type TestStack } from '../support/stack.js';

const CLI = path.join(PROJECT_ROOT, 'scripts', 'custody.mjs');
const GATE = 'gates { name status approvals { actor } } gateDecisions { actor accepted refusedReason }';

/**
 * A gate's record has one writer, the run's workflow: a refused attempt is an audit event, never a row of it.
 * A gate of quorum 2 whose approvals have a refused attempt between them (the submitter approving their own
 * run) shows both approvals while the run goes on and after it has ended, through GraphQL and the CLI. (When
 * the API wrote refusals into the gate record, the ended run read back as pending with no approvals.)
 */
describe('the record of a gate with a refused attempt between its approvals', () => {
  let stack: TestStack;
  let runId: string;
  const cliConfig = mkdtempSync(path.join(os.tmpdir(), 'custody-gate-cli-'));
  const cli = (args: string[], as: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const env = { ...process.env, CUSTODY_URL: stack.api.url, CUSTODY_TOKEN: stack.api.tokens[as]!, CUSTODY_CONFIG_DIR: cliConfig, CUSTODY_OUTPUT: '', NO_COLOR: '1' };
      execFile(process.execPath, [CLI, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });
  const read = async () => (await stack.api.data(`query($id: ID!) { pipelineRun(input: { runId: $id }) { status ${GATE} } }`, { id: runId })).pipelineRun;
  const approve = (as: string) => stack.api.gql('mutation($id: ID!) { approveGate(input: { runId: $id, gate: "production-approval" }) { status } }', { id: runId }, { as });

  beforeAll(async () => {
    stack = await startStack();
    const spec = exampleSpec('iris', (s) => ({
      ...s,
      name: 'quorum-two',
      model: 'quorum-two',
      training: { ...s.training!, search: { space: { nEstimators: [10], maxDepth: [3] } } },
      gates: [{ name: 'production-approval', role: 'approver', quorum: 2 }],
    }));
    // Submitted by an admin, who may approve gates in general but never their own run's.
    const { submitPipeline } = await stack.api.data('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { spec } }, 'admin@example.com');
    runId = submitPipeline.id;
    await eventually(read, (r) => r.status === 'awaiting_approval', 90_000);
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('keeps both approvals through a refused self-approval, while the run goes on and after it ends, through GraphQL and the CLI', { timeout: 120_000 }, async () => {
    expect((await approve('ana@example.com')).errors).toBeUndefined();
    const refused = await cli(['approve', runId, '--gate', 'production-approval', '-m', 'my own run'], 'admin@example.com');
    expect(refused.code).toBe(7);
    expect(refused.stderr).toMatch(/submitted this run and cannot approve its gates/);
    const waiting = await read();
    expect(waiting.gates).toEqual([{ name: 'production-approval', status: 'open', approvals: [{ actor: 'ana@example.com' }] }]);
    expect((await approve('bo@example.com')).errors).toBeUndefined();

    const approved = [{ name: 'production-approval', status: 'approved', approvals: [{ actor: 'ana@example.com' }, { actor: 'bo@example.com' }] }];
    expect((await read()).gates).toEqual(approved);
    const ended = await eventually(read, (r) => r.status === 'succeeded', 90_000);
    expect(ended.gates).toEqual(approved);
    // The refusal is still told among the decisions, from the audit history.
    expect(ended.gateDecisions).toEqual([
      { actor: 'ana@example.com', accepted: true, refusedReason: null },
      { actor: 'admin@example.com', accepted: false, refusedReason: expect.stringMatching(/submitted this run/) },
      { actor: 'bo@example.com', accepted: true, refusedReason: null },
    ]);
    const shown = await cli(['runs', 'get', runId, '-o', 'json'], 'viewer@example.com');
    expect(shown.code, shown.stderr).toBe(0);
    const gates = (JSON.parse(shown.stdout) as { gates: { name: string; status: string; approvals: { actor: string }[] }[] }).gates;
    expect(gates.map(({ name, status, approvals }) => ({ name, status, approvals: approvals.map(({ actor }) => ({ actor })) }))).toEqual(approved);
  });

  it('never writes a refused attempt into the gate record', async () => {
    const rows = await createRepositories(stack.database.db).gates.ofRuns([runId]);
    expect(rows.map((r) => [r.actor, r.accepted])).toEqual([
      ['ana@example.com', true],
      ['bo@example.com', true],
    ]);
  });
});
