// What the registry adds to the OpenAPI document generated from the Zod schemas, so that it
// tells the truth to tools that generate clients and validate answers: the error answers every
// route can give, an operationId for each route, who may call it, and the OpenAPI 3.0 spelling of
// nullable enumerations. Pure functions over plain objects: unit-tested beside this file.

type Json = Record<string, unknown>;

export const ERROR_SCHEMA_REF = { $ref: '#/components/schemas/Error' } as const;

/** Why each status can come back from a route, whatever the route does. */
const ERROR_RESPONSES: Record<string, string> = {
  '400': 'The request is malformed or a value is refused (code VALIDATION_FAILED and others; `field` names the value at fault)',
  '401': 'No API key, or an unknown, expired or revoked one (UNAUTHENTICATED, API_KEY_EXPIRED, API_KEY_REVOKED)',
  '403': "The key's role may not use this route (FORBIDDEN)",
  '413': 'The body is larger than the service accepts (PAYLOAD_TOO_LARGE)',
  '415': 'The body is not of a media type this route reads (UNSUPPORTED_MEDIA_TYPE)',
  '429': 'Too many requests from this key or address (RATE_LIMITED; see Retry-After)',
  '500': 'Something failed on the service’s side (INTERNAL_ERROR; the requestId finds it in the log)',
  '503': 'The database is not reachable, the service is shutting down, or a concurrent write collided (see Retry-After)',
  '504': 'A query took too long and was cancelled (QUERY_TIMEOUT)',
};

export interface RouteFacts {
  method: string;
  url: string;
  /** Public routes need no API key (health, documentation). */
  isPublic: boolean;
  /** The route reads a body (JSON or a stream). */
  hasBody: boolean;
}

/** The error statuses a route can answer with, beyond those it declares itself. */
export function errorStatusesOf(route: RouteFacts): string[] {
  return Object.keys(ERROR_RESPONSES).filter((status) => {
    if (status === '401' || status === '403') return !route.isPublic;
    if (status === '413' || status === '415') return route.hasBody;
    if (status === '504') return !route.url.startsWith('/health/live');
    return true;
  });
}

/** A stable operationId from method and path: `PUT /api/v1/trajectories/:reference` → `putTrajectoriesByReference`. */
export function operationIdOf(method: string, url: string): string {
  const words = url
    .replace(/^\/api\/v1/, '')
    .split('/')
    .filter(Boolean)
    .map((segment) => (segment.startsWith(':') ? `by-${segment.slice(1)}` : segment))
    .flatMap((segment) => segment.split(/[-_]/))
    .filter(Boolean);
  return [method.toLowerCase(), ...words.map((word) => word[0]!.toUpperCase() + word.slice(1))].join('');
}

/** Adds the route's undeclared error answers (with the error schema), its operationId and its security. */
export function completeOperation(schema: Json, route: RouteFacts): Json {
  const response = { ...((schema.response as Json | undefined) ?? {}) };
  for (const status of errorStatusesOf(route)) {
    response[status] ??= { description: ERROR_RESPONSES[status], content: { 'application/json': { schema: ERROR_SCHEMA_REF } } };
  }
  return {
    ...schema,
    operationId: schema.operationId ?? operationIdOf(route.method, route.url),
    response,
    ...(route.isPublic ? { security: [] } : {}),
  };
}

/**
 * OpenAPI 3.0 says `nullable: true` does not extend an `enum`: a nullable enumeration must list
 * `null` among its values, or validating clients refuse a null they were promised.
 */
export function nullableEnumsListNull<T>(value: T): T {
  if (Array.isArray(value)) return value.map(nullableEnumsListNull) as T;
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value as Json).map(([key, child]) => [key, nullableEnumsListNull(child)] as const);
  const result = Object.fromEntries(entries) as Json;
  if (result.nullable === true && Array.isArray(result.enum) && !result.enum.includes(null)) result.enum = [...result.enum, null];
  return result as T;
}

/**
 * Drops component schemas nothing refers to (the request-side copies the Zod provider registers),
 * and lists the others by name: the provider lists them in the order Zod's registry met them, the
 * order in which modules happened to load (a test file that imported a module's schemas before the
 * application did changed the document).
 */
export function withoutUnusedComponents<T extends { components?: { schemas?: Record<string, unknown> } }>(document: T): T {
  const schemas = document.components?.schemas;
  if (!schemas) return document;
  const text = (value: unknown) => JSON.stringify(value);
  const { components, ...rest } = document;
  const used = new Set<string>();
  // Reachable from the paths, then from the components those refer to, until nothing new is found.
  let frontier = text(rest);
  for (;;) {
    const found = [...frontier.matchAll(/#\/components\/schemas\/([\w.-]+)/g)].map((match) => match[1]!).filter((name) => !used.has(name));
    if (found.length === 0) break;
    for (const name of found) used.add(name);
    frontier = text(found.map((name) => schemas[name]));
  }
  return {
    ...document,
    components: {
      ...components,
      schemas: Object.fromEntries(
        Object.entries(schemas)
          .filter(([name]) => used.has(name))
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      ),
    },
  };
}

/** The response headers the service sets (security.ts, errors.ts, the ingest, FHIR and statistics routes). */
export const RESPONSE_HEADERS: Record<string, Json> = {
  RequestId: {
    description: 'The request’s id (also in every error body as requestId); quote it to the operators',
    schema: { type: 'string' },
  },
  RetryAfter: { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } },
  RateLimitLimit: { description: 'Requests allowed per window for this key (or address)', schema: { type: 'integer' } },
  RateLimitRemaining: { description: 'Requests left in the current window', schema: { type: 'integer' } },
  RateLimitReset: { description: 'Seconds until the window starts again', schema: { type: 'integer' } },
  IdempotentReplayed: {
    description:
      'true when this answer is the stored report of an earlier request with the same Idempotency-Key (nothing was written again)',
    schema: { type: 'string', enum: ['true'] },
  },
  DisclosureControl: {
    description: 'The CSV answer’s disclosure control: method, perturbation table and release (the JSON answer carries it in its body)',
    schema: { type: 'string' },
  },
};

const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });

/**
 * Documents the response headers on every answer they come with, and a 204 as an answer
 * without a body (the generator gives it a JSON `null`).
 */
export function withResponseHeaders<T extends { paths?: Record<string, Record<string, Json>>; components?: Json }>(document: T): T {
  const paths = Object.fromEntries(
    Object.entries(document.paths ?? {}).map(([url, operations]) => [
      url,
      Object.fromEntries(
        Object.entries(operations).map(([method, operation]) => {
          // The rate limit spares the health routes only (security.ts), public or not.
          const rateLimited = !url.startsWith('/health/');
          // A push with an Idempotency-Key (REST ingest, FHIR Bundles) may be answered from the stored
          // first answer (200 or 422), or refused while that first request still runs (409, with Retry-After).
          const takesIdempotencyKey = ((operation.parameters as Json[] | undefined) ?? []).some(
            (parameter) => parameter.in === 'header' && String(parameter.name).toLowerCase() === 'idempotency-key',
          );
          const responses = Object.fromEntries(
            Object.entries((operation.responses as Record<string, Json> | undefined) ?? {}).map(([status, response]) => {
              const headers: Json = { ...((response.headers as Json | undefined) ?? {}), 'X-Request-Id': headerRef('RequestId') };
              if (rateLimited) {
                headers['X-RateLimit-Limit'] = headerRef('RateLimitLimit');
                headers['X-RateLimit-Remaining'] = headerRef('RateLimitRemaining');
                headers['X-RateLimit-Reset'] = headerRef('RateLimitReset');
              }
              if (status === '429' || status === '503' || (status === '409' && takesIdempotencyKey))
                headers['Retry-After'] = headerRef('RetryAfter');
              if ((status === '200' || status === '422') && takesIdempotencyKey)
                headers['Idempotent-Replayed'] = headerRef('IdempotentReplayed');
              if (status === '200' && url.startsWith('/api/v1/statistics/{'))
                headers['X-Disclosure-Control'] = headerRef('DisclosureControl');
              const { content, ...rest } = response;
              return [status, { ...rest, ...(status === '204' ? {} : content ? { content } : {}), headers }];
            }),
          );
          return [method, { ...operation, responses }];
        }),
      ),
    ]),
  );
  return { ...document, paths, components: { ...(document.components ?? {}), headers: RESPONSE_HEADERS } };
}
