import type { INestApplication } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config.js';
import type { Database } from '../../db/client.js';
import { createApiApp } from '../../api/bootstrap.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown>; path?: string[] }[];
}

export interface TestApi {
  url: string;
  app: INestApplication;
  /** POSTs a GraphQL operation over real HTTP, as a client would. */
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

/** The real NestJS application, listening on a free loopback port. */
export async function startTestApi(deps: { config: Config; database: Database; temporal: Client }): Promise<TestApi> {
  const app = await createApiApp(deps);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}/graphql`;
  return {
    url,
    app,
    async gql(query, variables, headers = {}) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as Omit<GraphQLResponse, 'status'>;
      return { status: response.status, ...body } as GraphQLResponse<never>;
    },
    close: () => app.close(),
  };
}
