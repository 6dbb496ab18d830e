import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Documents a body the route reads as a stream (no validator): its media type, schema and example. */
    streamedBody?: { contentType: string; schema: z.ZodType; example: string; description: string };
  }
}

// OpenAPI 3 generated from the same Zod schemas that validate requests and responses.
// Must be registered before the routes it documents.
export const openapiPlugin = fp(
  async (app: FastifyInstance) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'Care trajectory research registry',
          description:
            'Pseudonymised care trajectories of young people who were sexually exploited (synthetic data only). ' +
            'Authenticate with `Authorization: Bearer <API key>`. Every error has the shape ' +
            '`{ status, code, message, field?, errors?, requestId }`.',
          version: '1.0.0',
        },
        components: {
          securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (crr_...)' } },
        },
        security: [{ apiKey: [] }],
      },
      // Mercurius registers its own JSON-schema routes; only Zod-described routes are transformed.
      transform: (input) => {
        if (input.url.startsWith('/graphql') || input.url.startsWith('/graphiql')) {
          return { schema: { ...input.schema, hide: true }, url: input.url };
        }
        const transformed = jsonSchemaTransform(input);
        const streamed = input.route.config?.streamedBody;
        if (!streamed) return transformed;
        const schema = z.toJSONSchema(streamed.schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' });
        return {
          ...transformed,
          schema: {
            ...transformed.schema,
            body: { description: streamed.description, content: { [streamed.contentType]: { schema: { ...schema, example: streamed.example } } } },
          },
        };
      },
      transformObject: jsonSchemaTransformObject,
    });
    // The documentation is public; it describes the API, not its data.
    app.addHook('onRoute', (route) => {
      if (route.url.startsWith('/docs')) route.config = { ...route.config, public: true };
    });
    // No validator badge: it would send the document's address to validator.swagger.io (and the CSP blocks it).
    await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', validatorUrl: null } });
  },
  { name: 'openapi' },
);
