import { z } from 'zod';
import { SOURCE_PSEUDONYM_PATTERN } from '../../lib/source-pseudonym';
import {
  DOMAINS,
  END_REASONS,
  EXPLOITATION_AT_INTAKE,
  GENDERS,
  INFORMANTS,
  MENTOR_TOPICS,
  RESEARCH_CONSENT,
  SETTINGS,
  YES_NO_UNKNOWN,
} from '../../lib/vocabulary';
import { careActivityRulesSchema } from './care-activity-rules';

// The records institutions push. Strict: an unknown field is an error, never dropped.
// The same schemas validate the single-record routes, the bulk stream and generate OpenAPI.

/** The Idempotency-Key header of a push (REST bulk ingest and FHIR Bundles): a retry is answered with the first answer. */
export const idempotencyHeadersSchema = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1–128 characters of letters, digits and . _ : -')
    .optional(),
});

export const referenceSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'must be 1–64 characters: letters, digits and . _ : - (starting with a letter or digit)')
  .meta({ description: "The institution's own stable reference for this record", example: 'EHR-2024-00042' });

const isoDate = z.iso.date('must be a calendar date as YYYY-MM-DD');

export const subjectInputSchema = z.strictObject({
  pseudonym: z
    .string()
    .regex(SOURCE_PSEUDONYM_PATTERN, 'must be a source pseudonym of format sp1 (sp1. followed by 43 base64url characters)')
    .meta({ description: 'Source pseudonym made at the institution (npm run pseudonymise); never stored as received' }),
  birthYear: z.number().int().min(1980).max(2100),
  gender: z.enum(GENDERS),
  mildIntellectualDisability: z.enum(YES_NO_UNKNOWN),
  priorYouthCare: z.enum(YES_NO_UNKNOWN),
});

const trajectoryFields = {
  subject: subjectInputSchema,
  programmeCode: z.string().min(1).max(64),
  startDate: isoDate,
  endDate: isoDate.nullable().optional(),
  endReason: z.enum(END_REASONS).nullable().optional(),
  exploitationAtIntake: z.enum(EXPLOITATION_AT_INTAKE),
  researchConsent: z.enum(RESEARCH_CONSENT),
};

const placementFields = {
  trajectoryReference: referenceSchema,
  setting: z.enum(SETTINGS),
  startDate: isoDate,
  endDate: isoDate.nullable().optional(),
};

const careActivityFields = {
  trajectoryReference: referenceSchema,
  activityTypeCode: z.string().min(1).max(64),
  date: isoDate,
  count: z.number().int().min(1).max(1000).nullable().optional(),
  durationMinutes: z.number().int().min(1).max(1440).nullable().optional(),
  domain: z.enum(DOMAINS).nullable().optional(),
  parentsInvolved: z.boolean().nullable().optional(),
  topics: z.array(z.enum(MENTOR_TOPICS)).max(MENTOR_TOPICS.length).nullable().optional(),
};

const measurementFields = {
  trajectoryReference: referenceSchema,
  instrumentCode: z.string().min(1).max(64),
  informant: z.enum(INFORMANTS),
  date: isoDate,
  value: z.number().finite(),
};

/** Bodies of the single-record routes: the reference is in the path. */
export const trajectoryBodySchema = z.strictObject(trajectoryFields).meta({
  example: {
    subject: {
      pseudonym: 'sp1.T9qXHIei3DWlTzysXgGCDJTi5-IBhM9YUflNfmjcu00',
      birthYear: 2009,
      gender: 'girl',
      mildIntellectualDisability: 'no',
      priorYouthCare: 'yes',
    },
    programmeCode: 'vuurtorenhuis-baken',
    startDate: '2024-03-04',
    exploitationAtIntake: 'confirmed',
    researchConsent: 'granted',
  },
});
export const placementBodySchema = z.strictObject(placementFields).meta({
  example: { trajectoryReference: 'EHR-2024-00042', setting: 'closed_residential', startDate: '2024-03-04', endDate: '2024-06-30' },
});
export const careActivityBodySchema = z.strictObject(careActivityFields).meta({
  ...careActivityRulesSchema,
  example: {
    trajectoryReference: 'EHR-2024-00042',
    activityTypeCode: 'mentor_conversation',
    date: '2024-03-11',
    durationMinutes: 60,
    topics: ['safety'],
  },
});
export const measurementBodySchema = z.strictObject(measurementFields).meta({
  example: { trajectoryReference: 'EHR-2024-00042', instrumentCode: 'trauma_symptoms', informant: 'youth', date: '2024-03-11', value: 31 },
});

/** One line of a bulk stream: a record with its type and reference. */
export const bulkRecordSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('trajectory'), reference: referenceSchema, ...trajectoryFields }),
  z.strictObject({ type: z.literal('placement'), reference: referenceSchema, ...placementFields }),
  z.strictObject({ type: z.literal('care_activity'), reference: referenceSchema, ...careActivityFields }).meta(careActivityRulesSchema),
  z.strictObject({ type: z.literal('measurement'), reference: referenceSchema, ...measurementFields }),
]);

/** The records as pushed, one type each, from the schemas above. */
export type PlacementBody = z.infer<typeof placementBodySchema>;
export type CareActivityBody = z.infer<typeof careActivityBodySchema>;
export type MeasurementBody = z.infer<typeof measurementBodySchema>;
export type BulkRecord = z.infer<typeof bulkRecordSchema>;
export type RecordType = BulkRecord['type'];
export type TrajectoryRecord = Extract<BulkRecord, { type: 'trajectory' }>;
export type PlacementRecord = Extract<BulkRecord, { type: 'placement' }>;
export type CareActivityRecord = Extract<BulkRecord, { type: 'care_activity' }>;
export type MeasurementRecord = Extract<BulkRecord, { type: 'measurement' }>;

export const RECORD_TYPES = ['trajectory', 'placement', 'care_activity', 'measurement'] as const satisfies readonly RecordType[];

/** Fields where a calendar date is expected (the PII guard lets ISO dates pass there). */
export const DATE_FIELDS = new Set(['startDate', 'endDate', 'date']);
/** Fields whose strict format is checked by the schema; the PII guard leaves them alone. */
export const OPAQUE_FIELDS = new Set(['subject.pseudonym']);
