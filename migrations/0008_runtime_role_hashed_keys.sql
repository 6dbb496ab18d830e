-- The service can run as a role of its own that may only INSERT and SELECT audit events (see
-- src/db/roles.ts and the README): migrations, and so every table, function and trigger, belong
-- to the owner role. Two things the service does to the audit trail therefore run with the
-- owner's rights, each inside a function that allows exactly that much:
--
-- 1. Appending moves the chain head (audit_chain_head), which the service may not write itself.
ALTER FUNCTION audit_events_append() SECURITY DEFINER;
--> statement-breakpoint
ALTER FUNCTION audit_events_append() SET search_path = pg_catalog, public;
--> statement-breakpoint
-- 2. The retention purge: events older than a cut-off at least five years back, nothing else.
CREATE OR REPLACE FUNCTION audit_purge_expired(cutoff timestamptz) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  purged bigint;
BEGIN
  IF cutoff IS NULL OR cutoff > now() - interval '5 years' THEN
    RAISE EXCEPTION 'the audit trail is append-only: events younger than five years are kept'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM set_config('registry.audit_purge_before', cutoff::text, true);
  DELETE FROM audit_events WHERE occurred_at < cutoff;
  GET DIAGNOSTICS purged = ROW_COUNT;
  PERFORM set_config('registry.audit_purge_before', '', true);
  RETURN purged;
END;
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION audit_purge_expired(timestamptz) FROM PUBLIC;
--> statement-breakpoint
-- Idempotency keys are kept as their SHA-256 only (ingest-reports.repository.ts hashes them).
UPDATE ingest_reports SET idempotency_key = encode(sha256(convert_to(idempotency_key, 'UTF8')), 'hex') WHERE idempotency_key IS NOT NULL;
--> statement-breakpoint
ALTER TABLE "ingest_reports" DROP CONSTRAINT "ingest_reports_key_format";--> statement-breakpoint
ALTER TABLE "ingest_reports" ADD CONSTRAINT "ingest_reports_key_format" CHECK ("ingest_reports"."idempotency_key" ~ '^[0-9a-f]{64}$');
