import { Catch, type ArgumentsHost } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import type { GraphQLError } from 'graphql';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError } from './domain-error.js';
import { toGraphQLError } from './graphql-errors.js';
import { sendRestError } from './rest-error.js';

/** Every domain error becomes a GraphQL error with its code; these are answers, not server faults, so none is logged as one. */
@Catch(DomainError)
export class DomainErrorFilter implements GqlExceptionFilter {
  catch(exception: DomainError, host: ArgumentsHost): GraphQLError | void {
    if (host.getType() !== 'http') return toGraphQLError(exception);
    sendRestError(host.switchToHttp().getRequest<IncomingMessage>(), host.switchToHttp().getResponse<ServerResponse>(), exception);
  }
}
