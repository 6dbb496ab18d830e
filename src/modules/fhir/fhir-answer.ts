import type { IngestReport } from '../ingest';
import type { MappedBundle } from './fhir-mapping';
import { type FhirIssue, issueTypeOf, type OperationOutcome, operationOutcome } from './operation-outcome';

// What the ingest engine reported, told in FHIR terms: a refused record's field becomes the
// FHIRPath of the element it came from; a batch gets an answer per entry
// (https://hl7.org/fhir/R4/http.html#transaction-response). Pure.

/** The FHIRPath of a record field ('topics[1]' falls back to 'topics', an unknown field to the resource). */
function expressionOf(paths: Record<string, string>, field: string): string {
  return paths[field] ?? paths[field.replace(/\[\d+\]$/, '')] ?? paths['']!;
}

/** Every refusal, of the mapping and of the ingest, as issues naming their entry and element. */
export function issuesOf(mapped: MappedBundle, report: IngestReport): FhirIssue[] {
  const issues = [...mapped.issues];
  for (const rejection of report.rejections) {
    const record = mapped.records[rejection.line - 1];
    if (!record) continue;
    for (const error of rejection.errors) {
      issues.push({
        code: issueTypeOf(error.code),
        registryCode: error.code as FhirIssue['registryCode'],
        diagnostics: error.message,
        expression: expressionOf(record.paths, error.field ?? ''),
        entry: record.entry,
      });
    }
  }
  return issues.sort((a, b) => (a.entry ?? -1) - (b.entry ?? -1));
}

export interface ResponseBundle {
  resourceType: 'Bundle';
  id: string;
  type: 'transaction-response' | 'batch-response';
  entry: Array<{ response: { status: string; outcome?: OperationOutcome } }>;
}

/** The answer to a Bundle that was (wholly or, for a batch, partly) written. Its id is the ingest report's. */
export function responseBundle(mapped: MappedBundle, report: IngestReport): ResponseBundle {
  const byEntry = new Map<number, FhirIssue[]>();
  for (const issue of issuesOf(mapped, report)) {
    if (issue.entry !== undefined) byEntry.set(issue.entry, [...(byEntry.get(issue.entry) ?? []), issue]);
  }
  const entry = Array.from({ length: mapped.entryCount }, (_, index) => {
    const own = byEntry.get(index) ?? [];
    // Every write is an upsert by the record reference, as in the REST ingest: 200, not 201. No
    // outcome on a written entry: a large Bundle's answer would carry one per entry for nothing.
    return own.length === 0
      ? { response: { status: '200 OK' } }
      : { response: { status: '422 Unprocessable Entity', outcome: operationOutcome(own) } };
  });
  return { resourceType: 'Bundle', id: report.id, type: mapped.type === 'batch' ? 'batch-response' : 'transaction-response', entry };
}
