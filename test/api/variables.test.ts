import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { buildSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokensService } from '../../api/access/tokens.service.js';
import { PROJECT_ROOT } from '../../paths.js';
import { operationsOf, variablesOf } from '../support/operations.js';
import { startStack, type TestStack } from '../support/stack.js';

const OPERATIONS = operationsOf(buildSchema(readFileSync(path.join(PROJECT_ROOT, 'schema.gql'), 'utf8')));
/** Fixed, so a failure replays; fast-check prints the counterexample and its path. */
const SEED = 25_04;
/** Requests per operation: enough to meet nulls, wrong kinds and long values, few enough for a quick file. */
const RUNS = 15;

interface Answer {
  status: number;
  text: string;
  errors: { message: string; extensions?: { code?: unknown } }[];
}

/**
 * What a careless or new client can send must never look like our fault: no 5xx, no INTERNAL error,
 * no stack, and a variable that does not coerce is a 400 BAD_USER_INPUT naming it and the reason.
 */
function expectNoServerFault(answer: Answer): void {
  expect(answer.status, answer.text).toBeLessThan(500);
  // A stack's frames, raw or escaped inside JSON, or the answer to an unexpected error.
  expect(answer.text).not.toMatch(/(\n|\\n)\s+at |Internal error/);
  for (const error of answer.errors) {
    expect(error.extensions?.code, error.message).toEqual(expect.any(String));
    expect(['INTERNAL_SERVER_ERROR', 'INTERNAL'], error.message).not.toContain(error.extensions?.code);
    if (error.message.startsWith('Variable "$')) {
      expect(error.extensions?.code, error.message).toBe('BAD_USER_INPUT');
      expect(answer.status, error.message).toBe(400);
    }
  }
}

describe('variables a client gets wrong', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const send = async (body: unknown, token: string | null): Promise<Answer> => {
    const response = await fetch(stack.api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = (() => {
      try {
        return JSON.parse(text) as { errors?: Answer['errors'] };
      } catch {
        return {};
      }
    })();
    return { status: response.status, text, errors: parsed.errors ?? [] };
  };
  /** A fresh admin token: a generated rotateToken or revokeToken may end the one before. */
  const admin = async (): Promise<string> => (await stack.api.app.get(TokensService).create({ name: 'fuzzer@example.com', role: 'admin' }, 'test')).token;

  it('answers a null in a [JSON!]! variable with 400 BAD_USER_INPUT naming the variable and the reason', async () => {
    const inline = await send({ query: 'mutation ($inputs: [JSON!]!) { predict(input: { model: "iris", inputs: $inputs }) { predictionId } }', variables: { inputs: [{ x: 1 }, null] } }, await admin());
    expect(inline.status).toBe(400);
    expect(inline.errors).toEqual([{ message: 'Variable "$inputs" got invalid value null at "inputs[1]"; Expected non-nullable type "JSON!" not to be null.', extensions: { code: 'BAD_USER_INPUT' }, locations: [{ line: 1, column: 11 }] }]);

    const nested = await send({ query: 'mutation ($input: PredictInput!) { predict(input: $input) { predictionId } }', variables: { input: { model: 'iris', inputs: [null] } } }, null);
    expect(nested.status).toBe(400);
    expect(nested.errors.map((e) => [e.message, e.extensions?.code])).toEqual([['Variable "$input" got invalid value null at "input.inputs[0]"; Expected non-nullable type "JSON!" not to be null.', 'BAD_USER_INPUT']]);

    const missing = await send({ query: 'mutation ($input: PredictInput!) { predict(input: $input) { predictionId } }' }, await admin());
    expect(missing.status).toBe(400);
    expect(missing.errors.map((e) => [e.message, e.extensions?.code])).toEqual([['Variable "$input" of required type "PredictInput!" was not provided.', 'BAD_USER_INPUT']]);
  });

  it('reports at most 50 problems for a long list of nulls, as execution does', async () => {
    const answer = await send({ query: 'mutation ($input: PredictInput!) { predict(input: $input) { predictionId } }', variables: { input: { model: 'iris', inputs: Array.from({ length: 20_000 }, () => null) } } }, await admin());
    expect(answer.status).toBe(400);
    expect(answer.errors).toHaveLength(51);
    expect(answer.errors.at(-1)!.message).toBe('Too many errors processing variables, error limit reached. Execution aborted.');
    expectNoServerFault(answer);
  });

  it('refuses a DateTime that is no real instant, or none the database can store, as bad input naming the field', async () => {
    const token = await admin();
    const trail = (to: unknown) => send({ query: 'query ($input: AuditTrailInput) { auditTrail(input: $input) { nodes { seq } } }', variables: { input: { to } } }, token);
    const reason = 'Expected type "DateTime". It must be an RFC 3339 date-time such as 2019-12-03T09:54:33Z, on a real calendar day, in the years 1 to 9999.';
    for (const to of ['-048474-02-24T08:55:25.063Z', '+275760-09-13T00:00:00.000Z', '2023-02-29T00:00:00Z', 'yesterday', 1_700_000_000_000]) {
      const answer = await trail(to);
      expect(answer.status).toBe(400);
      expect(answer.errors.map((e) => [e.message, e.extensions?.code])).toEqual([[`Variable "$input" got invalid value ${JSON.stringify(to)} at "input.to"; ${reason}`, 'BAD_USER_INPUT']]);
    }
    expect((await trail('2024-02-29T23:59:59.999+01:00')).errors).toEqual([]);
    const literal = await send({ query: '{ deploymentHistory(input: { model: "iris", at: "0000-12-31T00:00:00Z" }) { version } }' }, token);
    expect(literal.status).toBe(400);
    expect(literal.errors.map((e) => [e.message, e.extensions?.code])).toEqual([['Expected value of type "DateTime", found "0000-12-31T00:00:00Z"; It must be an RFC 3339 date-time such as 2019-12-03T09:54:33Z, on a real calendar day, in the years 1 to 9999.', 'GRAPHQL_VALIDATION_FAILED']]);
  });

  it.each(OPERATIONS.map((o) => [o.name, o] as const))('%s: wrong-typed, null, missing and long variables are refused as bad input, never a 500', { timeout: 30_000 }, async (_name, operation) => {
    const token = await admin();
    await fc.assert(
      fc.asyncProperty(variablesOf(operation), fc.constantFrom('admin', 'admin', 'admin', 'nobody'), async (variables, caller) => {
        expectNoServerFault(await send({ query: operation.document, variables }, caller === 'admin' ? token : null));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('refuses variables that are not an object, and an operation name the document lacks, as bad input', async () => {
    const token = await admin();
    for (const variables of [[], 'input', 1, true]) {
      const answer = await send({ query: 'query ($input: RunIdInput!) { pipelineRun(input: $input) { id } }', variables }, token);
      expect(answer.status).toBe(400);
      expectNoServerFault(answer);
    }
    const unnamed = await send({ query: 'query A { me { name } } query B { firstAdminNeeded }', operationName: 'C' }, token);
    expect(unnamed.status).toBe(400);
    expect(unnamed.errors.map((e) => e.message)).toEqual(['Unknown operation named "C".']);
    expectNoServerFault(unnamed);
  });

  it('leaves an audit chain that still verifies', async () => {
    const verified = await stack.api.data<{ verifyAuditTrail: { ok: boolean; firstBad: unknown } }>('{ verifyAuditTrail { ok firstBad { seq reason } } }', {}, 'admin@example.com');
    expect(verified.verifyAuditTrail).toEqual({ ok: true, firstBad: null });
  });
});
