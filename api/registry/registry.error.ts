import { DomainError, type PublicErrorCode } from '../errors/domain-error.js';

export type RegistryErrorCode = 'MODEL_NOT_FOUND' | 'MODEL_VERSION_NOT_FOUND' | 'INVALID_INPUT';

export class RegistryError extends DomainError<RegistryErrorCode> {
  readonly domain = 'registry';
  publicCode(): PublicErrorCode {
    switch (this.code) {
      case 'MODEL_NOT_FOUND':
      case 'MODEL_VERSION_NOT_FOUND':
        return 'NOT_FOUND';
      case 'INVALID_INPUT':
        return 'BAD_USER_INPUT';
    }
  }
}
