CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"secret_hash" text NOT NULL,
	"role" text NOT NULL,
	"institution_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_secret_hash_unique" UNIQUE("secret_hash"),
	CONSTRAINT "api_keys_role_valid" CHECK ("api_keys"."role" in ('institution', 'researcher', 'funder', 'auditor', 'admin')),
	CONSTRAINT "api_keys_institution_binding" CHECK (("api_keys"."role" = 'institution') = ("api_keys"."institution_id" is not null)),
	CONSTRAINT "api_keys_hash_format" CHECK ("api_keys"."secret_hash" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE TABLE "activity_types" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"domain" text,
	"unit" text NOT NULL,
	"core_element" text,
	"description" text DEFAULT '' NOT NULL,
	CONSTRAINT "activity_types_domain_valid" CHECK ("activity_types"."domain" in ('exploitation_resilience', 'social_emotional', 'family_network', 'participation')),
	CONSTRAINT "activity_types_unit_valid" CHECK ("activity_types"."unit" in ('count', 'minutes')),
	CONSTRAINT "activity_types_core_element_valid" CHECK ("activity_types"."core_element" in ('diagnostics_safety', 'living_climate', 'mentor_conversations'))
);
--> statement-breakpoint
CREATE TABLE "instrument_informants" (
	"instrument_code" text NOT NULL,
	"informant" text NOT NULL,
	CONSTRAINT "instrument_informants_instrument_code_informant_pk" PRIMARY KEY("instrument_code","informant"),
	CONSTRAINT "instrument_informants_informant_valid" CHECK ("instrument_informants"."informant" in ('youth', 'parent', 'mentor', 'clinician', 'teacher'))
);
--> statement-breakpoint
CREATE TABLE "instruments" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"domain" text,
	"questionnaire" text,
	"min_value" double precision NOT NULL,
	"max_value" double precision NOT NULL,
	"higher_is_better" boolean NOT NULL,
	"clinical_cutoff" double precision,
	"norm_sd" double precision,
	"reliability" double precision,
	"psychometric_source" text NOT NULL,
	"levels" jsonb,
	CONSTRAINT "instruments_kind_valid" CHECK ("instruments"."kind" in ('score', 'status')),
	CONSTRAINT "instruments_domain_valid" CHECK ("instruments"."domain" in ('exploitation_resilience', 'social_emotional', 'family_network', 'participation')),
	CONSTRAINT "instruments_range_valid" CHECK ("instruments"."min_value" < "instruments"."max_value"),
	CONSTRAINT "instruments_norm_sd_positive" CHECK ("instruments"."norm_sd" > 0),
	CONSTRAINT "instruments_reliability_valid" CHECK ("instruments"."reliability" >= 0 and "instruments"."reliability" < 1),
	CONSTRAINT "instruments_cutoff_in_range" CHECK ("instruments"."clinical_cutoff" between "instruments"."min_value" and "instruments"."max_value"),
	CONSTRAINT "instruments_status_has_levels" CHECK (("instruments"."kind" = 'status') = ("instruments"."levels" is not null))
);
--> statement-breakpoint
CREATE TABLE "institutions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"synthetic" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "institutions_code_unique" UNIQUE("code"),
	CONSTRAINT "institutions_code_format" CHECK ("institutions"."code" ~ '^[a-z0-9][a-z0-9-]{1,62}$')
);
--> statement-breakpoint
CREATE TABLE "programme_offer_items" (
	"programme_id" uuid NOT NULL,
	"activity_type_code" text NOT NULL,
	"expected_count" integer NOT NULL,
	"period" text NOT NULL,
	"core_element" text,
	CONSTRAINT "programme_offer_items_programme_id_activity_type_code_pk" PRIMARY KEY("programme_id","activity_type_code"),
	CONSTRAINT "programme_offer_items_count_positive" CHECK ("programme_offer_items"."expected_count" > 0),
	CONSTRAINT "programme_offer_items_period_valid" CHECK ("programme_offer_items"."period" in ('week', 'month', 'quarter', 'trajectory')),
	CONSTRAINT "programme_offer_items_core_element_valid" CHECK ("programme_offer_items"."core_element" in ('diagnostics_safety', 'living_climate', 'mentor_conversations'))
);
--> statement-breakpoint
CREATE TABLE "programmes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"institution_id" uuid NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"settings" text[] NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	CONSTRAINT "programmes_code_unique" UNIQUE("code"),
	CONSTRAINT "programmes_id_institution_unique" UNIQUE("id","institution_id"),
	CONSTRAINT "programmes_settings_valid" CHECK (cardinality("programmes"."settings") > 0 and "programmes"."settings" <@ array['closed_residential', 'open_residential', 'small_scale_residential', 'ambulatory']::text[]),
	CONSTRAINT "programmes_code_format" CHECK ("programmes"."code" ~ '^[a-z0-9][a-z0-9-]{1,62}$')
);
--> statement-breakpoint
CREATE TABLE "care_activities" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "care_activities_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"institution_id" uuid NOT NULL,
	"reference" text NOT NULL,
	"trajectory_id" uuid NOT NULL,
	"activity_type_code" text NOT NULL,
	"activity_date" date NOT NULL,
	"count" integer,
	"duration_minutes" integer,
	"domain" text,
	"parents_involved" boolean,
	"topics" text[],
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "care_activities_institution_reference_unique" UNIQUE("institution_id","reference"),
	CONSTRAINT "care_activities_reference_format" CHECK ("care_activities"."reference" ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'),
	CONSTRAINT "care_activities_amount_given" CHECK ("care_activities"."count" is not null or "care_activities"."duration_minutes" is not null),
	CONSTRAINT "care_activities_count_range" CHECK ("care_activities"."count" between 1 and 1000),
	CONSTRAINT "care_activities_duration_range" CHECK ("care_activities"."duration_minutes" between 1 and 1440),
	CONSTRAINT "care_activities_domain_valid" CHECK ("care_activities"."domain" in ('exploitation_resilience', 'social_emotional', 'family_network', 'participation')),
	CONSTRAINT "care_activities_topics_valid" CHECK ("care_activities"."topics" <@ array['safety', 'sexuality_relationships', 'talents', 'social_media']::text[])
);
--> statement-breakpoint
CREATE TABLE "erased_subjects" (
	"registry_key" text PRIMARY KEY NOT NULL,
	"erased_at" timestamp with time zone DEFAULT now() NOT NULL,
	"institution_id" uuid NOT NULL
);
--> statement-breakpoint
CREATE TABLE "measurements" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "measurements_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"institution_id" uuid NOT NULL,
	"reference" text NOT NULL,
	"trajectory_id" uuid NOT NULL,
	"instrument_code" text NOT NULL,
	"informant" text NOT NULL,
	"measured_on" date NOT NULL,
	"value" double precision NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "measurements_institution_reference_unique" UNIQUE("institution_id","reference"),
	CONSTRAINT "measurements_reference_format" CHECK ("measurements"."reference" ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'),
	CONSTRAINT "measurements_informant_valid" CHECK ("measurements"."informant" in ('youth', 'parent', 'mentor', 'clinician', 'teacher')),
	CONSTRAINT "measurements_value_finite" CHECK ("measurements"."value" <> 'NaN'::float8 and "measurements"."value" not in ('Infinity'::float8, '-Infinity'::float8))
);
--> statement-breakpoint
CREATE TABLE "placements" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"institution_id" uuid NOT NULL,
	"reference" text NOT NULL,
	"trajectory_id" uuid NOT NULL,
	"setting" text NOT NULL,
	"start_date" date NOT NULL,
	"end_date" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "placements_institution_reference_unique" UNIQUE("institution_id","reference"),
	CONSTRAINT "placements_reference_format" CHECK ("placements"."reference" ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'),
	CONSTRAINT "placements_setting_valid" CHECK ("placements"."setting" in ('closed_residential', 'open_residential', 'small_scale_residential', 'ambulatory')),
	CONSTRAINT "placements_end_not_before_start" CHECK ("placements"."end_date" >= "placements"."start_date")
);
--> statement-breakpoint
CREATE TABLE "subjects" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"registry_key" text NOT NULL,
	"birth_year" smallint NOT NULL,
	"gender" text NOT NULL,
	"mild_intellectual_disability" text NOT NULL,
	"prior_youth_care" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "subjects_registry_key_unique" UNIQUE("registry_key"),
	CONSTRAINT "subjects_registry_key_format" CHECK ("subjects"."registry_key" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "subjects_birth_year_range" CHECK ("subjects"."birth_year" between 1980 and 2100),
	CONSTRAINT "subjects_gender_valid" CHECK ("subjects"."gender" in ('girl', 'boy', 'non_binary', 'other', 'unknown')),
	CONSTRAINT "subjects_mild_id_valid" CHECK ("subjects"."mild_intellectual_disability" in ('yes', 'no', 'unknown')),
	CONSTRAINT "subjects_prior_youth_care_valid" CHECK ("subjects"."prior_youth_care" in ('yes', 'no', 'unknown'))
);
--> statement-breakpoint
CREATE TABLE "trajectories" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"institution_id" uuid NOT NULL,
	"reference" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"programme_id" uuid NOT NULL,
	"start_date" date NOT NULL,
	"end_date" date,
	"end_reason" text,
	"exploitation_at_intake" text NOT NULL,
	"research_consent" text DEFAULT 'unknown' NOT NULL,
	"synthetic" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "trajectories_institution_reference_unique" UNIQUE("institution_id","reference"),
	CONSTRAINT "trajectories_id_institution_unique" UNIQUE("id","institution_id"),
	CONSTRAINT "trajectories_reference_format" CHECK ("trajectories"."reference" ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'),
	CONSTRAINT "trajectories_end_not_before_start" CHECK ("trajectories"."end_date" >= "trajectories"."start_date"),
	CONSTRAINT "trajectories_end_reason_with_end" CHECK (("trajectories"."end_date" is null) = ("trajectories"."end_reason" is null)),
	CONSTRAINT "trajectories_end_reason_valid" CHECK ("trajectories"."end_reason" in ('completed', 'transferred', 'premature_end', 'other')),
	CONSTRAINT "trajectories_exploitation_valid" CHECK ("trajectories"."exploitation_at_intake" in ('confirmed', 'suspected')),
	CONSTRAINT "trajectories_consent_valid" CHECK ("trajectories"."research_consent" in ('granted', 'refused', 'withdrawn', 'unknown'))
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_institution_id_institutions_id_fk" FOREIGN KEY ("institution_id") REFERENCES "public"."institutions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instrument_informants" ADD CONSTRAINT "instrument_informants_instrument_code_instruments_code_fk" FOREIGN KEY ("instrument_code") REFERENCES "public"."instruments"("code") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "programme_offer_items" ADD CONSTRAINT "programme_offer_items_programme_id_programmes_id_fk" FOREIGN KEY ("programme_id") REFERENCES "public"."programmes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "programme_offer_items" ADD CONSTRAINT "programme_offer_items_activity_type_code_activity_types_code_fk" FOREIGN KEY ("activity_type_code") REFERENCES "public"."activity_types"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "programmes" ADD CONSTRAINT "programmes_institution_id_institutions_id_fk" FOREIGN KEY ("institution_id") REFERENCES "public"."institutions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "care_activities" ADD CONSTRAINT "care_activities_institution_id_institutions_id_fk" FOREIGN KEY ("institution_id") REFERENCES "public"."institutions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "care_activities" ADD CONSTRAINT "care_activities_activity_type_code_activity_types_code_fk" FOREIGN KEY ("activity_type_code") REFERENCES "public"."activity_types"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "care_activities" ADD CONSTRAINT "care_activities_trajectory_fk" FOREIGN KEY ("trajectory_id","institution_id") REFERENCES "public"."trajectories"("id","institution_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "erased_subjects" ADD CONSTRAINT "erased_subjects_institution_id_institutions_id_fk" FOREIGN KEY ("institution_id") REFERENCES "public"."institutions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "measurements" ADD CONSTRAINT "measurements_institution_id_institutions_id_fk" FOREIGN KEY ("institution_id") REFERENCES "public"."institutions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "measurements" ADD CONSTRAINT "measurements_instrument_code_instruments_code_fk" FOREIGN KEY ("instrument_code") REFERENCES "public"."instruments"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "measurements" ADD CONSTRAINT "measurements_trajectory_fk" FOREIGN KEY ("trajectory_id","institution_id") REFERENCES "public"."trajectories"("id","institution_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "measurements" ADD CONSTRAINT "measurements_instrument_informant_fk" FOREIGN KEY ("instrument_code","informant") REFERENCES "public"."instrument_informants"("instrument_code","informant") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "placements" ADD CONSTRAINT "placements_institution_id_institutions_id_fk" FOREIGN KEY ("institution_id") REFERENCES "public"."institutions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "placements" ADD CONSTRAINT "placements_trajectory_fk" FOREIGN KEY ("trajectory_id","institution_id") REFERENCES "public"."trajectories"("id","institution_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trajectories" ADD CONSTRAINT "trajectories_institution_id_institutions_id_fk" FOREIGN KEY ("institution_id") REFERENCES "public"."institutions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trajectories" ADD CONSTRAINT "trajectories_subject_id_subjects_id_fk" FOREIGN KEY ("subject_id") REFERENCES "public"."subjects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trajectories" ADD CONSTRAINT "trajectories_programme_of_institution_fk" FOREIGN KEY ("programme_id","institution_id") REFERENCES "public"."programmes"("id","institution_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_institution_idx" ON "api_keys" USING btree ("institution_id");--> statement-breakpoint
CREATE INDEX "instrument_informants_informant_idx" ON "instrument_informants" USING btree ("informant");--> statement-breakpoint
CREATE INDEX "programme_offer_items_activity_type_idx" ON "programme_offer_items" USING btree ("activity_type_code");--> statement-breakpoint
CREATE INDEX "care_activities_trajectory_idx" ON "care_activities" USING btree ("trajectory_id","activity_type_code","activity_date");--> statement-breakpoint
CREATE INDEX "measurements_series_idx" ON "measurements" USING btree ("trajectory_id","instrument_code","informant","measured_on");--> statement-breakpoint
CREATE INDEX "placements_trajectory_idx" ON "placements" USING btree ("trajectory_id","start_date");--> statement-breakpoint
CREATE INDEX "trajectories_subject_idx" ON "trajectories" USING btree ("subject_id");--> statement-breakpoint
CREATE INDEX "trajectories_programme_idx" ON "trajectories" USING btree ("programme_id");--> statement-breakpoint
CREATE INDEX "trajectories_start_idx" ON "trajectories" USING btree ("start_date");--> statement-breakpoint
CREATE INDEX "trajectories_consent_idx" ON "trajectories" USING btree ("research_consent");