import { createHash } from 'node:crypto';
import { ERROR_CODES, type ErrorCode } from '../../lib/errors';
import { valueNestsDeeperThan } from '../../lib/nesting-depth';
import { scanForPii } from '../../lib/pii-guard';
import type { Role } from '../../lib/vocabulary';
import type { AuditEvent } from './audit-event.schema';

// Audit events are built by one pure function from the request's context and what was done;
// one writer stores them (audit.repository.ts). Nothing here touches I/O.

export type { AuditEvent } from './audit-event.schema';
export type AuditAction = AuditEvent['action'];
export type AuditOutcome = AuditEvent['outcome'];

/** Who is asking, from where: gathered once per request. */
export interface AuditContext {
  requestId: string;
  principalId: string | null;
  role: Role | null;
  institutionId: string | null;
  sourceAddress: string | null;
  userAgent: string | null;
  purpose: string | null;
}

/** What was done. */
export interface AuditFacts {
  action: AuditAction;
  resourceType: string;
  operation: string;
  variables?: unknown;
  /** Registry keys of the subjects whose records were read or written; never a pseudonym. */
  subjectKeys?: Iterable<string>;
  outcome: AuditOutcome;
  statusCode?: number;
  details?: Record<string, unknown>;
}

/** JSON with sorted keys: equal values always give the same text, so the same hash. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, entry]) => entry !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(',')}}`;
}

/** Deeper than any request the service accepts (json-body.ts refuses far less); only a guard. */
const MAX_HASHED_DEPTH = 64;

/**
 * Variables that are not hashed: a hash of a nine-digit number is that number to anyone who tries
 * them all. Full dates are left to hash: an auditor's `from`/`to` filters are dates, and a date
 * identifies no one on its own.
 */
export function withholdsVariables(variables: unknown): boolean {
  return valueNestsDeeperThan(variables, MAX_HASHED_DEPTH) || scanForPii(variables).some((finding) => finding.kind !== 'date_of_birth');
}

/** SHA-256 of the canonical variables; null without variables, or when they are withheld. */
export function hashVariables(variables: unknown): string | null {
  if (variables === undefined || variables === null || withholdsVariables(variables)) return null;
  return createHash('sha256').update(canonicalJson(variables)).digest('hex');
}

/**
 * The true outcome: by the HTTP status, or, for an answer that carries errors under a 2xx (GraphQL
 * refusals come back as 200), by the worst of their codes.
 */
export function outcomeOf(statusCode: number, errorCodes: readonly string[] = []): AuditOutcome {
  if (statusCode === ERROR_CODES.CLIENT_ABORTED) return 'aborted';
  if (statusCode >= 500) return 'failed';
  if (statusCode >= 400) return 'refused';
  if (errorCodes.length === 0) return 'success';
  return errorCodes.some((code) => (ERROR_CODES[code as ErrorCode] ?? 500) >= 500) ? 'failed' : 'refused';
}

const MAX_TEXT = 512;
const clip = (value: string | null) => (value && value.length > MAX_TEXT ? value.slice(0, MAX_TEXT) : value);

export function buildAuditEvent(context: AuditContext, facts: AuditFacts): AuditEvent {
  const subjectKeys = [...new Set(facts.subjectKeys ?? [])].sort();
  const withheld = facts.variables !== undefined && facts.variables !== null && withholdsVariables(facts.variables);
  return {
    requestId: context.requestId,
    principalId: context.principalId,
    role: context.role,
    institutionId: context.institutionId,
    action: facts.action,
    resourceType: facts.resourceType,
    subjectKeys,
    subjectCount: subjectKeys.length,
    operation: clip(facts.operation)!,
    variablesHash: hashVariables(facts.variables),
    outcome: facts.outcome,
    statusCode: facts.statusCode ?? null,
    sourceAddress: clip(context.sourceAddress),
    userAgent: clip(context.userAgent),
    purpose: clip(context.purpose),
    // Says why an event has no hash of its variables, without saying what they held.
    details: withheld ? { ...facts.details, variablesWithheld: true } : (facts.details ?? null),
  };
}
