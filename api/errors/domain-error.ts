/**
 * The codes a client can see in `extensions.code`. Every domain error maps onto one of them in
 * graphql-errors.ts, through an exhaustive switch, so adding a code forces a decision there.
 */
export type PublicErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

export interface FieldIssue {
  /** Dotted path of the offending field, such as `input.spec.training.trainer`. */
  path: string;
  message: string;
}

/** Base of every domain's error class: a code from the domain's enum, a clear message, and field issues. */
export abstract class DomainError<Code extends string = string> extends Error {
  abstract readonly domain: string;
  constructor(
    readonly code: Code,
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
  }
  /** The public code this domain code means. */
  abstract publicCode(): PublicErrorCode;
}
