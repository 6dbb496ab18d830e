import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

// The contract check: every answer the test suite receives from a documented route is validated
// against the service's own OpenAPI document — its status must be documented for the route, its
// media type for that status, a JSON body must satisfy the schema (strict Ajv), and a response
// header the document names anywhere must be documented for that status. A mismatch is
// recorded here and fails the test that received it (see contract-setup.ts), so the document
// cannot drift from what the service really answers.

type Json = Record<string, unknown>;
interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: Json }>; headers?: Record<string, unknown> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Json> };
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Mismatches found since the last test ended. */
export const contractViolations: string[] = [];

/** OpenAPI 3.0 schema → JSON Schema for Ajv: `nullable`, local component refs, no examples. */
export function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== 'object') return node;
  const { nullable, example: _example, examples: _examples, ...rest } = node as Json;
  const converted = Object.fromEntries(
    Object.entries(rest).map(([key, value]) => [key, key === 'enum' || key === 'const' ? value : toJsonSchema(value)]),
  ) as Json;
  if (typeof converted.$ref === 'string') converted.$ref = converted.$ref.replace('#/components/schemas/', '#/$defs/');
  if (nullable !== true) return converted;
  if (typeof converted.type === 'string') return { ...converted, type: [converted.type, 'null'] };
  return { anyOf: [converted, { type: 'null' }] };
}

/** Fastify's `/a/:b` as OpenAPI's `/a/{b}`. */
const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

export function checkContract(app: FastifyInstance): void {
  let document: Document | undefined;
  let definitions: Json | undefined;
  let headerNames: Set<string> | undefined;
  const ajv = addFormats(new Ajv({ strict: true, strictTypes: false, allErrors: true }));
  const validators = new Map<string, ValidateFunction>();

  const validatorFor = (key: string, schema: Json) => {
    let validate = validators.get(key);
    if (!validate) {
      validate = ajv.compile({ ...(toJsonSchema(schema) as Json), $defs: definitions });
      validators.set(key, validate);
    }
    return validate;
  };

  app.addHook('onSend', async (request, reply, payload) => {
    const url = request.routeOptions.url;
    // 499 (CLIENT_ABORTED) is recorded for a client that went away: no answer reaches anyone.
    if (!url || reply.statusCode === 499) return payload;
    document ??= app.swagger() as unknown as Document;
    definitions ??= Object.fromEntries(
      Object.entries(document.components?.schemas ?? {}).map(([name, schema]) => [name, toJsonSchema(schema)]),
    );
    const path = openApiPath(url);
    const operation = document.paths[path]?.[request.method.toLowerCase()];
    if (!operation) return payload; // Not a documented route (GraphQL, the documentation itself).
    const where = `${request.method} ${path} → ${reply.statusCode}`;
    const response = operation.responses[String(reply.statusCode)] ?? operation.responses.default;
    if (!response) {
      contractViolations.push(`${where}: this status is not documented for the route`);
      return payload;
    }
    // The headers the document names (Retry-After, X-RateLimit-*, …): sent only where documented.
    headerNames ??= new Set(
      Object.values(document.paths).flatMap((operations) =>
        Object.values(operations).flatMap((documented) =>
          Object.values(documented.responses ?? {}).flatMap((answer) =>
            Object.keys(answer.headers ?? {}).map((name) => name.toLowerCase()),
          ),
        ),
      ),
    );
    const documentedHeaders = new Set(Object.keys(response.headers ?? {}).map((name) => name.toLowerCase()));
    for (const name of headerNames) {
      if (reply.hasHeader(name) && !documentedHeaders.has(name))
        contractViolations.push(`${where}: header ${name} is not documented for this answer`);
    }
    const type = String(reply.getHeader('content-type') ?? '')
      .split(';')[0]!
      .trim();
    if (!type || reply.statusCode === 204) return payload;
    const media = response.content?.[type];
    if (!media) {
      contractViolations.push(
        `${where}: media type ${type} is not documented (documented: ${Object.keys(response.content ?? {}).join(', ') || 'none'})`,
      );
      return payload;
    }
    if (type !== 'application/json' || !media.schema) return payload;
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload; // A stream: not buffered here.
    let body: unknown;
    try {
      body = JSON.parse(payload.toString());
    } catch {
      contractViolations.push(`${where}: the body is not JSON`);
      return payload;
    }
    const validate = validatorFor(`${request.method} ${path} ${reply.statusCode}`, media.schema);
    if (!validate(body)) {
      const problems = (validate.errors ?? []).slice(0, 5).map((error) => `${error.instancePath || '/'} ${error.message}`);
      contractViolations.push(`${where}: the body does not match the documented schema: ${problems.join('; ')}`);
    }
    return payload;
  });
}
