-- The release audit (issue: linked answers must never determine a count of 1–9): counts the
-- published answers together would tell exactly are withheld from then on, identified by their
-- contributors' fingerprint; and each audit is recorded, so that a release nobody audited yet
-- (e.g. the first check after this migration) is audited at the next check.
CREATE TABLE "statistics_audits" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "statistics_audits_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"audited_at" timestamp with time zone NOT NULL,
	"cells" integer NOT NULL,
	"targets" integer NOT NULL,
	"withheld" integer NOT NULL,
	"seconds" double precision NOT NULL
);
--> statement-breakpoint
CREATE TABLE "statistics_withheld_counts" (
	"fingerprint" text PRIMARY KEY NOT NULL,
	"withheld_at" timestamp with time zone NOT NULL
);
