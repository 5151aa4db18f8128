import { Catch } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import type { GraphQLError } from 'graphql';
import { DomainError } from './domain-error.js';
import { toGraphQLError } from './graphql-errors.js';

/** Every domain error becomes a GraphQL error with its code; these are answers, not server faults, so none is logged as one. */
@Catch(DomainError)
export class DomainErrorFilter implements GqlExceptionFilter {
  catch(exception: DomainError): GraphQLError {
    return toGraphQLError(exception);
  }
}
