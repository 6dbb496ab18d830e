import type { Table } from 'drizzle-orm';

/**
 * A row of `table` as a raw SQL query returns it: the chosen columns under their SQL names
 * (`duration_minutes`), each with its column's TypeScript type and null where the column may be.
 * For queries the builder cannot express; the columns' types are still declared once, in the table.
 */
export type SqlRow<T extends Table, Key extends keyof T['_']['columns'] & keyof T['$inferSelect']> = {
  [K in Key as T['_']['columns'][K]['_']['name']]: T['$inferSelect'][K];
};
