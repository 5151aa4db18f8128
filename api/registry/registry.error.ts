import { DomainError, type PublicErrorCode } from '../errors/domain-error.js';

/**
 * MODEL_NOT_EXPORTABLE: the model has something without a faithful form in the format asked for (named in the issues).
 * MODEL_NOT_IMPORTABLE: an ONNX file that does not fit the data it is imported with (each mismatch in the issues).
 * SIGNING_KEY_MISSING: a bundle was asked for where no signing key is configured (production without CUSTODY_SIGNING_KEY).
 */
export type RegistryErrorCode = 'MODEL_NOT_FOUND' | 'MODEL_VERSION_NOT_FOUND' | 'INVALID_INPUT' | 'MODEL_NOT_EXPORTABLE' | 'SIGNING_KEY_MISSING' | 'MODEL_NOT_IMPORTABLE' | 'DATASET_NOT_FOUND';

export class RegistryError extends DomainError<RegistryErrorCode> {
  readonly domain = 'registry';
  publicCode(): PublicErrorCode {
    switch (this.code) {
      case 'MODEL_NOT_FOUND':
      case 'MODEL_VERSION_NOT_FOUND':
      case 'DATASET_NOT_FOUND':
        return 'NOT_FOUND';
      case 'INVALID_INPUT':
      case 'MODEL_NOT_EXPORTABLE':
      case 'MODEL_NOT_IMPORTABLE':
        return 'BAD_USER_INPUT';
      case 'SIGNING_KEY_MISSING':
        return 'UNAVAILABLE';
    }
  }
}
