import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  date,
  doublePrecision,
  foreignKey,
  index,
  integer,
  pgTable,
  smallint,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import {
  DOMAINS,
  END_REASONS,
  EXPLOITATION_AT_INTAKE,
  GENDERS,
  INFORMANTS,
  MENTOR_TOPICS,
  type MentorTopic,
  RESEARCH_CONSENT,
  SETTINGS,
  YES_NO_UNKNOWN,
} from '../../lib/vocabulary';
import { activityTypes, instrumentInformants, instruments } from './catalogue';
import { isOneOf, isSubsetOf } from './checks';
import { institutions, programmes } from './organisations';

// Every record an institution pushes carries the institution and its own stable reference;
// (institution_id, reference) is the upsert key. Child records reference their trajectory
// together with the institution, so the database itself refuses a placement, activity or
// measurement that hangs under another institution's trajectory.

const referenceFormat = (column: AnyPgColumn) => sql`${column} ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'`;

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
};

/**
 * One youth as one institution recorded her: a row per (institution, youth). Institutions share
 * the pseudonym key, so any of them can compute any youth's pseudonym; each therefore keeps its
 * own view of her attributes, and nothing one institution pushes or erases touches another's
 * row. The same youth at two institutions is one subject for research through equal registry
 * keys, not through a shared row.
 *
 * A row with `erased_at` set is the institution's tombstone: the youth withdrew consent there,
 * her records at that institution are gone and its later pushes of her are refused. It holds
 * the registry key only. Being the same row a push upserts, it is also the youth's lock at that
 * institution: an erasure and a push of the same youth at one institution cannot interleave.
 */
export const subjects = pgTable(
  'subjects',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    institutionId: uuid('institution_id')
      .notNull()
      .references(() => institutions.id),
    /** HMAC-SHA-256 (hex) of the source pseudonym under the registry's own key. */
    registryKey: text('registry_key').notNull(),
    birthYear: smallint('birth_year'),
    gender: text('gender', { enum: GENDERS }),
    mildIntellectualDisability: text('mild_intellectual_disability', { enum: YES_NO_UNKNOWN }),
    priorYouthCare: text('prior_youth_care', { enum: YES_NO_UNKNOWN }),
    /** Set when the institution erased its records of the youth (the row is then a tombstone). */
    erasedAt: timestamp('erased_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    unique('subjects_institution_registry_key_unique').on(t.institutionId, t.registryKey),
    unique('subjects_id_institution_unique').on(t.id, t.institutionId),
    index('subjects_registry_key_idx').on(t.registryKey),
    check('subjects_registry_key_format', sql`${t.registryKey} ~ '^[0-9a-f]{64}$'`),
    check('subjects_birth_year_range', sql`${t.birthYear} between 1980 and 2100`),
    check('subjects_gender_valid', isOneOf(t.gender, GENDERS)),
    check('subjects_mild_id_valid', isOneOf(t.mildIntellectualDisability, YES_NO_UNKNOWN)),
    check('subjects_prior_youth_care_valid', isOneOf(t.priorYouthCare, YES_NO_UNKNOWN)),
    // A live row has every attribute; a tombstone keeps none of them.
    check(
      'subjects_attributes_unless_erased',
      sql`case when ${t.erasedAt} is null
               then ${t.birthYear} is not null and ${t.gender} is not null and ${t.mildIntellectualDisability} is not null and ${t.priorYouthCare} is not null
               else ${t.birthYear} is null and ${t.gender} is null and ${t.mildIntellectualDisability} is null and ${t.priorYouthCare} is null end`,
    ),
  ],
);

/**
 * Registry-wide objections: the youth (or a parent) asked the registry itself to hold nothing of
 * her. Every record at every institution is gone; only the registry key is kept, so that every
 * later push of her, by any institution, is refused with SUBJECT_OBJECTED.
 */
export const subjectObjections = pgTable(
  'subject_objections',
  {
    registryKey: text('registry_key').primaryKey(),
    objectedAt: timestamp('objected_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('subject_objections_registry_key_format', sql`${t.registryKey} ~ '^[0-9a-f]{64}$'`)],
);

/** One episode of care of a subject in a programme. */
export const trajectories = pgTable(
  'trajectories',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    institutionId: uuid('institution_id')
      .notNull()
      .references(() => institutions.id),
    reference: text('reference').notNull(),
    /** The youth as this trajectory's own institution recorded her. */
    subjectId: uuid('subject_id').notNull(),
    programmeId: uuid('programme_id').notNull(),
    startDate: date('start_date', { mode: 'string' }).notNull(),
    endDate: date('end_date', { mode: 'string' }),
    endReason: text('end_reason', { enum: END_REASONS }),
    exploitationAtIntake: text('exploitation_at_intake', { enum: EXPLOITATION_AT_INTAKE }).notNull(),
    researchConsent: text('research_consent', { enum: RESEARCH_CONSENT }).notNull().default('unknown'),
    /** Rows of the generated demo dataset; never real data. */
    synthetic: boolean('synthetic').notNull().default(false),
    /**
     * The trajectory's record key for the cell-key method of the statistics: drawn once, at
     * random, in [0, 2^31); never published, never sent to anyone (see lib/statistics/cell-key.ts).
     */
    recordKey: integer('record_key').notNull().default(sql`floor(random() * 2147483648)::integer`),
    ...timestamps,
  },
  (t) => [
    unique('trajectories_institution_reference_unique').on(t.institutionId, t.reference),
    unique('trajectories_id_institution_unique').on(t.id, t.institutionId),
    foreignKey({
      name: 'trajectories_subject_of_institution_fk',
      columns: [t.subjectId, t.institutionId],
      foreignColumns: [subjects.id, subjects.institutionId],
    }),
    foreignKey({
      name: 'trajectories_programme_of_institution_fk',
      columns: [t.programmeId, t.institutionId],
      foreignColumns: [programmes.id, programmes.institutionId],
    }),
    check('trajectories_reference_format', referenceFormat(t.reference)),
    check('trajectories_end_not_before_start', sql`${t.endDate} >= ${t.startDate}`),
    check('trajectories_end_reason_with_end', sql`(${t.endDate} is null) = (${t.endReason} is null)`),
    check('trajectories_end_reason_valid', isOneOf(t.endReason, END_REASONS)),
    check('trajectories_exploitation_valid', isOneOf(t.exploitationAtIntake, EXPLOITATION_AT_INTAKE)),
    check('trajectories_consent_valid', isOneOf(t.researchConsent, RESEARCH_CONSENT)),
    check('trajectories_record_key_range', sql`${t.recordKey} >= 0`),
    index('trajectories_subject_idx').on(t.subjectId),
    index('trajectories_programme_idx').on(t.programmeId),
    index('trajectories_start_idx').on(t.startDate),
    index('trajectories_consent_idx').on(t.researchConsent),
  ],
);

const trajectoryOfSameInstitution = (name: string, t: { trajectoryId: AnyPgColumn; institutionId: AnyPgColumn }) =>
  foreignKey({
    name,
    columns: [t.trajectoryId, t.institutionId],
    foreignColumns: [trajectories.id, trajectories.institutionId],
  }).onDelete('cascade');

/** A period within a trajectory in one setting (a youth often moves from closed to open). */
export const placements = pgTable(
  'placements',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    institutionId: uuid('institution_id')
      .notNull()
      .references(() => institutions.id),
    reference: text('reference').notNull(),
    trajectoryId: uuid('trajectory_id').notNull(),
    setting: text('setting', { enum: SETTINGS }).notNull(),
    startDate: date('start_date', { mode: 'string' }).notNull(),
    endDate: date('end_date', { mode: 'string' }),
    ...timestamps,
  },
  (t) => [
    unique('placements_institution_reference_unique').on(t.institutionId, t.reference),
    trajectoryOfSameInstitution('placements_trajectory_fk', t),
    check('placements_reference_format', referenceFormat(t.reference)),
    check('placements_setting_valid', isOneOf(t.setting, SETTINGS)),
    check('placements_end_not_before_start', sql`${t.endDate} >= ${t.startDate}`),
    index('placements_trajectory_idx').on(t.trajectoryId, t.startDate),
  ],
);

/** Something delivered on a date: a mentor conversation, an EMDR session, a parent contact... */
export const careActivities = pgTable(
  'care_activities',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    institutionId: uuid('institution_id')
      .notNull()
      .references(() => institutions.id),
    reference: text('reference').notNull(),
    trajectoryId: uuid('trajectory_id').notNull(),
    activityTypeCode: text('activity_type_code')
      .notNull()
      .references(() => activityTypes.code),
    activityDate: date('activity_date', { mode: 'string' }).notNull(),
    /** Occurrences, for activity types counted in occurrences. */
    count: integer('count'),
    /** Minutes, for activity types measured in time (either may be given). */
    durationMinutes: integer('duration_minutes'),
    /** Overrides the activity type's domain when this activity targets another one. */
    domain: text('domain', { enum: DOMAINS }),
    parentsInvolved: boolean('parents_involved'),
    topics: text('topics').array().$type<MentorTopic[]>(),
    ...timestamps,
  },
  (t) => [
    unique('care_activities_institution_reference_unique').on(t.institutionId, t.reference),
    trajectoryOfSameInstitution('care_activities_trajectory_fk', t),
    check('care_activities_reference_format', referenceFormat(t.reference)),
    check('care_activities_amount_given', sql`${t.count} is not null or ${t.durationMinutes} is not null`),
    check('care_activities_count_range', sql`${t.count} between 1 and 1000`),
    check('care_activities_duration_range', sql`${t.durationMinutes} between 1 and 1440`),
    check('care_activities_domain_valid', isOneOf(t.domain, DOMAINS)),
    check('care_activities_topics_valid', isSubsetOf(t.topics, MENTOR_TOPICS)),
    index('care_activities_trajectory_idx').on(t.trajectoryId, t.activityTypeCode, t.activityDate),
  ],
);

/** One observation in a series (trajectory x instrument x informant). */
export const measurements = pgTable(
  'measurements',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    institutionId: uuid('institution_id')
      .notNull()
      .references(() => institutions.id),
    reference: text('reference').notNull(),
    trajectoryId: uuid('trajectory_id').notNull(),
    instrumentCode: text('instrument_code')
      .notNull()
      .references(() => instruments.code),
    informant: text('informant', { enum: INFORMANTS }).notNull(),
    measuredOn: date('measured_on', { mode: 'string' }).notNull(),
    value: doublePrecision('value').notNull(),
    ...timestamps,
  },
  (t) => [
    unique('measurements_institution_reference_unique').on(t.institutionId, t.reference),
    trajectoryOfSameInstitution('measurements_trajectory_fk', t),
    // Only informants the catalogue allows for this instrument.
    foreignKey({
      name: 'measurements_instrument_informant_fk',
      columns: [t.instrumentCode, t.informant],
      foreignColumns: [instrumentInformants.instrumentCode, instrumentInformants.informant],
    }),
    check('measurements_reference_format', referenceFormat(t.reference)),
    check('measurements_informant_valid', isOneOf(t.informant, INFORMANTS)),
    check('measurements_value_finite', sql`${t.value} <> 'NaN'::float8 and ${t.value} not in ('Infinity'::float8, '-Infinity'::float8)`),
    index('measurements_series_idx').on(t.trajectoryId, t.instrumentCode, t.informant, t.measuredOn),
  ],
);

// A record as stored, in TypeScript: repositories, views and generators pick their fields from
// these instead of writing the columns' types again.
export type StoredPlacement = typeof placements.$inferSelect;
export type StoredCareActivity = typeof careActivities.$inferSelect;
export type StoredMeasurement = typeof measurements.$inferSelect;
