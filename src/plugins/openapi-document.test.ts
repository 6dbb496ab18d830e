import { describe, expect, it } from 'vitest';
import {
  completeOperation,
  errorStatusesOf,
  nullableEnumsListNull,
  operationIdOf,
  withoutUnusedComponents,
  withResponseHeaders,
} from './openapi-document';

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

  it('drops components nothing refers to, keeping those referred to through others, in the order of their names', () => {
    const document = {
      paths: { '/x': { get: { responses: { 200: { content: { 'application/json': { schema: { $ref: '#/components/schemas/B' } } } } } } } },
      components: { schemas: { B: { $ref: '#/components/schemas/A' }, Unused: { type: 'number' }, A: { type: 'string' } } },
    };
    expect(Object.keys(withoutUnusedComponents(document).components.schemas)).toEqual(['A', 'B']);
  });
});

describe('response headers and bodiless answers', () => {
  type Document = { paths?: Record<string, Record<string, Record<string, unknown>>>; components?: Record<string, unknown> };
  const document: Document = withResponseHeaders<Document>({
    paths: {
      '/api/v1/ingest': {
        post: {
          parameters: [{ in: 'header', name: 'idempotency-key' }],
          responses: {
            '200': { description: 'ok', content: { 'application/json': {} } },
            '409': { description: 'in use' },
            '422': { description: 'refused' },
            '429': { description: 'slow' },
          },
        },
      },
      '/api/v1/trajectories/{reference}': { put: { responses: { '200': { description: 'ok' }, '409': { description: 'conflict' } } } },
      '/api/v1/admin/api-keys/{id}': {
        delete: { responses: { '204': { description: 'gone', content: { 'application/json': { schema: {} } } } } },
      },
      '/health/live': { get: { security: [], responses: { '200': { description: 'ok' }, '503': { description: 'down' } } } },
      '/api/v1/open': { get: { security: [], responses: { '200': { description: 'ok' } } } },
      '/api/v1/statistics/{measure}': { get: { responses: { '200': { description: 'ok' } } } },
    },
  });
  const headersOf = (url: string, method: string, status: string) =>
    Object.keys(
      ((document.paths![url]![method] as Record<string, Record<string, Record<string, unknown>>>).responses![status]!.headers ??
        {}) as object,
    );

  it('documents the request id on every answer, the rate limit on every keyed one, Retry-After where the service sends it', () => {
    expect(headersOf('/api/v1/ingest', 'post', '200')).toEqual(
      expect.arrayContaining(['X-Request-Id', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Idempotent-Replayed']),
    );
    expect(headersOf('/api/v1/ingest', 'post', '429')).toContain('Retry-After');
    // A push with an Idempotency-Key: replayed answers say so, and a key still in use says when to retry.
    expect(headersOf('/api/v1/ingest', 'post', '422')).toContain('Idempotent-Replayed');
    expect(headersOf('/api/v1/ingest', 'post', '409')).toContain('Retry-After');
    expect(headersOf('/api/v1/trajectories/{reference}', 'put', '409')).not.toContain('Retry-After');
    expect(headersOf('/api/v1/trajectories/{reference}', 'put', '200')).not.toContain('Idempotent-Replayed');
    expect(headersOf('/health/live', 'get', '200')).toEqual(['X-Request-Id']);
    // Public is not unlimited: only the health routes are spared the rate limit.
    expect(headersOf('/api/v1/open', 'get', '200')).toContain('X-RateLimit-Remaining');
    expect(headersOf('/health/live', 'get', '503')).toEqual(['X-Request-Id', 'Retry-After']);
    expect(headersOf('/api/v1/statistics/{measure}', 'get', '200')).toContain('X-Disclosure-Control');
    expect(Object.keys((document.components as { headers: object }).headers)).toEqual(expect.arrayContaining(['RequestId', 'RetryAfter']));
  });

  it('gives a 204 no body', () => {
    const response = (document.paths!['/api/v1/admin/api-keys/{id}']!.delete as { responses: Record<string, object> }).responses['204']!;
    expect(response).not.toHaveProperty('content');
    expect(response).toHaveProperty('description', 'gone');
  });
});
