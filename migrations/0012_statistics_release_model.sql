-- One release model (issue #23): every statistics answer is computed, audited and stored whole
-- at a release (statistics_answers) and read from the latest published one; the release log keeps
-- every attempt; erasures are noted without an identifier, so that a published youth's leaving
-- counts as a change at the next release and young records erased in numbers show as churn. The
-- care summaries, the per-family release state and the audit table give way to these.
CREATE TABLE "statistics_answers" (
	"release_id" integer NOT NULL,
	"audience" text NOT NULL,
	"measure" text NOT NULL,
	"grouping" text NOT NULL,
	"answer" jsonb NOT NULL,
	CONSTRAINT "statistics_answers_release_id_audience_measure_grouping_pk" PRIMARY KEY("release_id","audience","measure","grouping")
);
--> statement-breakpoint
CREATE TABLE "statistics_erasures" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "statistics_erasures_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"institution_id" uuid NOT NULL,
	"erasure" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"erased_at" timestamp with time zone NOT NULL,
	"released" boolean NOT NULL,
	"release_id" integer
);
--> statement-breakpoint
CREATE TABLE "statistics_release_log" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "statistics_release_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"period" text NOT NULL,
	"trigger" text NOT NULL,
	"outcome" text NOT NULL,
	"families" jsonb NOT NULL,
	"churn" jsonb NOT NULL,
	"audit" jsonb,
	"research_cutoff" date,
	"method" text NOT NULL,
	"note" text,
	CONSTRAINT "statistics_release_log_trigger_valid" CHECK ("statistics_release_log"."trigger" in ('calendar', 'operator')),
	CONSTRAINT "statistics_release_log_outcome_valid" CHECK ("statistics_release_log"."outcome" in ('running', 'published', 'unchanged', 'waiting', 'postponed', 'failed'))
);
--> statement-breakpoint
DROP TABLE "statistics_audits" CASCADE;--> statement-breakpoint
DROP TABLE "statistics_care_summaries" CASCADE;--> statement-breakpoint
DROP TABLE "statistics_releases" CASCADE;--> statement-breakpoint
ALTER TABLE "statistics_answers" ADD CONSTRAINT "statistics_answers_release_id_statistics_release_log_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."statistics_release_log"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "statistics_erasures_erased_at_idx" ON "statistics_erasures" USING btree ("erased_at");--> statement-breakpoint
CREATE INDEX "statistics_erasures_pending_idx" ON "statistics_erasures" USING btree ("release_id");--> statement-breakpoint
DROP TRIGGER IF EXISTS statistics_trajectories_deleted ON statistics_trajectories;--> statement-breakpoint
DROP FUNCTION IF EXISTS statistics_care_summaries_invalidate();--> statement-breakpoint
-- Before the row goes (and its released copy with it, by the foreign key): whether the youth was
-- in the published population is read while that copy still exists. One erasure runs in one
-- transaction and erases one youth, so the transaction id groups an erasure's trajectories.
CREATE FUNCTION statistics_erasure_noted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO statistics_erasures (institution_id, erasure, created_at, erased_at, released)
  VALUES (OLD.institution_id, txid_current()::text, OLD.created_at, now(),
          EXISTS (SELECT 1 FROM statistics_trajectories r WHERE r.trajectory_id = OLD.id));
  RETURN OLD;
END;
$$;--> statement-breakpoint
CREATE TRIGGER trajectories_erasure_noted BEFORE DELETE ON trajectories
  FOR EACH ROW EXECUTE FUNCTION statistics_erasure_noted();
