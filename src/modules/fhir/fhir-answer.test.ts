import { describe, expect, it } from 'vitest';
import type { IngestReport } from '../ingest';
import { issuesOf, responseBundle } from './fhir-answer';
import type { MappedBundle } from './fhir-mapping';

// An ingest refusal (a line and a record field) told as the FHIR element it came from.

const mapped: MappedBundle = {
  type: 'batch',
  entryCount: 3,
  issues: [
    { code: 'security', registryCode: 'PII_DETECTED', diagnostics: 'is free text', expression: 'Bundle.entry[2].resource.text', entry: 2 },
  ],
  records: [
    {
      entry: 0,
      record: { type: 'trajectory' },
      paths: { '': 'Bundle.entry[0].resource', programmeCode: 'Bundle.entry[0].resource.type[0].coding[0].code' },
    },
    {
      entry: 1,
      record: { type: 'care_activity' },
      paths: {
        '': 'Bundle.entry[1].resource',
        topics: 'Bundle.entry[1].resource.extension[2]',
        'topics[1]': 'Bundle.entry[1].resource.extension[3].valueCode',
      },
    },
  ],
};

const report = (rejections: IngestReport['rejections']): IngestReport => ({
  id: '0b7f5c1e-2d4a-4e8b-9c3f-6a1d2e3f4a5b',
  outcome: 'committed',
  mode: 'per_record',
  dryRun: false,
  lines: 2,
  counts: {
    trajectory: { created: 1, updated: 0, unchanged: 0, rejected: 0 },
    placement: { created: 0, updated: 0, unchanged: 0, rejected: 0 },
    care_activity: { created: 0, updated: 0, unchanged: 0, rejected: 1 },
    measurement: { created: 0, updated: 0, unchanged: 0, rejected: 0 },
    unknown: { rejected: 0 },
  },
  rejections,
  rejectionsTruncated: false,
  receivedAt: '2026-12-07T05:00:00.000Z',
  completedAt: '2026-12-07T05:00:01.000Z',
});

describe('issuesOf', () => {
  it('names the element of a refused field, falling back from an index to its list and from an unknown field to the resource', () => {
    const issues = issuesOf(
      mapped,
      report([
        {
          line: 2,
          type: 'care_activity',
          reference: 'A-1',
          errors: [
            { code: 'INVALID_VALUE', message: 'is not a topic', field: 'topics[1]' },
            { code: 'NOT_APPLICABLE', message: 'topics belong to mentor conversations only', field: 'topics' },
            { code: 'CONSTRAINT_VIOLATION', message: 'breaks a rule', field: '' },
          ],
        },
      ]),
    );
    expect(issues.map((issue) => [issue.code, issue.registryCode, issue.expression])).toEqual([
      ['value', 'INVALID_VALUE', 'Bundle.entry[1].resource.extension[3].valueCode'],
      ['business-rule', 'NOT_APPLICABLE', 'Bundle.entry[1].resource.extension[2]'],
      ['business-rule', 'CONSTRAINT_VIOLATION', 'Bundle.entry[1].resource'],
      ['security', 'PII_DETECTED', 'Bundle.entry[2].resource.text'],
    ]);
  });

  it('answers a batch per entry: written, or refused with its own issues', () => {
    const answer = responseBundle(
      mapped,
      report([
        { line: 1, type: 'trajectory', reference: 'T-1', errors: [{ code: 'UNKNOWN_PROGRAMME', message: 'no', field: 'programmeCode' }] },
      ]),
    );
    expect(answer.type).toBe('batch-response');
    expect(answer.entry.map((entry) => entry.response.status)).toEqual(['422 Unprocessable Entity', '200 OK', '422 Unprocessable Entity']);
    expect(answer.entry[0]!.response.outcome!.issue[0]).toMatchObject({
      code: 'code-invalid',
      expression: ['Bundle.entry[0].resource.type[0].coding[0].code'],
    });
  });
});
