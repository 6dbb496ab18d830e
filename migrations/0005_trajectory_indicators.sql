CREATE TABLE "indicator_queue" (
	"trajectory_id" uuid PRIMARY KEY NOT NULL,
	"queued_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "trajectory_doses" (
	"trajectory_id" uuid NOT NULL,
	"activity_type_code" text NOT NULL,
	"count" integer NOT NULL,
	"minutes" integer NOT NULL,
	"per_month_in_care" double precision NOT NULL,
	CONSTRAINT "trajectory_doses_trajectory_id_activity_type_code_pk" PRIMARY KEY("trajectory_id","activity_type_code")
);
--> statement-breakpoint
CREATE TABLE "trajectory_indicators" (
	"trajectory_id" uuid PRIMARY KEY NOT NULL,
	"computed_for" date NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"days_in_care" integer NOT NULL,
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
	CONSTRAINT "trajectory_indicators_outcome_valid" CHECK ("trajectory_indicators"."outcome_class" in ('improved', 'not_improved', 'mixed', 'insufficient_data')),
	CONSTRAINT "trajectory_indicators_recognition_valid" CHECK ("trajectory_indicators"."problem_recognition" in ('low_recognition', 'shared_recognition', 'no_problems_reported', 'unknown')),
	CONSTRAINT "trajectory_indicators_statuses_valid" CHECK ("trajectory_indicators"."status_exploitation_resilience" in ('improved', 'unchanged', 'deteriorated', 'mixed', 'unknown') and "trajectory_indicators"."status_social_emotional" in ('improved', 'unchanged', 'deteriorated', 'mixed', 'unknown')
          and "trajectory_indicators"."status_family_network" in ('improved', 'unchanged', 'deteriorated', 'mixed', 'unknown') and "trajectory_indicators"."status_participation" in ('improved', 'unchanged', 'deteriorated', 'mixed', 'unknown'))
);
--> statement-breakpoint
ALTER TABLE "indicator_queue" ADD CONSTRAINT "indicator_queue_trajectory_id_trajectories_id_fk" FOREIGN KEY ("trajectory_id") REFERENCES "public"."trajectories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trajectory_doses" ADD CONSTRAINT "trajectory_doses_trajectory_id_trajectories_id_fk" FOREIGN KEY ("trajectory_id") REFERENCES "public"."trajectories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trajectory_doses" ADD CONSTRAINT "trajectory_doses_activity_type_code_activity_types_code_fk" FOREIGN KEY ("activity_type_code") REFERENCES "public"."activity_types"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trajectory_indicators" ADD CONSTRAINT "trajectory_indicators_trajectory_id_trajectories_id_fk" FOREIGN KEY ("trajectory_id") REFERENCES "public"."trajectories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "trajectory_doses_type_idx" ON "trajectory_doses" USING btree ("activity_type_code");--> statement-breakpoint
CREATE INDEX "trajectory_indicators_outcome_idx" ON "trajectory_indicators" USING btree ("outcome_class");--> statement-breakpoint
CREATE INDEX "trajectory_indicators_recognition_idx" ON "trajectory_indicators" USING btree ("problem_recognition");