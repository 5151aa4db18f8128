CREATE TABLE "scoring_jobs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"workflow_id" text NOT NULL,
	"model_name" text NOT NULL,
	"model_version_id" uuid NOT NULL,
	"input_dataset_version_id" uuid NOT NULL,
	"output_dataset" text NOT NULL,
	"output_dataset_version_id" uuid,
	"request" jsonb NOT NULL,
	"requested_by" text NOT NULL,
	"schedule_id" text,
	"status" text NOT NULL,
	"chunks" jsonb,
	"report" jsonb,
	"error" jsonb,
	"finished_at" timestamp with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "scoring_jobs" ADD CONSTRAINT "scoring_jobs_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scoring_jobs" ADD CONSTRAINT "scoring_jobs_input_dataset_version_id_dataset_versions_id_fk" FOREIGN KEY ("input_dataset_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scoring_jobs" ADD CONSTRAINT "scoring_jobs_output_dataset_version_id_dataset_versions_id_fk" FOREIGN KEY ("output_dataset_version_id") REFERENCES "public"."dataset_versions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "scoring_jobs_workflow_id_key" ON "scoring_jobs" USING btree ("workflow_id");--> statement-breakpoint
CREATE INDEX "scoring_jobs_model_created_idx" ON "scoring_jobs" USING btree ("model_name","created_at","id");--> statement-breakpoint
CREATE INDEX "scoring_jobs_model_version_idx" ON "scoring_jobs" USING btree ("model_version_id");--> statement-breakpoint
CREATE INDEX "scoring_jobs_input_idx" ON "scoring_jobs" USING btree ("input_dataset_version_id");--> statement-breakpoint
CREATE INDEX "scoring_jobs_output_idx" ON "scoring_jobs" USING btree ("output_dataset_version_id");--> statement-breakpoint
-- A scoring job sits between the dataset version it read and the model version it scored with, and the dataset
-- version it wrote: input_of, scored_with, and scored_as.
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
    FROM pipeline_runs WHERE drift_report_id IS NOT NULL
  UNION ALL
  SELECT input_dataset_version_id, 'dataset_version', id, 'scoring_job', 'input_of'
    FROM scoring_jobs
  UNION ALL
  SELECT model_version_id, 'model_version', id, 'scoring_job', 'scored_with'
    FROM scoring_jobs
  UNION ALL
  SELECT id, 'scoring_job', output_dataset_version_id, 'dataset_version', 'scored_as'
    FROM scoring_jobs WHERE output_dataset_version_id IS NOT NULL;
--> statement-breakpoint
CREATE OR REPLACE VIEW lineage_nodes AS
  SELECT id, 'dataset_version' AS type FROM dataset_versions
  UNION ALL SELECT id, 'run' FROM pipeline_runs
  UNION ALL SELECT id, 'trial' FROM trials
  UNION ALL SELECT id, 'model_version' FROM model_versions
  UNION ALL SELECT id, 'deployment' FROM deployments
  UNION ALL SELECT id, 'drift_report' FROM drift_reports
  UNION ALL SELECT id, 'scoring_job' FROM scoring_jobs;
