CREATE TABLE "research_release_trajectories" (
	"release_id" text NOT NULL,
	"trajectory_id" uuid NOT NULL,
	"registry_key" text NOT NULL,
	"institution_code" text NOT NULL,
	"programme_code" text NOT NULL,
	"gender" text NOT NULL,
	"age_at_start" integer NOT NULL,
	"start_month" text NOT NULL,
	"end_reason" text,
	"outcome_class" text,
	"problem_recognition" text,
	"settings" text[] NOT NULL,
	"document" jsonb NOT NULL,
	CONSTRAINT "research_release_trajectories_release_id_trajectory_id_pk" PRIMARY KEY("release_id","trajectory_id")
);
--> statement-breakpoint
CREATE TABLE "research_release_withdrawals" (
	"release_id" text NOT NULL,
	"trajectory_id" uuid NOT NULL,
	"withdrawn_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "research_release_withdrawals_release_id_trajectory_id_pk" PRIMARY KEY("release_id","trajectory_id")
);
--> statement-breakpoint
CREATE TABLE "research_releases" (
	"id" text PRIMARY KEY NOT NULL,
	"statistics_release_id" integer,
	"published_at" timestamp with time zone DEFAULT now() NOT NULL,
	"cutoff" date NOT NULL,
	"trajectories" integer NOT NULL,
	"content_digest" text NOT NULL,
	"manifest" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "research_release_trajectories" ADD CONSTRAINT "research_release_trajectories_release_id_research_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."research_releases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "research_release_trajectories" ADD CONSTRAINT "research_release_trajectories_trajectory_id_trajectories_id_fk" FOREIGN KEY ("trajectory_id") REFERENCES "public"."trajectories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "research_release_withdrawals" ADD CONSTRAINT "research_release_withdrawals_release_id_research_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."research_releases"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "research_releases" ADD CONSTRAINT "research_releases_statistics_release_id_statistics_release_log_id_fk" FOREIGN KEY ("statistics_release_id") REFERENCES "public"."statistics_release_log"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "research_release_trajectories_trajectory_idx" ON "research_release_trajectories" USING btree ("trajectory_id");--> statement-breakpoint
-- An erased trajectory leaves every research release at once (the cascade from trajectories);
-- the release lists its id, so researchers who downloaded it can delete it too. Not when a whole
-- release is dropped (its row is gone by then).
CREATE FUNCTION research_release_withdrawal_noted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM research_releases r WHERE r.id = OLD.release_id) THEN
    INSERT INTO research_release_withdrawals (release_id, trajectory_id) VALUES (OLD.release_id, OLD.trajectory_id)
      ON CONFLICT DO NOTHING;
  END IF;
  RETURN OLD;
END $$;--> statement-breakpoint
CREATE TRIGGER research_release_trajectory_withdrawn AFTER DELETE ON research_release_trajectories
  FOR EACH ROW EXECUTE FUNCTION research_release_withdrawal_noted();
