-- The care answers' aggregates kept as summaries (issue #15): computed at each release of the
-- membership or care family, in the release's transaction, from statistics_trajectories; an
-- answer reads its lines instead of sorting every trajectory's doses for the medians.
CREATE TABLE "statistics_care_summaries" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "statistics_care_summaries_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"population" text NOT NULL,
	"grouping" text NOT NULL,
	"institution_id" uuid,
	"group" text,
	"activity_type_code" text,
	"figures" jsonb NOT NULL,
	CONSTRAINT "statistics_care_summaries_population_valid" CHECK ("statistics_care_summaries"."population" in ('all', 'consented'))
);
--> statement-breakpoint
CREATE INDEX "statistics_care_summaries_slice_idx" ON "statistics_care_summaries" USING btree ("population","grouping");--> statement-breakpoint
-- An erasure removes a trajectory's released row at once (the foreign key cascades); the summaries
-- it contributed to go with it, so no answer counts her after that. Until the next release
-- computes them again, answers are computed from the released rows directly.
CREATE FUNCTION statistics_care_summaries_invalidate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM statistics_care_summaries;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER statistics_trajectories_deleted AFTER DELETE ON statistics_trajectories
  FOR EACH STATEMENT EXECUTE FUNCTION statistics_care_summaries_invalidate();
