import { createHash } from 'node:crypto';
import type { Participant } from '../../db/unit-of-work';
import { type BulkIngest, type IngestMode, type IngestReport, MAX_LISTED_REJECTIONS } from '../ingest';
import { issuesOf, type ResponseBundle, responseBundle } from './fhir-answer';
import { mapBundle } from './fhir-mapping';
import { type FhirIssue, type OperationOutcome, operationOutcome } from './operation-outcome';

// POST /fhir/R4: map the Bundle to the ingest's records and hand them to the bulk ingest as
// NDJSON lines, so the same validation, PII guard, idempotency, write path and audit apply.
// transaction = the ingest's atomic mode (all or nothing), batch = per_record (an answer per entry).

export interface FhirPush {
  institutionId: string;
  body: unknown;
  idempotencyKey?: string;
  /** Writers that commit with the data (the request's audit event), for the ingest mode the Bundle's type gives. */
  participants: (mode: IngestMode) => Participant[];
}

export type FhirAnswer =
  | { status: number; body: OperationOutcome; refused: FhirIssue[]; report?: IngestReport; replayed: boolean }
  | { status: 200; body: ResponseBundle; refused: FhirIssue[]; report: IngestReport; replayed: boolean };

async function* linesOf(records: unknown[]): AsyncGenerator<string> {
  for (const record of records) yield `${JSON.stringify(record)}\n`;
}

export function createFhirIngest(bulkIngest: BulkIngest) {
  return async function push(input: FhirPush): Promise<FhirAnswer> {
    const mapped = mapBundle(input.body);
    if (!mapped.type) return { status: 400, body: operationOutcome(mapped.issues), refused: mapped.issues, replayed: false };
    // A transaction with a refused entry writes nothing: refused before the ingest sees it.
    if (mapped.type === 'transaction' && mapped.issues.length > 0) {
      return { status: 422, body: operationOutcome(mapped.issues), refused: mapped.issues, replayed: false };
    }
    // The ingest report lists at most MAX_LISTED_REJECTIONS refusals: beyond that a batch could not
    // say which entries were written, so a larger batch is refused before anything is.
    if (mapped.type === 'batch' && mapped.records.length > MAX_LISTED_REJECTIONS) {
      const issues: FhirIssue[] = [
        {
          code: 'too-costly',
          registryCode: 'VALIDATION_FAILED',
          diagnostics: `a batch answers per entry for at most ${MAX_LISTED_REJECTIONS} records; split it, or send a transaction`,
          expression: 'Bundle.entry',
        },
      ];
      return { status: 422, body: operationOutcome(issues), refused: issues, replayed: false };
    }
    const mode: IngestMode = mapped.type === 'transaction' ? 'atomic' : 'per_record';
    const result = await bulkIngest({
      institutionId: input.institutionId,
      mode,
      dryRun: false,
      idempotencyKey: input.idempotencyKey,
      body: linesOf(mapped.records.map((record) => record.record)),
      participants: input.participants(mode),
      requestKind: `fhir:${createHash('sha256').update(JSON.stringify(input.body)).digest('hex')}`,
    });
    const { report, replayed } = result;
    if (report.outcome === 'rolled_back') {
      const issues = issuesOf(mapped, report);
      return { status: 422, body: operationOutcome(issues), refused: issues, report, replayed };
    }
    return { status: 200, body: responseBundle(mapped, report), refused: issuesOf(mapped, report), report, replayed };
  };
}

export type FhirIngest = ReturnType<typeof createFhirIngest>;
