import type { FastifyRequest } from 'fastify';
import { AppError } from '../lib/errors';
import { graphqlNestsDeeperThan, jsonNestsDeeperThan, MAX_NESTING_DEPTH } from '../lib/nesting-depth';

// The shape of a GraphQL request over HTTP (https://graphql.github.io/graphql-over-http/), checked
// before Mercurius sees it: a query that is not a string, variables that are not an object, or a
// document or variables nested deeper than anything the schema allows are the client's mistake
// (400), not something for the parser, the executor or the audit hash to trip over.

const MEMBERS = new Set(['query', 'operationName', 'variables', 'extensions']);
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;

const invalid = (message: string, field: string) => new AppError('VALIDATION_FAILED', message, { field });
const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function checkMembers(request: Record<string, unknown>, where: 'body' | 'query'): AppError | undefined {
  for (const name of Object.keys(request)) {
    if (!MEMBERS.has(name)) return invalid('A GraphQL request has only query, operationName, variables and extensions.', `${where}.[key]`);
  }
  const { query, operationName } = request;
  if (typeof query !== 'string' || query.trim() === '') return invalid('query must be a GraphQL document, as a string.', `${where}.query`);
  if (graphqlNestsDeeperThan(query, MAX_NESTING_DEPTH)) {
    return invalid(
      `The document nests deeper than ${MAX_NESTING_DEPTH} levels (selections, arguments and lists together).`,
      `${where}.query`,
    );
  }
  if (operationName !== undefined && operationName !== null && (typeof operationName !== 'string' || !OPERATION_NAME.test(operationName))) {
    return invalid('operationName must be the name of an operation in the document.', `${where}.operationName`);
  }
  return undefined;
}

/** Returns why the request is refused, or undefined when Mercurius may have it. */
export function checkGraphqlRequest(request: FastifyRequest): AppError | undefined {
  if (request.method === 'GET') {
    const parameters = (request.query ?? {}) as Record<string, unknown>;
    const problem = checkMembers(parameters, 'query');
    if (problem) return problem;
    for (const name of ['variables', 'extensions'] as const) {
      const text = parameters[name];
      if (text === undefined) continue;
      if (typeof text !== 'string') return invalid(`${name} must be given once, as JSON.`, `query.${name}`);
      if (jsonNestsDeeperThan(text, MAX_NESTING_DEPTH))
        return invalid(`${name} nests deeper than ${MAX_NESTING_DEPTH} levels.`, `query.${name}`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return new AppError('INVALID_JSON', `${name} is not valid JSON.`, { field: `query.${name}` });
      }
      if (!isPlainObject(parsed)) return invalid(`${name} must be a JSON object.`, `query.${name}`);
    }
    return undefined;
  }
  const body = request.body;
  if (!isPlainObject(body)) return invalid('The body must be one GraphQL request: a JSON object with a query.', 'body');
  const problem = checkMembers(body, 'body');
  if (problem) return problem;
  // JSON bodies were measured before parsing (json-body.ts); these are the members' own types.
  if (body.variables !== undefined && body.variables !== null && !isPlainObject(body.variables))
    return invalid('variables must be an object.', 'body.variables');
  if (body.extensions !== undefined && !isPlainObject(body.extensions)) return invalid('extensions must be an object.', 'body.extensions');
  return undefined;
}
