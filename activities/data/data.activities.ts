import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { heartbeat } from '@temporalio/activity';
import type { Repositories } from '../../db/repositories/index.js';
import type { DatasetVersionRow } from '../../db/schema/index.js';
import type { PipelineSpec } from '../../domain/pipeline/spec.js';
import type { PrivacyRequest } from '../../domain/data/privacy-budget.js';
import { FailureType, permanentFailure } from '../failures.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { registerDatasetFile } from '../../storage/register-dataset.js';
import { DataFormatError, formatOf } from '../../storage/read-rows.js';
import { validateDataset, type ValidationReport } from './validate.js';

/** A small reference to a dataset version: what the workflow keeps in its history instead of data. */
export interface DatasetVersionRef {
  id: string;
  name: string;
  version: number;
  sha256: string;
  rowCount: number;
  /** True when this call registered new content; false when it resolved an existing version. */
  created: boolean;
}

const refOf = (row: DatasetVersionRow, name: string, created: boolean): DatasetVersionRef => ({
  id: row.id,
  name,
  version: row.version,
  sha256: row.sha256,
  rowCount: row.rowCount,
  created,
});

export function createDataActivities({ repos, store, importDir }: { repos: Repositories; store: ArtifactStore; importDir: string }) {
  return {
    /**
     * Registers the spec's file as a dataset version (content-addressed: identical bytes are one version)
     * or resolves a named version. Streams the file into the store and profiles it without loading it whole.
     */
    async registerDataset(input: { dataset: PipelineSpec['dataset']; actor: string }): Promise<DatasetVersionRef> {
      const { dataset } = input;
      if (!dataset.file) {
        const found = await repos.datasets.findVersion(dataset.name, dataset.version ?? 'latest');
        if (!found) {
          throw permanentFailure(FailureType.DatasetNotFound, `dataset ${dataset.name} has no version ${dataset.version ?? '(none registered yet)'}`);
        }
        return refOf(found, dataset.name, false);
      }
      const file = path.resolve(importDir, dataset.file);
      if (path.relative(importDir, file).startsWith('..') || path.isAbsolute(path.relative(importDir, file))) {
        throw permanentFailure(FailureType.BadInput, `dataset.file ${dataset.file} is outside the import directory`);
      }
      if (!existsSync(file) || !statSync(file).isFile()) throw permanentFailure(FailureType.BadInput, `dataset.file ${dataset.file} does not exist`);
      const format = dataset.format ?? formatOf(file);
      if (!format) throw permanentFailure(FailureType.BadInput, `dataset.format is needed: ${dataset.file} does not end in .csv or .jsonl`);
      try {
        const { row, created } = await registerDatasetFile(
          { repos, store },
          {
            name: dataset.name,
            file,
            format,
            metadata: { source: dataset.source ?? dataset.file, license: dataset.license, intendedUse: dataset.intendedUse },
            actor: input.actor,
            sensitiveColumns: dataset.sensitiveColumns,
            onProgress: (stage, rows) => heartbeat({ stage, rows }),
          },
        );
        return refOf(row, dataset.name, created);
      } catch (error) {
        if (error instanceof DataFormatError) throw permanentFailure(FailureType.DataFormat, `dataset.file ${dataset.file}: ${error.message}`);
        throw error;
      }
    },

    /** Checks the version against the spec's rules; returns the full report, and the workflow decides. */
    async validateData(input: { datasetVersionId: string; spec: Pick<PipelineSpec, 'validation' | 'features' | 'target' | 'task' | 'fairness'> }): Promise<ValidationReport> {
      const [version] = await repos.datasets.findVersionsByIds([input.datasetVersionId]);
      if (!version) throw permanentFailure(FailureType.DatasetNotFound, `dataset version ${input.datasetVersionId} does not exist`);
      heartbeat({ stage: 'validate', rows: 0 });
      return await store.withLocalFile(version.sha256, (file) =>
        validateDataset(file, version.format, { rowCount: version.rowCount, columns: version.columns }, input.spec, (rows) => heartbeat({ stage: 'validate', rows })),
      );
    },

    /**
     * Draws the run's ε from its dataset's privacy budget (nothing when the dataset has none): the
     * authoritative check behind the one at submission, so every way a run starts obeys the same ledger.
     * Idempotent per run; a refusal is permanent and names the figures.
     */
    async drawPrivacyBudget(input: { runId: string; datasetVersionId: string; privacy: PrivacyRequest | undefined; actor: string }): Promise<PrivacyDrawRef> {
      const [version] = await repos.datasets.findVersionsByIds([input.datasetVersionId]);
      if (!version) throw permanentFailure(FailureType.DatasetNotFound, `dataset version ${input.datasetVersionId} does not exist`);
      const outcome = await repos.privacy.draw({ datasetId: version.datasetId, runId: input.runId, privacy: input.privacy, actor: input.actor });
      if ('refused' in outcome) throw permanentFailure(FailureType.PrivacyBudgetRefused, outcome.refused, outcome.status);
      const { drawn } = outcome;
      return drawn ? { drawn: true, epsilon: drawn.epsilon, delta: drawn.delta } : { drawn: false };
    },
  };
}

/** What a run drew from its dataset's privacy budget. */
export type PrivacyDrawRef = { drawn: false } | { drawn: true; epsilon: number; delta: number };

export type DataActivities = ReturnType<typeof createDataActivities>;
