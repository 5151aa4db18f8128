ALTER TABLE "model_versions" ADD COLUMN "fairness" jsonb;--> statement-breakpoint
ALTER TABLE "model_versions" ADD COLUMN "importances" jsonb DEFAULT '[]'::jsonb NOT NULL;