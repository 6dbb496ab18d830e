import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database, SqlConnection } from './client';

// The service runs as a role of its own, not as the owner of the schema: the owner runs the
// migrations and, after each, grants the service's role what it needs and no more. For the audit
// trail that is INSERT and SELECT: the service cannot alter audit_events, disable its triggers, or
// update, delete or truncate it; appending and the retention purge go through the owner's
// functions (migrations/0008). The roles themselves are created by database-roles.sql (a
// superuser's job, once per server; see docs/operations.md, "Database roles").

const ROLES_SQL = fileURLToPath(new URL('./database-roles.sql', import.meta.url));

export interface RoleNames {
  owner: string;
  app: string;
  ownerPassword?: string;
  appPassword?: string;
  /** A database to hand to the owner role. */
  database?: string;
}

/** Creates both roles if they are missing (needs a superuser or CREATEROLE). Idempotent. */
export async function createDatabaseRoles(admin: SqlConnection, names: RoleNames): Promise<void> {
  await admin.query(
    `select set_config('registry.owner_role', $1, false), set_config('registry.app_role', $2, false),
            set_config('registry.owner_password', $3, false), set_config('registry.app_password', $4, false),
            set_config('registry.database', $5, false)`,
    [names.owner, names.app, names.ownerPassword ?? '', names.appPassword ?? '', names.database ?? ''],
  );
  await admin.query(fs.readFileSync(ROLES_SQL, 'utf8'));
}

const quoteIdentifier = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Grants the service's role its rights on everything the migrations created; run as the owner
 * after every migration (a new table is covered at the next start). Idempotent.
 */
export async function grantServiceRole(owner: SqlConnection, appRole: string): Promise<void> {
  const role = quoteIdentifier(appRole);
  for (const statement of [
    `grant usage on schema public to ${role}`,
    `grant select, insert, update, delete on all tables in schema public to ${role}`,
    `grant usage, select on all sequences in schema public to ${role}`,
    // The audit trail: append and read. The chain head moves only inside the append trigger.
    `revoke update, delete, truncate, references, trigger on audit_events from ${role}`,
    `revoke insert, update, delete, truncate, references, trigger on audit_chain_head from ${role}`,
    `grant execute on function audit_purge_expired(timestamptz) to ${role}`,
  ]) {
    await owner.query(statement);
  }
}

/**
 * What the service's own database role could do to the audit trail beyond appending and reading;
 * empty when it runs as a separate role set up as above. On the embedded PGlite database there is
 * one (superuser) role: the triggers and the hash chain protect the trail there (see docs/operations.md, "Database roles").
 */
export async function auditTrailExposure(database: Database): Promise<string[]> {
  const { rows } = await database.query<Record<string, boolean>>(`
    select r.rolsuper as "is a superuser",
           pg_has_role(current_user, c.relowner, 'MEMBER') as "owns audit_events (may alter it and disable its triggers)",
           has_table_privilege('public.audit_events', 'UPDATE') as "may UPDATE audit_events",
           has_table_privilege('public.audit_events', 'DELETE') as "may DELETE from audit_events",
           has_table_privilege('public.audit_events', 'TRUNCATE') as "may TRUNCATE audit_events",
           has_table_privilege('public.audit_chain_head', 'UPDATE') as "may move the audit chain head"
      from pg_class c join pg_roles r on r.rolname = current_user
     where c.oid = 'public.audit_events'::regclass`);
  return Object.entries(rows[0] ?? {})
    .filter(([, holds]) => holds)
    .map(([what]) => what);
}

/** The role a connection acts as. */
export async function currentRole(connection: SqlConnection): Promise<string> {
  const { rows } = await connection.query<{ role: string }>('select current_user as role');
  return rows[0]!.role;
}
