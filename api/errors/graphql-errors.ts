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
 * Last line of defence for Apollo's `formatError`: domain and GraphQL validation errors pass through
 * without stack traces; anything unexpected is logged with a reference and answered with that reference only.
 */
export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (original instanceof DomainError) {
    const mapped = toGraphQLError(original);
    return { message: mapped.message, path: formatted.path, locations: formatted.locations, extensions: mapped.extensions };
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
