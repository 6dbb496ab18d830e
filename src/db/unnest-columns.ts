import { getTableColumns, type Table } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

/** A column as `insert … select from unnest(…)` writes it: one parameter array per column. */
export interface UnnestColumn {
  /** The column's SQL name. */
  name: string;
  /** PostgreSQL element type of the parameter array. */
  type: string;
  /** How the unnested value (`r.<name>`) becomes the column value. */
  expression: string;
  /** A row's value as an element of the parameter array. */
  parameter(value: unknown): unknown;
}

/**
 * The chosen columns of a table for an unnest write, their names and types from the Drizzle
 * table. Arrays of arrays do not unnest row by row: an array column's values travel
 * comma-joined (its elements are codes, which hold no comma) and are split again in SQL.
 */
export function unnestColumns<T extends Table>(table: T, keys: ReadonlyArray<keyof T['_']['columns'] & string>): UnnestColumn[] {
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  return keys.map((key) => {
    const column = columns[key]!;
    return column.columnType === 'PgArray'
      ? {
          name: column.name,
          type: 'text',
          expression: `string_to_array(r.${column.name}, ',')`,
          parameter: (value) => (Array.isArray(value) ? value.join(',') : value),
        }
      : { name: column.name, type: column.getSQLType(), expression: `r.${column.name}`, parameter: (value) => value };
  });
}
