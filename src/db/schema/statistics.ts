import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
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

/**
 * Every release attempt, published or not: the release history. A release is made on the
 * calendar (STATISTICS_RELEASE_CALENDAR) or by an operator; its answers are computed, audited and
 * stored whole (statistics_answers), and every statistics answer is read from the latest
 * published one. `families` says per family how many youths changed, the fewest of them not an
 * institution's own (the change rule), and whether it was released; `churn` the erasures counted
 * per institution since the last published release; `audit` what the release audit found.
 */
export const statisticsReleaseLog = pgTable(
  'statistics_release_log',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /** The calendar period the attempt belongs to (e.g. 2026-Q4). */
    period: text('period').notNull(),
    trigger: text('trigger').notNull(),
    outcome: text('outcome').notNull(),
    families: jsonb('families').$type<Record<string, { changed: number; fewestOthers: number | null; released: boolean }>>().notNull(),
    churn: jsonb('churn').$type<Record<string, { erasures: number; young: number }>>().notNull(),
    audit: jsonb('audit').$type<{ cells: number; targets: number; withheld: number; seconds: number } | null>(),
    /** Researchers' figures count the consented trajectories that ended before this date (their record-level release). */
    researchCutoff: date('research_cutoff', { mode: 'string' }),
    /** The cell-key method's version: a change of it re-draws every published perturbation, and the log says so. */
    method: text('method').notNull(),
    note: text('note'),
  },
  (t) => [
    check('statistics_release_log_trigger_valid', sql`${t.trigger} in ('calendar', 'operator')`),
    check(
      'statistics_release_log_outcome_valid',
      sql`${t.outcome} in ('running', 'published', 'unchanged', 'waiting', 'postponed', 'failed')`,
    ),
  ],
);

/**
 * The published answers of a release, whole, as every interface serves them: one per audience
 * ('all': consent granted or unknown; 'research': what researchers see at record level; or an
 * institution's id: its own lines), measure and grouping ('none' for the total alone). Anonymous
 * aggregates: an erasure changes them at the next release, not before.
 */
export const statisticsAnswers = pgTable(
  'statistics_answers',
  {
    releaseId: integer('release_id')
      .notNull()
      .references(() => statisticsReleaseLog.id, { onDelete: 'cascade' }),
    audience: text('audience').notNull(),
    measure: text('measure').notNull(),
    grouping: text('grouping').notNull(),
    answer: jsonb('answer').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.releaseId, t.audience, t.measure, t.grouping] })],
);

/**
 * Erasures as the release sees them, written by a trigger on every deleted trajectory (both
 * erasure routes): which institution's record, when it was created and erased, whether it was in
 * the published population, and which erasure it belonged to (its transaction: one erasure is one
 * youth). No identifier: the log keeps only that it happened. A published youth's leaving counts
 * as a change at the next release; young records erased in numbers are churn (a signal).
 */
export const statisticsErasures = pgTable(
  'statistics_erasures',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    institutionId: uuid('institution_id').notNull(),
    erasure: text('erasure').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    erasedAt: timestamp('erased_at', { withTimezone: true }).notNull(),
    released: boolean('released').notNull(),
    /** The release that counted this erasure as a change (null: not yet). */
    releaseId: integer('release_id'),
  },
  (t) => [index('statistics_erasures_erased_at_idx').on(t.erasedAt), index('statistics_erasures_pending_idx').on(t.releaseId)],
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
