import path from 'node:path';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import type { ArtifactSettings } from './storage/open-store.js';
import { Keyring } from './storage/encryption/keyring.js';
import { signingKeyFrom, type SigningKey } from './bundle/signing.js';
import { WORKER_POOLS, type WorkerPool } from './domain/task-queues.js';
import { deniedVariable, INHERITED_VARIABLES } from './domain/user-code.js';

/**
 * The one place that reads `process.env`. Every process (API, worker, all-in-one) parses it once
 * at start; a bad value stops the process with one line naming the variable and the reason.
 */

const port = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

const positiveInt = z.coerce.number({ error: 'must be a number' }).int('must be a whole number').positive('must be positive');

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

/** A size such as 512kb, 1mb or 2gb (binary units), in bytes. */
const byteSize = z
  .string()
  .regex(/^\d+(b|kb|mb|gb)$/i, 'must be a size such as 512kb, 1mb or 2gb')
  .transform((value) => {
    const [, n, unit] = /^(\d+)(b|kb|mb|gb)$/i.exec(value)!;
    return Number(n) * 1024 ** ['b', 'kb', 'mb', 'gb'].indexOf(unit!.toLowerCase());
  });

const bool = z.enum(['true', 'false'], { error: 'must be true or false' }).transform((value) => value === 'true');

/** A comma-separated list, empty entries dropped. */
const list = <T extends string>(item: z.ZodType<T, string>) => z.string().transform((value) => value.split(',').map((v) => v.trim()).filter(Boolean)).pipe(z.array(item));

const origin = z.string().refine((value) => {
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}, 'must list origins such as https://console.example.com (scheme, host and port only)');

const cidr = z.string().refine((value) => ipaddr.isValidCIDR(value), 'must list address ranges such as 10.0.0.0/8 or fd00::/8');

/** An encryption key as `id:base64`, the base64 of exactly 32 random bytes (AES-256). */
const keySpec = z.string().refine((value) => {
  const [id, key, extra] = value.split(':');
  return extra === undefined && /^[a-z0-9][a-z0-9-]{0,31}$/.test(id ?? '') && Buffer.from(key ?? '', 'base64').length === 32 && /^[A-Za-z0-9+/]+={0,2}$/.test(key ?? '');
}, 'must list keys as id:base64, each id lowercase letters, digits or dashes and each key 32 random bytes in base64 (openssl rand -base64 32)');

const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, 'must be host:port, for example 127.0.0.1:7233');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test'], { error: 'must be development, production or test' }).default('development'),
  HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  PORT: port.default(4000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error'], { error: 'must be debug, info, warn or error' }).default('info'),
  LOG_FORMAT: z.enum(['text', 'json'], { error: 'must be text or json' }).default('text'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  CUSTODY_DATA_DIR: z.string().min(1, 'must not be empty').default('.data'),
  CUSTODY_ARTIFACT_DIR: z.string().min(1, 'must not be empty').optional(),
  CUSTODY_ARTIFACT_URL: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'must be s3://bucket or s3://bucket/prefix').optional(),
  CUSTODY_S3_FORCE_PATH_STYLE: bool.prefault('false'),
  AWS_REGION: z.string().min(1, 'must not be empty').default('us-east-1'),
  AWS_ENDPOINT_URL: url(['http:', 'https:']).optional(),
  AWS_ACCESS_KEY_ID: z.string().min(1, 'must not be empty').optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1, 'must not be empty').optional(),
  CUSTODY_IMPORT_DIR: z.string().min(1, 'must not be empty').default('.'),
  TEMPORAL_ADDRESS: hostPort.default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1, 'must not be empty').default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1, 'must not be empty').default('custody'),
  TEMPORAL_UI_URL: url(['http:', 'https:']).default('http://localhost:8233'),
  WORKER_MAX_CONCURRENT_ACTIVITIES: positiveInt.default(8),
  TEMPORAL_METRICS_ADDRESS: hostPort.optional(),
  WORKER_TASK_QUEUES: list(z.enum(WORKER_POOLS, { error: 'must list orchestration, training or both' })).prefault('orchestration,training').refine((pools) => pools.length > 0, 'must name orchestration, training or both'),
  CUSTODY_SERVING_PORT: port.default(4001),
  CUSTODY_SERVING_PROCESSES: positiveInt.refine((n) => n <= 64, 'must be at most 64').default(1),
  CUSTODY_BODY_LIMIT: byteSize.prefault('1mb'),
  CUSTODY_UPLOAD_LIMIT: byteSize.prefault('2gb'),
  CUSTODY_CORS_ORIGINS: list(origin).prefault(''),
  CUSTODY_GRAPHQL_INTROSPECTION: bool.optional(),
  CUSTODY_GRAPHQL_MAX_DEPTH: positiveInt.default(12),
  CUSTODY_GRAPHQL_MAX_COST: positiveInt.default(50_000),
  CUSTODY_AUTH_REFUSALS_PER_MINUTE: positiveInt.default(60),
  CUSTODY_AUDITED_REFUSALS_PER_MINUTE: positiveInt.default(10),
  CUSTODY_WEBHOOK_ALLOW_RANGES: list(cidr).prefault(''),
  CUSTODY_ENCRYPTION_KEYS: list(keySpec).prefault(''),
  CUSTODY_ENCRYPTION_ACTIVE_KEY: z.string().min(1, 'must not be empty').optional(),
  CUSTODY_CODEC_ORIGINS: list(origin).optional(),
  CUSTODY_SIGNING_KEY: z.string().min(1, 'must not be empty').optional(),
});

/** Every variable the processes read, with its default; README's configuration table lists the same. */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape) as (keyof typeof envSchema.shape)[];

export interface Config {
  env: 'development' | 'production' | 'test';
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** json: one object a line, with the run id, workflow id and activity of each line that has them. */
  logFormat: 'text' | 'json';
  http: { host: string; port: number };
  database: { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string };
  /** Where datasets and models are kept: a local directory by default, or an S3-compatible bucket. */
  artifacts: ArtifactSettings;
  /** Dataset files named in specs are read from inside this directory only. */
  importDir: string;
  temporal: { address: string; namespace: string; taskQueue: string; uiUrl: string };
  /** `pools`: what this worker process serves (WORKER_TASK_QUEUES); `npm start` serves both. */
  worker: { maxConcurrentActivities: number; pools: WorkerPool[]; metricsAddress?: string };
  security: SecurityConfig;
  /**
   * The data plane (`npm run serving`): its port, how many processes share it, and the prediction log's
   * write-ahead spool on local disk (each process writes its own files, and takes over those of dead ones).
   */
  serving: { spoolDir: string; port: number; processes: number };
  /**
   * Payload encryption (CUSTODY_ENCRYPTION_KEYS): every Temporal payload sealed under the active key;
   * null when no key is configured. `codecOrigins` may call /codec from a browser (the Temporal UI's).
   */
  encryption: { keyring: Keyring; codecOrigins: string[] } | null;
  /**
   * The Ed25519 key model bundles are signed with (CUSTODY_SIGNING_KEY). Without one, a development or test
   * stack makes its own on first need and keeps it in `developmentKeyFile`; production signs nothing.
   */
  signing: { key: SigningKey | null; developmentKeyFile: string | null };
}

/** The limits and allow-lists of the HTTP surface (SECURITY.md explains each). */
export interface SecurityConfig {
  /** Largest request body the API parses before authenticating (GraphQL and JSON REST), in bytes. */
  bodyLimit: number;
  /** Largest dataset the streaming upload endpoint accepts, in bytes. */
  uploadLimit: number;
  /** Origins a browser may call the API from; empty means same-origin only. */
  corsOrigins: string[];
  introspection: boolean;
  maxDepth: number;
  maxCost: number;
  /** Refused authentications a client may make in a minute before it is answered 429. */
  authRefusalsPerMinute: number;
  /** A known principal's refusals a minute that are audit events each; past it they are counted, and the minute is one event. */
  auditedRefusalsPerMinute: number;
  /** Private address ranges webhooks may still reach (for example an internal receiver). */
  webhookAllowRanges: string[];
}

/** The local directory, or the bucket and prefix of CUSTODY_ARTIFACT_URL (with a local cache of what is read as files). */
function artifactSettings(e: z.infer<typeof envSchema>, dataDir: string): ArtifactSettings {
  if (!e.CUSTODY_ARTIFACT_URL) return { kind: 'local', dir: path.resolve(e.CUSTODY_ARTIFACT_DIR ?? path.join(dataDir, 'artifacts')) };
  const [, bucket, prefix] = /^s3:\/\/([^/]+)\/?(.*)$/.exec(e.CUSTODY_ARTIFACT_URL)!;
  return {
    kind: 's3',
    bucket: bucket!,
    prefix: prefix ? prefix.replace(/\/*$/, '/') : '',
    region: e.AWS_REGION,
    endpoint: e.AWS_ENDPOINT_URL,
    forcePathStyle: e.CUSTODY_S3_FORCE_PATH_STYLE,
    credentials: e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY ? { accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY } : undefined,
    cacheDir: path.resolve(e.CUSTODY_ARTIFACT_DIR ?? path.join(dataDir, 'artifact-cache')),
  };
}

/** Variables whose values are secrets: a bad one is named, its value never echoed (stderr ends up in logs). */
const SECRET_VARIABLES = new Set(['CUSTODY_ENCRYPTION_KEYS', 'AWS_SECRET_ACCESS_KEY', 'CUSTODY_SIGNING_KEY']);

/** A bad value, as the one-line error shows it: quoted, a URL's password masked, a secret's not at all. */
function shownValue(name: string, value: string | undefined): string {
  if (value === undefined) return '';
  if (SECRET_VARIABLES.has(name)) return ' (its value is not shown: it holds secrets)';
  return ` (got ${JSON.stringify(value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/i, '$1***@'))})`;
}

/** Thrown for a bad environment; its message is one line meant for the operator. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Treat empty strings as unset, as shells and compose files often export `VAR=`.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      return `${name} ${issue.message}${shownValue(name, present[name])}`;
    });
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.CUSTODY_DATA_DIR);
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    http: { host: e.HOST, port: e.PORT },
    database: e.DATABASE_URL ? { kind: 'postgres', url: e.DATABASE_URL } : { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') },
    artifacts: artifactSettings(e, dataDir),
    importDir: path.resolve(e.CUSTODY_IMPORT_DIR),
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      uiUrl: e.TEMPORAL_UI_URL.replace(/\/+$/, ''),
    },
    worker: { maxConcurrentActivities: e.WORKER_MAX_CONCURRENT_ACTIVITIES, pools: [...new Set(e.WORKER_TASK_QUEUES)], metricsAddress: e.TEMPORAL_METRICS_ADDRESS },
    security: {
      bodyLimit: e.CUSTODY_BODY_LIMIT,
      uploadLimit: e.CUSTODY_UPLOAD_LIMIT,
      corsOrigins: e.CUSTODY_CORS_ORIGINS,
      introspection: e.CUSTODY_GRAPHQL_INTROSPECTION ?? e.NODE_ENV !== 'production',
      maxDepth: e.CUSTODY_GRAPHQL_MAX_DEPTH,
      maxCost: e.CUSTODY_GRAPHQL_MAX_COST,
      authRefusalsPerMinute: e.CUSTODY_AUTH_REFUSALS_PER_MINUTE,
      auditedRefusalsPerMinute: e.CUSTODY_AUDITED_REFUSALS_PER_MINUTE,
      webhookAllowRanges: e.CUSTODY_WEBHOOK_ALLOW_RANGES,
    },
    serving: { spoolDir: path.join(dataDir, 'prediction-spool'), port: e.CUSTODY_SERVING_PORT, processes: e.CUSTODY_SERVING_PROCESSES },
    encryption: encryptionSettings(e),
    signing: signingSettings(e, dataDir),
  };
}

/** The bundle signing key from CUSTODY_SIGNING_KEY, refused at start when it is not an Ed25519 private key. */
function signingSettings(e: z.infer<typeof envSchema>, dataDir: string): Config['signing'] {
  const developmentKeyFile = e.NODE_ENV === 'production' ? null : path.join(dataDir, 'signing-key.pem');
  if (!e.CUSTODY_SIGNING_KEY) return { key: null, developmentKeyFile };
  try {
    return { key: signingKeyFrom(e.CUSTODY_SIGNING_KEY), developmentKeyFile: null };
  } catch (error) {
    throw new ConfigError(`invalid configuration: ${(error as Error).message}`);
  }
}

/** The keyring from CUSTODY_ENCRYPTION_KEYS (the last key active unless CUSTODY_ENCRYPTION_ACTIVE_KEY names one). */
function encryptionSettings(e: z.infer<typeof envSchema>): Config['encryption'] {
  if (e.CUSTODY_ENCRYPTION_KEYS.length === 0) {
    if (e.CUSTODY_ENCRYPTION_ACTIVE_KEY) throw new ConfigError('invalid configuration: CUSTODY_ENCRYPTION_ACTIVE_KEY is set but CUSTODY_ENCRYPTION_KEYS names no key');
    return null;
  }
  const entries = e.CUSTODY_ENCRYPTION_KEYS.map((spec) => {
    const [id, key] = spec.split(':');
    return { id: id!, key: Buffer.from(key!, 'base64') };
  });
  const duplicate = entries.find((entry, i) => entries.findIndex((other) => other.id === entry.id) !== i);
  if (duplicate) throw new ConfigError(`invalid configuration: CUSTODY_ENCRYPTION_KEYS names key "${duplicate.id}" twice`);
  const activeId = e.CUSTODY_ENCRYPTION_ACTIVE_KEY ?? entries.at(-1)!.id;
  if (!entries.some((entry) => entry.id === activeId)) throw new ConfigError(`invalid configuration: CUSTODY_ENCRYPTION_ACTIVE_KEY "${activeId}" is not one of the keys in CUSTODY_ENCRYPTION_KEYS`);
  const uiOrigin = new URL(e.TEMPORAL_UI_URL).origin;
  return { keyring: new Keyring(entries, activeId), codecOrigins: e.CUSTODY_CODEC_ORIGINS ?? [uiOrigin] };
}

/** Loads the configuration or exits with one clear line; for process entry points only. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`custody: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * The variables user code is given from this process's environment (ml/command/user-code.ts): the allow-listed
 * ones (PATH, HOME, LANG, TZ) and those a spec names, except any that holds Custody's settings or secrets,
 * checked again here whatever the spec's validation said.
 */
export function inheritedVariables(named: readonly string[], env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const names = [...INHERITED_VARIABLES, ...named.filter((name) => deniedVariable(name) === null)];
  return Object.fromEntries(names.flatMap((name) => (env[name] === undefined ? [] : [[name, env[name]]])));
}
