import { sql } from 'drizzle-orm';
import { check, date, doublePrecision, index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { activityTypes } from './catalogue';
import { trajectories } from './records';

// The per-trajectory indicators, kept up to date as data arrives (modules/indicators), so that
// statistics aggregate stored values instead of recomputing them from measurements.

const DOMAIN_STATUS = sql.raw(`('improved', 'unchanged', 'deteriorated', 'mixed', 'unknown')`);

export const trajectoryIndicators = pgTable(
  'trajectory_indicators',
  {
    trajectoryId: uuid('trajectory_id')
      .primaryKey()
      .references(() => trajectories.id, { onDelete: 'cascade' }),
    /** The day the time in care of an open trajectory was counted up to. */
    computedFor: date('computed_for', { mode: 'string' }).notNull(),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull().defaultNow(),
    daysInCare: integer('days_in_care').notNull(),
    outcomeClass: text('outcome_class').notNull(),
    problemRecognition: text('problem_recognition').notNull(),
    statusExploitationResilience: text('status_exploitation_resilience').notNull(),
    statusSocialEmotional: text('status_social_emotional').notNull(),
    statusFamilyNetwork: text('status_family_network').notNull(),
    statusParticipation: text('status_participation').notNull(),
    fidelitySummary: doublePrecision('fidelity_summary'),
    fidelityDiagnosticsSafety: doublePrecision('fidelity_diagnostics_safety'),
    fidelityLivingClimate: doublePrecision('fidelity_living_climate'),
    fidelityMentorConversations: doublePrecision('fidelity_mentor_conversations'),
  },
  (t) => [
    check('trajectory_indicators_outcome_valid', sql`${t.outcomeClass} in ('improved', 'not_improved', 'mixed', 'insufficient_data')`),
    check(
      'trajectory_indicators_recognition_valid',
      sql`${t.problemRecognition} in ('low_recognition', 'shared_recognition', 'no_problems_reported', 'unknown')`,
    ),
    check(
      'trajectory_indicators_statuses_valid',
      sql`${t.statusExploitationResilience} in ${DOMAIN_STATUS} and ${t.statusSocialEmotional} in ${DOMAIN_STATUS}
          and ${t.statusFamilyNetwork} in ${DOMAIN_STATUS} and ${t.statusParticipation} in ${DOMAIN_STATUS}`,
    ),
    index('trajectory_indicators_outcome_idx').on(t.outcomeClass),
    index('trajectory_indicators_recognition_idx').on(t.problemRecognition),
  ],
);

export const trajectoryDoses = pgTable(
  'trajectory_doses',
  {
    trajectoryId: uuid('trajectory_id')
      .notNull()
      .references(() => trajectories.id, { onDelete: 'cascade' }),
    activityTypeCode: text('activity_type_code')
      .notNull()
      .references(() => activityTypes.code),
    count: integer('count').notNull(),
    minutes: integer('minutes').notNull(),
    perMonthInCare: doublePrecision('per_month_in_care').notNull(),
  },
  (t) => [primaryKey({ columns: [t.trajectoryId, t.activityTypeCode] }), index('trajectory_doses_type_idx').on(t.activityTypeCode)],
);

/** Trajectories whose indicators must be computed again (written with the data that changed them). */
export const indicatorQueue = pgTable('indicator_queue', {
  trajectoryId: uuid('trajectory_id')
    .primaryKey()
    .references(() => trajectories.id, { onDelete: 'cascade' }),
  queuedAt: timestamp('queued_at', { withTimezone: true }).notNull().defaultNow(),
});
