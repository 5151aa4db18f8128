/* Generated from schema.gql and cli/graphql/operations.ts by `npm run graphql:types`; do not edit. */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
export type AuditTrailInput = {
  /** Such as run.submitted, step.succeeded, gate.decided, gate.refused, deployment.started, auth.refused. */
  action?: string | null | undefined;
  actor?: string | null | undefined;
  after?: string | null | undefined;
  /** 1 to 500; 50 when omitted. */
  first?: number | null | undefined;
  from?: string | null | undefined;
  /** A run id, model version id, dataset version id, principal name… */
  subjectId?: string | null | undefined;
  to?: string | null | undefined;
};

/** A Temporal Schedule for a model: give cron or interval, not both. */
export type CreateScheduleInput = {
  /** MONITOR when omitted. */
  action?: ScheduleAction | null | undefined;
  /** Ticks missed while Temporal was unavailable are still taken if no later than this (10s or more); 1h when omitted. */
  catchupWindow?: string | null | undefined;
  /** A cron expression, such as "0 * * * *" (hourly) or "30 2 * * 1" (Mondays 02:30). */
  cron?: string | null | undefined;
  /** Every so long: 30s, 15m, 1h, 7d. */
  interval?: string | null | undefined;
  /** Model name (registered). */
  model: string;
  note?: string | null | undefined;
  /** Create it paused. */
  paused?: boolean | null | undefined;
  /** What each tick scores: required with action SCORE, refused with any other. */
  score?: ScheduleScoringInput | null | undefined;
  /** IANA time zone the cron is read in, such as Europe/Berlin; UTC when omitted. */
  timeZone?: string | null | undefined;
};

/** A model trained elsewhere, as an ONNX file already uploaded (POST /v1/models/{name}/import), to evaluate and govern as a run. */
export type ImportModelInput = {
  /** The data it is evaluated on: NAME (the latest version) or NAME@VERSION. */
  dataset: string;
  /** The sha256 of the ONNX file, as the upload answered it. */
  file: string;
  /** The model name to register it under. */
  model: string;
  /** The rest of the pipeline (evaluation, fairness, gates, deployment); its training, dataset, target, task and features are the import's. One approval gate and f1 or rmse when left out. */
  spec?: unknown;
  /** The column it predicts. */
  target: string;
};

/** UPSTREAM: what it came from; DOWNSTREAM: what came from it. */
export type LineageDirection =
  | 'BOTH'
  | 'DOWNSTREAM'
  | 'UPSTREAM';

export type LineageInput = {
  /** Hops, 1 to 10; 5 when omitted. */
  depth?: number | null | undefined;
  /** BOTH when omitted. */
  direction?: LineageDirection | null | undefined;
  /** Any dataset version, run, trial, model version or deployment id. */
  nodeId: string | number;
};

export type PipelineRunsInput = {
  /** endCursor of the previous page. */
  after?: string | null | undefined;
  /** Page size, 1 to 100; 20 when omitted. */
  first?: number | null | undefined;
  modelName?: string | null | undefined;
  pipelineName?: string | null | undefined;
  status?: RunStatus | null | undefined;
  /** The name of the person or token that submitted the run. */
  submittedBy?: string | null | undefined;
};

export type RunStatus =
  | 'awaiting_approval'
  | 'cancelled'
  | 'failed'
  | 'rejected'
  | 'rolled_back'
  | 'running'
  | 'succeeded';

/** MONITOR: each tick checks drift and retrains when a limit is crossed. RETRAIN: each tick retrains, whatever the drift. SCORE: each tick scores the newest version of a dataset with the version in production (a batch scoring job). */
export type ScheduleAction =
  | 'MONITOR'
  | 'RETRAIN'
  | 'SCORE';

/** What each tick of a SCORE schedule scores: the newest version of the dataset, with the model version in production at the tick. */
export type ScheduleScoringInput = {
  /** Rows per chunk, 100 to 1,000,000; 50,000 when omitted. */
  chunkRows?: number | null | undefined;
  /** Dataset name. */
  dataset: string;
  /** How long a chunk may go silent before it runs elsewhere, 5s to 1h; 2m when omitted. */
  heartbeatTimeout?: string | null | undefined;
  /** Input columns copied to each output row to join on. */
  idColumns?: Array<string> | null | undefined;
  /** Share of rows the model may reject before the job fails; 0.01 when omitted. */
  maxRejectedFraction?: number | null | undefined;
  /** Also write a drift report of each tick’s scored rows. */
  monitoring?: boolean | null | undefined;
  /** Dataset the scores are registered in, a version a tick; <model>-scores when omitted. */
  output?: string | null | undefined;
  /** Chunks scored at once, 1 to 64; 4 when omitted. */
  parallelism?: number | null | undefined;
};

/** A batch scoring job: a model version scores every row of a dataset version into a new dataset version. */
export type ScoreDatasetInput = {
  /** Rows per chunk, 100 to 1,000,000; 50,000 when omitted. */
  chunkRows?: number | null | undefined;
  /** Dataset name. */
  dataset: string;
  /** Dataset version; the latest when omitted. */
  datasetVersion?: number | null | undefined;
  /** How long a chunk may go silent before its worker is taken for dead and the chunk runs elsewhere, 5s to 1h; 2m when omitted. */
  heartbeatTimeout?: string | null | undefined;
  /** Input columns copied to each output row to join on; the row number always is. */
  idColumns?: Array<string> | null | undefined;
  /** Share of rows the model may reject (0 to 1) before the job fails; 0.01 when omitted. */
  maxRejectedFraction?: number | null | undefined;
  /** Model name. */
  model: string;
  /** Also write a drift report of the scored rows against the model’s training reference (a uniform sample of at most the spec’s monitoring.maxRows); false when omitted. */
  monitoring?: boolean | null | undefined;
  /** Dataset the scores are registered in, as its next version; <model>-scores when omitted. */
  output?: string | null | undefined;
  /** Chunks scored at once on the training pool, 1 to 64; 4 when omitted. */
  parallelism?: number | null | undefined;
  /** Model version; the one serving production when omitted. */
  version?: number | null | undefined;
};

export type ScoringJobStatus =
  | 'cancelled'
  | 'failed'
  | 'running'
  | 'succeeded';

export type ScoringJobsInput = {
  /** endCursor of the previous page. */
  after?: string | null | undefined;
  /** Page size, 1 to 100; 20 when omitted. */
  first?: number | null | undefined;
  /** Only this model’s jobs. */
  model?: string | null | undefined;
};

export type RunSummaryFragment = { id: string, pipelineName: string, modelName: string, status: RunStatus, purpose: string, trigger: string, currentStep: string | null, submittedBy: string, createdAt: string, finishedAt: string | null, workflowId: string, temporalUiUrl: string, error: { type: string, message: string, details: unknown } | null };

export type RunDetailFragment = { parentRunId: string | null, specHash: string, trialsPlanned: number | null, id: string, pipelineName: string, modelName: string, status: RunStatus, purpose: string, trigger: string, currentStep: string | null, submittedBy: string, createdAt: string, finishedAt: string | null, workflowId: string, temporalUiUrl: string, steps: Array<{ name: string, status: string, attempts: number, startedAt: string | null, finishedAt: string | null, error: { type: string, message: string } | null }>, trials: Array<{ index: number, trainer: string, status: string, params: unknown, metrics: unknown, sampleFraction: number, reusedFromTrialId: string | null, error: string | null }>, gates: Array<{ name: string, role: string, quorum: number, status: string, deadline: string | null, onTimeout: string, approvals: Array<{ actor: string, comment: string | null, at: string }>, rejection: { actor: string, comment: string | null, at: string } | null }>, leaderboard: Array<{ rank: number, trainer: string, metric: string, value: number | null, prunedAtRound: number | null, fromHistory: boolean }>, modelVersion: { version: number, metrics: unknown, privacy: { epsilon: number, delta: number } | null } | null, datasetVersion: { datasetName: string, version: number, sha256: string } | null, deployments: Array<{ stage: string, role: string, trafficPercent: number, version: number, endReason: string | null }>, error: { type: string, message: string, details: unknown } | null };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { name: string, role: string } };

export type SubmitMutationVariables = Exact<{
  specText: string;
}>;


export type SubmitMutation = { submitPipeline: { id: string, pipelineName: string, modelName: string, status: RunStatus, purpose: string, trigger: string, currentStep: string | null, submittedBy: string, createdAt: string, finishedAt: string | null, workflowId: string, temporalUiUrl: string, error: { type: string, message: string, details: unknown } | null } };

export type ImportModelMutationVariables = Exact<{
  input: ImportModelInput;
}>;


export type ImportModelMutation = { importModel: { id: string, pipelineName: string, modelName: string, status: RunStatus, purpose: string, trigger: string, currentStep: string | null, submittedBy: string, createdAt: string, finishedAt: string | null, workflowId: string, temporalUiUrl: string, error: { type: string, message: string, details: unknown } | null } };

export type RunsQueryVariables = Exact<{
  input?: PipelineRunsInput | null | undefined;
}>;


export type RunsQuery = { pipelineRuns: { nodes: Array<{ id: string, pipelineName: string, modelName: string, status: RunStatus, purpose: string, trigger: string, currentStep: string | null, submittedBy: string, createdAt: string, finishedAt: string | null, workflowId: string, temporalUiUrl: string, error: { type: string, message: string, details: unknown } | null }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type RunQueryVariables = Exact<{
  runId: string | number;
}>;


export type RunQuery = { pipelineRun: { parentRunId: string | null, specHash: string, trialsPlanned: number | null, id: string, pipelineName: string, modelName: string, status: RunStatus, purpose: string, trigger: string, currentStep: string | null, submittedBy: string, createdAt: string, finishedAt: string | null, workflowId: string, temporalUiUrl: string, steps: Array<{ name: string, status: string, attempts: number, startedAt: string | null, finishedAt: string | null, error: { type: string, message: string } | null }>, trials: Array<{ index: number, trainer: string, status: string, params: unknown, metrics: unknown, sampleFraction: number, reusedFromTrialId: string | null, error: string | null }>, gates: Array<{ name: string, role: string, quorum: number, status: string, deadline: string | null, onTimeout: string, approvals: Array<{ actor: string, comment: string | null, at: string }>, rejection: { actor: string, comment: string | null, at: string } | null }>, leaderboard: Array<{ rank: number, trainer: string, metric: string, value: number | null, prunedAtRound: number | null, fromHistory: boolean }>, modelVersion: { version: number, metrics: unknown, privacy: { epsilon: number, delta: number } | null } | null, datasetVersion: { datasetName: string, version: number, sha256: string } | null, deployments: Array<{ stage: string, role: string, trafficPercent: number, version: number, endReason: string | null }>, error: { type: string, message: string, details: unknown } | null } };

export type CancelMutationVariables = Exact<{
  runId: string | number;
  reason?: string | null | undefined;
}>;


export type CancelMutation = { cancelRun: { id: string, pipelineName: string, modelName: string, status: RunStatus, purpose: string, trigger: string, currentStep: string | null, submittedBy: string, createdAt: string, finishedAt: string | null, workflowId: string, temporalUiUrl: string, error: { type: string, message: string, details: unknown } | null } };

export type ResumeMutationVariables = Exact<{
  runId: string | number;
}>;


export type ResumeMutation = { resumeRun: { id: string, pipelineName: string, modelName: string, status: RunStatus, purpose: string, trigger: string, currentStep: string | null, submittedBy: string, createdAt: string, finishedAt: string | null, workflowId: string, temporalUiUrl: string, error: { type: string, message: string, details: unknown } | null } };

export type ReproduceMutationVariables = Exact<{
  runId: string | number;
}>;


export type ReproduceMutation = { reproduce: { id: string, pipelineName: string, modelName: string, status: RunStatus, purpose: string, trigger: string, currentStep: string | null, submittedBy: string, createdAt: string, finishedAt: string | null, workflowId: string, temporalUiUrl: string, error: { type: string, message: string, details: unknown } | null } };

export type ApproveMutationVariables = Exact<{
  runId: string | number;
  gate?: string | null | undefined;
  comment?: string | null | undefined;
}>;


export type ApproveMutation = { approveGate: { name: string, status: string, quorum: number, approvals: Array<{ actor: string }> } };

export type RejectMutationVariables = Exact<{
  runId: string | number;
  gate?: string | null | undefined;
  comment?: string | null | undefined;
}>;


export type RejectMutation = { rejectGate: { name: string, status: string } };

export type WaitingQueryVariables = Exact<{ [key: string]: never; }>;


export type WaitingQuery = { pipelineRuns: { nodes: Array<{ id: string, pipelineName: string, modelName: string, submittedBy: string, gates: Array<{ name: string, role: string, quorum: number, status: string, deadline: string | null, approvals: Array<{ actor: string }> }> }> } };

export type ModelsQueryVariables = Exact<{ [key: string]: never; }>;


export type ModelsQuery = { models: Array<{ name: string, createdAt: string, productionVersion: { version: number, trainer: string, metrics: unknown } | null, versions: Array<{ version: number }> }> };

export type ModelQueryVariables = Exact<{
  name: string;
}>;


export type ModelQuery = { model: { name: string, productionVersion: { version: number } | null, currentDeployments: Array<{ stage: string, role: string, trafficPercent: number, version: number }>, versions: Array<{ version: number, trainer: string, metrics: unknown, runId: string, datasetVersionId: string, createdAt: string }> } };

export type DatasetsQueryVariables = Exact<{ [key: string]: never; }>;


export type DatasetsQuery = { datasets: Array<{ name: string, privacyBudget: { epsilon: number, allowNonPrivate: boolean, spent: number, remaining: number, draws: Array<{ runId: string, epsilon: number, delta: number, drawnBy: string, drawnAt: string }> } | null, versions: Array<{ version: number, rowCount: number, sha256: string, registeredBy: string, createdAt: string }> }> };

export type AuditQueryVariables = Exact<{
  input?: AuditTrailInput | null | undefined;
}>;


export type AuditQuery = { auditTrail: { hasNextPage: boolean, endCursor: string | null, nodes: Array<{ seq: number, at: string, actor: string, action: string, subjectType: string, subjectId: string, hash: string }> } };

export type AuditVerifyQueryVariables = Exact<{ [key: string]: never; }>;


export type AuditVerifyQuery = { verifyAuditTrail: { ok: boolean, checked: number, headSeq: number, headHash: string, firstBad: { seq: number, reason: string } | null } };

export type LineageQueryVariables = Exact<{
  input: LineageInput;
}>;


export type LineageQuery = { lineage: { root: { id: string, type: string }, nodes: Array<{ id: string, type: string, depth: number }>, edges: Array<{ fromId: string, toId: string, relation: string }> } };

export type TokensQueryVariables = Exact<{ [key: string]: never; }>;


export type TokensQuery = { tokens: Array<{ id: string, prefix: string, principalName: string, role: string, createdAt: string, lastUsedAt: string | null, expiresAt: string | null, revokedAt: string | null }> };

export type CreateTokenMutationVariables = Exact<{
  name: string;
  role: string;
  description?: string | null | undefined;
  expiresIn?: string | null | undefined;
  neverExpires?: boolean | null | undefined;
}>;


export type CreateTokenMutation = { createToken: { token: string, details: { id: string, principalName: string, role: string, expiresAt: string | null } } };

export type RotateTokenMutationVariables = Exact<{
  id?: string | number | null | undefined;
  overlap?: string | null | undefined;
  expiresIn?: string | null | undefined;
  neverExpires?: boolean | null | undefined;
}>;


export type RotateTokenMutation = { rotateToken: { token: string, details: { id: string, principalName: string, role: string, expiresAt: string | null } } };

export type CollectArtifactsMutationVariables = Exact<{
  dryRun?: boolean | null | undefined;
  minAge?: string | null | undefined;
}>;


export type CollectArtifactsMutation = { collectArtifacts: { dryRun: boolean, minAge: string, scanned: number, kept: number, removedCount: number, bytesRemoved: number, removed: Array<{ sha256: string, sizeBytes: number }> } };

export type RevokeTokenMutationVariables = Exact<{
  id: string | number;
}>;


export type RevokeTokenMutation = { revokeToken: { id: string, revokedAt: string | null } };

export type CompareQueryVariables = Exact<{
  runId: string | number;
}>;


export type CompareQuery = { pipelineRun: { id: string, pipelineName: string, status: RunStatus, datasetVersion: { datasetName: string, version: number } | null, leaderboard: Array<{ rank: number, trainer: string, params: unknown, metric: string, value: number | null }>, modelVersion: { version: number, trainer: string, params: unknown, metrics: unknown } | null } };

export type DeploymentHistoryQueryVariables = Exact<{
  model: string;
  at?: string | null | undefined;
}>;


export type DeploymentHistoryQuery = { deploymentHistory: Array<{ stage: string, role: string, version: number, trafficPercent: number, approvedBy: Array<string>, startedAt: string, endedAt: string | null, endReason: string | null, runId: string | null }> };

export type ModelCardQueryVariables = Exact<{
  name: string;
}>;


export type ModelCardQuery = { model: { productionVersion: { version: number, modelCard: string } | null, versions: Array<{ version: number, modelCard: string }> } };

export type PredictMutationVariables = Exact<{
  model: string;
  inputs: Array<unknown> | unknown;
  key?: string | null | undefined;
}>;


export type PredictMutation = { predict: Array<{ predictionId: string, value: unknown, probabilities: unknown, version: number, role: string, latencyMs: number }> };

export type DriftQueryVariables = Exact<{
  model: string;
}>;


export type DriftQuery = { driftReports: { nodes: Array<{ id: string, status: string, createdAt: string, windowStart: string, windowEnd: string, rows: number, reasons: Array<string>, driftedFeatures: Array<string>, features: Array<{ name: string | null, kind: string, psi: number, ksPValue: number | null, chiSquarePValue: number | null, drifted: boolean }>, performance: { judged: boolean, labelled: number, metrics: unknown, failures: Array<string> } }> } };

export type ScheduleFieldsFragment = { id: string, model: string, action: ScheduleAction, score: unknown, cron: string | null, interval: string | null, timeZone: string, paused: boolean, nextRuns: Array<string>, actionsTaken: number, note: string | null };

export type SchedulesQueryVariables = Exact<{
  model?: string | null | undefined;
}>;


export type SchedulesQuery = { schedules: Array<{ id: string, model: string, action: ScheduleAction, score: unknown, cron: string | null, interval: string | null, timeZone: string, paused: boolean, nextRuns: Array<string>, actionsTaken: number, note: string | null }> };

export type CreateScheduleMutationVariables = Exact<{
  input: CreateScheduleInput;
}>;


export type CreateScheduleMutation = { createSchedule: { id: string, model: string, action: ScheduleAction, score: unknown, cron: string | null, interval: string | null, timeZone: string, paused: boolean, nextRuns: Array<string>, actionsTaken: number, note: string | null } };

export type PauseScheduleMutationVariables = Exact<{
  id: string;
  note?: string | null | undefined;
}>;


export type PauseScheduleMutation = { pauseSchedule: { id: string, model: string, action: ScheduleAction, score: unknown, cron: string | null, interval: string | null, timeZone: string, paused: boolean, nextRuns: Array<string>, actionsTaken: number, note: string | null } };

export type ResumeScheduleMutationVariables = Exact<{
  id: string;
  note?: string | null | undefined;
}>;


export type ResumeScheduleMutation = { resumeSchedule: { id: string, model: string, action: ScheduleAction, score: unknown, cron: string | null, interval: string | null, timeZone: string, paused: boolean, nextRuns: Array<string>, actionsTaken: number, note: string | null } };

export type TriggerScheduleMutationVariables = Exact<{
  id: string;
}>;


export type TriggerScheduleMutation = { triggerSchedule: { id: string, model: string, action: ScheduleAction, score: unknown, cron: string | null, interval: string | null, timeZone: string, paused: boolean, nextRuns: Array<string>, actionsTaken: number, note: string | null } };

export type DeleteScheduleMutationVariables = Exact<{
  id: string;
}>;


export type DeleteScheduleMutation = { deleteSchedule: { id: string, model: string, action: ScheduleAction, score: unknown, cron: string | null, interval: string | null, timeZone: string, paused: boolean, nextRuns: Array<string>, actionsTaken: number, note: string | null } };

export type FirstAdminMutationVariables = Exact<{
  name: string;
  bootstrapCode: string;
}>;


export type FirstAdminMutation = { createFirstAdminToken: { token: string, details: { principalName: string, role: string } } };

export type HealthQueryVariables = Exact<{ [key: string]: never; }>;


export type HealthQuery = { health: { status: string, version: string, temporal: { reachable: boolean, address: string, namespace: string, workerPollers: number | null, uiUrl: string, error: string | null, pools: Array<{ pool: string, taskQueue: string, pollers: number }> | null }, database: { reachable: boolean, driver: string, migration: string | null, pendingMigrations: number, error: string | null } } };

export type SelfCheckMutationVariables = Exact<{ [key: string]: never; }>;


export type SelfCheckMutation = { runSelfCheck: { workflowId: string, durationMs: number, driver: string, migration: string | null } };

export type DatasetVersionQueryVariables = Exact<{
  name: string;
  version?: number | null | undefined;
}>;


export type DatasetVersionQuery = { datasetVersion: { datasetName: string, version: number, rowCount: number, sha256: string, format: string, registeredBy: string, createdAt: string, source: string | null, license: string | null, intendedUse: string | null, datasheet: string } };

export type ScoringJobDetailFragment = { id: string, status: ScoringJobStatus, model: string, outputDataset: string, chunksTotal: number | null, chunksDone: number, rows: number | null, scored: number | null, rejected: number | null, rejectsSha256: string | null, requestedBy: string, scheduleId: string | null, createdAt: string, finishedAt: string | null, workflowId: string, temporalUiUrl: string, modelVersion: { version: number } | null, inputDatasetVersion: { datasetName: string, version: number } | null, outputDatasetVersion: { id: string, datasetName: string, version: number, sha256: string } | null, driftReport: { id: string, status: string, rows: number, driftedFeatures: Array<string> } | null, error: { type: string, message: string } | null };

export type ScoreDatasetMutationVariables = Exact<{
  input: ScoreDatasetInput;
}>;


export type ScoreDatasetMutation = { scoreDataset: { id: string, status: ScoringJobStatus, model: string, outputDataset: string, chunksTotal: number | null, chunksDone: number, rows: number | null, scored: number | null, rejected: number | null, rejectsSha256: string | null, requestedBy: string, scheduleId: string | null, createdAt: string, finishedAt: string | null, workflowId: string, temporalUiUrl: string, modelVersion: { version: number } | null, inputDatasetVersion: { datasetName: string, version: number } | null, outputDatasetVersion: { id: string, datasetName: string, version: number, sha256: string } | null, driftReport: { id: string, status: string, rows: number, driftedFeatures: Array<string> } | null, error: { type: string, message: string } | null } };

export type CancelScoringJobMutationVariables = Exact<{
  id: string | number;
  reason?: string | null | undefined;
}>;


export type CancelScoringJobMutation = { cancelScoringJob: { id: string, status: ScoringJobStatus, model: string, outputDataset: string, chunksTotal: number | null, chunksDone: number, rows: number | null, scored: number | null, rejected: number | null, rejectsSha256: string | null, requestedBy: string, scheduleId: string | null, createdAt: string, finishedAt: string | null, workflowId: string, temporalUiUrl: string, modelVersion: { version: number } | null, inputDatasetVersion: { datasetName: string, version: number } | null, outputDatasetVersion: { id: string, datasetName: string, version: number, sha256: string } | null, driftReport: { id: string, status: string, rows: number, driftedFeatures: Array<string> } | null, error: { type: string, message: string } | null } };

export type ScoringJobQueryVariables = Exact<{
  id: string | number;
}>;


export type ScoringJobQuery = { scoringJob: { id: string, status: ScoringJobStatus, model: string, outputDataset: string, chunksTotal: number | null, chunksDone: number, rows: number | null, scored: number | null, rejected: number | null, rejectsSha256: string | null, requestedBy: string, scheduleId: string | null, createdAt: string, finishedAt: string | null, workflowId: string, temporalUiUrl: string, modelVersion: { version: number } | null, inputDatasetVersion: { datasetName: string, version: number } | null, outputDatasetVersion: { id: string, datasetName: string, version: number, sha256: string } | null, driftReport: { id: string, status: string, rows: number, driftedFeatures: Array<string> } | null, error: { type: string, message: string } | null } };

export type ScoringJobsQueryVariables = Exact<{
  input?: ScoringJobsInput | null | undefined;
}>;


export type ScoringJobsQuery = { scoringJobs: { nodes: Array<{ id: string, status: ScoringJobStatus, model: string, outputDataset: string, chunksTotal: number | null, chunksDone: number, rows: number | null, scored: number | null, rejected: number | null, rejectsSha256: string | null, requestedBy: string, scheduleId: string | null, createdAt: string, finishedAt: string | null, workflowId: string, temporalUiUrl: string, modelVersion: { version: number } | null, inputDatasetVersion: { datasetName: string, version: number } | null, outputDatasetVersion: { id: string, datasetName: string, version: number, sha256: string } | null, driftReport: { id: string, status: string, rows: number, driftedFeatures: Array<string> } | null, error: { type: string, message: string } | null }> } };

export type ReleasesQueryVariables = Exact<{
  model: string;
  limit: number;
}>;


export type ReleasesQuery = { releases: Array<{ id: string, runId: string, modelName: string, strategy: string, status: string, outcome: string | null, challengerVersion: number, championVersion: number | null, settings: unknown, report: unknown, startedAt: string, endedAt: string | null, checks: Array<{ name: string, required: string, actual: string, passed: boolean }>, looks: Array<{ look: number, at: string, estimate: number | null, lower: number | null, upper: number | null, pValue: number, plannedChampion: number | null, plannedChallenger: number | null, champion: { version: number, predictions: number, labelled: number, estimate: number | null }, challenger: { version: number, predictions: number, labelled: number, estimate: number | null } }> }> };
