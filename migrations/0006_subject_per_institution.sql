-- Each institution keeps its own view of a youth (issue #11). Until now one `subjects` row per
-- youth was shared by every institution and the last push won; now there is one row per
-- (institution, youth), and the same youth at two institutions is linked by equal registry keys.
-- Existing data moves over without loss: every institution that holds trajectories of a youth
-- gets its own row with the attributes the shared row had, and its trajectories point at it.
CREATE TABLE "subject_objections" (
	"registry_key" text PRIMARY KEY NOT NULL,
	"objected_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "subject_objections_registry_key_format" CHECK ("subject_objections"."registry_key" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
ALTER TABLE "subjects" DROP CONSTRAINT "subjects_registry_key_unique";--> statement-breakpoint
ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_role_valid";--> statement-breakpoint
ALTER TABLE "trajectories" DROP CONSTRAINT "trajectories_subject_id_subjects_id_fk";--> statement-breakpoint
ALTER TABLE "subjects" ALTER COLUMN "birth_year" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "subjects" ALTER COLUMN "gender" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "subjects" ALTER COLUMN "mild_intellectual_disability" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "subjects" ALTER COLUMN "prior_youth_care" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "subjects" ADD COLUMN "institution_id" uuid;--> statement-breakpoint
ALTER TABLE "subjects" ADD COLUMN "erased_at" timestamp with time zone;--> statement-breakpoint
-- One row per (institution, youth) that has trajectories, with the shared row's attributes.
CREATE TEMPORARY TABLE "subject_moves" AS
  SELECT pairs.subject_id AS old_id, pairs.institution_id, gen_random_uuid() AS new_id
    FROM (SELECT DISTINCT subject_id, institution_id FROM "trajectories") pairs;--> statement-breakpoint
INSERT INTO "subjects" ("id", "institution_id", "registry_key", "birth_year", "gender", "mild_intellectual_disability", "prior_youth_care", "created_at", "updated_at")
  SELECT m.new_id, m.institution_id, s.registry_key, s.birth_year, s.gender, s.mild_intellectual_disability, s.prior_youth_care, s.created_at, s.updated_at
    FROM "subject_moves" m JOIN "subjects" s ON s.id = m.old_id;--> statement-breakpoint
UPDATE "trajectories" t SET "subject_id" = m.new_id
  FROM "subject_moves" m WHERE m.old_id = t.subject_id AND m.institution_id = t.institution_id;--> statement-breakpoint
-- The shared rows are now unreferenced (a youth without trajectories had no institution).
DELETE FROM "subjects" WHERE "institution_id" IS NULL;--> statement-breakpoint
DROP TABLE "subject_moves";--> statement-breakpoint
-- Earlier erasures removed the youth at every institution and refused every later push: keep
-- that promise as registry-wide objections, so nothing refused before is accepted now.
INSERT INTO "subject_objections" ("registry_key", "objected_at")
  SELECT "registry_key", "erased_at" FROM "erased_subjects" ON CONFLICT DO NOTHING;--> statement-breakpoint
DROP TABLE "erased_subjects" CASCADE;--> statement-breakpoint
ALTER TABLE "subjects" ALTER COLUMN "institution_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "subjects" ADD CONSTRAINT "subjects_institution_id_institutions_id_fk" FOREIGN KEY ("institution_id") REFERENCES "public"."institutions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "subjects_registry_key_idx" ON "subjects" USING btree ("registry_key");--> statement-breakpoint
ALTER TABLE "subjects" ADD CONSTRAINT "subjects_institution_registry_key_unique" UNIQUE("institution_id","registry_key");--> statement-breakpoint
ALTER TABLE "subjects" ADD CONSTRAINT "subjects_id_institution_unique" UNIQUE("id","institution_id");--> statement-breakpoint
ALTER TABLE "trajectories" ADD CONSTRAINT "trajectories_subject_of_institution_fk" FOREIGN KEY ("subject_id","institution_id") REFERENCES "public"."subjects"("id","institution_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_role_valid" CHECK ("api_keys"."role" in ('institution', 'researcher', 'funder', 'auditor', 'admin', 'privacy_officer'));--> statement-breakpoint
ALTER TABLE "subjects" ADD CONSTRAINT "subjects_attributes_unless_erased" CHECK (case when "subjects"."erased_at" is null
               then "subjects"."birth_year" is not null and "subjects"."gender" is not null and "subjects"."mild_intellectual_disability" is not null and "subjects"."prior_youth_care" is not null
               else "subjects"."birth_year" is null and "subjects"."gender" is null and "subjects"."mild_intellectual_disability" is null and "subjects"."prior_youth_care" is null end);
