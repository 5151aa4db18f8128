import { Catch, type ArgumentsHost } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import type { GraphQLError } from 'graphql';
import { DomainError } from './domain-error.js';
import { toGraphQLError } from './graphql-errors.js';

/** Every domain error becomes a GraphQL error with its code; these are answers, not server faults, so none is logged as one. */
@Catch(DomainError)
export class DomainErrorFilter implements GqlExceptionFilter {
  catch(exception: DomainError, host: ArgumentsHost): GraphQLError | void {
    if (host.getType() !== 'http') return toGraphQLError(exception);
    // REST (serving): the same code and message as JSON, with a matching HTTP status.
    const code = exception.publicCode();
    const status = { BAD_USER_INPUT: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, UNAVAILABLE: 503, INTERNAL_SERVER_ERROR: 500 }[code];
    host
      .switchToHttp()
      .getResponse<{ status(n: number): { json(body: unknown): void } }>()
      .status(status)
      .json({ error: { code, message: exception.message, ...(exception.issues.length ? { issues: exception.issues } : {}) } });
  }
}
