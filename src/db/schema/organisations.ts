import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { CORE_ELEMENTS, FREQUENCY_PERIODS, SETTINGS, type Setting } from '../../lib/vocabulary';
import { activityTypes } from './catalogue';
import { isOneOf, isSubsetOf } from './checks';

export const institutions = pgTable(
  'institutions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Stable short code used in URLs, keys and seeds. */
    code: text('code').notNull().unique(),
    name: text('name').notNull(),
    /** Fictional institutions of the demo dataset are marked, never mistaken for real ones. */
    synthetic: boolean('synthetic').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('institutions_code_format', sql`${t.code} ~ '^[a-z0-9][a-z0-9-]{1,62}$'`)],
);

/** A care programme of an institution, as described in its handbook. */
export const programmes = pgTable(
  'programmes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    institutionId: uuid('institution_id')
      .notNull()
      .references(() => institutions.id),
    code: text('code').notNull().unique(),
    name: text('name').notNull(),
    settings: text('settings').array().$type<Setting[]>().notNull(),
    description: text('description').notNull().default(''),
  },
  (t) => [
    // Lets trajectories reference (programme, institution) so a trajectory can only name a
    // programme of its own institution.
    unique('programmes_id_institution_unique').on(t.id, t.institutionId),
    check('programmes_settings_valid', sql`cardinality(${t.settings}) > 0 and ${isSubsetOf(t.settings, SETTINGS)}`),
    check('programmes_code_format', sql`${t.code} ~ '^[a-z0-9][a-z0-9-]{1,62}$'`),
  ],
);

/**
 * The fixed offer of a programme: activity types every youth gets, with their expected
 * frequency. An item may deliver one of the three core elements.
 */
export const programmeOfferItems = pgTable(
  'programme_offer_items',
  {
    programmeId: uuid('programme_id')
      .notNull()
      .references(() => programmes.id, { onDelete: 'cascade' }),
    activityTypeCode: text('activity_type_code')
      .notNull()
      .references(() => activityTypes.code),
    expectedCount: integer('expected_count').notNull(),
    period: text('period', { enum: FREQUENCY_PERIODS }).notNull(),
    coreElement: text('core_element', { enum: CORE_ELEMENTS }),
  },
  (t) => [
    primaryKey({ columns: [t.programmeId, t.activityTypeCode] }),
    check('programme_offer_items_count_positive', sql`${t.expectedCount} > 0`),
    check('programme_offer_items_period_valid', isOneOf(t.period, FREQUENCY_PERIODS)),
    check('programme_offer_items_core_element_valid', isOneOf(t.coreElement, CORE_ELEMENTS)),
    index('programme_offer_items_activity_type_idx').on(t.activityTypeCode),
  ],
);
