import { type AnyColumn, type SQL, sql } from 'drizzle-orm';

// SQL fragments for CHECK constraints over the vocabulary lists. Values are inlined as
// literals (drizzle-kit cannot put bound parameters into DDL); they come from our own
// constants, never from input.
const literals = (values: readonly string[]) => sql.raw(values.map((value) => `'${value}'`).join(', '));

export const isOneOf = (column: AnyColumn, values: readonly string[]): SQL => sql`${column} in (${literals(values)})`;

export const isSubsetOf = (column: AnyColumn, values: readonly string[]): SQL => sql`${column} <@ array[${literals(values)}]::text[]`;
