import { ACTIVITY_TYPES } from '../catalogue';
import type { CareActivityBody } from './ingest.schemas';
import type { RecordError } from './record-validation';

// What a care activity may carry depends on its type. Declared once here: the OpenAPI document
// shows the rules as schema (ingest.schemas.ts adds careActivityRulesSchema to the record's
// schema), and the ingest refuses what breaks them (ingest-rules.ts, 422 NOT_APPLICABLE or
// AMOUNT_MISSING with the field at fault). Before, a typed client learned them from a refusal.

/** Fields that belong to one activity type only. */
const ONE_TYPE_ONLY = [
  { field: 'parentsInvolved', activityType: 'treatment_plan_meeting', message: 'parentsInvolved belongs to treatment-plan meetings only' },
  { field: 'topics', activityType: 'mentor_conversation', message: 'topics belong to mentor conversations only' },
] as const;

/** Activity types recorded in minutes (the catalogue's unit): they need durationMinutes. */
export const MINUTE_ACTIVITY_TYPES: readonly string[] = ACTIVITY_TYPES.filter((type) => type.unit === 'minutes').map((type) => type.code);

/** What counts as giving the field: parentsInvolved true or false, at least one topic. */
const GIVEN = {
  parentsInvolved: { type: 'boolean' },
  topics: { type: 'array', items: { type: 'string' }, minItems: 1 },
} as const;

/** The fields of a care activity (as pushed, ingest.schemas.ts) that the rules look at. */
type CareActivityFields = Pick<CareActivityBody, 'activityTypeCode' | 'durationMinutes' | 'parentsInvolved' | 'topics'>;

const isGiven = (record: CareActivityFields, field: (typeof ONE_TYPE_ONLY)[number]['field']) =>
  field === 'topics' ? Boolean(record.topics?.length) : record.parentsInvolved != null;

/** The rules broken by an activity of a known type. */
export function careActivityRuleErrors(record: CareActivityFields): RecordError[] {
  const errors: RecordError[] = [];
  if (MINUTE_ACTIVITY_TYPES.includes(record.activityTypeCode) && record.durationMinutes == null) {
    errors.push({ code: 'AMOUNT_MISSING', message: 'this activity type is recorded in minutes', field: 'durationMinutes' });
  }
  for (const rule of ONE_TYPE_ONLY) {
    if (isGiven(record, rule.field) && record.activityTypeCode !== rule.activityType) {
      errors.push({ code: 'NOT_APPLICABLE', message: rule.message, field: rule.field });
    }
  }
  return errors;
}

/**
 * The same rules as OpenAPI 3.0 schema (no if/then there): each an anyOf of "the type that allows
 * it" or "the field not given".
 */
export const careActivityRulesSchema = {
  description:
    `Give \`count\`, \`durationMinutes\` or both (otherwise AMOUNT_MISSING); activity types counted in minutes (${MINUTE_ACTIVITY_TYPES.join(', ')}) need \`durationMinutes\` (AMOUNT_MISSING). ` +
    ONE_TYPE_ONLY.map((rule) => `\`${rule.field}\` only with activityTypeCode ${rule.activityType}`).join('; ') +
    ' (otherwise NOT_APPLICABLE).',
  allOf: [
    {
      anyOf: [
        { required: ['count'], properties: { count: { type: 'integer' } } },
        { required: ['durationMinutes'], properties: { durationMinutes: { type: 'integer' } } },
      ],
    },
    {
      anyOf: [
        { properties: { activityTypeCode: { not: { enum: [...MINUTE_ACTIVITY_TYPES] } } } },
        { required: ['durationMinutes'], properties: { durationMinutes: { type: 'integer' } } },
      ],
    },
    ...ONE_TYPE_ONLY.map((rule) => ({
      anyOf: [
        { properties: { activityTypeCode: { type: 'string', enum: [rule.activityType] } } },
        { not: { required: [rule.field], properties: { [rule.field]: GIVEN[rule.field] } } },
      ],
    })),
  ],
};
