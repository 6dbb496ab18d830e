import type { SqlConnection } from '../../db/client';
import { type AuditFilters, listAuditEvents, type StoredAuditEvent } from './audit.repository';

export const EXPORT_PAGE_SIZE = 1_000;

/** Runs one read in a transaction of its own. */
export type ReadRunner = <T>(read: (connection: SqlConnection) => Promise<T>) => Promise<T>;

/**
 * The filtered log a page at a time by chain position: memory stays at one page however large
 * the log, and each page is a short query of its own.
 */
export async function* auditEventPages(
  run: ReadRunner,
  filters: AuditFilters,
  pageSize = EXPORT_PAGE_SIZE,
): AsyncGenerator<StoredAuditEvent[]> {
  let after = 0;
  for (;;) {
    const page = await run((connection) => listAuditEvents(connection, filters, after, pageSize));
    if (page.length === 0) return;
    yield page;
    after = page[page.length - 1]!.chainPosition;
    if (page.length < pageSize) return;
  }
}

/** The filtered log as NDJSON lines, one chunk per page. */
export async function* exportAuditEvents(run: ReadRunner, filters: AuditFilters, pageSize = EXPORT_PAGE_SIZE): AsyncGenerator<string> {
  for await (const page of auditEventPages(run, filters, pageSize)) yield page.map((event) => `${JSON.stringify(event)}\n`).join('');
}
