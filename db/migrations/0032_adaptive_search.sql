ALTER TABLE "trials" ADD COLUMN "learning_curve" jsonb;--> statement-breakpoint
ALTER TABLE "trials" ADD COLUMN "pruned_at_round" integer;--> statement-breakpoint
ALTER TABLE "trials" ADD COLUMN "seeded_from_trial_id" uuid;