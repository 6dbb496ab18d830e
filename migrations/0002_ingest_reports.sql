CREATE TABLE "ingest_reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"institution_id" uuid NOT NULL,
	"idempotency_key" text,
	"request_hash" text,
	"outcome" text NOT NULL,
	"http_status" integer,
	"report" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "ingest_reports_idempotency_unique" UNIQUE("institution_id","idempotency_key"),
	CONSTRAINT "ingest_reports_outcome_valid" CHECK ("ingest_reports"."outcome" in ('in_progress', 'committed', 'rolled_back')),
	CONSTRAINT "ingest_reports_key_format" CHECK ("ingest_reports"."idempotency_key" ~ '^[A-Za-z0-9._:-]{1,128}$')
);
--> statement-breakpoint
ALTER TABLE "ingest_reports" ADD CONSTRAINT "ingest_reports_institution_id_institutions_id_fk" FOREIGN KEY ("institution_id") REFERENCES "public"."institutions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ingest_reports_institution_idx" ON "ingest_reports" USING btree ("institution_id","created_at");