ALTER TABLE "trials" ADD COLUMN "privacy" jsonb;--> statement-breakpoint
ALTER TABLE "model_versions" ADD COLUMN "privacy" jsonb;