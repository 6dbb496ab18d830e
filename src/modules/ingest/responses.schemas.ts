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

export const errorDetailSchema = z.object({ code: z.string(), message: z.string(), field: z.string().optional() });

export const errorBodySchema = z
  .object({
    status: z.number().int(),
    code: z.string(),
    message: z.string(),
    field: z.string().optional(),
    errors: z.array(errorDetailSchema).optional(),
    requestId: z.string().optional(),
  })
  .meta({
    id: 'Error',
    example: { status: 422, code: 'UNKNOWN_TRAJECTORY', message: 'body.trajectoryReference: names no trajectory of your institution', field: 'body.trajectoryReference', requestId: '4f1c…' },
  });

const statusCounts = z.object({ created: z.number().int(), updated: z.number().int(), unchanged: z.number().int(), rejected: z.number().int() });

export const ingestReportSchema = z
  .object({
    id: z.uuid(),
    outcome: z.enum(['committed', 'rolled_back', 'dry_run']),
    mode: z.enum(['atomic', 'per_record']),
    dryRun: z.boolean(),
    lines: z.number().int(),
    counts: z.object({
      trajectory: statusCounts,
      placement: statusCounts,
      care_activity: statusCounts,
      measurement: statusCounts,
      unknown: z.object({ rejected: z.number().int() }),
    }),
    rejections: z.array(
      z.object({ line: z.number().int(), type: z.string().optional(), reference: z.string().optional(), errors: z.array(errorDetailSchema) }),
    ),
    rejectionsTruncated: z.boolean(),
    receivedAt: z.string(),
    completedAt: z.string(),
  })
  .meta({ id: 'IngestReport' });

/** A rolled-back atomic request: the report, with the error shape's fields beside it. */
export const rejectedIngestSchema = ingestReportSchema.extend({ status: z.literal(422), code: z.literal('INGEST_REJECTED'), message: z.string() });

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
