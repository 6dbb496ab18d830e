-- A client that goes away before its request is read (an upload cut off) is recorded as such:
-- 'aborted', neither a refusal nor a failure of the registry (issue #27).
ALTER TABLE "audit_events" DROP CONSTRAINT "audit_events_outcome_valid";--> statement-breakpoint
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_outcome_valid" CHECK ("audit_events"."outcome" in ('success', 'refused', 'failed', 'aborted'));
