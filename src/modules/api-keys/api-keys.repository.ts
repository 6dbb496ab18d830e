import { and, asc, eq, isNull } from 'drizzle-orm';
import { queryBuilder, runOn, type SqlConnection } from '../../db/client';
import { named } from '../../db/named-columns';
import { apiKeys, institutions } from '../../db/schema';
import type { Role } from '../../lib/vocabulary';

export interface ApiKeyRecord {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  institutionId: string | null;
  institutionCode: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

const keyColumns = named({
  id: apiKeys.id,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  role: apiKeys.role,
  institutionId: apiKeys.institutionId,
  institutionCode: institutions.code,
  createdAt: apiKeys.createdAt,
  expiresAt: apiKeys.expiresAt,
  revokedAt: apiKeys.revokedAt,
});

const keysWithInstitution = () =>
  queryBuilder.select(keyColumns).from(apiKeys).leftJoin(institutions, eq(institutions.id, apiKeys.institutionId));

/**
 * Each statement stands alone (a key is one row), so `connection` is the Database, or a
 * transaction's connection where a caller wants a key written with something else.
 */
export function createApiKeysRepository(connection: SqlConnection) {
  return {
    async insert(key: {
      name: string;
      prefix: string;
      secretHash: string;
      role: Role;
      institutionId: string | null;
      expiresAt: Date | null;
    }): Promise<{ id: string }> {
      const [row] = await runOn<{ id: string }>(connection, queryBuilder.insert(apiKeys).values(key).returning({ id: apiKeys.id }));
      return row!;
    },

    async findBySecretHash(secretHash: string): Promise<ApiKeyRecord | undefined> {
      const [row] = await runOn<ApiKeyRecord>(connection, keysWithInstitution().where(eq(apiKeys.secretHash, secretHash)).limit(1));
      return row;
    },

    list: (): Promise<ApiKeyRecord[]> => runOn<ApiKeyRecord>(connection, keysWithInstitution().orderBy(asc(apiKeys.createdAt))),

    /** Returns false when the key does not exist or was already revoked. */
    async revoke(id: string, at: Date): Promise<boolean> {
      const rows = await runOn(
        connection,
        queryBuilder
          .update(apiKeys)
          .set({ revokedAt: at })
          .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
          .returning({ id: apiKeys.id }),
      );
      return rows.length > 0;
    },

    async findInstitutionId(code: string): Promise<string | undefined> {
      const [row] = await runOn<{ id: string }>(
        connection,
        queryBuilder.select({ id: institutions.id }).from(institutions).where(eq(institutions.code, code)),
      );
      return row?.id;
    },
  };
}

export type ApiKeysRepository = ReturnType<typeof createApiKeysRepository>;

export interface ApiKeyState {
  id: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/**
 * The keys among `ids` that are not usable at `now` (revoked, expired or gone), read on the
 * caller's connection: in a record write's transaction, or by the audit writer just before it
 * appends a batch's events. A key that no longer exists comes back as neither revoked nor expired.
 */
export async function findRefusedKeys(connection: SqlConnection, ids: readonly string[], now: Date): Promise<ApiKeyState[]> {
  const { rows } = await connection.query<{ id: string; revoked_at: Date | string | null; expires_at: Date | string | null }>(
    `select k.id::text as id, a.revoked_at, a.expires_at
       from unnest($1::uuid[]) as k(id) left join api_keys a on a.id = k.id
      where a.id is null or a.revoked_at is not null or a.expires_at <= $2::timestamptz`,
    [ids, now.toISOString()],
  );
  const date = (value: Date | string | null) => (value === null ? null : new Date(value));
  return rows.map((row) => ({ id: row.id, revokedAt: date(row.revoked_at), expiresAt: date(row.expires_at) }));
}
