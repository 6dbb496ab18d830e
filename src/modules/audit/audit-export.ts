import type { SqlConnection } from '../../db/client';
import { type AuditFilters, listAuditEvents } from './audit.repository';

export const EXPORT_PAGE_SIZE = 1_000;

/**
 * The filtered log as NDJSON lines, fetched a page at a time by chain position: memory stays
 * at one page however large the log, and each page is a short query of its own.
 */
export async function* exportAuditEvents(
  run: <T>(work: (connection: SqlConnection) => Promise<T>) => Promise<T>,
  filters: AuditFilters,
  pageSize = EXPORT_PAGE_SIZE,
): AsyncGenerator<string> {
  let after = 0;
  for (;;) {
    const page = await run((connection) => listAuditEvents(connection, filters, after, pageSize));
    if (page.length === 0) return;
    yield page.map((event) => `${JSON.stringify(event)}\n`).join('');
    after = page[page.length - 1]!.chainPosition;
    if (page.length < pageSize) return;
  }
}
