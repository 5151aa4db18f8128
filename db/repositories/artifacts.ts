import { sql } from 'drizzle-orm';
import type { Db } from '../client.js';

/** Every place a stored artifact's sha256 may be named, for garbage collection to keep. */
export class ArtifactsRepository {
  constructor(private readonly db: Db) {}

  /**
   * Hashes the records point to: dataset versions, model versions, trials, monitoring references and
   * drift reports by column, a scoring job's rejects file, and any sha256 written inside the audit history, run steps' outputs or specs.
   */
  async referenced(): Promise<{ all: Set<string>; models: Set<string> }> {
    const rows = (await this.db.execute(sql`
      select sha256 as hash, false as model from dataset_versions
      union select artifact_sha256, true from model_versions
      union select artifact_sha256, true from trials where artifact_sha256 is not null
      union select sha256, false from monitoring_references
      union select reference_sha256, false from drift_reports
      union select (regexp_matches(payload::text, '[0-9a-f]{64}', 'g'))[1], false from audit_events
      union select (regexp_matches(output::text, '[0-9a-f]{64}', 'g'))[1], false from run_steps where output is not null
      union select (regexp_matches(spec::text, '[0-9a-f]{64}', 'g'))[1], false from pipeline_runs
      union select report->>'rejectsSha256', false from scoring_jobs where report->>'rejectsSha256' is not null
    `)) as unknown as { rows?: { hash: string; model: boolean }[] } & { hash: string; model: boolean }[];
    const all = new Set<string>();
    const models = new Set<string>();
    for (const row of rows.rows ?? rows) {
      all.add(row.hash);
      if (row.model) models.add(row.hash);
    }
    return { all, models };
  }
}
