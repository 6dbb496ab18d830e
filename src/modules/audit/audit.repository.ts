import type { SqlConnection } from '../../db/client';
import type { AuditEvent } from './audit-event';

// The one writer of audit events, and the auditors' queries. The database assigns each event
// its chain position and hashes (migrations/0004), so nothing here can forge the chain.

const INSERT = `
  insert into audit_events (request_id, principal_id, role, institution_id, action, resource_type, subject_keys, subject_count,
                            operation, variables_hash, outcome, status_code, source_address, user_agent, purpose, details)
  values ($1, $2, $3, $4, $5, $6, $7::text[], $8, $9, $10, $11, $12, $13, $14, $15, $16::jsonb)
  returning chain_position`;

export async function writeAuditEvent(connection: SqlConnection, event: AuditEvent): Promise<void> {
  await connection.query(INSERT, [
    event.requestId,
    event.principalId,
    event.role,
    event.institutionId,
    event.action,
    event.resourceType,
    event.subjectKeys,
    event.subjectCount,
    event.operation,
    event.variablesHash,
    event.outcome,
    event.statusCode,
    event.sourceAddress,
    event.userAgent,
    event.purpose,
    event.details === null ? null : JSON.stringify(event.details),
  ]);
}

// Many events in one statement: the rows arrive as one JSON array and are read back as rows of
// the table's type; the append trigger still chains them one by one, in array order, under the
// head lock the first of them takes for the whole statement. With a key check, the events of
// refused keys are left out and the refused keys returned, in the same statement.
const COLUMNS = `request_id, principal_id, role, institution_id, action, resource_type, subject_keys, subject_count,
                 operation, variables_hash, outcome, status_code, source_address, user_agent, purpose, details`;
const appendSql = (refusedKeys?: string) => `
  with ${refusedKeys ? `refused as (${refusedKeys}),` : ''}
  appended as (
    insert into audit_events (${COLUMNS})
    select request_id, principal_id, role, institution_id, action, resource_type, coalesce(subject_keys, '{}'), subject_count,
           operation, variables_hash, outcome, status_code, source_address, user_agent, purpose, details
      from jsonb_populate_recordset(null::audit_events, $1::jsonb) with ordinality as e
     ${refusedKeys ? 'where e.principal_id is null or not exists (select 1 from refused r where r.id = e.principal_id::text)' : ''}
     order by ordinality
    returning 1)
  ${refusedKeys ? 'select r.id, r.revoked_at, r.expires_at, (select count(*) from appended) as appended from refused r' : 'select count(*) as appended from appended'}`;

/** A key the check refused, as the SQL of the api-keys module selects it. */
export interface RefusedKeyRow {
  id: string;
  revoked_at: Date | string | null;
  expires_at: Date | string | null;
}

export interface KeyCheck {
  /** SELECT of the refused keys among `ids` at `now`, given the placeholders to use. */
  sql(ids: string, now: string): string;
  ids: readonly string[];
  now: Date;
}

/**
 * The refused keys (revoked, or expired at `now`) among `ids`, in the caller's transaction: a
 * record write confirms its key where its data and event commit. The SQL is the api-keys module's.
 */
export async function selectRefusedKeys(
  connection: SqlConnection,
  refusedKeysSql: (ids: string, now: string) => string,
  ids: string[],
  now: Date,
): Promise<RefusedKeyRow[]> {
  const { rows } = await connection.query<RefusedKeyRow>(refusedKeysSql('$1', '$2'), [ids, now.toISOString()]);
  return rows;
}

/**
 * Appends events in one statement (autocommit: one round trip). With `keyCheck`, the events
 * whose principal's key is refused are not written; their keys are returned for the caller.
 */
export async function appendAuditEvents(
  executor: SqlConnection,
  events: readonly AuditEvent[],
  keyCheck?: KeyCheck,
): Promise<RefusedKeyRow[]> {
  if (events.length === 0) return [];
  // Lone surrogates cannot be stored as text; the single-row path replaces them the same way (UTF-8 encoding).
  const rows = JSON.stringify(events.map(toRow), (_key, value: unknown) =>
    typeof value === 'string' ? (value as WellFormable).toWellFormed() : value,
  );
  if (!keyCheck || keyCheck.ids.length === 0) {
    await executor.query(appendSql(), [rows]);
    return [];
  }
  const { rows: refused } = await executor.query<RefusedKeyRow>(appendSql(keyCheck.sql('$2', '$3')), [
    rows,
    keyCheck.ids,
    keyCheck.now.toISOString(),
  ]);
  return refused;
}

/** ES2024 (Node 20 has it; the project's lib is ES2023). */
type WellFormable = string & { toWellFormed(): string };

function toRow(event: AuditEvent) {
  return {
    request_id: event.requestId,
    principal_id: event.principalId,
    role: event.role,
    institution_id: event.institutionId,
    action: event.action,
    resource_type: event.resourceType,
    subject_keys: event.subjectKeys,
    subject_count: event.subjectCount,
    operation: event.operation,
    variables_hash: event.variablesHash,
    outcome: event.outcome,
    status_code: event.statusCode,
    source_address: event.sourceAddress,
    user_agent: event.userAgent,
    purpose: event.purpose,
    details: event.details,
  };
}

export interface AuditFilters {
  from?: string;
  to?: string;
  principalId?: string;
  institutionId?: string;
  action?: string;
  subjectKey?: string;
}

export interface StoredAuditEvent {
  chainPosition: number;
  occurredAt: string;
  requestId: string | null;
  principalId: string | null;
  role: string | null;
  institutionId: string | null;
  action: string;
  resourceType: string;
  subjectKeys: string[];
  subjectCount: number;
  operation: string;
  variablesHash: string | null;
  outcome: string;
  statusCode: number | null;
  sourceAddress: string | null;
  userAgent: string | null;
  purpose: string | null;
  details: Record<string, unknown> | null;
  previousHash: string;
  hash: string;
}

const SELECT = `
  select chain_position::int8::text as "chainPosition",
         to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "occurredAt",
         request_id as "requestId", principal_id::text as "principalId", role, institution_id::text as "institutionId",
         action, resource_type as "resourceType", subject_keys as "subjectKeys", subject_count as "subjectCount",
         operation, variables_hash as "variablesHash", outcome, status_code as "statusCode",
         source_address as "sourceAddress", user_agent as "userAgent", purpose, details,
         previous_hash as "previousHash", hash
    from audit_events`;

/** Events after `afterPosition`, oldest first, at most `limit`: keyset pagination on the chain. */
export async function listAuditEvents(
  connection: SqlConnection,
  filters: AuditFilters,
  afterPosition: number,
  limit: number,
): Promise<StoredAuditEvent[]> {
  const conditions = ['chain_position > $1'];
  const params: unknown[] = [afterPosition];
  const add = (condition: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    conditions.push(condition(`$${params.length}`));
  };
  if (filters.from) add((p) => `occurred_at >= ${p}::timestamptz`, filters.from);
  if (filters.to) add((p) => `occurred_at < ${p}::timestamptz`, filters.to);
  if (filters.principalId) add((p) => `principal_id = ${p}::uuid`, filters.principalId);
  if (filters.institutionId) add((p) => `institution_id = ${p}::uuid`, filters.institutionId);
  if (filters.action) add((p) => `action = ${p}`, filters.action);
  if (filters.subjectKey) add((p) => `subject_keys @> array[${p}]::text[]`, filters.subjectKey);
  params.push(limit);
  const { rows } = await connection.query<StoredAuditEvent & { chainPosition: string }>(
    `${SELECT} where ${conditions.join(' and ')} order by chain_position limit $${params.length}`,
    params,
  );
  return rows.map((row) => ({ ...row, chainPosition: Number(row.chainPosition) }));
}

export interface ChainVerification {
  valid: boolean;
  eventsChecked: number;
  /** The first event whose hash, predecessor or position does not match. */
  firstInvalidPosition: number | null;
  reason: string | null;
}

/**
 * Walks the chain in the database: recomputes every event's hash from its canonical form and
 * checks it links to the one before, that positions have no gap, and that the head matches.
 * The oldest remaining event anchors the walk (older ones may have been purged by retention).
 */
export async function verifyAuditChain(connection: SqlConnection): Promise<ChainVerification> {
  const { rows } = await connection.query<{ checked: string; position: string | null; reason: string | null }>(`
    with walked as (
      select e.chain_position, e.previous_hash, e.hash,
             encode(sha256(convert_to(audit_event_canonical(e), 'UTF8')), 'hex') as recomputed,
             lag(e.hash) over (order by e.chain_position) as prior_hash,
             lag(e.chain_position) over (order by e.chain_position) as prior_position
        from audit_events e
    ), findings as (
      select chain_position,
             case when recomputed <> hash then 'the event was altered: its hash does not match its content'
                  when prior_hash is not null and previous_hash <> prior_hash then 'the event does not link to the one before it'
                  when prior_position is not null and chain_position <> prior_position + 1 then 'events before this one are missing'
             end as reason
        from walked
    )
    select (select count(*) from audit_events)::text as checked,
           coalesce(
             (select chain_position::text from findings where reason is not null order by chain_position limit 1),
             (select h.position::text from audit_chain_head h
                where h.position <> coalesce((select max(chain_position) from audit_events), 0)
                   or h.hash <> coalesce((select hash from audit_events order by chain_position desc limit 1), h.hash))
           ) as position,
           coalesce(
             (select reason from findings where reason is not null order by chain_position limit 1),
             (select 'the newest events are missing or the chain head was altered' from audit_chain_head h
                where h.position <> coalesce((select max(chain_position) from audit_events), 0)
                   or h.hash <> coalesce((select hash from audit_events order by chain_position desc limit 1), h.hash))
           ) as reason`);
  const row = rows[0]!;
  return {
    valid: row.reason === null,
    eventsChecked: Number(row.checked),
    firstInvalidPosition: row.position === null ? null : Number(row.position),
    reason: row.reason,
  };
}

/**
 * Deletes events older than `before`; the database refuses a cut-off less than five years ago.
 * Through the owner's function (migrations/0008): the service's own role may not delete events.
 */
export async function purgeAuditEvents(connection: SqlConnection, before: Date): Promise<number> {
  const { rows } = await connection.query<{ purged: string }>('select audit_purge_expired($1::timestamptz)::text as purged', [
    before.toISOString(),
  ]);
  return Number(rows[0]!.purged);
}
