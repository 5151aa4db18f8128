import { DomainError, type PublicErrorCode } from './domain-error.js';

export type InputErrorCode = 'INVALID_INPUT';

/** Input refused before it reaches any domain: malformed at the edge. */
export class InputError extends DomainError<InputErrorCode> {
  readonly domain = 'input';
  publicCode(): PublicErrorCode {
    switch (this.code) {
      case 'INVALID_INPUT':
        return 'BAD_USER_INPUT';
    }
  }

  static field(path: string, message: string): InputError {
    return new InputError('INVALID_INPUT', `${path} ${message}`, [{ path, message }]);
  }
}
