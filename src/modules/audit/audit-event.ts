import { createHash } from 'node:crypto';
import type { AUDIT_ACTIONS, AUDIT_OUTCOMES } from '../../db/schema';
import type { Role } from '../../lib/vocabulary';

// Audit events are built by one pure function from the request's context and what was done;
// one writer stores them (audit.repository.ts). Nothing here touches I/O.

export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

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

export interface AuditEvent {
  requestId: string;
  principalId: string | null;
  role: string | null;
  institutionId: string | null;
  action: AuditAction;
  resourceType: string;
  subjectKeys: string[];
  subjectCount: number;
  operation: string;
  variablesHash: string | null;
  outcome: AuditOutcome;
  statusCode: number | null;
  sourceAddress: string | null;
  userAgent: string | null;
  purpose: string | null;
  details: Record<string, unknown> | null;
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

export function hashVariables(variables: unknown): string | null {
  if (variables === undefined || variables === null) return null;
  return createHash('sha256').update(canonicalJson(variables)).digest('hex');
}

const MAX_TEXT = 512;
const clip = (value: string | null) => (value && value.length > MAX_TEXT ? value.slice(0, MAX_TEXT) : value);

export function buildAuditEvent(context: AuditContext, facts: AuditFacts): AuditEvent {
  const subjectKeys = [...new Set(facts.subjectKeys ?? [])].sort();
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
    details: facts.details ?? null,
  };
}
