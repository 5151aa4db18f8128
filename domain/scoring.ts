import { z } from 'zod';
import { durationMs, NAME_PATTERN } from './pipeline/spec.js';
import type { FailureDetail } from './runs.js';

/**
 * Batch scoring: a model version scores every row of a dataset version, in chunks on the training pool, into a
 * new dataset version. The words of a scoring job, shared by the API, the CLI, the workflow and its activities.
 * Pure: safe in the workflow sandbox.
 */

export const SCORING_JOB_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;
export type ScoringJobStatus = (typeof SCORING_JOB_STATUSES)[number];

export const SCORING_DEFAULTS = { chunkRows: 50_000, parallelism: 4, maxRejectedFraction: 0.01, heartbeatTimeout: '2m' } as const;

const name = (what: string) => z.string().regex(NAME_PATTERN, `${what} must be 1-63 lowercase letters, digits or dashes, starting and ending with a letter or digit`);

/**
 * What a scoring job is asked to do, however it starts (the API, the CLI, a schedule, the Temporal CLI). Versions
 * left out are resolved when the job starts: the model's version in production, the dataset's latest version.
 */
export const scoringRequestSchema = z.strictObject({
  model: name('model'),
  version: z.number().int().positive().optional(),
  dataset: name('dataset'),
  datasetVersion: z.number().int().positive().optional(),
  /** The dataset the scores are registered in as a new version; `<model>-scores` when left out. */
  output: name('output').optional(),
  /** Columns of the input copied to every output row, to join the scores back; the row number always is. */
  idColumns: z.array(z.string().min(1).max(200)).max(20).optional(),
  chunkRows: z.number().int().min(100).max(1_000_000).optional(),
  parallelism: z.number().int().min(1).max(64).optional(),
  maxRejectedFraction: z.number().min(0).max(1).optional(),
  /** How long a chunk may go without a heartbeat before its worker is taken for dead and the chunk runs elsewhere. */
  heartbeatTimeout: z
    .string()
    .regex(/^\d+(ms|s|m|h)$/, 'must be a duration such as 30s or 2m')
    .refine((text) => !/^\d+(ms|s|m|h)$/.test(text) || (durationMs(text) >= 5_000 && durationMs(text) <= 3_600_000), 'must be between 5s and 1h')
    .optional(),
  /**
   * Also judge the scored population's drift against the model's training reference: the same report a monitoring
   * check makes of served traffic, of a uniform sample of the scored rows (at most the spec's `monitoring.maxRows`).
   */
  monitoring: z.boolean().optional(),
});
export type ScoringRequest = z.infer<typeof scoringRequestSchema>;

/** The `batchScore` workflow's input: the request, who asked, and the job's id (a schedule's tick leaves it out). */
export interface ScoringInput {
  jobId?: string;
  request: ScoringRequest;
  requestedBy: string;
  scheduleId?: string;
}

/** A request from an input whose absent fields may be null (GraphQL): fields left out are left out, not null. */
export function scoringRequestOf(fields: object): ScoringRequest {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null && value !== undefined)) as unknown as ScoringRequest;
}

/** What is wrong with a request, field by field; each message reads after its field's name. */
export function scoringRequestErrors(request: unknown): { field: string; message: string }[] {
  const parsed = scoringRequestSchema.safeParse(request);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => {
    const field = issue.path.join('.') || '(input)';
    return { field, message: issue.message.startsWith(`${field} `) ? issue.message.slice(field.length + 1) : issue.message };
  });
}

export const outputDatasetOf = (request: ScoringRequest): string => request.output ?? `${request.model}-scores`.slice(0, 63).replace(/-+$/, '');
export const scoringWorkflowId = (jobId: string): string => `score-${jobId}`;

/** A job as the workflow resolved it: the versions it scores with and the file it reads. */
export interface ResolvedScoringJob {
  jobId: string;
  model: string;
  modelVersionId: string;
  version: number;
  artifactSha256: string;
  inputDatasetVersionId: string;
  inputSha256: string;
  format: 'csv' | 'jsonl';
  rowCount: number;
  output: string;
  idColumns: string[];
  chunkRows: number;
  parallelism: number;
  maxRejectedFraction: number;
  heartbeatTimeout: string;
  /** The model's sensitive features: a rejected row's reason never quotes their values. */
  sensitiveFeatures: string[];
  /** Id columns that are sensitive features, or that the model's training run declared sensitive: the output's profile keeps no values of them. */
  sensitiveColumns: string[];
  /** Whether the job ends with a drift report of the rows it scored. */
  monitoring: boolean;
}

/** One chunk of the input: its rows' place in the file and in the dataset (rows counted from 1). */
export interface ScoringChunk {
  index: number;
  firstRow: number;
  rows: number;
  startByte: number;
  endByte: number;
}

export interface ScoringPlan {
  /** The CSV header, read once (JSON Lines have none). */
  columns: string[];
  chunks: ScoringChunk[];
}

/** What one chunk came to: its scored part and its rejects, each content-addressed. */
export interface ChunkResult {
  index: number;
  rows: number;
  scored: number;
  rejected: number;
  partSha256: string;
  rejectsSha256: string | null;
  /** Time inside the model, parsing and writing excluded. */
  scoreMs: number;
}

/** What a finished (or refused) job reports. */
export interface ScoringReport {
  rows: number;
  scored: number;
  rejected: number;
  chunks: number;
  /** The rejects file (row, reason), when any row was rejected. */
  rejectsSha256: string | null;
  outputDatasetVersionId: string | null;
  scoreMs: number;
  /** The drift report of the scored rows, when the job asked for one (`monitoring`). */
  driftReportId?: string | null;
}

export function rejectedTooMany(report: Pick<ScoringReport, 'rows' | 'rejected'>, maxRejectedFraction: number): boolean {
  return report.rows > 0 && report.rejected / report.rows > maxRejectedFraction;
}

/** A job's record as its workflow writes it. */
export interface ScoringJobWrite {
  jobId: string;
  status: ScoringJobStatus;
  report?: ScoringReport;
  error?: FailureDetail;
}
