import { DomainError, type PublicErrorCode } from '../errors/domain-error.js';

export type AccessErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'BOOTSTRAP_REFUSED' | 'TOKEN_NOT_FOUND' | 'TOKEN_ROTATED' | 'INVALID_INPUT';

export class AccessError extends DomainError<AccessErrorCode> {
  readonly domain = 'access';
  publicCode(): PublicErrorCode {
    switch (this.code) {
      case 'UNAUTHENTICATED':
        return 'UNAUTHENTICATED';
      case 'FORBIDDEN':
      case 'BOOTSTRAP_REFUSED':
        return 'FORBIDDEN';
      case 'TOKEN_NOT_FOUND':
        return 'NOT_FOUND';
      case 'TOKEN_ROTATED':
        return 'CONFLICT';
      case 'INVALID_INPUT':
        return 'BAD_USER_INPUT';
    }
  }
}
