import { Logger } from '@nestjs/common';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { randomUUID } from 'node:crypto';
import { DomainError } from './domain-error.js';

const logger = new Logger('GraphQL');

/** Turns a domain error into the GraphQL error the client sees: message, code and field issues, no stack. */
export function toGraphQLError(error: DomainError): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: {
      code: error.publicCode(),
      domainCode: error.code,
      ...(error.issues.length > 0 ? { issues: error.issues } : {}),
    },
  });
}

/**
 * What graphql answers, after 50 problems with a request's variables, instead of the next one. Apollo gives it
 * no code (it names no variable), yet it is the client's doing like the 50 before it.
 */
const TOO_MANY_VARIABLE_ERRORS = 'Too many errors processing variables, error limit reached. Execution aborted.';

/**
 * Last line of defence for Apollo's `formatError`: domain and GraphQL validation errors pass through
 * without stack traces; anything unexpected is logged with a reference and answered with that reference only.
 */
export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (original instanceof DomainError) {
    const mapped = toGraphQLError(original);
    return { message: mapped.message, path: formatted.path, locations: formatted.locations, extensions: mapped.extensions };
  }
  if (error instanceof GraphQLError && !error.originalError && error.message === TOO_MANY_VARIABLE_ERRORS) {
    return { message: error.message, extensions: { code: 'BAD_USER_INPUT' } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
    // Errors raised by GraphQL itself (bad query, wrong variable type) are about the request: keep them.
    const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  const reference = randomUUID();
  logger.error(`unexpected error (ref ${reference})`, original instanceof Error ? original.stack : String(original));
  return {
    message: `Internal error; the server logged it with reference ${reference}.`,
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: 'INTERNAL_SERVER_ERROR', reference },
  };
}
