CREATE TABLE "privacy_draws" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"dataset_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"epsilon" double precision NOT NULL,
	"delta" double precision NOT NULL,
	"drawn_by" text NOT NULL,
	"drawn_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "datasets" ADD COLUMN "privacy_epsilon" double precision;--> statement-breakpoint
ALTER TABLE "datasets" ADD COLUMN "allow_non_private" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "privacy_draws" ADD CONSTRAINT "privacy_draws_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_draws" ADD CONSTRAINT "privacy_draws_run_id_pipeline_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."pipeline_runs"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "privacy_draws_dataset_run_key" ON "privacy_draws" USING btree ("dataset_id","run_id");