import type { FastifyInstance } from 'fastify';

// The API's surface as the service itself describes it: the operations of its OpenAPI document,
// the routes it really serves, and a check of an answer against its documented schema. Tests
// iterate over these instead of a hand-written list, so a new route is covered (or named as
// uncovered) without anyone remembering to add it.

export type JsonSchema = {
  $ref?: string;
  type?: string;
  format?: string;
  pattern?: string;
  enum?: unknown[];
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  default?: unknown;
  example?: unknown;
};

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: JsonSchema;
}

interface Media {
  schema?: JsonSchema;
  example?: unknown;
}

export interface Operation {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** As in the document, with `{name}` placeholders. */
  path: string;
  parameters: Parameter[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
  security?: unknown[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Omit<Operation, 'method' | 'path'>>>;
  components: { schemas: Record<string, JsonSchema> };
}

export async function openApiDocument(app: FastifyInstance): Promise<OpenApiDocument> {
  const response = await app.inject({ url: '/docs/json' });
  if (response.statusCode !== 200) throw new Error(`no OpenAPI document: ${response.statusCode}`);
  return response.json();
}

export function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({
      ...operation,
      parameters: operation.parameters ?? [],
      method: method.toUpperCase() as Operation['method'],
      path,
    })),
  );
}

/** Public operations (health) declare `security: []`; the rest need a key. */
export const isPublic = (operation: Operation) => operation.path.startsWith('/health/');

export function resolveSchema(schema: JsonSchema, document: OpenApiDocument): JsonSchema {
  let current = schema;
  for (let hops = 0; current.$ref && hops < 10; hops += 1) {
    current = document.components.schemas[current.$ref.split('/').pop()!]!;
  }
  return current;
}

/** The documented schema of an answer with this status (JSON only), if the route documents one. */
export function responseSchema(document: OpenApiDocument, operation: Operation, status: number): JsonSchema | undefined {
  const response = operation.responses[String(status)] ?? operation.responses[`${String(status)[0]}XX`] ?? operation.responses.default;
  const schema = response?.content?.['application/json']?.schema;
  return schema && resolveSchema(schema, document);
}

/**
 * Paths in `value` that its schema does not describe: properties beyond `properties` where
 * `additionalProperties` is false. Empty when the answer holds nothing undocumented.
 */
export function undocumentedFields(value: unknown, schema: JsonSchema, document: OpenApiDocument, at = '$'): string[] {
  const resolved = resolveSchema(schema, document);
  if (value === null || value === undefined) return [];
  const alternatives = resolved.anyOf ?? resolved.oneOf;
  if (alternatives) {
    const results = alternatives.map((alternative) => undocumentedFields(value, alternative, document, at));
    return results.find((result) => result.length === 0) ?? results[0] ?? [];
  }
  if (resolved.allOf) {
    const merged: JsonSchema = { type: 'object', properties: {}, additionalProperties: false };
    for (const part of resolved.allOf.map((entry) => resolveSchema(entry, document))) Object.assign(merged.properties!, part.properties);
    return undocumentedFields(value, merged, document, at);
  }
  if (Array.isArray(value)) {
    return resolved.items ? value.flatMap((item, index) => undocumentedFields(item, resolved.items!, document, `${at}[${index}]`)) : [];
  }
  if (typeof value !== 'object') return [];
  const found: string[] = [];
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const property = resolved.properties?.[key];
    if (property) found.push(...undocumentedFields(child, property, document, `${at}.${key}`));
    else if (typeof resolved.additionalProperties === 'object')
      found.push(...undocumentedFields(child, resolved.additionalProperties, document, `${at}.${key}`));
    else if (resolved.additionalProperties === false || resolved.properties) found.push(`${at}.${key}`);
  }
  return found;
}

/** Fills `{name}` placeholders of a documented path. */
export const fillPath = (path: string, values: Record<string, string>) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? `missing-${name}`));

export interface ServedRoute {
  method: string;
  /** In the document's notation: `:name` becomes `{name}`. */
  path: string;
}

/** The routes the application really serves (Fastify's own route tree), without HEAD. */
export function servedRoutes(app: FastifyInstance): ServedRoute[] {
  const routes: ServedRoute[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (.*?) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    const path = stack.join('').replace(/:(\w+)/g, '{$1}');
    for (const method of match[3]!.split(', ')) if (method !== 'HEAD') routes.push({ method, path });
  }
  return routes;
}

/** A registry key (HMAC-SHA-256, hex), an API key hash, or any other 64-hex digest. */
export const HEX_DIGEST = /\b[0-9a-f]{64}\b/;
/** A source pseudonym as institutions send it. */
export const SOURCE_PSEUDONYM = /sp1\.[A-Za-z0-9_-]{43}/;
/** An API key secret. */
export const API_KEY_SECRET = /crr_[A-Za-z0-9_-]{20,}/;
/** A calendar date. */
export const CALENDAR_DATE = /\d{4}-\d{2}-\d{2}/;
