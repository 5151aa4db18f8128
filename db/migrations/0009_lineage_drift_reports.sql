-- Drift reports join the lineage graph: the version a report checked (monitored) leads to the report,
-- and the report to the retraining it triggered. Walks downstream from a version follow only the
-- reports that triggered a run (db/repositories/lineage.ts), so routine checks do not crowd the graph.
CREATE OR REPLACE VIEW lineage_edges AS
  SELECT dataset_version_id AS from_id, 'dataset_version' AS from_type, id AS to_id, 'run' AS to_type, 'input_of' AS relation
    FROM pipeline_runs WHERE dataset_version_id IS NOT NULL
  UNION ALL
  SELECT parent_run_id, 'run', id, 'run', trigger
    FROM pipeline_runs WHERE parent_run_id IS NOT NULL
  UNION ALL
  SELECT run_id, 'run', id, 'trial', 'trained'
    FROM trials
  UNION ALL
  SELECT trial_id, 'trial', id, 'model_version', 'registered_as'
    FROM model_versions WHERE trial_id IS NOT NULL
  UNION ALL
  SELECT run_id, 'run', id, 'model_version', 'produced'
    FROM model_versions
  UNION ALL
  SELECT model_version_id, 'model_version', id, 'deployment', 'deployed_as'
    FROM deployments
  UNION ALL
  SELECT model_version_id, 'model_version', id, 'drift_report', 'monitored'
    FROM drift_reports
  UNION ALL
  SELECT drift_report_id, 'drift_report', id, 'run', 'triggered'
    FROM pipeline_runs WHERE drift_report_id IS NOT NULL;
--> statement-breakpoint
CREATE OR REPLACE VIEW lineage_nodes AS
  SELECT id, 'dataset_version' AS type FROM dataset_versions
  UNION ALL SELECT id, 'run' FROM pipeline_runs
  UNION ALL SELECT id, 'trial' FROM trials
  UNION ALL SELECT id, 'model_version' FROM model_versions
  UNION ALL SELECT id, 'deployment' FROM deployments
  UNION ALL SELECT id, 'drift_report' FROM drift_reports;
