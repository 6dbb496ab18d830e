import { describe, expect, it } from 'vitest';
import { buildAuditEvent, canonicalJson, hashVariables, outcomeOf } from './audit-event';

const context = {
  requestId: 'req-1',
  principalId: '00000000-0000-0000-0000-000000000001',
  role: 'researcher' as const,
  institutionId: null,
  sourceAddress: '127.0.0.1',
  userAgent: 'x'.repeat(600),
  purpose: 'study of programme fidelity',
};

describe('audit events', () => {
  it('serialise variables canonically, so equal variables hash equally', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: null }] })).toBe('{"a":[{"c":null,"d":2}],"b":1}');
    expect(hashVariables({ a: 1, b: 2 })).toBe(hashVariables({ b: 2, a: 1 }));
    expect(hashVariables({ a: 1 })).not.toBe(hashVariables({ a: 2 }));
    expect(hashVariables(undefined)).toBeNull();
  });

  it('name each subject once, sorted, with the count, and clip long client text', () => {
    const event = buildAuditEvent(context, {
      action: 'read',
      resourceType: 'trajectory',
      operation: 'GET /api/v1/trajectories/:reference',
      variables: { params: { reference: 'T-1' } },
      subjectKeys: ['b'.repeat(64), 'a'.repeat(64), 'b'.repeat(64)],
      outcome: 'success',
      statusCode: 200,
    });
    expect(event.subjectKeys).toEqual(['a'.repeat(64), 'b'.repeat(64)]);
    expect(event.subjectCount).toBe(2);
    expect(event.userAgent).toHaveLength(512);
    expect(event.variablesHash).toMatch(/^[0-9a-f]{64}$/);
    expect(event).toMatchObject({ role: 'researcher', purpose: 'study of programme fidelity', outcome: 'success', details: null });
  });

  it('withhold the hash of variables that hold an identifier, and say so', () => {
    expect(hashVariables({ params: { reference: '111222333' } })).toBeNull();
    expect(hashVariables({ query: { note: 'anna@example.nl' } })).toBeNull();
    let deep: unknown = 1;
    for (let level = 0; level < 10_000; level += 1) deep = [deep];
    expect(hashVariables(deep)).toBeNull();
    const event = buildAuditEvent(context, {
      action: 'update',
      resourceType: 'trajectory',
      operation: 'PUT /api/v1/trajectories/:reference',
      variables: { params: { reference: '123-45-6782' } },
      outcome: 'refused',
      details: { code: 'PII_DETECTED' },
    });
    expect(event.variablesHash).toBeNull();
    expect(event.details).toEqual({ code: 'PII_DETECTED', variablesWithheld: true });
    expect(JSON.stringify(event)).not.toContain('6782');
  });

  it('record the true outcome, also of errors answered under a 200 (GraphQL)', () => {
    expect(outcomeOf(200)).toBe('success');
    expect(outcomeOf(404)).toBe('refused');
    expect(outcomeOf(503)).toBe('failed');
    // A client that went away (CLIENT_ABORTED) is not an outage of the registry.
    expect(outcomeOf(499)).toBe('aborted');
    expect(outcomeOf(200, ['FORBIDDEN'])).toBe('refused');
    expect(outcomeOf(200, ['PURPOSE_REQUIRED', 'VALIDATION_FAILED'])).toBe('refused');
    expect(outcomeOf(200, ['FORBIDDEN', 'DATABASE_UNAVAILABLE'])).toBe('failed');
    expect(outcomeOf(200, ['SOMETHING_UNKNOWN'])).toBe('failed');
  });
});
