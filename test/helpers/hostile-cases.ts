import type { InjectOptions } from 'fastify';
import { measurementBody, trajectoryBody, uniqueReference } from './records';

// Hostile input by class, as a tester throws it at the public API: encodings, depth, size,
// numbers, unicode, content types and GraphQL shapes. Each case is sent once; the suite
// (test/hostile-input.test.ts) requires no 5xx, the documented error shape, nothing written
// and an audit event for every one. Where a case is about the transport (encoding, content
// type), its record is invalid too, so that whatever the transport does, nothing may be written.

export interface HostileKeys {
  institution: string;
  researcher: string;
}

export interface HostileCase {
  kind: 'encoding' | 'depth' | 'size' | 'number' | 'unicode' | 'content type' | 'graphql';
  name: string;
  request: InjectOptions;
  /** The refusal this case must get, where "no 5xx" is not enough (issue #27: 200 was answered). */
  refusal?: { status: number; code: string; field?: string };
}

/** Limits the suite's app runs with (small, so the size cases stay cheap). */
export const HOSTILE_LIMITS = { BODY_LIMIT_BYTES: '65536', INGEST_MAX_BYTES: '262144', INGEST_MAX_LINE_BYTES: '8192' };

const nestedArrays = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
const nestedObjects = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

export function hostileCases(keys: HostileKeys): HostileCase[] {
  const cases: HostileCase[] = [];
  const add = (kind: HostileCase['kind'], name: string, request: InjectOptions, refusal?: HostileCase['refusal']) =>
    cases.push({ kind, name, request, ...(refusal ? { refusal } : {}) });
  const institution = { authorization: keys.institution };
  const researcher = { authorization: keys.researcher, 'x-purpose-of-use': 'system_test' };
  const json = { 'content-type': 'application/json' };
  const ndjsonType = { 'content-type': 'application/x-ndjson' };
  const putTrajectory = (payload: InjectOptions['payload'], headers: Record<string, string> = json, reference = uniqueReference('T')) =>
    ({ method: 'PUT', url: `/api/v1/trajectories/${reference}`, headers: { ...institution, ...headers }, payload }) as InjectOptions;
  const trajectoryJson = (overrides: Record<string, unknown> = {}) => JSON.stringify(trajectoryBody(overrides));
  /** A trajectory the schema refuses, for cases about the transport. */
  const refusedJson = trajectoryJson({ researchConsent: 'maybe' });
  const graphql = (payload: unknown, headers: Record<string, string> = json) =>
    ({
      method: 'POST',
      url: '/graphql',
      headers: { ...researcher, ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    }) as InjectOptions;
  const ingest = (body: string | Buffer, mode = 'atomic', headers: Record<string, string> = ndjsonType) =>
    ({ method: 'POST', url: `/api/v1/ingest?mode=${mode}`, headers: { ...institution, ...headers }, payload: body }) as InjectOptions;
  const measurementLine = (overrides: Record<string, unknown>) =>
    JSON.stringify({ type: 'measurement', reference: uniqueReference('M'), ...measurementBody(uniqueReference('T')), ...overrides });

  // Encodings: paths and query strings that are not valid percent-encoding, and bodies that are not UTF-8.
  for (const path of ['%', '%E0%A4%A', '%zz', '%C0%AE%C0%AE', '%FF%FE', 'T%00X', '%ED%A0%80']) {
    add('encoding', `path segment ${path}`, { method: 'GET', url: `/api/v1/trajectories/${path}`, headers: institution });
    add('encoding', `path segment ${path} on a write`, { ...putTrajectory(refusedJson), url: `/api/v1/trajectories/${path}` });
  }
  add('encoding', 'unknown route, bad encoding, no key', { method: 'GET', url: '/%E0%A4%A' });
  add('encoding', 'double-encoded traversal', { method: 'GET', url: '/api/v1/trajectories/..%252f..%252fapi-keys', headers: institution });
  add('encoding', 'dot segments in the path', {
    method: 'GET',
    url: '/api/v1/../v1/trajectories/../../admin/api-keys',
    headers: institution,
  });
  for (const query of ['after=%E0%A4%A', 'limit=%', 'mode=%zz', 'after=%00']) {
    add('encoding', `query string ${query}`, { method: 'GET', url: `/api/v1/trajectories?${query}`, headers: institution });
  }
  add('encoding', 'ingest mode badly encoded', ingest(`${measurementLine({})}\n`, '%E0%A4%A'));
  add('encoding', 'JSON body that is not UTF-8', putTrajectory(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])));
  add(
    'encoding',
    'JSON body in UTF-16 with a byte-order mark',
    putTrajectory(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(trajectoryJson(), 'utf16le')])),
  );
  add('encoding', 'JSON body with a UTF-8 byte-order mark', putTrajectory(`\ufeff${refusedJson}`));
  add(
    'encoding',
    'NDJSON line that is not UTF-8',
    ingest(Buffer.concat([Buffer.from('{"type":"measurement","reference":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')])),
  );
  add('encoding', 'gzip declared, not gzipped', putTrajectory(refusedJson, { ...json, 'content-encoding': 'gzip' }));
  add(
    'encoding',
    'JSON with escaped lone surrogate in a reference',
    putTrajectory(JSON.stringify({ ...trajectoryBody(), subject: { ...trajectoryBody().subject, pseudonym: 'sp1.\ud800' } })),
  );

  // Depth: nesting far beyond any request, in every place JSON or GraphQL is parsed.
  for (const levels of [33, 1_000, 10_000, 100_000]) {
    add('depth', `JSON body, arrays ${levels} deep`, putTrajectory(nestedArrays(levels)));
    add('depth', `JSON body, objects ${levels} deep`, putTrajectory(`{"subject":${nestedObjects(levels)}}`));
    add(
      'depth',
      `GraphQL variables ${levels} deep`,
      graphql(`{"query":"query Q($unused: String) { apiVersion }","variables":{"unused":${nestedObjects(levels)}}}`),
    );
  }
  add('depth', 'GraphQL variables 6,000 deep over GET', {
    method: 'GET',
    url: `/graphql?query=${encodeURIComponent('query Q($v: String) { apiVersion }')}&variables=${encodeURIComponent(`{"v":${nestedObjects(6_000)}}`)}`,
    headers: researcher,
  });
  // Within the body limit, so the depth check itself (before the parser) is what refuses them.
  add('depth', 'GraphQL selections 2,000 deep', graphql({ query: `{ ${'t { '.repeat(2_000)}id${' }'.repeat(2_000)} }` }));
  add(
    'depth',
    'GraphQL list literal 5,000 deep',
    graphql({ query: `{ trajectories(filter: { programme: ${'['.repeat(5_000)}"x"${']'.repeat(5_000)} }) { nodes { id } } }` }),
  );
  add(
    'depth',
    'GraphQL object literal 3,000 deep',
    graphql({ query: `{ trajectories(filter: ${'{a:'.repeat(3_000)}1${'}'.repeat(3_000)}) { nodes { id } } }` }),
  );
  add('depth', 'GraphQL argument lists 3,000 deep', graphql({ query: `{ ${'a('.repeat(3_000)}${')'.repeat(3_000)} }` }));
  add(
    'depth',
    'GraphQL fragments spread 500 deep',
    graphql({
      query: `{ ...F0 } ${Array.from({ length: 500 }, (_, index) => `fragment F${index} on Query { ${index === 499 ? 'apiVersion' : `...F${index + 1}`} }`).join(' ')}`,
    }),
  );
  add(
    'depth',
    'GraphQL fields 11 deep (over the depth limit)',
    graphql({ query: `{ trajectories { nodes { ${'otherTrajectoriesOfSubject { '.repeat(10)}id${' }'.repeat(10)} } } }` }),
  );
  for (const mode of ['atomic', 'per_record']) {
    add('depth', `NDJSON line 10,000 deep (${mode})`, ingest(`{"type":"measurement","x":${nestedArrays(3_000)}}\n`, mode));
    add('depth', `NDJSON line 10,000 deep, keyed (${mode})`, {
      ...ingest(`{"type":"trajectory","subject":${nestedObjects(1_500)}}\n`, mode),
      headers: { ...institution, ...ndjsonType, 'idempotency-key': `hostile-${mode}-${uniqueReference('k')}` },
    });
  }

  // Size: bodies, lines, documents, headers and paths beyond their limits or absurdly large within them.
  add('size', 'JSON body over the body limit', putTrajectory(JSON.stringify({ ...trajectoryBody(), padding: 'x'.repeat(70_000) })));
  add('size', 'GraphQL document over the body limit', graphql({ query: `{ apiVersion } # ${'x'.repeat(70_000)}` }));
  add(
    'size',
    'GraphQL with 1,000 aliases',
    graphql({ query: `{ ${Array.from({ length: 1_000 }, (_, index) => `a${index}: apiVersion`).join(' ')} }` }),
  );
  add(
    'size',
    'GraphQL with 5,000 aliases',
    graphql({ query: `{ ${Array.from({ length: 5_000 }, (_, index) => `a${index}: apiVersion`).join(' ')} }` }),
  );
  add('size', 'GraphQL with 3,000 directives', graphql({ query: `{ apiVersion ${'@include(if: true) '.repeat(3_000)}}` }));
  add(
    'size',
    'GraphQL variables with 5,000 keys',
    graphql({ query: '{ apiVersion }', variables: Object.fromEntries(Array.from({ length: 5_000 }, (_, index) => [`v${index}`, index])) }),
  );
  add('size', 'GraphQL page of a million', graphql({ query: '{ trajectories(first: 1000000) { nodes { id } } }' }));
  add('size', 'NDJSON line over the line limit', ingest(`${measurementLine({ padding: 'x'.repeat(9_000) })}\n`));
  add('size', 'NDJSON stream over the stream limit', ingest(`${measurementLine({})}\n`.repeat(2_000)));
  add('size', 'NDJSON of blank lines only', ingest('\n'.repeat(50_000)));
  add('size', 'empty NDJSON body', ingest(''));
  add('size', 'empty JSON body', putTrajectory(''));
  add('size', 'reference of 10,000 characters', putTrajectory(trajectoryJson(), json, 'T'.repeat(10_000)));
  add('size', 'reference of 65 characters', putTrajectory(trajectoryJson(), json, 'T'.repeat(65)));
  add('size', '2,000 query parameters', {
    method: 'GET',
    url: `/api/v1/trajectories?${Array.from({ length: 2_000 }, (_, index) => `p${index}=1`).join('&')}`,
    headers: institution,
  });
  add('size', 'a query parameter repeated 2,000 times', {
    method: 'GET',
    url: `/api/v1/trajectories?${'limit=1&'.repeat(2_000)}`,
    headers: institution,
  });
  add('size', 'user agent of 100,000 characters', putTrajectory('{', { ...json, 'user-agent': 'x'.repeat(100_000) }));
  add('size', 'purpose of use of 10,000 characters', {
    method: 'GET',
    url: '/api/v1/trajectories',
    headers: { ...institution, 'x-purpose-of-use': `system_test:${'x'.repeat(10_000)}` },
  });
  add('size', 'Idempotency-Key of 129 characters', {
    ...ingest(`${measurementLine({})}\n`),
    headers: { ...institution, ...ndjsonType, 'idempotency-key': 'k'.repeat(129) },
  });
  add('size', 'array of 50,000 topics', {
    method: 'PUT',
    url: `/api/v1/care-activities/${uniqueReference('A')}`,
    headers: { ...institution, ...json },
    payload: JSON.stringify({
      trajectoryReference: uniqueReference('T'),
      activityTypeCode: 'mentor_conversation',
      date: '2024-01-22',
      durationMinutes: 60,
      topics: Array.from({ length: 50_000 }, () => 'safety'),
    }),
  });

  // Numbers: out of range, not finite, not integers, not numbers.
  for (const [label, value] of [
    ['1e309 (infinity)', '1e309'],
    ['-1e309', '-1e309'],
    ['1e-400', '1e-400'],
    ['2^53 + 1', '9007199254740993'],
    ['-0', '-0'],
    ['1e21', '1e21'],
    ['a string', '"31"'],
    ['true', 'true'],
    ['null', 'null'],
    ['an array', '[31]'],
  ] as const) {
    add('number', `measurement value ${label}`, {
      method: 'PUT',
      url: `/api/v1/measurements/${uniqueReference('M')}`,
      headers: { ...institution, ...json },
      payload: `{"trajectoryReference":"${uniqueReference('T')}","instrumentCode":"trauma_symptoms","informant":"youth","date":"2024-02-01","value":${value}}`,
    });
  }
  for (const birthYear of ['2009.5', '1e4', '-2009', '"2009"', '99999999999999999999']) {
    add('number', `birth year ${birthYear}`, putTrajectory(trajectoryJson().replace('"birthYear":2009', `"birthYear":${birthYear}`)));
  }
  add('number', 'an age of −10 at the start', putTrajectory(trajectoryJson({ subject: { ...trajectoryBody().subject, birthYear: 2034 } })));
  add('number', 'an age of 44 at the start', putTrajectory(trajectoryJson({ subject: { ...trajectoryBody().subject, birthYear: 1980 } })));
  for (const limit of ['-1', '0', '1e309', '9999999999', 'abc', '1.5', '0x10', '', '1e2', ' 5 ', '+5', '٥']) {
    add(
      'number',
      `page limit ${JSON.stringify(limit)}`,
      { method: 'GET', url: `/api/v1/trajectories?limit=${encodeURIComponent(limit)}`, headers: institution },
      { status: 400, code: 'VALIDATION_FAILED', field: 'querystring.limit' },
    );
  }
  for (const first of ['2147483648', '-1', '0', '1.5', '"10"', 'null']) {
    add('number', `GraphQL first: ${first}`, graphql({ query: `{ trajectories(first: ${first}) { nodes { id } } }` }));
  }
  add(
    'number',
    'GraphQL Int variable past 2^31',
    graphql({ query: 'query($n: Int) { trajectories(first: $n) { nodes { id } } }', variables: { n: 2 ** 40 } }),
  );
  add(
    'number',
    'GraphQL phase start day past 2^31',
    graphql({ query: '{ trajectories(first: 1) { nodes { series { nonOverlap(phaseStartDay: 99999999999) { nap } } } } }' }),
  );
  add(
    'number',
    'NDJSON count of 1e21',
    ingest(
      `${JSON.stringify({ type: 'care_activity', reference: uniqueReference('A'), trajectoryReference: uniqueReference('T'), activityTypeCode: 'group_session', date: '2024-01-22' }).replace('}', ',"count":1e21}')}\n`,
    ),
  );

  // Unicode: control characters, invisible and look-alike characters, unpaired surrogates.
  for (const [label, text] of [
    ['U+0000', 'T\u0000X'],
    ['right-to-left override', 'T\u202eX'],
    ['zero-width joiner', 'T\u200dX'],
    ['emoji', 'T😀X'],
    ['full-width letters', 'ＴＸ'],
    ['combining marks', 'T\u0301\u0301\u0301X'],
    ['U+FFFF', 'T\uffffX'],
    ['full-width BSN', 'T-１２３４５６７８２'],
    ['look-alike at sign (e-mail)', 'anna＠example.nl'],
  ] as const) {
    add(
      'unicode',
      `reference with ${label} (NDJSON)`,
      ingest(`${JSON.stringify({ type: 'trajectory', reference: text, ...trajectoryBody() })}\n`),
    );
    add('unicode', `programme code with ${label}`, putTrajectory(trajectoryJson({ programmeCode: text })));
  }
  add('unicode', 'reference with U+0000 in the path', putTrajectory(trajectoryJson(), json, 'T%00X'));
  add(
    'unicode',
    'pseudonym with a zero-width space',
    putTrajectory(trajectoryJson({ subject: { ...trajectoryBody().subject, pseudonym: `${trajectoryBody().subject.pseudonym}\u200b` } })),
  );
  add(
    'unicode',
    'U+0000 in a GraphQL string argument',
    graphql({ query: '{ trajectories(filter: { programme: "a\\u0000b" }) { nodes { id } } }' }),
  );
  add(
    'unicode',
    'U+0000 in a GraphQL variable',
    graphql({ query: 'query($p: String) { trajectories(filter: { programme: $p }) { nodes { id } } }', variables: { p: 'a\u0000b' } }),
  );
  add(
    'unicode',
    'lone surrogate in a GraphQL variable',
    graphql(`{"query":"query($p: String) { trajectories(filter: { programme: $p }) { nodes { id } } }","variables":{"p":"\\ud800"}}`),
  );
  add('unicode', 'non-ASCII purpose of use', {
    method: 'GET',
    url: '/api/v1/trajectories',
    headers: { ...institution, 'x-purpose-of-use': 'systém_test' },
  });
  add('unicode', 'unknown field named in Cyrillic look-alikes', putTrajectory(JSON.stringify({ ...trajectoryBody(), раthway: 1 })));

  // Content types: what each route does not accept, or accepts under another name.
  for (const type of [
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/json; charset=utf-16',
    'application/jsonx',
    'application/x-ndjson',
  ]) {
    add('content type', `trajectory as ${type}`, putTrajectory(refusedJson, { 'content-type': type }));
  }
  add('content type', 'trajectory without a content type', {
    method: 'PUT',
    url: `/api/v1/trajectories/${uniqueReference('T')}`,
    headers: institution,
    payload: refusedJson,
  });
  for (const type of ['application/json', 'text/plain', 'application/x-ndjson; charset=latin1', 'application/ndjson; boundary=x']) {
    add('content type', `ingest as ${type}`, ingest(`${measurementLine({ value: 'x' })}\n`, 'atomic', { 'content-type': type }));
  }
  add('content type', 'ingest of JSON that is one array, not lines', ingest(`[${measurementLine({})}]`));
  add(
    'content type',
    'ingest of a NUL-separated stream',
    ingest(`${measurementLine({ value: 'x' })}\u0000${measurementLine({ value: 'y' })}`),
  );
  add('content type', 'GraphQL as text/plain', graphql('{ apiVersion }', { 'content-type': 'text/plain' }));
  add(
    'content type',
    'GraphQL as application/graphql with a bad document',
    graphql('{ apiVersion', { 'content-type': 'application/graphql' }),
  );
  add(
    'content type',
    'statistics asking for XML',
    { method: 'GET', url: '/api/v1/statistics/overview', headers: { authorization: keys.researcher, accept: 'application/xml' } },
    { status: 406, code: 'NOT_ACCEPTABLE', field: 'headers.accept' },
  );
  add('content type', 'JSON body on a GET', {
    method: 'GET',
    url: '/api/v1/trajectories?limit=x',
    headers: { ...institution, ...json },
    payload: '{"a":',
  });

  // GraphQL request shapes.
  const shapes: Array<[string, string]> = [
    ['query is a number', '{"query": 42}'],
    ['query is null', '{"query": null}'],
    ['query is an object', '{"query": {"a": 1}}'],
    ['query is empty', '{"query": ""}'],
    ['no query', '{}'],
    ['a batch', '[{"query": "{ apiVersion }"}, {"query": "{ apiVersion }"}]'],
    ['an empty batch', '[]'],
    ['a bare string', '"{ apiVersion }"'],
    ['variables is a string', '{"query": "{ apiVersion }", "variables": "{}"}'],
    ['variables is an array', '{"query": "{ apiVersion }", "variables": []}'],
    ['operationName is a number', '{"query": "{ apiVersion }", "operationName": 42}'],
    ['operationName is not a name', '{"query": "{ apiVersion }", "operationName": "a b"}'],
    ['extensions is a string', '{"query": "{ apiVersion }", "extensions": "x"}'],
    ['an unknown member', '{"query": "{ apiVersion }", "mutation": "x"}'],
    ['a __proto__ member', '{"query": "{ apiVersion }", "__proto__": {"admin": true}}'],
    ['a constructor.prototype member', '{"query": "{ apiVersion }", "constructor": {"prototype": {"admin": true}}}'],
    ['a syntax error', '{"query": "{ apiVersion"}'],
    ['an unknown field', '{"query": "{ nothingHere }"}'],
    ['a mutation (there are none)', '{"query": "mutation { apiVersion }"}'],
    ['a subscription (there are none)', '{"query": "subscription { apiVersion }"}'],
    ['two operations', '{"query": "query A { apiVersion } query B { apiVersion }", "operationName": "A"}'],
    ['a missing operation name', '{"query": "{ apiVersion }", "operationName": "Missing"}'],
    ['a fragment cycle', '{"query": "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"}'],
    ['an unknown directive', '{"query": "{ apiVersion @nope }"}'],
    ['a required variable missing', '{"query": "query($id: ID!) { trajectory(id: $id) { id } }"}'],
    ['a variable of the wrong type', '{"query": "query($id: ID!) { trajectory(id: $id) { id } }", "variables": {"id": {"a": 1}}}'],
    ['an undeclared variable', '{"query": "{ trajectory(id: $id) { id } }"}'],
    ['a cursor that is not one', '{"query": "{ trajectories(after: \\"!!\\") { nodes { id } } }"}'],
    ['a bad month filter', '{"query": "{ trajectories(filter: { startedFrom: \\"2024-13\\" }) { nodes { id } } }"}'],
  ];
  for (const [name, body] of shapes) add('graphql', name, graphql(body));
  add('graphql', 'a GET without a query', { method: 'GET', url: '/graphql', headers: researcher });
  add('graphql', 'a GET with variables that are not JSON', {
    method: 'GET',
    url: `/graphql?query=${encodeURIComponent('{ apiVersion }')}&variables=%7Bnope`,
    headers: researcher,
  });
  add('graphql', 'a GET with variables given twice', {
    method: 'GET',
    url: `/graphql?query=${encodeURIComponent('{ apiVersion }')}&variables=%7B%7D&variables=%7B%7D`,
    headers: researcher,
  });
  add('graphql', 'a GET with a mutation', {
    method: 'GET',
    url: `/graphql?query=${encodeURIComponent('mutation { x }')}`,
    headers: researcher,
  });
  add('graphql', 'a researcher without a purpose', {
    method: 'POST',
    url: '/graphql',
    headers: { authorization: keys.researcher, ...json },
    payload: '{"query": "{ trajectories { nodes { id } } }"}',
  });
  add('graphql', 'a purpose outside the vocabulary', {
    method: 'POST',
    url: '/graphql',
    headers: { authorization: keys.researcher, 'x-purpose-of-use': 'curiosity', ...json },
    payload: '{"query": "{ trajectories { nodes { id } } }"}',
  });
  add(
    'graphql',
    'an institution asking for another institution',
    graphql(
      { query: '{ trajectories(filter: { institution: "lindehof" }) { nodes { id } } }' },
      { ...json, authorization: keys.institution },
    ),
  );
  // 2,000 (the suite's 64 KB body limit); test/strict-input.test.ts sends 10,000. GraphQL answers
  // the refusal with 200 and its code in `errors`, as it answers every refused document.
  const typenames = Array.from({ length: 2_000 }, (_, index) => `t${index}: __typename`).join(' ');
  add('graphql', '2,000 aliases of __typename', graphql({ query: `{ ${typenames} }` }), { status: 200, code: 'VALIDATION_FAILED' });
  return cases;
}
