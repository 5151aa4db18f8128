CREATE INDEX "pipeline_runs_dataset_version_idx" ON "pipeline_runs" USING btree ("dataset_version_id");--> statement-breakpoint
CREATE INDEX "pipeline_runs_parent_idx" ON "pipeline_runs" USING btree ("parent_run_id");--> statement-breakpoint
CREATE INDEX "model_versions_trial_idx" ON "model_versions" USING btree ("trial_id");--> statement-breakpoint
CREATE INDEX "model_versions_dataset_version_idx" ON "model_versions" USING btree ("dataset_version_id");