import { Catch, type ArgumentsHost } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import type { GraphQLError } from 'graphql';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError } from './domain-error.js';
import { toGraphQLError } from './graphql-errors.js';

const HTTP_STATUS = { BAD_USER_INPUT: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, PAYLOAD_TOO_LARGE: 413, UNAVAILABLE: 503, INTERNAL_SERVER_ERROR: 500 } as const;

/** Every domain error becomes a GraphQL error with its code; these are answers, not server faults, so none is logged as one. */
@Catch(DomainError)
export class DomainErrorFilter implements GqlExceptionFilter {
  catch(exception: DomainError, host: ArgumentsHost): GraphQLError | void {
    if (host.getType() !== 'http') return toGraphQLError(exception);
    // REST (serving, uploads): the same code and message as JSON, with a matching HTTP status.
    const code = exception.publicCode();
    const request = host.switchToHttp().getRequest<IncomingMessage>();
    const response = host.switchToHttp().getResponse<ServerResponse>();
    const body = JSON.stringify({ error: { code, message: exception.message, ...(exception.issues.length ? { issues: exception.issues } : {}) } });
    // A refused upload's body is never read: close the connection rather than drain what is still coming.
    const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...(request.complete ? {} : { connection: 'close' }) };
    response.writeHead(HTTP_STATUS[code], headers).end(body);
  }
}
