CREATE TABLE "predictions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"model_id" uuid NOT NULL,
	"model_version_id" uuid NOT NULL,
	"role" text NOT NULL,
	"request_key" text,
	"inputs" jsonb NOT NULL,
	"output" jsonb NOT NULL,
	"latency_ms" real NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"label" jsonb,
	"labeled_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "predictions_model_created_idx" ON "predictions" USING btree ("model_id","created_at");--> statement-breakpoint
CREATE INDEX "predictions_version_created_idx" ON "predictions" USING btree ("model_version_id","created_at");