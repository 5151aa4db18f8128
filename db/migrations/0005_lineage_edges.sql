-- The lineage graph, as a view over the foreign keys that already record where each artifact came from.
-- Edges point downstream: from what was used to what was made from it.
CREATE VIEW lineage_edges AS
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
    FROM deployments;
--> statement-breakpoint
-- Which table a node id belongs to.
CREATE VIEW lineage_nodes AS
  SELECT id, 'dataset_version' AS type FROM dataset_versions
  UNION ALL SELECT id, 'run' FROM pipeline_runs
  UNION ALL SELECT id, 'trial' FROM trials
  UNION ALL SELECT id, 'model_version' FROM model_versions
  UNION ALL SELECT id, 'deployment' FROM deployments;
