import { describe, expect, it } from 'vitest';
import { completeOperation, errorStatusesOf, nullableEnumsListNull, operationIdOf, withoutUnusedComponents } from './openapi-document';

describe('the OpenAPI document completion', () => {
  it('names operations from method and path', () => {
    expect(operationIdOf('PUT', '/api/v1/trajectories/:reference/research-consent')).toBe('putTrajectoriesByReferenceResearchConsent');
    expect(operationIdOf('GET', '/health/live')).toBe('getHealthLive');
    expect(operationIdOf('POST', '/api/v1/registry-erasures')).toBe('postRegistryErasures');
  });

  it('documents the errors a route can give: no 401/403 on public routes, 413/415 only with a body', () => {
    expect(errorStatusesOf({ method: 'GET', url: '/health/ready', isPublic: true, hasBody: false })).toEqual([
      '400',
      '429',
      '500',
      '503',
      '504',
    ]);
    expect(errorStatusesOf({ method: 'POST', url: '/api/v1/ingest', isPublic: false, hasBody: true })).toEqual([
      '400',
      '401',
      '403',
      '413',
      '415',
      '429',
      '500',
      '503',
      '504',
    ]);
  });

  it('keeps what a route declares and marks public routes as needing no key', () => {
    const declared = { description: 'mine' };
    const completed = completeOperation(
      { response: { 404: declared } },
      { method: 'GET', url: '/health/live', isPublic: true, hasBody: false },
    ) as {
      response: Record<string, unknown>;
      security: unknown[];
    };
    expect(completed.response['404']).toBe(declared);
    expect(completed.security).toEqual([]);
  });

  it('lists null among the values of a nullable enumeration, at any depth', () => {
    expect(
      nullableEnumsListNull({ a: { properties: { b: { type: 'string', enum: ['x'], nullable: true }, c: { enum: ['y'] } } } }),
    ).toEqual({
      a: { properties: { b: { type: 'string', enum: ['x', null], nullable: true }, c: { enum: ['y'] } } },
    });
  });

  it('drops components nothing refers to, keeping those referred to through others', () => {
    const document = {
      paths: { '/x': { get: { responses: { 200: { content: { 'application/json': { schema: { $ref: '#/components/schemas/A' } } } } } } } },
      components: { schemas: { A: { $ref: '#/components/schemas/B' }, B: { type: 'string' }, Unused: { type: 'number' } } },
    };
    expect(Object.keys(withoutUnusedComponents(document).components.schemas)).toEqual(['A', 'B']);
  });
});
