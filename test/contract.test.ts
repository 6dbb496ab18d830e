import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contractViolations } from './helpers/contract';
import { createTestApp, type TestApp } from './helpers/test-app';

// The contract check itself: it must catch an answer that breaks the document, or the green
// suite would prove nothing about the OpenAPI document.

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({}, (app) => {
    app.register(async (scope) => {
      scope.setValidatorCompiler(validatorCompiler);
      // Sends whatever the handler returns, so a body can break its own documented schema.
      scope.setSerializerCompiler(() => (data) => JSON.stringify(data));
      const routes = scope.withTypeProvider<ZodTypeProvider>();
      routes.get(
        '/contract-probe/:kind',
        { config: { public: true }, schema: { params: z.object({ kind: z.string() }), response: { 200: z.object({ a: z.string() }) } } },
        async (request, reply) => {
          if (request.params.kind === 'teapot') return reply.code(418 as 200).send({ a: 'x' });
          return (request.params.kind === 'wrong' ? { a: 1 } : { a: 'fine' }) as never;
        },
      );
    });
  });
});
afterAll(() => t.close());

describe('the contract check', () => {
  it('passes an answer that matches its documented schema', async () => {
    expect((await t.app.inject({ url: '/contract-probe/right' })).statusCode).toBe(200);
    expect(contractViolations).toEqual([]);
  });

  it('records a body that breaks its schema, and a status the route does not document', async () => {
    await t.app.inject({ url: '/contract-probe/wrong' });
    await t.app.inject({ url: '/contract-probe/teapot' });
    const found = contractViolations.splice(0);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/GET \/contract-probe\/\{kind\} → 200: the body does not match the documented schema: \/a must be string/);
    expect(found[1]).toMatch(/→ 418: this status is not documented/);
  });
});
