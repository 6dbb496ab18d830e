import { z } from 'zod';
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

// Response schemas of the institution API: what is sent back is exactly these fields.

export { errorBodySchema, errorDetailSchema } from '../../lib/error-body.schema';
import { errorDetailSchema } from '../../lib/error-body.schema';
import { RECORD_TYPES, type RecordType } from './ingest.schemas';

// The ingest report's one source: the builder (ingest-report.ts) and the stored reports
// (ingest-reports.repository.ts) use the types inferred from these.
const statusCounts = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  rejected: z.number().int(),
});

export const rejectionSchema = z.object({
  line: z.number().int(),
  type: z.string().optional(),
  reference: z.string().optional(),
  errors: z.array(errorDetailSchema),
});

/** One count per record type (RECORD_TYPES, in its order), and the rejected records of no known type. */
const recordCounts = Object.fromEntries(RECORD_TYPES.map((type) => [type, statusCounts])) as Record<RecordType, typeof statusCounts>;

export const ingestReportSchema = z
  .object({
    id: z.uuid(),
    outcome: z.enum(['committed', 'rolled_back', 'dry_run']),
    mode: z.enum(['atomic', 'per_record']),
    dryRun: z.boolean(),
    lines: z.number().int(),
    counts: z.object({ ...recordCounts, unknown: z.object({ rejected: z.number().int() }) }),
    rejections: z.array(rejectionSchema),
    rejectionsTruncated: z.boolean(),
    receivedAt: z.string(),
    completedAt: z.string(),
  })
  .meta({
    id: 'IngestReport',
    example: {
      id: '0b5e7d1c-7a43-4c57-9d3f-4f7f2b1e9a10',
      outcome: 'committed',
      mode: 'per_record',
      dryRun: false,
      lines: 3,
      counts: {
        trajectory: { created: 1, updated: 0, unchanged: 0, rejected: 0 },
        placement: { created: 0, updated: 0, unchanged: 0, rejected: 0 },
        care_activity: { created: 0, updated: 0, unchanged: 0, rejected: 0 },
        measurement: { created: 1, updated: 0, unchanged: 0, rejected: 1 },
        unknown: { rejected: 0 },
      },
      rejections: [
        {
          line: 3,
          type: 'measurement',
          reference: 'M-2',
          errors: [{ code: 'VALUE_OUT_OF_RANGE', message: 'must lie between 0 and 60', field: 'value' }],
        },
      ],
      rejectionsTruncated: false,
      receivedAt: '2024-03-12T08:00:00.000Z',
      completedAt: '2024-03-12T08:00:00.120Z',
    },
  });

/** A rolled-back atomic request: the report, with the error shape's fields beside it. */
export const rejectedIngestSchema = ingestReportSchema.extend({
  status: z.literal(422),
  code: z.literal('INGEST_REJECTED'),
  message: z.string(),
  requestId: z.string(),
});

export const subjectViewSchema = z.object({
  birthYear: z.number().int(),
  gender: z.enum(GENDERS),
  mildIntellectualDisability: z.enum(YES_NO_UNKNOWN),
  priorYouthCare: z.enum(YES_NO_UNKNOWN),
});

const placementFields = { reference: z.string(), setting: z.enum(SETTINGS), startDate: z.string(), endDate: z.string().nullable() };

export const trajectoryViewSchema = z.object({
  reference: z.string(),
  programmeCode: z.string(),
  startDate: z.string(),
  endDate: z.string().nullable(),
  endReason: z.enum(END_REASONS).nullable(),
  exploitationAtIntake: z.enum(EXPLOITATION_AT_INTAKE),
  researchConsent: z.enum(RESEARCH_CONSENT),
  subject: subjectViewSchema,
  updatedAt: z.string(),
});

export const trajectoryDetailSchema = trajectoryViewSchema.extend({ placements: z.array(z.object(placementFields)) });

export const placementViewSchema = z.object({ ...placementFields, trajectoryReference: z.string() });

export const careActivityViewSchema = z.object({
  reference: z.string(),
  trajectoryReference: z.string(),
  activityTypeCode: z.string(),
  date: z.string(),
  count: z.number().int().nullable(),
  durationMinutes: z.number().int().nullable(),
  domain: z.enum(DOMAINS).nullable(),
  parentsInvolved: z.boolean().nullable(),
  topics: z.array(z.enum(MENTOR_TOPICS)).nullable(),
});

export const measurementViewSchema = z.object({
  reference: z.string(),
  trajectoryReference: z.string(),
  instrumentCode: z.string(),
  informant: z.enum(INFORMANTS),
  date: z.string(),
  value: z.number(),
});

export const writeStatusSchema = z.enum(['created', 'updated', 'unchanged']);

// Examples for the OpenAPI page.
const TRAJECTORY_EXAMPLE = {
  reference: 'EHR-2024-00042',
  programmeCode: 'vuurtorenhuis-baken',
  startDate: '2024-03-04',
  endDate: null,
  endReason: null,
  exploitationAtIntake: 'confirmed',
  researchConsent: 'granted',
  subject: { birthYear: 2009, gender: 'girl', mildIntellectualDisability: 'no', priorYouthCare: 'yes' },
  updatedAt: '2024-03-04T10:15:00.000Z',
};
export const EXAMPLES = {
  trajectory: {
    ...TRAJECTORY_EXAMPLE,
    placements: [{ reference: 'EHR-P-1', setting: 'closed_residential', startDate: '2024-03-04', endDate: null }],
  },
  trajectoryList: { items: [TRAJECTORY_EXAMPLE], nextCursor: 'EHR-2024-00042' },
  placement: {
    reference: 'EHR-P-1',
    trajectoryReference: 'EHR-2024-00042',
    setting: 'closed_residential',
    startDate: '2024-03-04',
    endDate: null,
  },
  careActivity: {
    reference: 'EHR-A-1',
    trajectoryReference: 'EHR-2024-00042',
    activityTypeCode: 'mentor_conversation',
    date: '2024-03-11',
    count: null,
    durationMinutes: 60,
    domain: null,
    parentsInvolved: null,
    topics: ['safety'],
  },
  measurement: {
    reference: 'EHR-M-1',
    trajectoryReference: 'EHR-2024-00042',
    instrumentCode: 'trauma_symptoms',
    informant: 'youth',
    date: '2024-03-11',
    value: 31,
  },
};
