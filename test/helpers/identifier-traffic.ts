import type { FastifyInstance, InjectOptions } from 'fastify';
import { foldDigits } from '../../src/lib/digits';
import { IDENTIFIERS } from './identifiers';
import { measurementBody, ndjson, trajectoryBody, uniqueReference } from './records';

// Every place a request can carry an identifier, filled with each of IDENTIFIERS: the headers the
// service keeps (purpose of use, user agent, request id, Idempotency-Key) and those it does not,
// path segments and query strings of known and unknown routes, GraphQL documents and variables,
// and NDJSON records. The service must refuse or ignore each, and keep none of them.

export interface Keys {
  institution: string;
  researcher: string;
  auditor: string;
}

export interface CarriedIdentifier {
  carrier: string;
  identifier: string;
  request: InjectOptions;
}

const json = { 'content-type': 'application/json' };

export function identifierRequests(keys: Keys): CarriedIdentifier[] {
  const requests: CarriedIdentifier[] = [];
  for (const identifier of Object.values(IDENTIFIERS)) {
    const encoded = encodeURIComponent(identifier);
    const add = (carrier: string, request: InjectOptions) => requests.push({ carrier, identifier, request });
    const institutionGet = (headers: Record<string, string>) => ({
      method: 'GET' as const,
      url: '/api/v1/trajectories?limit=1',
      headers: { authorization: keys.institution, ...headers },
    });

    add('X-Purpose-Of-Use (free)', institutionGet({ 'x-purpose-of-use': identifier }));
    add('X-Purpose-Of-Use (reference code)', institutionGet({ 'x-purpose-of-use': `scientific_research:${identifier}` }));
    add('User-Agent', institutionGet({ 'user-agent': `ehr-connector/2.1 (${identifier})` }));
    add('X-Request-Id', institutionGet({ 'x-request-id': identifier }));
    add('X-Request-Id (embedded)', institutionGet({ 'x-request-id': `req-${identifier}` }));
    add('a header the service does not read', institutionGet({ 'x-contact': identifier }));
    add('Authorization', { method: 'GET', url: '/api/v1/trajectories', headers: { authorization: `Bearer ${identifier}` } });
    add('X-API-Key', { method: 'GET', url: '/api/v1/trajectories', headers: { 'x-api-key': identifier } });
    add('Idempotency-Key', {
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { authorization: keys.institution, 'content-type': 'application/x-ndjson', 'idempotency-key': `key-${identifier}` },
      payload: ndjson([{ type: 'trajectory', reference: uniqueReference('T'), ...trajectoryBody() }]),
    });
    add('path (record reference, read)', {
      method: 'GET',
      url: `/api/v1/trajectories/${encoded}`,
      headers: { authorization: keys.institution },
    });
    add('path (record reference, write)', {
      method: 'PUT',
      url: `/api/v1/trajectories/${encoded}`,
      headers: { authorization: keys.institution, ...json },
      payload: trajectoryBody(),
    });
    add('path (unknown route)', { method: 'GET', url: `/api/v1/${encoded}/x`, headers: { authorization: keys.institution } });
    add('path (unknown route, no key)', { method: 'GET', url: `/${encoded}` });
    add('query string', { method: 'GET', url: `/api/v1/trajectories?after=${encoded}`, headers: { authorization: keys.institution } });
    add('query string (unknown parameter)', {
      method: 'GET',
      url: `/api/v1/programmes?contact=${encoded}`,
      headers: { authorization: keys.institution },
    });
    add('query string (audit filter)', {
      method: 'GET',
      url: `/api/v1/audit/events?subjectKey=${encoded}`,
      headers: { authorization: keys.auditor },
    });
    add('query string (statistics)', {
      method: 'GET',
      url: `/api/v1/statistics/overview?groupBy=${encoded}`,
      headers: { authorization: keys.researcher },
    });
    add('GraphQL variable', {
      method: 'POST',
      url: '/graphql',
      headers: { authorization: keys.researcher, 'x-purpose-of-use': 'system_test', ...json },
      payload: { query: 'query Find($id: ID!) { trajectory(id: $id) { id } }', variables: { id: identifier } },
    });
    add('GraphQL variable of the wrong type (quoted in the error)', {
      method: 'POST',
      url: '/graphql',
      headers: { authorization: keys.researcher, 'x-purpose-of-use': 'system_test', ...json },
      payload: { query: 'query Page($first: Int) { trajectories(first: $first) { nodes { id } } }', variables: { first: identifier } },
    });
    add('GraphQL literal', {
      method: 'POST',
      url: '/graphql',
      headers: { authorization: keys.researcher, 'x-purpose-of-use': 'system_test', ...json },
      payload: { query: `{ trajectories(first: 1, filter: { programme: ${JSON.stringify(identifier)} }) { nodes { id } } }` },
    });
    // A GraphQL name holds letters, digits and "_" only: the identifier's digits, its separators as "_".
    const operationName = `Op${foldDigits(identifier.normalize('NFKC')).replace(/[^A-Za-z0-9_]/g, '_')}`;
    add('GraphQL operation name (document)', {
      method: 'POST',
      url: '/graphql',
      headers: { authorization: keys.researcher, 'x-purpose-of-use': 'system_test', ...json },
      payload: { query: `query ${operationName} { apiVersion }` },
    });
    add('GraphQL operation name (operationName)', {
      method: 'POST',
      url: '/graphql',
      headers: { authorization: keys.researcher, 'x-purpose-of-use': 'system_test', ...json },
      payload: { query: `query ${operationName} { apiVersion }`, operationName },
    });
    add('GraphQL field name (quoted in the error)', {
      method: 'POST',
      url: '/graphql',
      headers: { authorization: keys.researcher, 'x-purpose-of-use': 'system_test', ...json },
      payload: { query: `{ ${operationName} }` },
    });
    add('GraphQL over GET', {
      method: 'GET',
      url: `/graphql?query=${encodeURIComponent(`{ trajectory(id: ${JSON.stringify(identifier)}) { id } }`)}`,
      headers: { authorization: keys.researcher, 'x-purpose-of-use': 'system_test' },
    });
    add('JSON body (field)', {
      method: 'PUT',
      url: `/api/v1/measurements/${uniqueReference('M')}`,
      headers: { authorization: keys.institution, ...json },
      payload: measurementBody(identifier),
    });
    add('JSON body (key)', {
      method: 'PUT',
      url: `/api/v1/trajectories/${uniqueReference('T')}`,
      headers: { authorization: keys.institution, ...json },
      payload: { ...trajectoryBody(), [identifier]: 1 },
    });
    add('NDJSON record', {
      method: 'POST',
      url: '/api/v1/ingest?mode=per_record',
      headers: { authorization: keys.institution, 'content-type': 'application/x-ndjson' },
      payload: ndjson([
        { type: 'measurement', reference: identifier, ...measurementBody(uniqueReference('T')) },
        { type: 'trajectory', reference: uniqueReference('T'), ...trajectoryBody(), programmeCode: identifier },
      ]),
    });
  }
  return requests;
}

/** Sends every request; returns them with their answers. */
export async function sendIdentifiers(app: FastifyInstance, keys: Keys) {
  const sent = [];
  for (const carried of identifierRequests(keys)) sent.push({ ...carried, response: await app.inject(carried.request) });
  return sent;
}
