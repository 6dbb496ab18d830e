-- The audit trail is append-only and hash-chained, enforced in the database so that no code
-- path (nor the service's own role) can rewrite history.

INSERT INTO audit_chain_head (singleton, position, hash) VALUES (true, 0, repeat('0', 64)) ON CONFLICT DO NOTHING;
--> statement-breakpoint
-- Canonical serialisation of an event: jsonb orders keys deterministically, and the timestamp
-- is written in UTC with microseconds, so the same event always gives the same text.
CREATE OR REPLACE FUNCTION audit_event_canonical(e audit_events) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'chain_position', e.chain_position,
    'occurred_at', to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'request_id', e.request_id,
    'principal_id', e.principal_id,
    'role', e.role,
    'institution_id', e.institution_id,
    'action', e.action,
    'resource_type', e.resource_type,
    'subject_keys', to_jsonb(e.subject_keys),
    'subject_count', e.subject_count,
    'operation', e.operation,
    'variables_hash', e.variables_hash,
    'outcome', e.outcome,
    'status_code', e.status_code,
    'source_address', e.source_address,
    'user_agent', e.user_agent,
    'purpose', e.purpose,
    'details', e.details,
    'previous_hash', e.previous_hash
  )::text
$$;
--> statement-breakpoint
-- Appending locks the head row until commit: concurrent writers queue, positions stay
-- contiguous and each event carries the hash of the one before it.
CREATE OR REPLACE FUNCTION audit_events_append() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  head record;
BEGIN
  SELECT position, hash INTO head FROM audit_chain_head WHERE singleton FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'the audit chain head is missing' USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  NEW.chain_position := head.position + 1;
  NEW.occurred_at := clock_timestamp();
  NEW.previous_hash := head.hash;
  NEW.hash := encode(sha256(convert_to(audit_event_canonical(NEW), 'UTF8')), 'hex');
  UPDATE audit_chain_head SET position = NEW.chain_position, hash = NEW.hash WHERE singleton;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_append BEFORE INSERT ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append();
--> statement-breakpoint
-- No UPDATE, no DELETE, no TRUNCATE. The one exception is the retention purge: a DELETE of
-- events older than the cut-off the purge declares in its own transaction
-- (SET LOCAL registry.audit_purge_before), and that cut-off can never be less than five years ago.
CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  purge_before timestamptz;
BEGIN
  IF TG_OP = 'DELETE' THEN
    purge_before := nullif(current_setting('registry.audit_purge_before', true), '')::timestamptz;
    IF purge_before IS NOT NULL AND purge_before <= now() - interval '5 years' AND OLD.occurred_at < purge_before THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION 'the audit trail is append-only: % is not allowed on audit_events', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();
