import type { INestApplication } from '@nestjs/common';
import { expect } from 'vitest';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config.js';
import type { Database } from '../../db/client.js';
import { createApiApp, createTemporalClient } from '../../api/bootstrap.js';
import { testConfig } from './config.js';
import { createTestDatabase } from './database.js';
import { TokensService } from '../../api/access/tokens.service.js';
import { PEOPLE } from './principals.js';
export { sendBytes } from '../../bench/send-bytes.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown>; path?: string[] }[];
}

export interface TestApi {
  url: string;
  app: INestApplication;
  /** A token per test person (see principals.ts). */
  tokens: Record<string, string>;
  /**
   * POSTs a GraphQL operation over real HTTP, as a client would, with the bearer token of `as`
   * (engineer@example.com, a submitter, by default; `as: null` sends no token).
   */
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, options?: { as?: string | null; headers?: Record<string, string> }): Promise<GraphQLResponse<T>>;
  /** As `gql`, expecting no errors (the test fails showing them), and returning the data. */
  data<T = any>(query: string, variables?: Record<string, unknown>, as?: string): Promise<T>;
  close(): Promise<void>;
}

/** The real NestJS application, listening on a free loopback port. */
export async function startTestApi(deps: { config: Config; database: Database; temporal: Client }, options: { seedPeople?: boolean } = {}): Promise<TestApi> {
  const app = await createApiApp(deps);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}/graphql`;
  const access = app.get(TokensService);
  const tokens: Record<string, string> = {};
  if (options.seedPeople !== false) for (const [name, role] of Object.entries(PEOPLE)) tokens[name] = (await access.create({ name, role }, 'test')).token;
  const gql: TestApi['gql'] = async (query, variables, options = {}) => {
    const as = options.as === undefined ? 'engineer@example.com' : options.as;
    const auth: Record<string, string> = as ? { authorization: `Bearer ${tokens[as]}` } : {};
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth, ...options.headers },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as Omit<GraphQLResponse, 'status'>;
    return { status: response.status, ...body } as GraphQLResponse<never>;
  };
  return {
    url,
    app,
    tokens,
    gql,
    async data(query, variables, as) {
      const response = await gql(query, variables, as === undefined ? {} : { as });
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      return response.data as never;
    },
    close: () => app.close(),
  };
}

/** The API alone, on a fresh database with the test people, for tests that never start a workflow. */
export async function apiWith(env: Record<string, string>): Promise<{ api: TestApi; config: Config; database: Database; close(): Promise<void> }> {
  const database = await createTestDatabase();
  const config = testConfig(env);
  const temporal = createTemporalClient(config);
  const api = await startTestApi({ config, database, temporal });
  return {
    api,
    config,
    database,
    async close() {
      await api.close();
      await temporal.connection.close();
      await database.close();
    },
  };
}
