import { Context, heartbeat } from '@temporalio/activity';
import type { Repositories } from '../../db/repositories/index.js';
import type { ChunkResult, ResolvedScoringJob, ScoringChunk, ScoringJobWrite, ScoringPlan, ScoringRequest } from '../../domain/scoring.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { registerStoredDataset } from '../../storage/register-dataset.js';
import { DataFormatError } from '../../storage/read-rows.js';
import { CommandServers } from '../../ml/command/server.js';
import { loadArtifact } from '../../ml/predict.js';
import type { ModelArtifact } from '../../ml/artifact.js';
import { concatenate } from '../../ml/scoring/assemble.js';
import { planChunks } from '../../ml/scoring/chunks.js';
import { outputColumns, REJECTS_HEADER, ScoreWriter } from '../../ml/scoring/output.js';
import { resolveScoring, ScoringRefused } from '../../ml/scoring/resolve.js';
import { scoreChunk } from '../../ml/scoring/score-chunk.js';
import { FailureType, permanentFailure } from '../failures.js';
import { reportScoredDrift } from './scored-drift.js';
import type { Pseudonyms } from '../../storage/encryption/pseudonym.js';

/** The scoring activities that read or write whole files: they run on the training pool, beside the trials. */
export const SCORING_POOL_ACTIVITY_NAMES = ['planScoring', 'scoreChunk', 'assembleRejects', 'assembleScores', 'reportScoredDrift'] as const;

/** A command model's serving process stops after this long without a chunk to score. */
const COMMAND_IDLE_MS = 60_000;

/**
 * Batch scoring: resolves and records a job, splits its input into chunks, scores each chunk into a stored part,
 * and joins the parts into a new dataset version. Every write is keyed by the job, and every part by its content,
 * so any activity may run again.
 */
export function createScoringActivities(deps: { repos: Repositories; store: ArtifactStore; pseudonyms?: Pseudonyms | null }) {
  const { repos, store } = deps;
  const models = new ArtifactCache(store);
  // Command models' serving processes, kept warm between chunks, each stopped after a minute unused.
  const commands = new CommandServers({ idleMs: COMMAND_IDLE_MS });
  return {
    /** Resolves the versions a request names and records the job; a job already recorded keeps the versions it recorded. */
    async resolveScoringJob(input: { jobId: string; workflowId: string; request: ScoringRequest; requestedBy: string; scheduleId?: string }): Promise<ResolvedScoringJob> {
      const resolved = await classified(() => resolveScoring(repos, input.jobId, input.request));
      const row = await repos.scoring.record({
        id: input.jobId,
        workflowId: input.workflowId,
        modelName: resolved.model,
        modelVersionId: resolved.modelVersionId,
        inputDatasetVersionId: resolved.inputDatasetVersionId,
        outputDataset: resolved.output,
        request: input.request,
        requestedBy: input.requestedBy,
        scheduleId: input.scheduleId ?? null,
      });
      if (row.modelVersionId === resolved.modelVersionId && row.inputDatasetVersionId === resolved.inputDatasetVersionId) return resolved;
      // Recorded by an earlier attempt, before "latest" or "in production" moved on: the record stands.
      const [version, dataset] = await Promise.all([repos.registry.findVersion(row.modelVersionId), repos.datasets.findVersionsByIds([row.inputDatasetVersionId])]);
      return await classified(() => resolveScoring(repos, input.jobId, { ...input.request, version: version!.version, datasetVersion: dataset[0]!.version }));
    },

    async recordScoringProgress(input: { jobId: string; total: number; done: number[] }): Promise<void> {
      await repos.scoring.progress(input.jobId, input.total, input.done);
    },

    async finishScoringJob(write: ScoringJobWrite): Promise<void> {
      await repos.scoring.finish(write);
    },

    /** Splits the input into chunks of whole records, in one pass over the file. */
    async planScoring(input: { job: ResolvedScoringJob }): Promise<ScoringPlan> {
      const { job } = input;
      return await classified(() => store.withLocalFile(job.inputSha256, (file) => planChunks(file, job.format, job.chunkRows, (rows) => heartbeat({ rows }))));
    },

    async scoreChunk(input: { job: ResolvedScoringJob; columns: string[]; chunk: ScoringChunk }): Promise<ChunkResult> {
      const { job, columns, chunk } = input;
      const artifact = await models.get(job.artifactSha256);
      const signal = Context.current().cancellationSignal;
      heartbeat({ rows: 0 });
      const scoring = { store, artifact, commands, signal, onProgress: (rows: number) => heartbeat({ rows }) };
      const result = await classified(() => store.withLocalFile(job.inputSha256, (file) => scoreChunk(scoring, job, columns, chunk, file)));
      if (result.rows !== chunk.rows) throw permanentFailure(FailureType.DataFormat, `chunk ${chunk.index + 1} read ${result.rows} rows where its plan counted ${chunk.rows}`);
      return result;
    },

    /** Joins the chunks' rejects, in input order, into one file: each rejected row's number and why. */
    async assembleRejects(input: { parts: string[] }): Promise<string> {
      return (await concatenate(store, REJECTS_HEADER, input.parts, (done) => heartbeat({ parts: done }))).sha256;
    },

    /** Joins the chunks' scores, in input order, and registers them as the next version of the job's output dataset. */
    async assembleScores(input: { job: ResolvedScoringJob; parts: string[] }): Promise<{ datasetVersionId: string; version: number }> {
      const { job } = input;
      const artifact = await models.get(job.artifactSha256);
      const header = new ScoreWriter(job.format, outputColumns(job.idColumns, artifact.classes), job.idColumns, job.version).header();
      const stored = await concatenate(store, header, input.parts, (done) => heartbeat({ parts: done }));
      const { row } = await classified(() =>
        registerStoredDataset({ repos, store }, stored, {
          name: job.output,
          format: job.format,
          metadata: { source: `scoring job ${job.jobId}: ${job.model} version ${job.version} on dataset version ${job.inputDatasetVersionId}` },
          actor: 'system:scoring',
          sensitiveColumns: job.sensitiveColumns,
          onProgress: (stage, rows) => heartbeat({ stage, rows }),
        }),
      );
      return { datasetVersionId: row.id, version: row.version };
    },

    /** Judges the rows the job scored against the model's training reference, as a drift report keyed by the job. */
    async reportScoredDrift(input: { job: ResolvedScoringJob; outputDatasetVersionId: string }): Promise<{ driftReportId: string }> {
      return await classified(() => reportScoredDrift({ repos, store, pseudonyms: deps.pseudonyms ?? null }, input.job, input.outputDatasetVersionId));
    },
  };
}

export type ScoringActivities = ReturnType<typeof createScoringActivities>;

/** Runs `work`, turning what can never succeed on a retry into a permanent failure of its kind. */
async function classified<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ScoringRefused) throw permanentFailure(FailureType[error.kind], error.message, { field: error.field });
    if (error instanceof DataFormatError) throw permanentFailure(FailureType.DataFormat, error.message);
    throw error;
  }
}

/** The few model artifacts this process scores with, parsed once each. */
class ArtifactCache {
  private readonly loaded = new Map<string, Promise<ModelArtifact>>();
  constructor(private readonly store: ArtifactStore) {}

  get(sha256: string): Promise<ModelArtifact> {
    let artifact = this.loaded.get(sha256);
    if (!artifact) {
      if (this.loaded.size >= 4) this.loaded.delete(this.loaded.keys().next().value!);
      artifact = loadArtifact(this.store, sha256);
      artifact.catch(() => this.loaded.delete(sha256));
      this.loaded.set(sha256, artifact);
    }
    return artifact;
  }
}
