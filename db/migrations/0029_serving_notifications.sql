-- Serving processes cache what they read on every request: a model's production routes and the callers of
-- tokens. A change to either is announced once its transaction commits, so every process drops what it derived
-- at once instead of waiting for its cache to expire.
CREATE OR REPLACE FUNCTION custody_notify_deployments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('custody_deployments', COALESCE(NEW.model_id, OLD.model_id)::text);
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER deployments_notify AFTER INSERT OR UPDATE OR DELETE ON deployments FOR EACH ROW EXECUTE FUNCTION custody_notify_deployments();--> statement-breakpoint
CREATE OR REPLACE FUNCTION custody_notify_access() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('custody_access', TG_TABLE_NAME);
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER api_tokens_notify AFTER UPDATE OR DELETE ON api_tokens FOR EACH ROW EXECUTE FUNCTION custody_notify_access();--> statement-breakpoint
CREATE TRIGGER principals_notify AFTER UPDATE OR DELETE ON principals FOR EACH ROW EXECUTE FUNCTION custody_notify_access();
