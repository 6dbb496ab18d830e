import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const AUDIT_ACTIONS = ['create', 'read', 'update', 'delete', 'execute'] as const;
/** `aborted`: the client went away before the answer (an upload cut off), neither refused nor a failure of ours. */
export const AUDIT_OUTCOMES = ['success', 'refused', 'failed', 'aborted'] as const;

/**
 * The audit trail (NEN 7513): who, in which role and organisation, did what to which records,
 * when, from where, with what outcome and for which purpose. Append-only and hash-chained:
 * triggers (migrations/0004) set `chain_position`, `previous_hash` and `hash`, and refuse
 * UPDATE, DELETE and TRUNCATE. Subjects are named by registry key only.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    chainPosition: bigint('chain_position', { mode: 'number' }).primaryKey(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, precision: 6 }).notNull().defaultNow(),
    requestId: text('request_id'),
    /** The API key that acted (keys are never deleted, only revoked). */
    principalId: uuid('principal_id'),
    role: text('role'),
    institutionId: uuid('institution_id'),
    action: text('action', { enum: AUDIT_ACTIONS }).notNull(),
    resourceType: text('resource_type').notNull(),
    subjectKeys: text('subject_keys').array().notNull().default(sql`'{}'::text[]`),
    subjectCount: integer('subject_count').notNull().default(0),
    /** The route (method and pattern) or GraphQL operation. */
    operation: text('operation').notNull(),
    /** SHA-256 of the operation's variables (params and query, or GraphQL variables). */
    variablesHash: text('variables_hash'),
    outcome: text('outcome', { enum: AUDIT_OUTCOMES }).notNull(),
    statusCode: integer('status_code'),
    sourceAddress: text('source_address'),
    userAgent: text('user_agent'),
    /** The purpose of use a research read declares. */
    purpose: text('purpose'),
    /** What else identifies the access: aggregate parameters, ingest counts, error code. */
    details: jsonb('details'),
    previousHash: text('previous_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    check('audit_events_action_valid', sql`${t.action} in ('create', 'read', 'update', 'delete', 'execute')`),
    check('audit_events_outcome_valid', sql`${t.outcome} in ('success', 'refused', 'failed', 'aborted')`),
    index('audit_events_occurred_idx').on(t.occurredAt),
    index('audit_events_principal_idx').on(t.principalId, t.chainPosition),
    index('audit_events_institution_idx').on(t.institutionId, t.chainPosition),
    index('audit_events_subjects_idx').using('gin', t.subjectKeys),
  ],
);

/** The head of the chain: one row, locked by every append, so the chain stays linear. */
export const auditChainHead = pgTable(
  'audit_chain_head',
  {
    singleton: boolean('singleton').primaryKey().default(true),
    position: bigint('position', { mode: 'number' }).notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [check('audit_chain_head_singleton', sql`${t.singleton}`)],
);
