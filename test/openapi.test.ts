import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app';

let t: TestApp;
let document: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };
interface Media {
  schema?: { example?: unknown; $ref?: string };
  example?: unknown;
}
interface Operation {
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
}

beforeAll(async () => {
  t = await createTestApp();
  document = (await t.app.inject({ url: '/docs/json' })).json();
});
afterAll(() => t.close());

const hasExample = (media: Media | undefined, components: Record<string, unknown>) => {
  if (!media) return false;
  if (media.example !== undefined || media.schema?.example !== undefined) return true;
  const ref = media.schema?.$ref?.split('/').pop();
  return Boolean(ref && (components[ref] as { example?: unknown } | undefined)?.example !== undefined);
};

describe('OpenAPI document', () => {
  it('is served publicly, as JSON and as a page', async () => {
    expect((await t.app.inject({ url: '/docs' })).statusCode).toBeLessThan(400);
    expect(document.paths['/api/v1/ingest']).toBeDefined();
  });

  it('gives every route a request example (where it has a body) and a success example', () => {
    const missing: string[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
          if (!hasExample(media, document.components.schemas)) missing.push(`${method} ${path} request ${type}`);
        }
        const success = Object.entries(operation.responses).find(([status]) => status.startsWith('2') && status !== '204');
        if (success && !Object.values(success[1].content ?? {}).some((media) => hasExample(media, document.components.schemas))) {
          missing.push(`${method} ${path} response ${success[0]}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('documents the error shape on the routes that refuse input', () => {
    const put = document.paths['/api/v1/trajectories/{reference}']!.put!;
    expect(JSON.stringify(put.responses['422'])).toContain('Error');
    expect(document.paths['/api/v1/ingest']!.post!.requestBody!.content['application/x-ndjson']).toBeDefined();
  });
});
