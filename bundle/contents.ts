/**
 * What a model bundle holds, by path: one name for each part, for the API that writes bundles, `custody serve`
 * that reads them and the tests. The manifest and its signature (`manifest.json`, `manifest.sig`) sit beside these.
 */
export const BUNDLE_PATHS = {
  /** Custody's native model artifact: what `custody serve` predicts with. */
  artifact: 'model/artifact.json',
  /** The model as ONNX, where it can be exported faithfully. */
  onnx: 'model/model.onnx',
  /** The model card, as Markdown and as JSON (metrics, fairness, importances, trainer and parameters). */
  cardMarkdown: 'card/model-card.md',
  cardJson: 'card/model-card.json',
  /** The training data's datasheet: source, license, intended use and profile. */
  datasheet: 'card/datasheet.md',
  /** The training environment the model version was fitted in (runtime, libraries, platform). */
  environment: 'card/environment.json',
  /** JSON Schema of one input: the raw columns the model takes, with their kinds. */
  inputSchema: 'model/input-schema.json',
  /** The evaluation metrics on the test split. */
  metrics: 'card/metrics.json',
  /** Builds an image that serves the bundle alone (`custody serve`). */
  dockerfile: 'Dockerfile',
} as const;

/** The port a bundle's image serves on. */
export const BUNDLE_PORT = 8080;

/** The image name Custody's own Dockerfile is built as (`docker build -t custody:VERSION .`), which a bundle's image starts from. */
export const imageOf = (custodyVersion: string) => `custody:${custodyVersion}`;

/**
 * The bundle's Dockerfile: Custody's image with the unpacked bundle copied in, running `custody serve` on it and
 * nothing else (no database, no Temporal). Built from the directory the bundle is unpacked into.
 */
export function bundleDockerfile(meta: { model: string; version: number; custodyVersion: string }): string {
  return [
    `# Serves ${meta.model} v${meta.version} from this bundle alone: the Open Inference Protocol (/v2) and Custody's REST predict.`,
    '# Build it from the unpacked bundle, after custody models verify has checked it:',
    `#   mkdir bundle && tar -xzf ${meta.model}-v${meta.version}.tar.gz -C bundle && docker build -t ${meta.model}:v${meta.version} bundle`,
    '# Set CUSTODY_SERVE_TOKEN to require a bearer token on every route but health.',
    `FROM ${imageOf(meta.custodyVersion)}`,
    'COPY --chown=node:node . /bundle',
    'USER node',
    `EXPOSE ${BUNDLE_PORT}`,
    `HEALTHCHECK CMD ["node", "-e", "fetch('http://127.0.0.1:${BUNDLE_PORT}/v2/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]`,
    `ENTRYPOINT ["node", "dist/cli/main.js", "serve", "/bundle", "--host", "0.0.0.0", "--port", "${BUNDLE_PORT}"]`,
    '',
  ].join('\n');
}
