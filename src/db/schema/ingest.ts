import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { institutions } from './organisations';

/**
 * Ingest reports, kept so a client can fetch one again by id. A report with an idempotency key
 * also answers a retried request: the key is claimed (`in_progress`) before the work starts.
 */
export const ingestReports = pgTable(
  'ingest_reports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    institutionId: uuid('institution_id')
      .notNull()
      .references(() => institutions.id),
    /** SHA-256 (hex) of the client's Idempotency-Key: the key itself is never stored. */
    idempotencyKey: text('idempotency_key'),
    /** SHA-256 of the request body: a key reused for another body is refused. */
    requestHash: text('request_hash'),
    outcome: text('outcome').notNull(),
    httpStatus: integer('http_status'),
    report: jsonb('report'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [
    unique('ingest_reports_idempotency_unique').on(t.institutionId, t.idempotencyKey),
    check('ingest_reports_outcome_valid', sql`${t.outcome} in ('in_progress', 'committed', 'rolled_back')`),
    check('ingest_reports_key_format', sql`${t.idempotencyKey} ~ '^[0-9a-f]{64}$'`),
    index('ingest_reports_institution_idx').on(t.institutionId, t.createdAt),
  ],
);
