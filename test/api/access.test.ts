import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokensService } from '../../api/access/tokens.service.js';
import { createTemporalClient } from '../../api/bootstrap.js';
import { MUTATION_ROLES } from '../../api/access/roles.js';
import { ROLES, type Role } from '../../db/schema/access.js';
import { startTestApi } from '../support/api.js';
import { testConfig } from '../support/config.js';
import { createTestDatabase } from '../support/database.js';
import { startStack, type TestStack } from '../support/stack.js';

const ZERO = '00000000-0000-4000-8000-000000000000';
/** One call per mutation, with arguments that pass authorization but then fail or succeed harmlessly. */
const CALLS: Record<keyof typeof MUTATION_ROLES, string> = {
  submitPipeline: 'mutation { submitPipeline(input: { specText: "x: 1" }) { id } }',
  cancelRun: `mutation { cancelRun(input: { runId: "${ZERO}" }) { id } }`,
  resumeRun: `mutation { resumeRun(input: { runId: "${ZERO}" }) { id } }`,
  registerDataset: 'mutation { registerDataset(input: { name: "Not Valid", content: "a" }) { id } }',
  runSelfCheck: 'mutation { runSelfCheck { workflowId } }',
  reproduce: `mutation { reproduce(input: { runId: "${ZERO}" }) { id } }`,
  approveGate: `mutation { approveGate(input: { runId: "${ZERO}" }) { status } }`,
  rejectGate: `mutation { rejectGate(input: { runId: "${ZERO}" }) { status } }`,
  predict: 'mutation { predict(input: { model: "nope", inputs: [{}] }) { predictionId } }',
  recordFeedback: 'mutation { recordFeedback(input: { predictionId: "x", label: 1 }) { predictionId } }',
  createSchedule: 'mutation { createSchedule(input: { model: "nope", interval: "1h" }) { id } }',
  pauseSchedule: 'mutation { pauseSchedule(input: { id: "monitor-nope" }) { id } }',
  resumeSchedule: 'mutation { resumeSchedule(input: { id: "monitor-nope" }) { id } }',
  triggerSchedule: 'mutation { triggerSchedule(input: { id: "monitor-nope" }) { id } }',
  deleteSchedule: 'mutation { deleteSchedule(input: { id: "monitor-nope" }) { id } }',
  retrainModel: 'mutation { retrainModel(input: { model: "nope" }) { status } }',
  scoreDataset: 'mutation { scoreDataset(input: { model: "nope", dataset: "nope" }) { id } }',
  exportModel: 'mutation { exportModel(input: { model: "nope", version: 1 }) { sha256 } }',
  importModel: 'mutation { importModel(input: { model: "nope", dataset: "nope", target: "y", file: "abc" }) { id } }',
  cancelScoringJob: `mutation { cancelScoringJob(input: { id: "${ZERO}" }) { id } }`,
  createWebhook: 'mutation { createWebhook(input: { url: "ftp://x", events: ["*"] }) { secret } }',
  disableWebhook: 'mutation { disableWebhook(input: { id: "not-a-uuid" }) { id } }',
  createToken: 'mutation { createToken(input: { name: "", role: "viewer" }) { token } }',
  revokeToken: 'mutation { revokeToken(input: { id: "not-a-uuid" }) { id } }',
  rotateToken: 'mutation { rotateToken(input: { id: "not-a-uuid" }) { token } }',
  collectArtifacts: 'mutation { collectArtifacts(input: { minAge: "1m" }) { scanned } }',
};
const PERSON: Record<Role, string> = { viewer: 'viewer@example.com', submitter: 'engineer@example.com', approver: 'approver@example.com', admin: 'admin@example.com' };

describe('access control', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // The matrix below refuses each person about twenty times in a minute, and each refusal is checked as an event
    // of its own; past the default threshold a minute they are counted into one (test/api/refusals.test.ts).
    stack = await startStack({ env: { CUSTODY_AUDITED_REFUSALS_PER_MINUTE: '1000' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('has a role rule for every mutation in the schema', async () => {
    const response = await stack.api.gql<{ __type: { fields: { name: string }[] } }>('{ __type(name: "Mutation") { fields { name } } }');
    const mutations = response.data!.__type.fields.map((f) => f.name).filter((name) => name !== 'createFirstAdminToken');
    expect(mutations.sort()).toEqual(Object.keys(MUTATION_ROLES).sort());
  });

  const cases = Object.entries(MUTATION_ROLES).flatMap(([mutation, allowed]) =>
    ROLES.map((role) => ({ mutation, role, allowed: role === 'admin' || (allowed as readonly string[]).includes(role) })),
  );
  it.each(cases)('$mutation as $role: allowed=$allowed', async ({ mutation, role, allowed }) => {
    const response = await stack.api.gql(CALLS[mutation as keyof typeof CALLS], {}, { as: PERSON[role] });
    const code = response.errors?.[0]?.extensions?.code;
    if (allowed) expect(['FORBIDDEN', 'UNAUTHENTICATED']).not.toContain(code);
    else {
      expect(code).toBe('FORBIDDEN');
      const needed = MUTATION_ROLES[mutation as keyof typeof MUTATION_ROLES] as readonly string[];
      const needs = needed.includes('admin') ? 'the role admin' : `the role ${needed.join(' or ')} (or admin)`;
      expect(response.errors![0]!.message).toBe(`Forbidden: ${mutation} needs ${needs}; ${PERSON[role]} is ${role}`);
    }
  });

  it.each(Object.keys(CALLS))('%s without a token is UNAUTHENTICATED', async (mutation) => {
    const response = await stack.api.gql(CALLS[mutation as keyof typeof CALLS], {}, { as: null });
    expect(response.errors![0]).toMatchObject({ message: 'Not authenticated: an Authorization: Bearer <token> header is required', extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('lets anyone read health, and any token holder read, but nobody read without a token', async () => {
    expect((await stack.api.gql('{ health { status } }', {}, { as: null })).data).toEqual({ health: { status: 'ok' } });
    expect((await stack.api.gql('{ pipelineRuns { nodes { id } } }', {}, { as: null })).errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect((await stack.api.gql('{ me { name role } }', {}, { as: 'viewer@example.com' })).data).toEqual({ me: { name: 'viewer@example.com', role: 'viewer' } });
    const bogus = await stack.api.gql('{ me { name } }', {}, { as: null, headers: { authorization: 'Bearer cus_forged' } });
    expect(bogus.errors![0]!.message).toBe('Not authenticated: the token is unknown or revoked');
  });

  it("records every refusal of a known principal in the audit history", async () => {
    await stack.api.gql(CALLS.createToken, {}, { as: 'viewer@example.com' });
    const trail = await stack.api.gql<{ auditTrail: { nodes: any[] } }>('{ auditTrail(input: { action: "auth.refused", actor: "viewer@example.com" }) { nodes { actor subjectId payload } } }');
    expect(trail.data!.auditTrail.nodes).toContainEqual({
      actor: 'viewer@example.com',
      subjectId: 'createToken',
      payload: { code: 'FORBIDDEN', reason: 'createToken needs the role admin; viewer@example.com is viewer' },
    });
  });

  it('issues tokens that work at once and stop working when revoked', async () => {
    const created = await stack.api.gql<{ createToken: { token: string; details: { id: string; prefix: string } } }>(
      'mutation { createToken(input: { name: "ci-pipeline", role: "submitter", description: "nightly CI" }) { token details { id prefix } } }',
      {},
      { as: 'admin@example.com' },
    );
    const { token, details } = created.data!.createToken;
    expect(token.startsWith(details.prefix)).toBe(true);
    const me = () => stack.api.gql<{ me: { name: string; role: string } }>('{ me { name role } }', {}, { as: null, headers: { authorization: `Bearer ${token}` } });
    expect((await me()).data).toEqual({ me: { name: 'ci-pipeline', role: 'submitter' } });
    await stack.api.gql('mutation($id: ID!) { revokeToken(input: { id: $id }) { revokedAt } }', { id: details.id }, { as: 'admin@example.com' });
    expect((await me()).errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    const trail = await stack.api.gql<{ auditTrail: { nodes: { action: string }[] } }>('{ auditTrail(input: { subjectId: "ci-pipeline" }) { nodes { action } } }');
    expect(trail.data!.auditTrail.nodes.map((n) => n.action)).toEqual(['token.created']);
  });

  it('refuses input holding NUL characters, naming the field', async () => {
    const response = await stack.api.gql('mutation($input: SubmitPipelineInput!) { submitPipeline(input: $input) { id } }', { input: { spec: { name: 'a\u0000b' } } });
    expect(response.errors![0]).toMatchObject({ message: 'input.spec.name must not contain NUL characters', extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('the first admin', () => {
  it('is created once, with the one-time code printed at start, and never with a default password', async () => {
    const database = await createTestDatabase('pglite');
    const config = testConfig();
    const api = await startTestApi({ config, database, temporal: createTemporalClient(config) }, { seedPeople: false });
    try {
      const code = await api.app.get(TokensService).prepareBootstrap();
      expect(code).toMatch(/^[\w-]{16}$/);
      const attempt = (bootstrapCode: string, name = 'owner@example.com') =>
        api.gql<{ createFirstAdminToken: { token: string } }>('mutation($code: String!, $name: String!) { createFirstAdminToken(input: { name: $name, bootstrapCode: $code }) { token } }', { code: bootstrapCode, name }, { as: null });
      expect((await attempt('guess')).errors![0]!.extensions!.code).toBe('FORBIDDEN');
      // A refused name does not use up the one-time code.
      expect((await attempt(code!, 'system-owner')).errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
      const first = await attempt(code!);
      expect(first.data!.createFirstAdminToken.token).toMatch(/^cus_/);
      expect((await attempt(code!)).errors![0]!.message).toBe('An admin already exists; ask an admin for a token');
      expect(await api.app.get(TokensService).prepareBootstrap()).toBeNull();
    } finally {
      await api.close();
      await database.close();
    }
  });
});
