import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { redactTokens, scrubAttributes, scrubSpan, withoutFilePaths, withSafeOperationNames } from './span-scrubbing';

const PSEUDONYM = 'sp1.T9qXHIei3DWlTzysXgGCDJTi5-IBhM9YUflNfmjcu00';

describe('span scrubbing', () => {
  it('keeps route patterns, statement text and GraphQL names; drops URLs, addresses and unknown attributes', () => {
    expect(
      scrubAttributes({
        'http.route': '/api/v1/trajectories/:reference',
        'http.response.status_code': 200,
        'url.path': '/api/v1/trajectories/T-1?dryRun=true',
        'url.full': 'http://registry/api/v1/trajectories/T-1',
        'http.target': '/api/v1/trajectories/T-1',
        'client.address': '10.1.2.3',
        'db.query.text': 'select 1 from trajectories where reference = $1',
        'db.query.parameter.0': 'T-1',
        'graphql.operation.name': 'Page',
        'graphql.variables.id': 'x',
        'exception.message': 'duplicate key (reference)=(T-1)',
        'exception.type': 'DatabaseError',
      }),
    ).toEqual({
      'http.route': '/api/v1/trajectories/:reference',
      'http.response.status_code': 200,
      'db.query.text': 'select 1 from trajectories where reference = $1',
      'graphql.operation.name': 'Page',
      'exception.type': 'DatabaseError',
    });
  });

  it('redacts anything shaped like a pseudonym or key, even in an allowed attribute', () => {
    expect(redactTokens(`query { subject(pseudonym: "${PSEUDONYM}") }`)).toBe('query { subject(pseudonym: "[redacted]") }');
    expect(redactTokens(`Bearer ${'ab12'.repeat(12)}`)).toBe('Bearer [redacted]');
    expect(scrubAttributes({ 'graphql.operation.name': PSEUDONYM })).toEqual({ 'graphql.operation.name': 'invalid' });
    expect(redactTokens('select "trajectory_id" from "trajectory_indicators"')).toBe('select "trajectory_id" from "trajectory_indicators"');
  });

  it('exports a span without its status message and with exception events reduced to their type', () => {
    const context = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
    const span = {
      name: 'pg.query:INSERT registry',
      kind: SpanKind.CLIENT,
      spanContext: () => context,
      startTime: [1, 0],
      endTime: [1, 5],
      status: { code: SpanStatusCode.ERROR, message: 'Key (reference)=(T-1) already exists' },
      attributes: { 'db.system.name': 'postgresql', 'url.path': '/x/T-1' },
      links: [],
      events: [
        {
          name: 'exception',
          time: [1, 2],
          attributes: {
            'exception.type': '23505',
            'exception.message': 'Key (reference)=(T-1) already exists',
            'exception.stacktrace': 'at …',
          },
        },
      ],
      duration: [0, 5],
      ended: true,
      resource: {} as ReadableSpan['resource'],
      instrumentationScope: { name: 'pg' },
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    } as ReadableSpan;
    const scrubbed = scrubSpan(span);
    expect(scrubbed.spanContext()).toBe(context);
    expect(scrubbed.status).toEqual({ code: SpanStatusCode.ERROR });
    expect(scrubbed.attributes).toEqual({ 'db.system.name': 'postgresql' });
    expect(scrubbed.events).toEqual([{ name: 'exception', time: [1, 2], attributes: { 'exception.type': '23505' } }]);
    expect(JSON.stringify({ ...scrubbed, context: scrubbed.spanContext() })).not.toContain('T-1');
  });

  it('keeps operation names only in their safe form, in names and documents (issue #27)', () => {
    expect(withSafeOperationNames('query Bsn123456782')).toBe('query withheld');
    expect(withSafeOperationNames('mutation Page { x }')).toBe('mutation Page { x }');
    expect(
      scrubAttributes({ 'graphql.operation.name': 'Phone0612345678', 'graphql.source': 'query Phone0612345678 { apiVersion }' }),
    ).toEqual({
      'graphql.operation.name': 'withheld',
      'graphql.source': 'query withheld { apiVersion }',
    });
  });

  it('names files without the path they are installed under (issue #27)', () => {
    expect(withoutFilePaths('onRequest - /work/main/node_modules/mercurius/lib/routes.js')).toBe('onRequest - mercurius/lib/routes.js');
    expect(withoutFilePaths('onSend - file:///srv/app/dist/server.js')).toBe('onSend - server.js');
    expect(withoutFilePaths('PUT /api/v1/trajectories/:reference')).toBe('PUT /api/v1/trajectories/:reference');
    expect(withoutFilePaths('GET /graphql')).toBe('GET /graphql');
  });
});
