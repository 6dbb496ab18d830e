import { type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

/** The row a selection of these columns gives: each column's type, null where the column may be. */
export type ColumnsRow<Columns extends Record<string, PgColumn>> = {
  [K in keyof Columns]: Columns[K]['_']['notNull'] extends true ? Columns[K]['_']['data'] : Columns[K]['_']['data'] | null;
};

// Types both drivers (pg, PGlite) give as Drizzle does: timestamptz as a Date, jsonb and text[]
// parsed. A date they give as a Date, so it is read as text; a bigint (a string) is refused.
const AS_DRIZZLE_GIVES = new Set(['text', 'uuid', 'integer', 'smallint', 'double precision', 'boolean', 'jsonb', 'text[]']);

function read(column: PgColumn): SQL {
  const type = column.getSQLType();
  if (type === 'date' && column.columnType === 'PgDateString') return sql`${column}::text`;
  if (AS_DRIZZLE_GIVES.has(type) || /^timestamp(\s*\(\d\))? with time zone$/.test(type)) return sql`${column}`;
  throw new Error(`column ${column.name}: ${type} comes back from the driver unlike from Drizzle; read it with a cast`);
}

/**
 * Columns to select for `runOn`, each under its key: a query builder names a selected column by its
 * SQL name and `runOn` maps no row, so without the alias `programmeCode` would come back as `code`.
 */
export function named<Columns extends Record<string, PgColumn>>(columns: Columns): Record<keyof Columns, SQL.Aliased> {
  return Object.fromEntries(Object.entries(columns).map(([key, column]) => [key, read(column).as(key)])) as Record<
    keyof Columns,
    SQL.Aliased
  >;
}
