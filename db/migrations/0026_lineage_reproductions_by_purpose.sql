-- A run's edge from the run it came from says what it is: `reproduce` for a reproduction, told by its purpose
-- (reproductions are now started with the trigger `manual`, as a person asked for them), otherwise its trigger
-- (`retrain`). Reproductions recorded before say `reproduce` in both, so they read as before.
CREATE OR REPLACE VIEW lineage_edges AS
  SELECT dataset_version_id AS from_id, 'dataset_version' AS from_type, id AS to_id, 'run' AS to_type, 'input_of' AS relation
    FROM pipeline_runs WHERE dataset_version_id IS NOT NULL
  UNION ALL
  SELECT parent_run_id, 'run', id, 'run', CASE WHEN purpose = 'reproduce' THEN 'reproduce' ELSE trigger END
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
