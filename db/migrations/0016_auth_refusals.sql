CREATE TABLE "auth_refusals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"source" text NOT NULL,
	"operation" text NOT NULL,
	"reason" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	"last_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "auth_refusals_window_key" ON "auth_refusals" USING btree ("source","operation","reason","window_start");--> statement-breakpoint
CREATE INDEX "auth_refusals_window_idx" ON "auth_refusals" USING btree ("window_start");