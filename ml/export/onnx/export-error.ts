/** One thing of a model that has no faithful ONNX form: where it is (`features.transforms.signup_date`) and why. */
export interface ExportIssue {
  path: string;
  message: string;
}

/**
 * Thrown when a model cannot be exported to ONNX as it predicts: a transform without a faithful ONNX form, or a
 * kind of model the export does not cover. Never approximated; the message names each reason.
 */
export class OnnxExportError extends Error {
  override readonly name = 'OnnxExportError';
  constructor(readonly issues: ExportIssue[]) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
  }
}
