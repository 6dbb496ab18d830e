import { sql } from 'drizzle-orm';
import { boolean, check, doublePrecision, index, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { ACTIVITY_UNITS, CORE_ELEMENTS, DOMAINS, INFORMANTS, INSTRUMENT_KINDS } from '../../lib/vocabulary';
import { isOneOf } from './checks';

/** A kind of care activity (mentor conversation, EMDR session, family therapy, ...). */
export const activityTypes = pgTable(
  'activity_types',
  {
    code: text('code').primaryKey(),
    name: text('name').notNull(),
    /** The domain the activity usually targets; null for activities that serve every domain. */
    domain: text('domain', { enum: DOMAINS }),
    /** Whether an activity is recorded as a number of occurrences or as minutes. */
    unit: text('unit', { enum: ACTIVITY_UNITS }).notNull(),
    coreElement: text('core_element', { enum: CORE_ELEMENTS }),
    description: text('description').notNull().default(''),
  },
  (t) => [
    check('activity_types_domain_valid', isOneOf(t.domain, DOMAINS)),
    check('activity_types_unit_valid', isOneOf(t.unit, ACTIVITY_UNITS)),
    check('activity_types_core_element_valid', isOneOf(t.coreElement, CORE_ELEMENTS)),
  ],
);

export interface StatusLevel {
  value: number;
  label: string;
  /** Position on the instrument's scale; null for levels such as "unknown" that have none. */
  rank: number | null;
}

/**
 * A measurement instrument: a questionnaire total or subscale, or a status. The psychometric
 * values (norm SD, reliability, clinical cut-off) feed the reliable change index, so where they
 * come from is recorded with them.
 */
export const instruments = pgTable(
  'instruments',
  {
    code: text('code').primaryKey(),
    name: text('name').notNull(),
    kind: text('kind', { enum: INSTRUMENT_KINDS }).notNull(),
    /** One of the four domains; null for the group climate and youth-perspective items. */
    domain: text('domain', { enum: DOMAINS }),
    /** Groups the items of one questionnaire (for example the youth-perspective questionnaire). */
    questionnaire: text('questionnaire'),
    minValue: doublePrecision('min_value').notNull(),
    maxValue: doublePrecision('max_value').notNull(),
    higherIsBetter: boolean('higher_is_better').notNull(),
    clinicalCutoff: doublePrecision('clinical_cutoff'),
    normSd: doublePrecision('norm_sd'),
    reliability: doublePrecision('reliability'),
    psychometricSource: text('psychometric_source').notNull(),
    /** For status instruments: the coded values and their order. */
    levels: jsonb('levels').$type<StatusLevel[]>(),
  },
  (t) => [
    check('instruments_kind_valid', isOneOf(t.kind, INSTRUMENT_KINDS)),
    check('instruments_domain_valid', isOneOf(t.domain, DOMAINS)),
    check('instruments_range_valid', sql`${t.minValue} < ${t.maxValue}`),
    check('instruments_norm_sd_positive', sql`${t.normSd} > 0`),
    check('instruments_reliability_valid', sql`${t.reliability} >= 0 and ${t.reliability} < 1`),
    check('instruments_cutoff_in_range', sql`${t.clinicalCutoff} between ${t.minValue} and ${t.maxValue}`),
    check('instruments_status_has_levels', sql`(${t.kind} = 'status') = (${t.levels} is not null)`),
  ],
);

/** Which informants may report on an instrument; measurements reference this pair. */
export const instrumentInformants = pgTable(
  'instrument_informants',
  {
    instrumentCode: text('instrument_code')
      .notNull()
      .references(() => instruments.code, { onDelete: 'cascade' }),
    informant: text('informant', { enum: INFORMANTS }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.instrumentCode, t.informant] }),
    check('instrument_informants_informant_valid', isOneOf(t.informant, INFORMANTS)),
    index('instrument_informants_informant_idx').on(t.informant),
  ],
);
