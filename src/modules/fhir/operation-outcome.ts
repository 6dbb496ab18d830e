import type { ErrorCode } from '../../lib/errors';

// FHIR's own error form (https://hl7.org/fhir/R4/operationoutcome.html): each issue with a
// severity, a code from the IssueType value set (https://hl7.org/fhir/R4/valueset-issue-type.html)
// and the FHIRPath of the element at fault in `expression`. The registry's own error code rides
// along in `details`, so a client can handle FHIR and REST refusals alike.

export const ERROR_CODE_SYSTEM = 'https://registry.example.org/fhir/CodeSystem/error-codes';

export type IssueType =
  | 'structure'
  | 'required'
  | 'value'
  | 'invariant'
  | 'security'
  | 'not-supported'
  | 'code-invalid'
  | 'not-found'
  | 'duplicate'
  | 'business-rule'
  | 'conflict'
  | 'processing'
  | 'too-costly';

export interface FhirIssue {
  code: IssueType;
  /** The registry's stable error code (src/lib/errors.ts). */
  registryCode: ErrorCode;
  diagnostics: string;
  /** FHIRPath of the element at fault, from the Bundle: `Bundle.entry[2].resource.name`. */
  expression: string;
  /** The Bundle entry it belongs to, if any. */
  entry?: number;
}

/** The FHIR issue type of a refusal the ingest engine reports (its codes are the REST API's). */
export function issueTypeOf(code: string): IssueType {
  if (code === 'PII_DETECTED') return 'security';
  if (code === 'MISSING_FIELD') return 'required';
  if (code === 'UNKNOWN_FIELD') return 'not-supported';
  if (code.startsWith('UNKNOWN_')) return code === 'UNKNOWN_TRAJECTORY' ? 'not-found' : 'code-invalid';
  if (code === 'SUBJECT_ERASED' || code === 'SUBJECT_OBJECTED') return 'conflict';
  if (code === 'INVALID_VALUE' || code === 'LINE_TOO_LONG' || code === 'VALUE_OUT_OF_RANGE') return 'value';
  return 'business-rule';
}

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: Array<{
    severity: 'fatal' | 'error' | 'warning' | 'information';
    code: string;
    details?: { coding: Array<{ system: string; code: string }> };
    diagnostics?: string;
    expression?: string[];
  }>;
}

export function operationOutcome(issues: FhirIssue[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((issue) => ({
      severity: 'error',
      code: issue.code,
      details: { coding: [{ system: ERROR_CODE_SYSTEM, code: issue.registryCode }] },
      diagnostics: issue.diagnostics,
      expression: [issue.expression],
    })),
  };
}
