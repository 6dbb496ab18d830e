import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyContextConfig, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { completeOperation, nullableEnumsListNull, withoutUnusedComponents, withResponseHeaders } from './openapi-document';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Documents a body the route reads as a stream (no validator): its media type, schema and example. */
    streamedBody?: { contentType: string; schema: z.ZodType; example: string; description: string };
    /** Media types the success answer also comes in (CSV, NDJSON), with an example of each. */
    alsoProduces?: { status: number; types: Record<string, { description: string; example: string }> };
  }
}

/** Adds the route's other media types to its success answer, beside (or instead of) JSON. */
function withAlternativeContent(schema: Record<string, unknown>, produces: NonNullable<FastifyContextConfig['alsoProduces']>) {
  const response = { ...(schema.response as Record<string, Record<string, unknown>>) };
  const declared = response[String(produces.status)] ?? {};
  const json = declared.content ? (declared.content as Record<string, unknown>) : { 'application/json': { schema: declared } };
  const others = Object.fromEntries(
    Object.entries(produces.types).map(([type, media]) => [
      type,
      { schema: { type: 'string', description: media.description, example: media.example } },
    ]),
  );
  // An NDJSON stream or a zip replaces the JSON answer; CSV comes beside it.
  const keepJson = !Object.keys(produces.types).some((type) => type.includes('ndjson') || type === 'application/zip');
  response[String(produces.status)] = {
    description: (declared.description as string | undefined) ?? 'Success',
    content: { ...(keepJson ? json : {}), ...others },
  };
  return { ...schema, response };
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
          license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
          // Each deployment has its own operators; the request id is what they need to find a failure.
          contact: { name: 'The operators of this deployment: quote the X-Request-Id of the answer in question' },
        },
        servers: [{ url: '/', description: 'This service' }],
        tags: [
          { name: 'records', description: "An institution's own records, one at a time (role institution)" },
          { name: 'ingest', description: 'Bulk NDJSON streams and their reports (role institution)' },
          { name: 'fhir', description: 'HL7 FHIR R4: transaction and batch Bundles (role institution), CodeSystems, CapabilityStatement' },
          { name: 'privacy', description: 'Registry-wide erasure (role privacy_officer)' },
          { name: 'statistics', description: 'Aggregates under disclosure control (roles funder, researcher, institution)' },
          { name: 'research', description: 'Research releases: record-level data frozen and citable (role researcher; admin makes them)' },
          { name: 'audit', description: 'The audit trail (role auditor)' },
          { name: 'admin', description: 'API keys (role admin)' },
          { name: 'catalogue', description: 'Institutions, programmes, instruments and activity types (every role)' },
          { name: 'health', description: 'Liveness and readiness (public)' },
        ],
        components: {
          securitySchemes: {
            bearer: { type: 'http', scheme: 'bearer', description: 'An API key (crr_…) as `Authorization: Bearer <key>`' },
            apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The same API key, in the X-API-Key header' },
          },
        },
        // Either scheme: the same key in either header.
        security: [{ bearer: [] }, { apiKey: [] }],
      },
      // Mercurius registers its own JSON-schema routes; only Zod-described routes are transformed.
      transform: (input) => {
        if (input.url.startsWith('/graphql') || input.url.startsWith('/graphiql')) {
          return { schema: { ...input.schema, hide: true }, url: input.url };
        }
        const method = [input.route.method].flat()[0]!;
        const streamed = input.route.config?.streamedBody;
        const transformed = jsonSchemaTransform(input);
        const facts = {
          method,
          url: input.url,
          isPublic: Boolean(input.route.config?.public),
          hasBody: ['POST', 'PUT', 'PATCH'].includes(method),
        };
        let schema = completeOperation((transformed.schema ?? {}) as Record<string, unknown>, facts);
        if (streamed) {
          const body = z.toJSONSchema(streamed.schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' });
          // The schema and example are those of one line; the description shows a whole stream.
          const [firstLine] = streamed.example.split('\n');
          const description = `${streamed.description}\n\nExample stream:\n\n    ${streamed.example.split('\n').join('\n    ')}`;
          schema = {
            ...schema,
            body: { description, content: { [streamed.contentType]: { schema: { ...body, example: JSON.parse(firstLine!) } } } },
          };
        }
        const produces = input.route.config?.alsoProduces;
        if (produces) schema = withAlternativeContent(schema, produces);
        return { ...transformed, schema };
      },
      transformObject: (input) =>
        withResponseHeaders(withoutUnusedComponents(nullableEnumsListNull(jsonSchemaTransformObject(input)) as never)) as never,
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
