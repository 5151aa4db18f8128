import { and, asc, desc, eq, gt, inArray, isNull, lte, ne, or, type SQL } from 'drizzle-orm';
import type { Db } from '../client.js';
import { AuditRepository } from './audit.js';
import {
  deployments,
  models,
  modelVersions,
  type DeploymentEndReason,
  type DeploymentRole,
  type DeploymentRow,
  type DeploymentStage,
  type ModelRow,
  type ModelVersionRow,
  type NewModelVersionRow,
} from '../schema/index.js';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** A deployment named a model version that does not exist: bad input, never worth a retry. */
export class UnknownModelVersionError extends Error {
  override readonly name = 'UnknownModelVersionError';
  constructor(id: string) {
    super(`model version ${id} does not exist`);
  }
}

export interface DeploymentWithVersion extends DeploymentRow {
  version: number;
  modelName: string;
}

/**
 * The model registry: model names, their content-hashed versions, and the full deployment history.
 * Deployment rows are never deleted; ending one sets `endedAt` and the reason.
 */
export class RegistryRepository {
  constructor(private readonly db: Db) {}

  async findModelsByIds(ids: readonly string[]): Promise<ModelRow[]> {
    if (ids.length === 0) return [];
    return await this.db.select().from(models).where(inArray(models.id, [...ids]));
  }

  async findModel(name: string): Promise<ModelRow | null> {
    const [row] = await this.db.select().from(models).where(eq(models.name, name));
    return row ?? null;
  }

  async listModels(): Promise<ModelRow[]> {
    return await this.db.select().from(models).orderBy(models.name);
  }

  /**
   * Registers the run's model version once, with its `model.registered` audit event in the same transaction,
   * keyed by the version: a repeat (a retry, or a resumed run registering again) returns the same row and
   * writes nothing.
   */
  async registerVersion(
    modelName: string,
    version: Omit<NewModelVersionRow, 'id' | 'modelId' | 'version' | 'createdAt' | 'updatedAt'>,
    audit: { actor: string; payload?: Record<string, unknown> } = { actor: 'system' },
  ): Promise<ModelVersionRow> {
    return await this.db.transaction(async (tx) => {
      await tx.insert(models).values({ name: modelName }).onConflictDoNothing({ target: models.name });
      const [model] = await tx.select().from(models).where(eq(models.name, modelName)).for('update');
      const [existing] = await tx.select().from(modelVersions).where(eq(modelVersions.runId, version.runId));
      if (existing) return existing;
      const [last] = await tx
        .select({ version: modelVersions.version })
        .from(modelVersions)
        .where(eq(modelVersions.modelId, model!.id))
        .orderBy(desc(modelVersions.version))
        .limit(1);
      const [row] = await tx.insert(modelVersions).values({ ...version, modelId: model!.id, version: (last?.version ?? 0) + 1 }).returning();
      await new AuditRepository(tx as unknown as Db).append({
        actor: audit.actor,
        action: 'model.registered',
        subjectType: 'model_version',
        subjectId: row!.id,
        payload: { model: modelName, version: row!.version, artifactSha256: row!.artifactSha256, runId: row!.runId, ...audit.payload },
        idempotencyKey: `model-version:${row!.id}`,
      });
      return row!;
    });
  }

  async findVersion(id: string): Promise<ModelVersionRow | null> {
    const [row] = await this.db.select().from(modelVersions).where(eq(modelVersions.id, id));
    return row ?? null;
  }

  /** A model's version by its number (`v3` of `claims`), if both exist. */
  async findVersionByNumber(modelName: string, version: number): Promise<ModelVersionRow | null> {
    const [row] = await this.db
      .select({ version: modelVersions })
      .from(modelVersions)
      .innerJoin(models, eq(models.id, modelVersions.modelId))
      .where(and(eq(models.name, modelName), eq(modelVersions.version, version)));
    return row?.version ?? null;
  }

  async findVersionsByIds(ids: readonly string[]): Promise<ModelVersionRow[]> {
    if (ids.length === 0) return [];
    return await this.db.select().from(modelVersions).where(inArray(modelVersions.id, [...ids]));
  }

  async findVersionByRun(runId: string): Promise<ModelVersionRow | null> {
    const [row] = await this.db.select().from(modelVersions).where(eq(modelVersions.runId, runId));
    return row ?? null;
  }

  async versionsOfRuns(runIds: readonly string[]): Promise<ModelVersionRow[]> {
    if (runIds.length === 0) return [];
    return await this.db.select().from(modelVersions).where(inArray(modelVersions.runId, [...runIds]));
  }

  async versionsOfModels(modelIds: readonly string[]): Promise<ModelVersionRow[]> {
    if (modelIds.length === 0) return [];
    return await this.db.select().from(modelVersions).where(inArray(modelVersions.modelId, [...modelIds])).orderBy(desc(modelVersions.version));
  }

  /** The version serving production's remainder (the primary), if any. */
  async productionPrimary(modelName: string): Promise<{ deployment: DeploymentRow; version: ModelVersionRow } | null> {
    const [row] = await this.db
      .select({ deployment: deployments, version: modelVersions })
      .from(deployments)
      .innerJoin(models, eq(models.id, deployments.modelId))
      .innerJoin(modelVersions, eq(modelVersions.id, deployments.modelVersionId))
      .where(and(eq(models.name, modelName), eq(deployments.stage, 'production'), eq(deployments.role, 'primary'), isNull(deployments.endedAt)))
      .limit(1);
    return row ?? null;
  }

  /**
   * Makes a version serve a stage, idempotently keyed by `key`. A `primary` ends the stage's current
   * primary (superseded) and any canary or shadow of the same run (promoted); a `canary` ends the run's
   * previous canary step or its shadow (promoted).
   */
  async deploy(input: {
    key: string;
    modelVersionId: string;
    stage: DeploymentStage;
    role: DeploymentRole;
    trafficPercent: number;
    runId: string | null;
    approvedBy: string[];
    at: Date;
  }): Promise<DeploymentRow> {
    return await this.db.transaction(async (tx) => {
      const [version] = await tx.select().from(modelVersions).where(eq(modelVersions.id, input.modelVersionId));
      if (!version) throw new UnknownModelVersionError(input.modelVersionId);
      await tx.select().from(models).where(eq(models.id, version.modelId)).for('update');
      // Checked under the model's lock, so a concurrent retry of the same write finds the first one.
      const [done] = await tx.select().from(deployments).where(eq(deployments.idempotencyKey, input.key));
      if (done) return done;
      const active = and(eq(deployments.modelId, version.modelId), eq(deployments.stage, input.stage), isNull(deployments.endedAt));
      if (input.role === 'primary') {
        await this.end(tx, and(active, eq(deployments.role, 'primary'))!, 'superseded', input.at);
      }
      if (input.runId) {
        await this.end(tx, and(active, inArray(deployments.role, ['canary', 'shadow']), eq(deployments.runId, input.runId))!, 'promoted', input.at);
      }
      const [row] = await tx
        .insert(deployments)
        .values({
          modelId: version.modelId,
          modelVersionId: input.modelVersionId,
          stage: input.stage,
          role: input.role,
          trafficPercent: input.trafficPercent,
          runId: input.runId,
          approvedBy: input.approvedBy,
          idempotencyKey: input.key,
          startedAt: input.at,
        })
        .returning();
      return row!;
    });
  }

  /**
   * Undoes a run's rollout on a stage: ends its canary and its primary (rolled back) and, if its
   * primary had replaced another version, puts that version back as primary. Idempotent by `key`.
   */
  async rollback(input: { key: string; runId: string; stage: DeploymentStage; at: Date }): Promise<{ restoredVersionId: string | null }> {
    return await this.db.transaction(async (tx) => {
      const [done] = await tx.select().from(deployments).where(eq(deployments.idempotencyKey, input.key));
      if (done) return { restoredVersionId: done.modelVersionId };
      const ours = await tx.select().from(deployments).where(and(eq(deployments.runId, input.runId), eq(deployments.stage, input.stage)));
      if (ours.length === 0) return { restoredVersionId: null };
      const modelId = ours[0]!.modelId;
      await tx.select().from(models).where(eq(models.id, modelId)).for('update');
      const ourActivePrimary = ours.find((d) => d.role === 'primary' && d.endedAt === null);
      await this.end(tx, and(eq(deployments.runId, input.runId), eq(deployments.stage, input.stage), isNull(deployments.endedAt))!, 'rolled_back', input.at);
      if (!ourActivePrimary) return { restoredVersionId: null };
      // The primary ours replaced: the latest superseded primary of another version that ended when ours started.
      const [previous] = await tx
        .select()
        .from(deployments)
        .where(
          and(
            eq(deployments.modelId, modelId),
            eq(deployments.stage, input.stage),
            eq(deployments.role, 'primary'),
            eq(deployments.endReason, 'superseded'),
            ne(deployments.modelVersionId, ourActivePrimary.modelVersionId),
            lte(deployments.endedAt, ourActivePrimary.startedAt),
          ),
        )
        .orderBy(desc(deployments.endedAt))
        .limit(1);
      if (!previous) return { restoredVersionId: null };
      await tx.insert(deployments).values({
        modelId,
        modelVersionId: previous.modelVersionId,
        stage: input.stage,
        role: 'primary',
        trafficPercent: 100,
        // Attributed to the run whose rollback restored it; the approvals are those of the original release.
        runId: input.runId,
        approvedBy: previous.approvedBy,
        idempotencyKey: input.key,
        startedAt: input.at,
      });
      return { restoredVersionId: previous.modelVersionId };
    });
  }

  private async end(tx: Tx, where: SQL, reason: DeploymentEndReason, at: Date): Promise<void> {
    await tx.update(deployments).set({ endedAt: at, endReason: reason }).where(and(where, isNull(deployments.endedAt)));
  }

  /** Deployments with their version number and model name, matching `where`, in `order`. */
  private async deploymentsWhere(where: SQL | undefined, order: SQL[] = [desc(deployments.startedAt), desc(deployments.createdAt)]): Promise<DeploymentWithVersion[]> {
    const rows = await this.db
      .select({ deployment: deployments, version: modelVersions.version, modelName: models.name })
      .from(deployments)
      .innerJoin(models, eq(models.id, deployments.modelId))
      .innerJoin(modelVersions, eq(modelVersions.id, deployments.modelVersionId))
      .where(where)
      .orderBy(...order);
    return rows.map((r) => ({ ...r.deployment, version: r.version, modelName: r.modelName }));
  }

  /** Deployments of a model, newest first; with `at`, only those serving at that instant. */
  async history(modelName: string, at?: Date): Promise<DeploymentWithVersion[]> {
    const serving = at ? and(lte(deployments.startedAt, at), or(isNull(deployments.endedAt), gt(deployments.endedAt, at))) : undefined;
    return await this.deploymentsWhere(and(eq(models.name, modelName), serving));
  }

  async activeOfModels(modelIds: readonly string[]): Promise<DeploymentWithVersion[]> {
    if (modelIds.length === 0) return [];
    return await this.deploymentsWhere(and(inArray(deployments.modelId, [...modelIds]), isNull(deployments.endedAt)));
  }

  async deploymentsByIds(ids: readonly string[]): Promise<DeploymentWithVersion[]> {
    if (ids.length === 0) return [];
    return await this.deploymentsWhere(inArray(deployments.id, [...ids]));
  }

  async ofRuns(runIds: readonly string[]): Promise<DeploymentWithVersion[]> {
    if (runIds.length === 0) return [];
    return await this.deploymentsWhere(inArray(deployments.runId, [...runIds]), [asc(deployments.startedAt)]);
  }
}
