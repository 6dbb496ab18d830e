import { z } from 'zod';

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
