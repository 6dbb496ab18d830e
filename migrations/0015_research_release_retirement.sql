-- A research release retired under the operator's retention (RESEARCH_RELEASE_RETENTION) keeps its
-- row (id, manifest, digest, counts), so a citation still resolves, and the ids of the
-- trajectories it held; its documents go.
CREATE TABLE "research_release_retired_trajectories" (
	"release_id" text NOT NULL,
	"trajectory_id" uuid NOT NULL,
	CONSTRAINT "research_release_retired_trajectories_release_id_trajectory_id_pk" PRIMARY KEY("release_id","trajectory_id")
);
--> statement-breakpoint
ALTER TABLE "research_releases" ADD COLUMN "retired_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "research_release_retired_trajectories" ADD CONSTRAINT "research_release_retired_trajectories_release_id_research_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."research_releases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "research_release_retired_trajectories" ADD CONSTRAINT "research_release_retired_trajectories_trajectory_id_trajectories_id_fk" FOREIGN KEY ("trajectory_id") REFERENCES "public"."trajectories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "research_release_retired_trajectories_trajectory_idx" ON "research_release_retired_trajectories" USING btree ("trajectory_id");--> statement-breakpoint
-- Retiring removes every document of a release: that is not an erasure, so nothing is listed as
-- withdrawn (the release is marked retired before its documents go).
CREATE OR REPLACE FUNCTION research_release_withdrawal_noted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM research_releases r WHERE r.id = OLD.release_id AND r.retired_at IS NULL) THEN
    INSERT INTO research_release_withdrawals (release_id, trajectory_id) VALUES (OLD.release_id, OLD.trajectory_id)
      ON CONFLICT DO NOTHING;
  END IF;
  RETURN OLD;
END $$;--> statement-breakpoint
-- An erasure after the retirement (the cascade from trajectories) is still listed, for the copies
-- researchers downloaded before. Not when a whole release is dropped (its row is gone by then).
CREATE FUNCTION research_release_retired_withdrawal_noted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM research_releases r WHERE r.id = OLD.release_id) THEN
    INSERT INTO research_release_withdrawals (release_id, trajectory_id) VALUES (OLD.release_id, OLD.trajectory_id)
      ON CONFLICT DO NOTHING;
  END IF;
  RETURN OLD;
END $$;--> statement-breakpoint
CREATE TRIGGER research_release_retired_trajectory_withdrawn AFTER DELETE ON research_release_retired_trajectories
  FOR EACH ROW EXECUTE FUNCTION research_release_retired_withdrawal_noted();
