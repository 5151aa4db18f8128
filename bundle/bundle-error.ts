/**
 * Thrown when a bundle cannot be written, read or trusted, and when a signing or trusted key cannot be used. The
 * message starts with what is at fault (a bundle member such as `model.onnx` or `manifest.sig`, or the variable a
 * key came from) and says why; `file` is the bundle member at fault, or null when no single member is (a corrupt
 * gzip stream, a bad key).
 */
export class BundleError extends Error {
  override readonly name = 'BundleError';
  constructor(
    message: string,
    readonly file: string | null,
  ) {
    super(message);
  }
}
