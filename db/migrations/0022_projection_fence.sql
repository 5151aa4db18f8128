ALTER TABLE "pipeline_runs" ADD COLUMN "projection_epoch" bigint;--> statement-breakpoint
ALTER TABLE "pipeline_runs" ADD COLUMN "projection_seq" integer;