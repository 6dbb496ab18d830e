import type { SqlConnection } from '../../db/client';
import { auditEvents } from '../../db/schema';
import { AUDIT_EVENT_FIELDS, type AuditEvent, STORED_AUDIT_EVENT_FIELDS, type StoredAuditEvent } from './audit-event.schema';

export type { StoredAuditEvent } from './audit-event.schema';

// The one writer of audit events, and the auditors' queries. The database assigns each event
// its chain position and hashes (migrations/0004), so nothing here can forge the chain.

// Columns come from the event's schema through the Drizzle table: a field the table lacks does not
// compile, and neither does a table column the stored event lacks (below).
type SameKeys<A, B> = [Exclude<keyof A, keyof B> | Exclude<keyof B, keyof A>] extends [never] ? true : false;
const STORED_EVENT_IS_THE_TABLE: SameKeys<StoredAuditEvent, typeof auditEvents.$inferSelect> = true;
void STORED_EVENT_IS_THE_TABLE;

const column = (field: keyof StoredAuditEvent) => auditEvents[field].name;
const WRITTEN_COLUMNS = AUDIT_EVENT_FIELDS.map(column);
/** Arrays and JSON are sent as text and cast. */
const PARAMETER_CASTS: Partial<Record<keyof AuditEvent, string>> = { subjectKeys: '::text[]', details: '::jsonb' };

const INSERT = `
  insert into audit_events (${WRITTEN_COLUMNS.join(', ')})
  values (${AUDIT_EVENT_FIELDS.map((field, index) => `$${index + 1}${PARAMETER_CASTS[field] ?? ''}`).join(', ')})
  returning chain_position`;

export async function writeAuditEvent(connection: SqlConnection, event: AuditEvent): Promise<void> {
  await connection.query(
    INSERT,
    AUDIT_EVENT_FIELDS.map((field) =>
      field === 'details' ? (event.details === null ? null : JSON.stringify(event.details)) : event[field],
    ),
  );
}

// Many events in one statement: the rows arrive as one JSON array and are read back as rows of
// the table's type; the append trigger still chains them one by one, in array order, under the
// head lock the first of them takes for the whole statement.
const APPEND = `
  insert into audit_events (${WRITTEN_COLUMNS.join(', ')})
  select ${WRITTEN_COLUMNS.map((name) => (name === 'subject_keys' ? `coalesce(subject_keys, '{}')` : name)).join(', ')}
    from jsonb_populate_recordset(null::audit_events, $1::jsonb) with ordinality as e
   order by ordinality`;

/** Appends events in one statement (autocommit: one round trip). */
export async function appendAuditEvents(connection: SqlConnection, events: readonly AuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  // Lone surrogates cannot be stored as text; the single-row path replaces them the same way (UTF-8 encoding).
  const rows = JSON.stringify(events.map(toRow), (_key, value: unknown) =>
    typeof value === 'string' ? (value as WellFormable).toWellFormed() : value,
  );
  await connection.query(APPEND, [rows]);
}

/** ES2024 (Node 20 has it; the project's lib is ES2023). */
type WellFormable = string & { toWellFormed(): string };

/** The event keyed by column name, as jsonb_populate_recordset reads it. */
function toRow(event: AuditEvent): Record<string, unknown> {
  return Object.fromEntries(WRITTEN_COLUMNS.map((name, index) => [name, event[AUDIT_EVENT_FIELDS[index]!]]));
}

export interface AuditFilters {
  from?: string;
  to?: string;
  principalId?: string;
  institutionId?: string;
  action?: string;
  subjectKey?: string;
}

/** Columns answered in another form than the stored one. */
const SELECTED: Partial<Record<keyof StoredAuditEvent, string>> = {
  chainPosition: 'chain_position::int8::text',
  occurredAt: `to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
  principalId: 'principal_id::text',
  institutionId: 'institution_id::text',
};
const SELECT = `
  select ${STORED_AUDIT_EVENT_FIELDS.map((field) => `${SELECTED[field] ?? column(field)} as "${field}"`).join(', ')}
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

/** The chain head: the newest event's position and hash, as the appending trigger keeps them. */
export async function readChainHead(connection: SqlConnection): Promise<{ position: number; hash: string } | null> {
  const { rows } = await connection.query<{ position: string; hash: string }>('select position::text, hash from audit_chain_head');
  return rows[0] ? { position: Number(rows[0].position), hash: rows[0].hash } : null;
}

/** The chain as its checkpoints are compared with it (audit-checkpoints.ts): its end, and the hashes at positions. */
export async function chainView(connection: SqlConnection) {
  const { rows } = await connection.query<{ last: string | null }>('select max(chain_position)::text as last from audit_events');
  return {
    lastPosition: Number(rows[0]?.last ?? 0),
    async hashesAt(positions: number[]): Promise<Map<number, string>> {
      const found = await connection.query<{ position: string; hash: string }>(
        'select chain_position::text as position, hash from audit_events where chain_position = any($1::bigint[])',
        [positions],
      );
      return new Map(found.rows.map((row) => [Number(row.position), row.hash]));
    },
  };
}
