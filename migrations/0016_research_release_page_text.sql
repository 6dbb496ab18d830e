-- What a research page reads of a released trajectory (its row, measurements and other
-- trajectories), stored as JSON text beside the document: jsonb is written out as text on every
-- read, which for a page of 50 documents took most of the page's time. Filled for the releases
-- made before; a release's content digest stays over its documents.
ALTER TABLE "research_release_trajectories" ADD COLUMN "page" text;--> statement-breakpoint
UPDATE "research_release_trajectories"
   SET "page" = jsonb_build_object('row', document->'row', 'measurements', document->'measurements', 'others', document->'others')::text;--> statement-breakpoint
ALTER TABLE "research_release_trajectories" ALTER COLUMN "page" SET NOT NULL;
