import { z } from 'zod';
import { AUDIT_ACTIONS, AUDIT_OUTCOMES } from '../../db/schema';

// The one source of an audit event's shape (issue #16): the stored event as the auditors' routes
// answer it (REST page, NDJSON export, subject access report), and the event as it is written,
// which is the stored one without what the database assigns. The TypeScript types are inferred
// from these, and the repository maps them to columns through the Drizzle table, so a field added
// here and not there (or the other way round) fails to compile.

/** A stored event, as listed and exported. Action and outcome are answered as plain strings. */
export const storedAuditEventSchema = z.object({
  chainPosition: z.number().int(),
  occurredAt: z.string(),
  requestId: z.string().nullable(),
  principalId: z.string().nullable(),
  role: z.string().nullable(),
  institutionId: z.string().nullable(),
  action: z.string(),
  resourceType: z.string(),
  subjectKeys: z.array(z.string()),
  subjectCount: z.number().int(),
  operation: z.string(),
  variablesHash: z.string().nullable(),
  outcome: z.string(),
  statusCode: z.number().int().nullable(),
  sourceAddress: z.string().nullable(),
  userAgent: z.string().nullable(),
  purpose: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
  previousHash: z.string(),
  hash: z.string(),
});

/** An event to write: the database assigns its position, time and hashes (migrations/0004). */
export const auditEventSchema = storedAuditEventSchema
  .omit({ chainPosition: true, occurredAt: true, previousHash: true, hash: true })
  .extend({ requestId: z.string(), action: z.enum(AUDIT_ACTIONS), outcome: z.enum(AUDIT_OUTCOMES) });

export type StoredAuditEvent = z.infer<typeof storedAuditEventSchema>;
export type AuditEvent = z.infer<typeof auditEventSchema>;

/** The written fields, in the order of the schema: the repository's column list. */
export const AUDIT_EVENT_FIELDS = Object.keys(auditEventSchema.shape) as (keyof AuditEvent)[];
/** The stored fields, in the order of the schema: the repository's select list. */
export const STORED_AUDIT_EVENT_FIELDS = Object.keys(storedAuditEventSchema.shape) as (keyof StoredAuditEvent)[];
