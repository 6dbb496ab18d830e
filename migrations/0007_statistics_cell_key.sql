-- Statistics by the cell-key method (issue #17). Number 0007: 0006 is issue #11's.
-- trajectories.record_key: a random record key per trajectory, drawn once (a volatile default is
-- evaluated per row, existing rows included); statistics_trajectories: the released population the
-- answers are computed from; statistics_releases: when each family of figures was released.
CREATE TABLE "statistics_releases" (
	"family" text PRIMARY KEY NOT NULL,
	"releases" integer NOT NULL,
	"released_at" timestamp with time zone NOT NULL,
	CONSTRAINT "statistics_releases_family_valid" CHECK ("statistics_releases"."family" in ('membership', 'course', 'outcome', 'care', 'perspective'))
);
--> statement-breakpoint
CREATE TABLE "statistics_trajectories" (
	"trajectory_id" uuid PRIMARY KEY NOT NULL,
	"youth" text NOT NULL,
	"youth_key" integer NOT NULL,
	"record_key" integer NOT NULL,
	"research_consent" text NOT NULL,
	"institution_id" uuid NOT NULL,
	"programme_id" uuid NOT NULL,
	"setting" text NOT NULL,
	"start_date" date NOT NULL,
	"gender" text NOT NULL,
	"age_group" text NOT NULL,
	"end_date" date,
	"end_reason" text,
	"outcome_class" text NOT NULL,
	"problem_recognition" text NOT NULL,
	"status_exploitation_resilience" text NOT NULL,
	"status_social_emotional" text NOT NULL,
	"status_family_network" text NOT NULL,
	"status_participation" text NOT NULL,
	"fidelity_summary" double precision,
	"fidelity_diagnostics_safety" double precision,
	"fidelity_living_climate" double precision,
	"fidelity_mentor_conversations" double precision,
	"doses" jsonb NOT NULL,
	"answers" jsonb NOT NULL,
	CONSTRAINT "statistics_trajectories_keys_range" CHECK ("statistics_trajectories"."youth_key" >= 0 and "statistics_trajectories"."record_key" >= 0),
	CONSTRAINT "statistics_trajectories_consent_valid" CHECK ("statistics_trajectories"."research_consent" in ('granted', 'unknown'))
);
--> statement-breakpoint
ALTER TABLE "trajectories" ADD COLUMN "record_key" integer DEFAULT floor(random() * 2147483648)::integer NOT NULL;--> statement-breakpoint
ALTER TABLE "statistics_trajectories" ADD CONSTRAINT "statistics_trajectories_trajectory_id_trajectories_id_fk" FOREIGN KEY ("trajectory_id") REFERENCES "public"."trajectories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trajectories" ADD CONSTRAINT "trajectories_record_key_range" CHECK ("trajectories"."record_key" >= 0);