import { boolean, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { trajectories } from './records';
import { statisticsReleaseLog } from './statistics';

// Research releases (modules/research/research-releases.ts): frozen, versioned snapshots of what
// researchers see at record level, made on the statistics' release calendar. A release's rows
// never change after it is made, except that an erasure removes a youth from every release at
// once (the foreign key's cascade) and a trigger lists the withdrawn trajectory ids, so that
// researchers who downloaded the release can delete them too.

export const researchReleases = pgTable('research_releases', {
  /** The citable version: the release period and a sequence number, e.g. "2026-Q4.1". */
  id: text('id').primaryKey(),
  /** The statistics release made in the same run (its researchers' figures are over the same cut-off). */
  statisticsReleaseId: integer('statistics_release_id').references(() => statisticsReleaseLog.id, { onDelete: 'set null' }),
  /** When researchers could first read it (while it is pending: when its making began). */
  publishedAt: timestamp('published_at', { withTimezone: true }).notNull().defaultNow(),
  /**
   * True while it is being made, in batches of documents (research-releases.repository.ts):
   * nothing reads a pending release, and an erasure lists no withdrawal for it.
   */
  pending: boolean('pending').notNull().default(false),
  /** Trajectories that ended before it (and have research consent) are in the release. */
  cutoff: date('cutoff', { mode: 'string' }).notNull(),
  trajectories: integer('trajectories').notNull(),
  /**
   * SHA-256 over its documents' digests in id order, as made: equal content, equal digest (before
   * migration 0017, over the documents themselves).
   */
  contentDigest: text('content_digest').notNull(),
  /** Registry and method versions, counts, the files' checksums (research-release-manifest.ts). */
  manifest: jsonb('manifest').$type<Record<string, unknown>>().notNull(),
  /**
   * When its records were removed under the operator's retention (research-release-retention.ts);
   * this row stays, so a citation still resolves. Null: the release is whole.
   */
  retiredAt: timestamp('retired_at', { withTimezone: true }),
});

/**
 * One trajectory of a release as researchers see it, frozen: the rows the research API reads
 * (research.repository.ts shapes), in one document, with the columns the filters use.
 */
export const researchReleaseTrajectories = pgTable(
  'research_release_trajectories',
  {
    releaseId: text('release_id')
      .notNull()
      .references(() => researchReleases.id, { onDelete: 'cascade' }),
    trajectoryId: uuid('trajectory_id')
      .notNull()
      .references(() => trajectories.id, { onDelete: 'cascade' }),
    /** For the audit trail's subjects and erasure; never served. */
    registryKey: text('registry_key').notNull(),
    institutionCode: text('institution_code').notNull(),
    programmeCode: text('programme_code').notNull(),
    gender: text('gender').notNull(),
    ageAtStart: integer('age_at_start').notNull(),
    startMonth: text('start_month').notNull(),
    endReason: text('end_reason'),
    outcomeClass: text('outcome_class'),
    problemRecognition: text('problem_recognition'),
    settings: text('settings').array().notNull(),
    document: jsonb('document').$type<Record<string, unknown>>().notNull(),
    /** The youth's other trajectories in the release, as in the document (checked when it is published); null before migration 0017. */
    others: uuid('others').array(),
    /** SHA-256 of the document's text as made (the release's digest is over these); null before migration 0017. */
    documentDigest: text('document_digest'),
    /**
     * What a research page reads of the document (its row, measurements and other trajectories)
     * as JSON text, written with it: served as stored, where jsonb would be written out anew on
     * every read (research-releases.repository.ts).
     */
    page: text('page').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.releaseId, t.trajectoryId] }),
    index('research_release_trajectories_trajectory_idx').on(t.trajectoryId),
    index('research_release_trajectories_registry_key_idx').on(t.releaseId, t.registryKey),
  ],
);

/** Trajectory ids erased from a release after it was made (written by a trigger; ids only). */
export const researchReleaseWithdrawals = pgTable(
  'research_release_withdrawals',
  {
    releaseId: text('release_id')
      .notNull()
      .references(() => researchReleases.id, { onDelete: 'cascade' }),
    trajectoryId: uuid('trajectory_id').notNull(),
    withdrawnAt: timestamp('withdrawn_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.releaseId, t.trajectoryId] })],
);

/**
 * Which trajectories a retired release held (ids only; its documents are gone): an erasure after
 * the retirement still lists the youth's ids in the release's withdrawals, for the copies
 * researchers downloaded before (the cascade from trajectories and a trigger).
 */
export const researchReleaseRetiredTrajectories = pgTable(
  'research_release_retired_trajectories',
  {
    releaseId: text('release_id')
      .notNull()
      .references(() => researchReleases.id, { onDelete: 'cascade' }),
    trajectoryId: uuid('trajectory_id')
      .notNull()
      .references(() => trajectories.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.releaseId, t.trajectoryId] }),
    index('research_release_retired_trajectories_trajectory_idx').on(t.trajectoryId),
  ],
);
