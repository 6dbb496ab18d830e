import type { NdjsonLine } from '../../lib/ndjson';
import type { IngestReportBuilder } from './ingest-report';
import type { BulkRecord } from './ingest.schemas';
import { validateRecord } from './record-validation';

// The first step of an ingest: lines become valid records, gathered in batches. A line that is
// too long, not JSON or not a valid record goes to the report as refused and into no batch.

/** A valid record and the line it came from. */
export interface Entry<R extends BulkRecord = BulkRecord> {
  line: number;
  record: R;
}

export interface BatchSettings {
  batchSize: number;
  /** The registry's today (YYYY-MM-DD): nothing may lie after it. */
  today: string;
}

/**
 * The valid records of `lines`, in batches of at most `batchSize`, in order. The same record
 * twice (type and reference) ends a batch, so the later one is written after the earlier and
 * wins, as it would have sent alone.
 */
export async function* readBatches(
  lines: AsyncIterable<NdjsonLine> | Iterable<NdjsonLine>,
  settings: BatchSettings,
  report: IngestReportBuilder,
): AsyncGenerator<Entry[]> {
  let batch = new Map<string, Entry>();
  for await (const item of lines) {
    report.sawLine(item.line);
    if ('tooLong' in item) {
      report.reject({
        line: item.line,
        errors: [{ code: 'LINE_TOO_LONG', message: 'the line is longer than one record may be', field: '' }],
      });
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(item.text);
    } catch {
      report.reject({ line: item.line, errors: [{ code: 'INVALID_JSON', message: 'is not valid JSON', field: '' }] });
      continue;
    }
    const parsed = validateRecord(value, settings.today);
    if (!parsed.ok) {
      report.reject({ line: item.line, type: parsed.type, reference: parsed.reference, errors: parsed.errors });
      continue;
    }
    const key = `${parsed.record.type}:${parsed.record.reference}`;
    if (batch.has(key) || batch.size >= settings.batchSize) {
      yield [...batch.values()];
      batch = new Map();
    }
    batch.set(key, { line: item.line, record: parsed.record });
  }
  if (batch.size > 0) yield [...batch.values()];
}
