CREATE TABLE "release_looks" (
	"release_id" uuid NOT NULL,
	"look" integer NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"figures" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "releases" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"run_id" uuid NOT NULL,
	"model_id" uuid NOT NULL,
	"strategy" text NOT NULL,
	"challenger_version_id" uuid NOT NULL,
	"champion_version_id" uuid,
	"deployment_id" uuid,
	"settings" jsonb NOT NULL,
	"status" text NOT NULL,
	"outcome" text,
	"report" jsonb,
	"idempotency_key" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "predictions" ADD COLUMN "shadow_of" uuid;--> statement-breakpoint
ALTER TABLE "release_looks" ADD CONSTRAINT "release_looks_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "releases" ADD CONSTRAINT "releases_run_id_pipeline_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."pipeline_runs"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "releases" ADD CONSTRAINT "releases_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "releases" ADD CONSTRAINT "releases_challenger_version_id_model_versions_id_fk" FOREIGN KEY ("challenger_version_id") REFERENCES "public"."model_versions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "releases" ADD CONSTRAINT "releases_champion_version_id_model_versions_id_fk" FOREIGN KEY ("champion_version_id") REFERENCES "public"."model_versions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "releases" ADD CONSTRAINT "releases_deployment_id_deployments_id_fk" FOREIGN KEY ("deployment_id") REFERENCES "public"."deployments"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "release_looks_release_look_key" ON "release_looks" USING btree ("release_id","look");--> statement-breakpoint
CREATE UNIQUE INDEX "releases_idempotency_key" ON "releases" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "releases_run_idx" ON "releases" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "releases_model_started_idx" ON "releases" USING btree ("model_id","started_at");--> statement-breakpoint
CREATE INDEX "releases_challenger_idx" ON "releases" USING btree ("challenger_version_id");--> statement-breakpoint
CREATE INDEX "releases_champion_idx" ON "releases" USING btree ("champion_version_id");--> statement-breakpoint
CREATE INDEX "releases_deployment_idx" ON "releases" USING btree ("deployment_id");