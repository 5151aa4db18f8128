import { DomainError, type PublicErrorCode } from '../errors/domain-error.js';

export type SystemErrorCode = 'SELF_CHECK_FAILED';

export class SystemError extends DomainError<SystemErrorCode> {
  readonly domain = 'system';
  publicCode(): PublicErrorCode {
    switch (this.code) {
      case 'SELF_CHECK_FAILED':
        return 'UNAVAILABLE';
    }
  }
}
