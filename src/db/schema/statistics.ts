import { sql } from 'drizzle-orm';
import { check, date, doublePrecision, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { trajectories } from './records';

// What the statistics publish from: each trajectory as the last release of each family of
// figures saw it (modules/statistics/statistics-releases.ts). Answers read only these rows, so
// new data changes the published figures only at a release, when at least a configured number of
// youths changed in that family together: a difference between two answers is never one youth.
// Written only by the release job; a trajectory's erasure removes its row at once.

export const STATISTICS_FAMILIES = ['membership', 'course', 'outcome', 'care', 'perspective'] as const;
export type StatisticsFamily = (typeof STATISTICS_FAMILIES)[number];

export const statisticsTrajectories = pgTable(
  'statistics_trajectories',
  {
    trajectoryId: uuid('trajectory_id')
      .primaryKey()
      .references(() => trajectories.id, { onDelete: 'cascade' }),
    // Membership: who is counted, in which groups, with which record keys.
    /** What makes several trajectories one youth (see statistics-population.ts). */
    youth: text('youth').notNull(),
    /** The youth's record key, derived from the youth under the registry's secret; never published. */
    youthKey: integer('youth_key').notNull(),
    /** The trajectory's record key (trajectories.record_key); never published. */
    recordKey: integer('record_key').notNull(),
    researchConsent: text('research_consent').notNull(),
    institutionId: uuid('institution_id').notNull(),
    programmeId: uuid('programme_id').notNull(),
    setting: text('setting').notNull(),
    startDate: date('start_date', { mode: 'string' }).notNull(),
    gender: text('gender').notNull(),
    ageGroup: text('age_group').notNull(),
    // Course.
    endDate: date('end_date', { mode: 'string' }),
    endReason: text('end_reason'),
    // Outcome.
    outcomeClass: text('outcome_class').notNull(),
    problemRecognition: text('problem_recognition').notNull(),
    statusExploitationResilience: text('status_exploitation_resilience').notNull(),
    statusSocialEmotional: text('status_social_emotional').notNull(),
    statusFamilyNetwork: text('status_family_network').notNull(),
    statusParticipation: text('status_participation').notNull(),
    // Care.
    fidelitySummary: doublePrecision('fidelity_summary'),
    fidelityDiagnosticsSafety: doublePrecision('fidelity_diagnostics_safety'),
    fidelityLivingClimate: doublePrecision('fidelity_living_climate'),
    fidelityMentorConversations: doublePrecision('fidelity_mentor_conversations'),
    /** Per activity type received: occurrences per month in care. */
    doses: jsonb('doses').$type<Record<string, number>>().notNull(),
    // Perspective.
    /** Per youth-perspective item: the youth's latest answer. */
    answers: jsonb('answers').$type<Record<string, number>>().notNull(),
  },
  (t) => [
    check('statistics_trajectories_keys_range', sql`${t.youthKey} >= 0 and ${t.recordKey} >= 0`),
    check('statistics_trajectories_consent_valid', sql`${t.researchConsent} in ('granted', 'unknown')`),
  ],
);

/** When each family of figures was last released, and how many times. */
export const statisticsReleases = pgTable(
  'statistics_releases',
  {
    family: text('family').primaryKey(),
    releases: integer('releases').notNull(),
    releasedAt: timestamp('released_at', { withTimezone: true }).notNull(),
  },
  (t) => [check('statistics_releases_family_valid', sql`${t.family} in ('membership', 'course', 'outcome', 'care', 'perspective')`)],
);

/**
 * The `care` answers' aggregates, computed when the released population changes (at a release
 * of the membership or care family), so that an answer reads a few hundred lines instead of
 * sorting every trajectory's dose of every activity type for the medians (~28 per trajectory).
 * One row per population, grouping, part, group and activity type; `figures` holds the
 * aggregates exactly as the statement over statistics_trajectories gives them
 * (statistics.repository.ts). Written only by the release job, in the release's transaction.
 */
export const statisticsCareSummaries = pgTable(
  'statistics_care_summaries',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    /** 'all' (consent granted or unknown) or 'consented'. */
    population: text('population').notNull(),
    /** The grouping, or 'none' for the total alone. */
    grouping: text('grouping').notNull(),
    /** Null: the national lines; else the lines of this institution's own trajectories. */
    institutionId: uuid('institution_id'),
    /** Null on a total line. */
    group: text('group'),
    /** Null on a fidelity line; a dose line's activity type. */
    activityTypeCode: text('activity_type_code'),
    figures: jsonb('figures').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [
    index('statistics_care_summaries_slice_idx').on(t.population, t.grouping),
    check('statistics_care_summaries_population_valid', sql`${t.population} in ('all', 'consented')`),
  ],
);

/**
 * Counts the release audit withholds (modules/statistics/statistics-audit.ts): published answers
 * together would have told them exactly. A count is identified by its contributors, as the
 * cell-key method identifies it (`trajectory|youth:<sum of record keys mod 2^31>:<true count>`),
 * so it is withheld in every answer and under every name where the same contributors appear.
 * Written only by the release, in its transaction; never deleted, so a count withheld once is
 * never published later with the same contributors.
 */
export const statisticsWithheldCounts = pgTable('statistics_withheld_counts', {
  fingerprint: text('fingerprint').primaryKey(),
  withheldAt: timestamp('withheld_at', { withTimezone: true }).notNull(),
});

/** Each audit of the released figures: when, and what it found (the release audits when it publishes, or when none audited the latest release). */
export const statisticsAudits = pgTable('statistics_audits', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  auditedAt: timestamp('audited_at', { withTimezone: true }).notNull(),
  /** Distinct counts published, and those of 1–9 beyond some attacker's knowledge solved for. */
  cells: integer('cells').notNull(),
  targets: integer('targets').notNull(),
  /** Fingerprints newly withheld by this audit. */
  withheld: integer('withheld').notNull(),
  seconds: doublePrecision('seconds').notNull(),
});
