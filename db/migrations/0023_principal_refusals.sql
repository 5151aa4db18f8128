CREATE TABLE "principal_refusals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"actor" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	"operations" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"last_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "principal_refusals_window_key" ON "principal_refusals" USING btree ("actor","window_start");--> statement-breakpoint
CREATE INDEX "principal_refusals_open_idx" ON "principal_refusals" USING btree ("window_start") WHERE "principal_refusals"."closed_at" is null;