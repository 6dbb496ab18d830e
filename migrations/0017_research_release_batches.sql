-- Research releases are made in batches of documents (research-releases.repository.ts), each batch
-- its own short statement, so that on the embedded database (one connection) requests are served
-- between them; the release is pending until one short transaction publishes it. Each document
-- keeps its own digest, and the release's digest is over those (made before: over the documents);
-- its other trajectories are kept beside it too, so publishing compares narrow columns.
ALTER TABLE "research_release_trajectories" ADD COLUMN "others" uuid[];--> statement-breakpoint
ALTER TABLE "research_release_trajectories" ADD COLUMN "document_digest" text;--> statement-breakpoint
ALTER TABLE "research_releases" ADD COLUMN "pending" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "research_release_trajectories_registry_key_idx" ON "research_release_trajectories" USING btree ("release_id","registry_key");--> statement-breakpoint
-- A pending release has not been read by anyone: an erasure while it is made lists no withdrawal
-- for it (the cascade still removes the youth's documents).
CREATE OR REPLACE FUNCTION research_release_withdrawal_noted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM research_releases r WHERE r.id = OLD.release_id AND r.retired_at IS NULL AND NOT r.pending) THEN
    INSERT INTO research_release_withdrawals (release_id, trajectory_id) VALUES (OLD.release_id, OLD.trajectory_id)
      ON CONFLICT DO NOTHING;
  END IF;
  RETURN OLD;
END $$;
