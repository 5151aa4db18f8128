ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_model_id_key" UNIQUE("model_id","id");--> statement-breakpoint
ALTER TABLE "predictions" DROP CONSTRAINT "predictions_model_id_models_id_fk";
--> statement-breakpoint
ALTER TABLE "predictions" DROP CONSTRAINT "predictions_model_version_id_model_versions_id_fk";
--> statement-breakpoint
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_model_version_fk" FOREIGN KEY ("model_id","model_version_id") REFERENCES "public"."model_versions"("model_id","id") ON DELETE restrict ON UPDATE no action;
