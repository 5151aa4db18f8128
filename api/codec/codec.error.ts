import { DomainError, type PublicErrorCode } from '../errors/domain-error.js';

export type CodecErrorCode = 'ENCRYPTION_OFF' | 'UNDECRYPTABLE';

export class CodecError extends DomainError<CodecErrorCode> {
  readonly domain = 'codec';
  publicCode(): PublicErrorCode {
    switch (this.code) {
      case 'ENCRYPTION_OFF':
        return 'NOT_FOUND';
      case 'UNDECRYPTABLE':
        return 'BAD_USER_INPUT';
    }
  }
}
