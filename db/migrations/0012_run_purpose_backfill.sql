-- Runs started by reproduce before the purpose was stored: their trigger says what they were.
UPDATE "pipeline_runs" SET "purpose" = 'reproduce' WHERE "trigger" = 'reproduce';
