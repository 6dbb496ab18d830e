CREATE TABLE "audit_chain_head" (
	"singleton" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"position" bigint NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "audit_chain_head_singleton" CHECK ("audit_chain_head"."singleton")
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"chain_position" bigint PRIMARY KEY NOT NULL,
	"occurred_at" timestamp (6) with time zone DEFAULT now() NOT NULL,
	"request_id" text,
	"principal_id" uuid,
	"role" text,
	"institution_id" uuid,
	"action" text NOT NULL,
	"resource_type" text NOT NULL,
	"subject_keys" text[] DEFAULT '{}'::text[] NOT NULL,
	"subject_count" integer DEFAULT 0 NOT NULL,
	"operation" text NOT NULL,
	"variables_hash" text,
	"outcome" text NOT NULL,
	"status_code" integer,
	"source_address" text,
	"user_agent" text,
	"purpose" text,
	"details" jsonb,
	"previous_hash" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "audit_events_action_valid" CHECK ("audit_events"."action" in ('create', 'read', 'update', 'delete', 'execute')),
	CONSTRAINT "audit_events_outcome_valid" CHECK ("audit_events"."outcome" in ('success', 'refused', 'failed'))
);
--> statement-breakpoint
CREATE INDEX "audit_events_occurred_idx" ON "audit_events" USING btree ("occurred_at");--> statement-breakpoint
CREATE INDEX "audit_events_principal_idx" ON "audit_events" USING btree ("principal_id","chain_position");--> statement-breakpoint
CREATE INDEX "audit_events_institution_idx" ON "audit_events" USING btree ("institution_id","chain_position");--> statement-breakpoint
CREATE INDEX "audit_events_subjects_idx" ON "audit_events" USING gin ("subject_keys");