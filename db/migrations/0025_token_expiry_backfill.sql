-- Tokens issued before tokens expired (before 0017_token_expiry) were stored without an expiry and never expire.
-- Each live one is given an expiry 90 days from this migration, and a row in token_expiry_grants, from which the
-- API's next start records every grant in the audit history (one token.expiry_set event each, once).
--
-- Since 0017 a token is stored without an expiry only when asked for (neverExpires), and its token.created event
-- names expiresAt (null then); before 0017 that event did not name it. So a token is from before expiry when its
-- created event does not name expiresAt (or is missing) and it is no rotation's successor (rotation came after
-- expiry, in 0018). A successor of such a token inherited "never" without anyone asking for it, so it is given the
-- expiry too (an admin who asked for neverExpires when rotating one cannot be told apart; that successor expires
-- as well, and a new service token can be asked for). Tokens asked for without an expiry, and their successors,
-- keep none. Revoked tokens no longer authenticate and are left as they are.
WITH RECURSIVE "legacy" ("id") AS (
  SELECT t."id" FROM "api_tokens" t
  WHERE NOT EXISTS (SELECT 1 FROM "api_tokens" o WHERE o."replaced_by" = t."id")
    AND NOT EXISTS (SELECT 1 FROM "audit_events" e WHERE e."idempotency_key" = 'token:' || t."id" || ':created' AND e."payload" ? 'expiresAt')
  UNION
  SELECT o."replaced_by" FROM "api_tokens" o JOIN "legacy" l ON o."id" = l."id" WHERE o."replaced_by" IS NOT NULL
), "given" AS (
  UPDATE "api_tokens" SET "expires_at" = now() + interval '90 days', "updated_at" = now()
  WHERE "id" IN (SELECT "id" FROM "legacy") AND "expires_at" IS NULL AND "revoked_at" IS NULL
  RETURNING "id", "expires_at"
)
INSERT INTO "token_expiry_grants" ("token_id", "expires_at") SELECT "id", "expires_at" FROM "given";
