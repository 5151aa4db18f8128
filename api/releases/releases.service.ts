import { Inject, Injectable } from '@nestjs/common';
import type { Repositories } from '../../db/repositories/index.js';
import type { ModelVersionRow, ReleaseLookRow, ReleaseRow } from '../../db/schema/index.js';
import type { ShadowReport } from '../../domain/release/report.js';
import { roleSatisfies } from '../../domain/access.js';
import type { Caller } from '../access/principal.js';
import { DATA_READ_ROLES } from '../access/roles.js';
import { REPOSITORIES } from '../core/tokens.js';
import { RegistryError } from '../registry/registry.error.js';
import type { Release, ReleaseLook } from './models/release.model.js';

const MAX_LIMIT = 100;

/** Reads releases (shadows and A/B tests); their one writer is the run's workflow. */
@Injectable()
export class ReleasesService {
  constructor(@Inject(REPOSITORIES) private readonly repos: Repositories) {}

  /** A model's releases, newest first. */
  async ofModel(modelName: string, limit: number, caller: Caller): Promise<Release[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new RegistryError('INVALID_INPUT', `input.limit must be an integer from 1 to ${MAX_LIMIT}`);
    const model = await this.repos.registry.findModel(modelName);
    if (!model) throw new RegistryError('MODEL_NOT_FOUND', `No model is named ${modelName}`);
    return await this.toModels(await this.repos.releases.ofModel(model.id, limit), caller, model.name);
  }

  /**
   * Releases as the API shows them, each with its versions' numbers. The served inputs a shadow report quotes are
   * data rows: only those who may read data back see them (a viewer or an approver sees the rest of the report).
   */
  async toModels(rows: ReleaseRow[], caller: Caller, modelName?: string): Promise<Release[]> {
    const ids = [...new Set(rows.flatMap((r) => [r.challengerVersionId, r.championVersionId].filter((id): id is string => id !== null)))];
    const versions = new Map((await this.repos.registry.findVersionsByIds(ids)).map((v) => [v.id, v]));
    const names = modelName ? null : new Map((await this.repos.registry.findModelsByIds([...new Set(rows.map((r) => r.modelId))])).map((m) => [m.id, m.name]));
    const readsData = roleSatisfies(caller.role, DATA_READ_ROLES);
    return rows.map((row) => toReleaseModel(readsData ? row : withoutInputs(row), versions, modelName ?? names!.get(row.modelId) ?? ''));
  }
}

/** The release with its shadow report's quoted inputs withheld. */
function withoutInputs(row: ReleaseRow): ReleaseRow {
  if (row.strategy !== 'shadow' || !row.report) return row;
  const report = row.report as ShadowReport;
  return { ...row, report: { ...report, disagreements: report.disagreements.map((d) => ({ ...d, inputs: null })) } };
}

export function toReleaseModel(row: ReleaseRow, versions: Map<string, ModelVersionRow>, modelName: string): Release {
  const shadow = row.strategy === 'shadow' ? (row.report as ShadowReport | null) : null;
  return {
    id: row.id,
    runId: row.runId,
    modelName,
    strategy: row.strategy,
    status: row.status,
    outcome: row.outcome,
    challengerVersion: versions.get(row.challengerVersionId)?.version ?? 0,
    championVersion: row.championVersionId ? (versions.get(row.championVersionId)?.version ?? null) : null,
    settings: row.settings,
    report: row.report,
    checks: shadow?.checks ?? [],
    startedAt: row.startedAt,
    endedAt: row.endedAt,
  };
}

export function toReleaseLookModel(row: ReleaseLookRow): ReleaseLook {
  const { figures } = row;
  return {
    look: row.look,
    at: row.at,
    estimate: figures.state.estimate,
    lower: figures.state.lower,
    upper: figures.state.upper,
    pValue: figures.state.pValue,
    champion: figures.champion,
    challenger: figures.challenger,
    plannedChampion: figures.plannedSamples?.champion ?? null,
    plannedChallenger: figures.plannedSamples?.challenger ?? null,
  };
}
